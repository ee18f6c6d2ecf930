// Providers' notifications: checked by the provider's adapter, then applied to the payment with its
// event and the notification's receipt in one transaction, so a replay changes nothing twice.
import type { IncomingHttpHeaders } from 'node:http';
import { PaymentFailed, PaymentSucceeded, appendEvent, isUuid, type Logger } from '@desk/shared';
import { paymentEventFields, statusAfter, type PaymentProvider } from './domain/payment';
import type { PaymentServiceDeps } from './payment.service';
import type { WebhookNotice } from './providers/provider';

export type WebhookResult = 'changed' | 'unchanged' | 'replay' | 'unknown-payment';

/**
 * Applies a genuine provider notification: the status change, its event (with the correlation id of
 * the request that started the payment) and the notification's receipt commit together.
 */
export async function applyWebhook(deps: PaymentServiceDeps, provider: PaymentProvider, notice: WebhookNotice, log: Logger): Promise<WebhookResult> {
  const result = await deps.dataSource.transaction(async (tx): Promise<WebhookResult> => {
    const payment = notice.paymentId && isUuid(notice.paymentId)
      ? await deps.repository.findForUpdate(tx, notice.paymentId)
      : notice.providerRef ? await deps.repository.findByProviderRefForUpdate(tx, provider, notice.providerRef) : null;
    // Not recorded: a notification that raced ahead of its payment's commit may still act when resent.
    if (!payment || payment.provider !== provider) return 'unknown-payment';
    if (!await deps.repository.recordWebhook(tx, provider, notice.eventKey, payment.id)) return 'replay';
    const next = statusAfter(payment.status, notice.outcome);
    if (!next) return 'unchanged';
    const at = new Date();
    const cause = { correlationId: payment.correlationId, actorId: null };
    if (next === 'SUCCEEDED') {
      await deps.repository.setStatus(tx, payment.id, next, null, at);
      await appendEvent(tx, PaymentSucceeded, { ...paymentEventFields(payment), settledAt: at.toISOString() }, cause);
    } else {
      const reason = notice.reason ?? 'Declined by the provider';
      await deps.repository.setStatus(tx, payment.id, next, reason, at);
      await appendEvent(tx, PaymentFailed, { ...paymentEventFields(payment), reason }, cause);
    }
    log.info({ paymentId: payment.id, from: payment.status, to: next, provider }, 'payment status changed by the provider');
    return 'changed';
  });
  if (result === 'changed') deps.relay.kick();
  return result;
}

/** Checks and reads a webhook with the provider's adapter, then applies it. */
export async function receiveWebhook(
  deps: PaymentServiceDeps, provider: PaymentProvider, rawBody: Buffer, headers: IncomingHttpHeaders, log: Logger,
): Promise<WebhookResult | 'ignored'> {
  const adapter = deps.providers.get(provider);
  if (!adapter) throw new Error(`${provider} is not configured`);
  const notice = await adapter.parseWebhook(rawBody, headers);
  return notice ? applyWebhook(deps, provider, notice, log) : 'ignored';
}
