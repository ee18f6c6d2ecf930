// The one interface every payment provider is used through: start a charge, refund it, and read the
// provider's signed notifications (webhooks).
import type { IncomingHttpHeaders } from 'node:http';
import type { PaymentOutcome, PaymentProvider, PaymentRecord } from '../domain/payment';

/** What a provider needs to charge a payment. */
export type ChargeRequest = Pick<PaymentRecord, 'id' | 'orderId' | 'customerId' | 'amountCents' | 'currency'>;

export interface Charge {
  providerRef: string;
  qrCode?: string | null;
  checkoutUrl?: string | null;
}

/** A notification the provider sent about one payment, checked to be genuine. */
export interface WebhookNotice {
  /** Identifies the notification: the same key again is a replay. */
  eventKey: string;
  /** Our payment id, when the provider echoes it. */
  paymentId?: string | null;
  /** The provider's own id of the charge. */
  providerRef?: string | null;
  outcome: PaymentOutcome;
  reason?: string | null;
}

/** The notification's signature is missing, wrong or too old: answered with 401, nothing changes. */
export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

export interface PaymentProviderAdapter {
  readonly name: PaymentProvider;
  createCharge(payment: ChargeRequest): Promise<Charge>;
  refund(payment: PaymentRecord): Promise<void>;
  /**
   * Checks the signature over the raw bytes and reads the notification; null when it is genuine but
   * says nothing this service acts on (another event type, a payment still in process).
   */
  parseWebhook(rawBody: Buffer, headers: IncomingHttpHeaders): Promise<WebhookNotice | null>;
}

export const headerValue = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/** `k=v,k=v` as in the signature headers of Stripe, MercadoPago and the sandbox. */
export function signatureParts(header: string): Map<string, string[]> {
  const parts = new Map<string, string[]>();
  for (const piece of header.split(',')) {
    const at = piece.indexOf('=');
    if (at <= 0) continue;
    const key = piece.slice(0, at).trim();
    const list = parts.get(key) ?? [];
    list.push(piece.slice(at + 1).trim());
    parts.set(key, list);
  }
  return parts;
}
