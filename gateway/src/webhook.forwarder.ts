// Payment providers call one public address: `POST /webhooks/<provider>` on the gateway is passed to the
// payment subgraph unchanged (raw body and signature headers), which checks the signature itself.
import { readFileSync } from 'node:fs';
import express, { type Router } from 'express';
import type { Logger } from '@desk/shared';

/** Headers a provider's signature may cover, or that describe the body; nothing else is passed on. */
const FORWARDED = /^(content-type|user-agent|stripe-signature|sandbox-signature|x-signature|x-request-id|x-correlation-id)$/i;

/** The subgraph's origin: from SUBGRAPH_URLS, else from its routing URL in the supergraph. */
export function subgraphOrigin(name: string, overrides: Record<string, string>, supergraphPath: string): string | null {
  const url = overrides[name] ?? new RegExp(`@join__graph\\(name: "${name}", url: "([^"]+)"\\)`).exec(readFileSync(supergraphPath, 'utf8'))?.[1];
  return url ? new URL(url).origin : null;
}

export function webhookForwarder(origin: () => string | null, maxBytes: number, log: Logger): Router {
  const router = express.Router();
  router.post('/webhooks/:provider', express.raw({ type: () => true, limit: maxBytes }), async (req, res) => {
    const provider = String(req.params.provider);
    const target = origin();
    if (!/^[a-z]{2,20}$/.test(provider) || !target) {
      res.status(404).json({ error: 'unknown webhook' });
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (FORWARDED.test(name) && typeof value === 'string') headers[name] = value;
    }
    try {
      const answer = await fetch(`${target}/webhooks/${provider}`, {
        method: 'POST', headers, body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), signal: AbortSignal.timeout(10_000),
      });
      res.status(answer.status).type(answer.headers.get('content-type') ?? 'application/json').send(Buffer.from(await answer.arrayBuffer()));
    } catch (error) {
      log.error({ err: error, provider }, 'webhook could not be forwarded');
      // 503 makes the provider retry later, which is what a lost webhook needs.
      res.status(503).json({ error: 'payment service unavailable' });
    }
  });
  return router;
}
