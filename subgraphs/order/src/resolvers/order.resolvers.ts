// The Order entity and its parts; the customer and actors are Users resolved by the user subgraph.
import type { OrderItemResolvers, OrderResolvers, OrderStatusChangeResolvers } from '../generated/graphql';

export const Order: OrderResolvers = {
  __resolveReference: (reference, ctx) => ctx.orders.reference(reference.id),
  customer: (order) => ({ id: order.customerId }),
  items: (order, _args, ctx) => ctx.orders.items(order),
  statusHistory: (order, _args, ctx) => ctx.orders.history(order),
};

export const OrderItem: OrderItemResolvers = {
  product: (item, _args, ctx) => ctx.catalogue.product(item.productId),
  subtotalCents: (item) => item.unitPriceCents * item.quantity,
};

export const OrderStatusChange: OrderStatusChangeResolvers = {
  actor: (change) => (change.actorId ? { id: change.actorId } : null),
};
