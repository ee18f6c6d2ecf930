// The catalogue's types: Product (an entity other subgraphs may reference) and Category.
import { selectsTotalCount } from '@desk/shared';
import type { CategoryResolvers, ProductResolvers } from '../generated/graphql';

export const Product: ProductResolvers = {
  __resolveReference: (reference, ctx) => ctx.catalogue.product(reference.id),
  category: (product, _args, ctx) => ctx.catalogue.category(product.categoryId),
};

export const Category: CategoryResolvers = {
  products: (category, args, ctx, info) => ctx.catalogue.productsOf(category, { ...args, withTotal: selectsTotalCount(info) }),
};
