// The MERCADOPAGO provider through the official SDK: a PIX payment per payment (our id as its
// external_reference), refunds, and webhooks checked with MercadoPago's `x-signature` scheme, after
// which the payment itself is fetched from the API to learn its status.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { MercadoPagoConfig, Payment, PaymentRefund } from 'mercadopago';
import { AppConfig } from 'mercadopago/dist/utils/config';
import { ProviderUnavailableError, type PaymentRecord } from '../domain/payment';
import {
  WebhookSignatureError, headerValue, signatureParts,
  type Charge, type ChargeRequest, type PaymentProviderAdapter, type WebhookNotice,
} from './provider';

export interface MercadoPagoOptions {
  accessToken: string;
  /** Without it, every webhook is refused: none can be verified. */
  webhookSecret?: string;
  /**
   * Another API host, e.g. a local fake in tests. The SDK has no per-client base URL: it reads one
   * static setting, so this changes it for the whole process.
   */
  apiBase?: string;
}

/** `id:<data.id>;request-id:<x-request-id>;ts:<ts>;` keyed with the webhook secret, as MercadoPago signs. */
export const mercadoPagoSignature = (secret: string, dataId: string, requestId: string, ts: string): string =>
  createHmac('sha256', secret).update(`id:${dataId};request-id:${requestId};ts:${ts};`).digest('hex');

const SUCCEEDED = new Set(['approved']);
const FAILED = new Set(['rejected', 'cancelled']);

export class MercadoPagoProvider implements PaymentProviderAdapter {
  readonly name = 'MERCADOPAGO' as const;
  private readonly payments: Payment;
  private readonly refunds: PaymentRefund;

  constructor(private readonly options: MercadoPagoOptions) {
    if (options.apiBase) (AppConfig as { BASE_URL: string }).BASE_URL = options.apiBase.replace(/\/+$/, '');
    const config = new MercadoPagoConfig({ accessToken: options.accessToken, options: { timeout: 10_000, maxRetries: 1 } });
    this.payments = new Payment(config);
    this.refunds = new PaymentRefund(config);
  }

  async createCharge(payment: ChargeRequest): Promise<Charge> {
    const created = await this.payments.create({
      body: {
        transaction_amount: payment.amountCents / 100,
        description: `Order ${payment.orderId}`,
        payment_method_id: 'pix',
        external_reference: payment.id,
        // MercadoPago requires a payer e-mail; this service knows the customer only by id.
        payer: { email: `customer-${payment.customerId}@payments.desk.invalid` },
      },
      requestOptions: { idempotencyKey: `payment-start-${payment.id}` },
    });
    if (created.id === undefined || created.id === null) throw new Error('MercadoPago answered without a payment id');
    const data = created.point_of_interaction?.transaction_data;
    return { providerRef: String(created.id), qrCode: data?.qr_code ?? null, checkoutUrl: data?.ticket_url ?? null };
  }

  async refund(payment: PaymentRecord): Promise<void> {
    if (!payment.providerRef) throw new Error(`payment ${payment.id} has no MercadoPago id`);
    await this.refunds.create({ payment_id: payment.providerRef, body: {}, requestOptions: { idempotencyKey: `payment-refund-${payment.id}` } });
  }

  async parseWebhook(rawBody: Buffer, headers: IncomingHttpHeaders): Promise<WebhookNotice | null> {
    if (!this.options.webhookSecret) throw new WebhookSignatureError('MERCADOPAGO_WEBHOOK_SECRET is not configured');
    const header = headerValue(headers, 'x-signature');
    const requestId = headerValue(headers, 'x-request-id');
    if (!header || !requestId) throw new WebhookSignatureError('missing x-signature or x-request-id header');
    let body: { type?: unknown; data?: { id?: unknown } };
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new WebhookSignatureError('the notification is not JSON');
    }
    const rawId = body.data?.id;
    if (typeof rawId !== 'string' && typeof rawId !== 'number') throw new WebhookSignatureError('the notification names no data.id');
    // MercadoPago signs alphanumeric ids in lower case.
    const dataId = String(rawId).toLowerCase();
    const parts = signatureParts(header);
    const ts = parts.get('ts')?.[0];
    const given = parts.get('v1')?.[0];
    if (!ts || !given || !/^[0-9a-f]{64}$/i.test(given)) throw new WebhookSignatureError('malformed x-signature header');
    const expected = Buffer.from(mercadoPagoSignature(this.options.webhookSecret, dataId, requestId, ts), 'hex');
    if (!timingSafeEqual(Buffer.from(given, 'hex'), expected)) throw new WebhookSignatureError('x-signature does not match');
    if (body.type !== undefined && body.type !== 'payment') return null;

    // The notification only says "something happened to payment N": its status comes from the API.
    const payment = await this.payments.get({ id: dataId }).catch((error: unknown) => {
      throw new ProviderUnavailableError('MERCADOPAGO', error);
    });
    const status = payment.status ?? '';
    const outcome = SUCCEEDED.has(status) ? 'succeeded' : FAILED.has(status) ? 'failed' : null;
    if (!outcome) return null;
    return {
      eventKey: `${dataId}:${status}`,
      paymentId: payment.external_reference ?? null,
      providerRef: String(payment.id ?? dataId),
      outcome,
      reason: outcome === 'failed' ? payment.status_detail ?? `MercadoPago payment ${status}` : null,
    };
  }
}
