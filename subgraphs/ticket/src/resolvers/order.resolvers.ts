// Order.tickets: this subgraph's contribution to the Order entity.
import type { OrderResolvers } from '../generated/graphql';

export const Order: OrderResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  tickets: (order, _args, ctx) => ctx.tickets.ofOrder(order.id),
};
