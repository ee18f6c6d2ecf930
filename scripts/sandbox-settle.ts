// Plays the SANDBOX payment provider: settles (or fails) a payment by posting its signed webhook to
// the gateway, as a real provider would after the customer paid.
//   npm run sandbox:settle -- <paymentId> [succeeded|failed]
// Reads SANDBOX_WEBHOOK_SECRET (default: the development secret `npm start` keeps in .data) and
// GATEWAY_URL (default http://127.0.0.1:4000).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { signSandboxWebhook } from '../subgraphs/payment/src/providers/sandbox.provider';

/** Posts the webhook for `paymentId` to `origin` (the gateway or the payment subgraph). */
export function postSandboxWebhook(origin: string, paymentId: string, outcome: 'succeeded' | 'failed', secret: string): Promise<Response> {
  const body = JSON.stringify({ paymentId, event: `payment.${outcome}` });
  return fetch(`${origin}/webhooks/sandbox`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'sandbox-signature': signSandboxWebhook(secret, body) }, body,
  });
}

function developmentSecret(): string | undefined {
  const file = path.resolve(process.env.DATA_DIR ?? path.join(__dirname, '..', '.data'), 'sandbox-webhook-secret');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

async function main(): Promise<void> {
  const [paymentId, outcome = 'succeeded'] = process.argv.slice(2);
  if (!paymentId || (outcome !== 'succeeded' && outcome !== 'failed')) {
    throw new Error('usage: npm run sandbox:settle -- <paymentId> [succeeded|failed]');
  }
  const secret = process.env.SANDBOX_WEBHOOK_SECRET || developmentSecret();
  if (!secret) throw new Error('SANDBOX_WEBHOOK_SECRET is not set and npm start has not made one in .data yet');
  const origin = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000';
  const response = await postSandboxWebhook(origin, paymentId, outcome, secret);
  process.stdout.write(`${response.status} ${await response.text()}\n`);
  if (!response.ok) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: Error) => { process.stderr.write(`${error.message}\n`); process.exit(1); });
}
