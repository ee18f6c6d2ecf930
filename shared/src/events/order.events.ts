// Events published by the order subgraph.
import { z } from 'zod';
import { defineEvent } from './define-event';

export const OrderStatus = z.enum(['PENDING_PAYMENT', 'PAID', 'PREPARING', 'READY', 'DELIVERED', 'CANCELLED']);
export type OrderStatus = z.infer<typeof OrderStatus>;

const money = { totalCents: z.number().int().positive(), currency: z.string().regex(/^[A-Z]{3}$/) };

export const OrderPlaced = defineEvent({
  type: 'order.placed',
  version: 1,
  schema: z.object({
    orderId: z.string().uuid(),
    customerId: z.string().uuid(),
    ...money,
    items: z.array(z.object({
      productId: z.string().uuid(),
      name: z.string(),
      quantity: z.number().int().positive(),
      unitPriceCents: z.number().int().nonnegative(),
    })).min(1),
    placedAt: z.string().datetime({ offset: true }),
  }),
});

/** Every status change, with `__typename` and key so subscribers can resolve the entity. */
export const OrderStatusChanged = defineEvent({
  type: 'order.status-changed',
  version: 1,
  schema: z.object({
    __typename: z.literal('Order'),
    id: z.string().uuid(),
    customerId: z.string().uuid(),
    from: OrderStatus,
    to: OrderStatus,
    ...money,
    /** True when the order was cancelled after it had been paid: its payment must be refunded. */
    refundDue: z.boolean(),
    changedAt: z.string().datetime({ offset: true }),
  }),
});

/**
 * A payment settled for an order that no longer awaits one (cancelled meanwhile, or already paid by
 * another payment): the payment subgraph refunds it.
 */
export const OrderPaymentRejected = defineEvent({
  type: 'order.payment-rejected',
  version: 1,
  schema: z.object({
    orderId: z.string().uuid(),
    paymentId: z.string().uuid(),
    reason: z.enum(['order-cancelled', 'already-paid']),
  }),
});
