// The STRIPE provider through the official SDK: a PaymentIntent per payment (our id in its metadata),
// refunds by intent, and webhooks checked with Stripe's own signature scheme (`Stripe-Signature`).
import type { IncomingHttpHeaders } from 'node:http';
import Stripe from 'stripe';
import type { PaymentRecord } from '../domain/payment';
import {
  WebhookSignatureError, headerValue,
  type Charge, type ChargeRequest, type PaymentProviderAdapter, type WebhookNotice,
} from './provider';

export interface StripeOptions {
  secretKey: string;
  /** Without it, every webhook is refused: none can be verified. */
  webhookSecret?: string;
  /** Another API host, e.g. a local fake in tests: `http://127.0.0.1:12111`. */
  apiBase?: string;
}

/** Where the SDK sends its requests when told to use another host than api.stripe.com. */
function hostOptions(apiBase: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!apiBase) return {};
  const url = new URL(apiBase);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port || (protocol === 'http' ? 80 : 443), protocol };
}

export class StripeProvider implements PaymentProviderAdapter {
  readonly name = 'STRIPE' as const;
  private readonly stripe: Stripe;

  constructor(private readonly options: StripeOptions) {
    this.stripe = new Stripe(options.secretKey, { ...hostOptions(options.apiBase), maxNetworkRetries: 1, timeout: 10_000, telemetry: false });
  }

  async createCharge(payment: ChargeRequest): Promise<Charge> {
    const intent = await this.stripe.paymentIntents.create({
      amount: payment.amountCents,
      currency: payment.currency.toLowerCase(),
      metadata: { paymentId: payment.id, orderId: payment.orderId },
    }, { idempotencyKey: `payment-start-${payment.id}` });
    const action = intent.next_action;
    return {
      providerRef: intent.id,
      qrCode: action?.pix_display_qr_code?.data ?? null,
      checkoutUrl: action?.redirect_to_url?.url ?? action?.pix_display_qr_code?.hosted_instructions_url ?? null,
    };
  }

  async refund(payment: PaymentRecord): Promise<void> {
    if (!payment.providerRef) throw new Error(`payment ${payment.id} has no Stripe payment intent`);
    await this.stripe.refunds.create({ payment_intent: payment.providerRef }, { idempotencyKey: `payment-refund-${payment.id}` });
  }

  async parseWebhook(rawBody: Buffer, headers: IncomingHttpHeaders): Promise<WebhookNotice | null> {
    const signature = headerValue(headers, 'stripe-signature');
    if (!this.options.webhookSecret) throw new WebhookSignatureError('STRIPE_WEBHOOK_SECRET is not configured');
    if (!signature) throw new WebhookSignatureError('missing Stripe-Signature header');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(rawBody, signature, this.options.webhookSecret);
    } catch (error) {
      throw new WebhookSignatureError(`Stripe-Signature rejected: ${(error as Error).message}`);
    }
    if (event.type !== 'payment_intent.succeeded' && event.type !== 'payment_intent.payment_failed') return null;
    const intent = event.data.object;
    return {
      eventKey: event.id,
      paymentId: intent.metadata?.paymentId ?? null,
      providerRef: intent.id,
      outcome: event.type === 'payment_intent.succeeded' ? 'succeeded' : 'failed',
      reason: event.type === 'payment_intent.payment_failed' ? intent.last_payment_error?.message ?? 'Declined by Stripe' : null,
    };
  }
}
