// Mutation fields of the order subgraph.
import type { MutationResolvers } from '../generated/graphql';

export const Mutation: MutationResolvers = {
  createCategory: (_parent, { input }, ctx) => ctx.catalogue.createCategory(input),
  createProduct: (_parent, { input }, ctx) => ctx.catalogue.createProduct(input),
  updateProduct: (_parent, { id, input }, ctx) => ctx.catalogue.updateProduct(id, input),
  deleteProduct: (_parent, { id }, ctx) => ctx.catalogue.deleteProduct(id),
  placeOrder: (_parent, { input }, ctx) => ctx.orders.place(input),
  advanceOrderStatus: (_parent, { orderId, status }, ctx) => ctx.orders.advance(orderId, status),
  cancelOrder: (_parent, { orderId }, ctx) => ctx.orders.cancel(orderId),
};
