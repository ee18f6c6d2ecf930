// Payments as the service sees them, and the rules of their status: what a provider's outcome does to
// a payment in each state, whatever order the provider's notifications arrive in.
import { AppError } from '@desk/shared';

export type PaymentStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'REFUNDED';
export type PaymentProvider = 'SANDBOX' | 'STRIPE' | 'MERCADOPAGO';
export const PAYMENT_PROVIDERS: readonly PaymentProvider[] = ['SANDBOX', 'STRIPE', 'MERCADOPAGO'];

export interface PaymentRecord {
  id: string;
  orderId: string;
  customerId: string;
  amountCents: number;
  currency: string;
  provider: PaymentProvider;
  status: PaymentStatus;
  providerRef: string | null;
  qrCode: string | null;
  checkoutUrl: string | null;
  /** The request that started the payment; the events of its later life carry it too. */
  correlationId: string;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What this subgraph knows of an order: a projection of the order subgraph's events. */
export interface KnownOrder {
  id: string;
  customerId: string;
  totalCents: number;
  currency: string;
  status: string;
}

/** An Order as this subgraph resolves it: the key only; the order subgraph owns the rest. */
export interface OrderReference { id: string; }

export type PaymentOutcome = 'succeeded' | 'failed';

/**
 * The status a provider's outcome moves a payment to, or null when it changes nothing. A success
 * after a failure wins (the money arrived); a failure never undoes a success; a refunded payment is final.
 */
export function statusAfter(current: PaymentStatus, outcome: PaymentOutcome): PaymentStatus | null {
  switch (current) {
    case 'PENDING':
      return outcome === 'succeeded' ? 'SUCCEEDED' : 'FAILED';
    case 'FAILED':
      return outcome === 'succeeded' ? 'SUCCEEDED' : null;
    case 'SUCCEEDED':
    case 'REFUNDED':
      return null;
  }
}

export const PAYMENT_INVALID_STATE = 'PAYMENT_INVALID_STATE';
export const PROVIDER_UNAVAILABLE = 'PROVIDER_UNAVAILABLE';

export class PaymentInvalidStateError extends AppError {
  constructor(message: string) { super(PAYMENT_INVALID_STATE, message); }
}

export class ProviderUnavailableError extends AppError {
  constructor(provider: PaymentProvider, cause?: unknown) {
    super(PROVIDER_UNAVAILABLE, `The payment provider ${provider} is unavailable; try again later`);
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

/** The fields every payment event carries about its payment. */
export const paymentEventFields = (p: PaymentRecord) => ({
  paymentId: p.id, orderId: p.orderId, customerId: p.customerId, amountCents: p.amountCents, currency: p.currency, provider: p.provider,
});
