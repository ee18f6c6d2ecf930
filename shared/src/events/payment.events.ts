// Events published by the payment subgraph.
import { z } from 'zod';
import { defineEvent } from './define-event';

export const PaymentStatus = z.enum(['PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED']);
export const PaymentProvider = z.enum(['SANDBOX', 'STRIPE', 'MERCADOPAGO']);

const payment = {
  paymentId: z.string().uuid(),
  orderId: z.string().uuid(),
  customerId: z.string().uuid(),
  amountCents: z.number().int().positive(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  provider: PaymentProvider,
};

export const PaymentStarted = defineEvent({ type: 'payment.started', version: 1, schema: z.object({ ...payment }) });
/** The provider confirmed the money: the order becomes PAID. */
export const PaymentSucceeded = defineEvent({ type: 'payment.succeeded', version: 1, schema: z.object({ ...payment, settledAt: z.string().datetime({ offset: true }) }) });
export const PaymentFailed = defineEvent({ type: 'payment.failed', version: 1, schema: z.object({ ...payment, reason: z.string() }) });
export const PaymentRefunded = defineEvent({ type: 'payment.refunded', version: 1, schema: z.object({ ...payment, refundedAt: z.string().datetime({ offset: true }) }) });
