// A local HTTP server answering as the Stripe and MercadoPago APIs do, for the parts this subgraph
// calls: create a charge, refund it, read a MercadoPago payment. Tests make it fail on purpose.
import http from 'node:http';
import { listenOnTestPort } from '@desk/shared/testing';

export interface RecordedRequest { method: string; path: string; headers: http.IncomingHttpHeaders; body: string; }

export interface FakeProviders {
  url: string;
  requests: RecordedRequest[];
  /** MercadoPago payments by id, as GET /v1/payments/:id answers them. */
  mpPayments: Map<string, { id: number; status: string; external_reference: string; status_detail?: string }>;
  /** Requests of a path prefix to fail with 500 before one succeeds. */
  failNext(pathPrefix: string, times: number): void;
  stop(): Promise<void>;
}

export async function startFakeProviders(): Promise<FakeProviders> {
  const requests: RecordedRequest[] = [];
  const mpPayments: FakeProviders['mpPayments'] = new Map();
  const failures = new Map<string, number>();
  let sequence = 1000;

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    // Tells the Stripe SDK not to retry on its own: retries are the caller's to test.
    res.writeHead(status, { 'content-type': 'application/json', 'stripe-should-retry': 'false', 'request-id': `req_${sequence}` });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      for (const [prefix, left] of failures) {
        if (left > 0 && path.startsWith(prefix)) {
          failures.set(prefix, left - 1);
          send(res, 500, { error: { type: 'api_error', message: 'the fake provider is down' }, message: 'internal_error', status: 500 });
          return;
        }
      }
      sequence += 1;
      // Stripe: form-encoded requests.
      if (req.method === 'POST' && path === '/v1/payment_intents') {
        const form = new URLSearchParams(body);
        send(res, 200, {
          id: `pi_fake${sequence}`, object: 'payment_intent', amount: Number(form.get('amount')), currency: form.get('currency'),
          status: 'requires_action', metadata: { paymentId: form.get('metadata[paymentId]'), orderId: form.get('metadata[orderId]') },
          next_action: { type: 'pix_display_qr_code', pix_display_qr_code: { data: 'STRIPE-PIX-CODE', hosted_instructions_url: `https://pay.example.test/pi_fake${sequence}` } },
        });
        return;
      }
      if (req.method === 'POST' && path === '/v1/refunds') {
        const form = new URLSearchParams(body);
        send(res, 200, { id: `re_fake${sequence}`, object: 'refund', payment_intent: form.get('payment_intent'), status: 'succeeded' });
        return;
      }
      // MercadoPago: JSON requests.
      if (req.method === 'POST' && path === '/v1/payments') {
        const input = JSON.parse(body) as { external_reference: string };
        const payment = { id: sequence, status: 'pending', external_reference: input.external_reference };
        mpPayments.set(String(sequence), payment);
        send(res, 201, {
          ...payment, payment_method_id: 'pix',
          point_of_interaction: { transaction_data: { qr_code: 'MP-PIX-CODE', ticket_url: `https://mp.example.test/ticket/${sequence}` } },
        });
        return;
      }
      const refund = /^\/v1\/payments\/(\d+)\/refunds$/.exec(path);
      if (req.method === 'POST' && refund) {
        send(res, 201, { id: sequence, payment_id: Number(refund[1]), status: 'approved' });
        return;
      }
      const get = /^\/v1\/payments\/(\d+)$/.exec(path);
      if (req.method === 'GET' && get) {
        const payment = mpPayments.get(get[1]);
        if (payment) send(res, 200, payment); else send(res, 404, { message: 'not_found', status: 404 });
        return;
      }
      send(res, 404, { error: { type: 'invalid_request_error', message: `no route ${req.method} ${path}` } });
    });
  });
  return {
    url: await listenOnTestPort(server),
    requests,
    mpPayments,
    failNext: (prefix, times) => { failures.set(prefix, times); },
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
