// The SANDBOX provider: the whole payment flow with no outside service. A charge is a PIX code; the
// outcome comes from a webhook signed with SANDBOX_WEBHOOK_SECRET (`Sandbox-Signature: t=…,v1=…`).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isUuid } from '@desk/shared';
import { pixPayload } from '../domain/pix';
import {
  WebhookSignatureError, headerValue, signatureParts,
  type Charge, type ChargeRequest, type PaymentProviderAdapter, type WebhookNotice,
} from './provider';

export const SANDBOX_SIGNATURE_HEADER = 'sandbox-signature';
/** A signature older or newer than this is refused, so a captured request cannot be replayed later. */
export const SANDBOX_TOLERANCE_SECONDS = 300;

export interface SandboxOptions {
  webhookSecret: string;
  pixKey: string;
  merchantName: string;
  merchantCity: string;
  /** Seconds since the epoch; tests move the clock. */
  now?: () => number;
}

export const sandboxSignature = (secret: string, timestamp: number, rawBody: Buffer | string): string =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');

/** The header a sandbox webhook carries; what a client (or a test) sends to play the provider. */
export const signSandboxWebhook = (secret: string, rawBody: Buffer | string, timestamp = Math.floor(Date.now() / 1000)): string =>
  `t=${timestamp},v1=${sandboxSignature(secret, timestamp, rawBody)}`;

/** Checks a `Sandbox-Signature` header; returns the verified signature, or throws WebhookSignatureError. */
export function verifySandboxSignature(header: string | undefined, rawBody: Buffer, secret: string, nowSeconds: number): string {
  if (!header) throw new WebhookSignatureError('missing Sandbox-Signature header');
  const parts = signatureParts(header);
  const t = parts.get('t')?.[0];
  const candidates = parts.get('v1') ?? [];
  if (!t || !/^\d{1,12}$/.test(t) || candidates.length === 0) throw new WebhookSignatureError('malformed Sandbox-Signature header');
  const timestamp = Number(t);
  if (Math.abs(nowSeconds - timestamp) > SANDBOX_TOLERANCE_SECONDS) throw new WebhookSignatureError('Sandbox-Signature timestamp is outside the tolerance');
  const expected = Buffer.from(sandboxSignature(secret, timestamp, rawBody), 'hex');
  const match = candidates.find((candidate) => {
    const given = Buffer.from(candidate, 'hex');
    return /^[0-9a-f]+$/i.test(candidate) && given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!match) throw new WebhookSignatureError('Sandbox-Signature does not match');
  return match.toLowerCase();
}

const OUTCOMES = { 'payment.succeeded': 'succeeded', 'payment.failed': 'failed' } as const;

export class SandboxProvider implements PaymentProviderAdapter {
  readonly name = 'SANDBOX' as const;
  constructor(private readonly options: SandboxOptions) {}

  async createCharge(payment: ChargeRequest): Promise<Charge> {
    const txid = payment.id.replace(/-/g, '').slice(0, 25);
    let qrCode: string | null = null;
    try {
      qrCode = pixPayload({
        key: this.options.pixKey, merchantName: this.options.merchantName, merchantCity: this.options.merchantCity,
        amountCents: payment.amountCents, currency: payment.currency, txid,
      });
    } catch {
      qrCode = null; // a currency PIX cannot carry: the sandbox still takes the payment
    }
    return { providerRef: `sandbox_${txid}`, qrCode, checkoutUrl: null };
  }

  async refund(): Promise<void> {
    // Nothing to call: the sandbox's money is imaginary.
  }

  async parseWebhook(rawBody: Buffer, headers: IncomingHttpHeaders): Promise<WebhookNotice | null> {
    const now = this.options.now?.() ?? Math.floor(Date.now() / 1000);
    const signature = verifySandboxSignature(headerValue(headers, SANDBOX_SIGNATURE_HEADER), rawBody, this.options.webhookSecret, now);
    let body: { paymentId?: unknown; event?: unknown };
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return null;
    }
    const outcome = typeof body.event === 'string' ? OUTCOMES[body.event as keyof typeof OUTCOMES] : undefined;
    if (!outcome || typeof body.paymentId !== 'string' || !isUuid(body.paymentId)) return null;
    // The signature covers the timestamp and the body: the same one again is the same request replayed.
    return { eventKey: signature, paymentId: body.paymentId, outcome, reason: outcome === 'failed' ? 'Declined by the sandbox' : null };
  }
}
