// The Order entity as this subgraph extends it: its key, and the payments made for it.
import type { OrderResolvers } from '../generated/graphql';

export const Order: OrderResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  payments: (order, _args, ctx) => ctx.payments.ofOrder(order.id),
};
