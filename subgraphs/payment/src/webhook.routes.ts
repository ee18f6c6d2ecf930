// `POST /webhooks/:provider`: the providers' signed callbacks. The signature is checked over the raw
// bytes, so the body is read unparsed; no gateway identity is needed, the signature is the proof.
import type { Logger } from '@desk/shared';
import express, { type Express } from 'express';
import type { PaymentServiceDeps } from './payment.service';
import { providerFromPath } from './providers';
import { WebhookSignatureError } from './providers/provider';
import { ProviderUnavailableError } from './domain/payment';
import { receiveWebhook } from './webhook.service';

export function webhookRoutes(deps: PaymentServiceDeps, log: Logger): (app: Express) => void {
  return (app) => {
    app.post('/webhooks/:provider', express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
      const provider = providerFromPath(String(req.params.provider));
      if (!provider || !deps.providers.has(provider)) {
        res.status(404).json({ error: 'unknown payment provider' });
        return;
      }
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const child = log.child({ webhook: provider });
      try {
        const result = await receiveWebhook(deps, provider, rawBody, req.headers, child);
        child.info({ result }, 'webhook received');
        res.status(200).json({ received: true, result });
      } catch (error) {
        if (error instanceof WebhookSignatureError) {
          child.warn({ reason: error.message }, 'webhook refused: bad signature');
          res.status(401).json({ error: 'invalid signature' });
        } else if (error instanceof ProviderUnavailableError) {
          child.warn({ err: error.cause }, 'webhook could not be checked with the provider; it will resend');
          res.status(503).json({ error: 'provider unavailable' });
        } else {
          child.error({ err: error }, 'webhook failed');
          res.status(500).json({ error: 'internal error' });
        }
      }
    });
  };
}
