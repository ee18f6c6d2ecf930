// Query fields of the order subgraph.
import { selectsTotalCount } from '@desk/shared';
import type { QueryResolvers } from '../generated/graphql';

export const Query: QueryResolvers = {
  products: (_parent, args, ctx, info) => ctx.catalogue.products({ ...args, withTotal: selectsTotalCount(info) }),
  product: (_parent, { id }, ctx) => ctx.catalogue.product(id),
  categories: (_parent, _args, ctx) => ctx.catalogue.categories(),
  order: (_parent, { id }, ctx) => ctx.orders.order(id),
  orders: (_parent, args, ctx, info) => ctx.orders.list({ ...args, withTotal: selectsTotalCount(info) }),
};
