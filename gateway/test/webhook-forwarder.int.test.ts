// Payment providers call the gateway's public address; the gateway passes the call to the payment
// subgraph byte for byte (a signature covers the raw body) with only the headers a signature needs.
import http from 'node:http';
import { createLogger } from '@desk/shared';
import { listenOnTestPort } from '@desk/shared/testing';
import express from 'express';
import { webhookForwarder } from '../src/webhook.forwarder';

interface Received { path: string; headers: http.IncomingHttpHeaders; body: Buffer; }

const close = (server: http.Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

let received: Received[];
let answer = { status: 200, body: '{"received":true}' };
let payment: http.Server;
let gateway: http.Server;
let paymentOrigin: string | null;
let gatewayOrigin: string;

beforeAll(async () => {
  payment = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  const origin = await listenOnTestPort(payment);
  paymentOrigin = origin;
  const app = express();
  app.use(webhookForwarder(() => paymentOrigin, 1024, createLogger('gateway', 'silent')));
  gateway = http.createServer(app);
  gatewayOrigin = await listenOnTestPort(gateway);
});
beforeEach(() => { received = []; answer = { status: 200, body: '{"received":true}' }; });
afterAll(async () => { await close(gateway); await close(payment); });

const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${gatewayOrigin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe('when a provider posts a webhook to the gateway', () => {
  test('then the payment subgraph gets the exact bytes and the signature headers, and nothing else', async () => {
    // Whitespace and key order a JSON parser would not keep: the signature is over these bytes.
    const body = '{ "paymentId":"p-1",  "event":"payment.succeeded" }\n';
    const response = await post('/webhooks/sandbox', body, {
      'sandbox-signature': 't=1,v1=abc', 'stripe-signature': 't=1,v1=def', authorization: 'Bearer someone', cookie: 'session=1', 'x-internal-identity': 'forged',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    expect(received).toHaveLength(1);
    expect(received[0].path).toBe('/webhooks/sandbox');
    expect(received[0].body.toString('utf8')).toBe(body);
    expect(received[0].headers).toMatchObject({ 'sandbox-signature': 't=1,v1=abc', 'stripe-signature': 't=1,v1=def', 'content-type': 'application/json' });
    for (const dropped of ['authorization', 'cookie', 'x-internal-identity']) expect(received[0].headers[dropped]).toBeUndefined();
  });

  test('then the subgraph\'s refusal reaches the provider unchanged', async () => {
    answer = { status: 401, body: '{"error":"bad signature"}' };
    const response = await post('/webhooks/stripe', '{}');
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'bad signature' });
  });

  test('then a provider name that is not a word is refused without a call', async () => {
    expect((await post('/webhooks/..%2Fgraphql', '{}')).status).toBe(404);
    expect((await post('/webhooks/SANDBOX1', '{}')).status).toBe(404);
    expect(received).toHaveLength(0);
  });

  test('then a body over the limit is refused without a call', async () => {
    expect((await post('/webhooks/sandbox', 'x'.repeat(2048))).status).toBe(413);
    expect(received).toHaveLength(0);
  });

  test('then, with the payment subgraph down, the provider is told to retry (503)', async () => {
    const saved = paymentOrigin;
    paymentOrigin = 'http://127.0.0.1:1';
    try {
      expect((await post('/webhooks/sandbox', '{}')).status).toBe(503);
    } finally {
      paymentOrigin = saved;
    }
  });
});
