// Subscriptions over HTTP multipart, served by the real express stack on a real socket, with the
// subscription service and the sessions stubbed: a subscribe that throws and a client that stops
// reading must both give back their session, and neither may make the
// gateway hold an unbounded amount of data for the client.
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import express, { type Response } from 'express';
import { buildSchema, parse, type GraphQLError } from 'graphql';
import type { Logger } from '@desk/shared';
import { listenOnTestPort, testViewer } from '@desk/shared/testing';
import { LIVE_FIELDS } from '../src/subscriptions/live-fields';
import type { LiveQueryService, PreparedLive } from '../src/subscriptions/live-query.service';
import type { LiveSessions } from '../src/subscriptions/live-session';
import { Mailbox } from '../src/subscriptions/mailbox';
import { asMiddleware, multipartSubscriptions, type MultipartOptions } from '../src/subscriptions/multipart.transport';

const QUERY = 'subscription { orderStatusChanged { id status } }';
const MULTIPART = 'multipart/mixed;subscriptionSpec="1.0", application/json';
const SECRET = 'relation "orders" does not exist at 10.0.0.7:5432';

const prepared = (): PreparedLive => ({
  field: LIVE_FIELDS.orderStatusChanged, entityId: null, document: parse(QUERY), lookup: 'query { order(id: $__liveId) { id status } }',
  operationName: null, variables: {}, key: 'orders', dependsOn: null,
});

/** What the subscription service does on each subscribe, in order: throw, or hand out a mailbox. */
type Outcome = Error | Mailbox | readonly GraphQLError[];

function stubLive(outcomes: Outcome[]): LiveQueryService {
  return {
    prepare: () => prepared(),
    subscribe: async () => {
      const outcome = outcomes.shift();
      if (outcome === undefined) throw new Error('no more subscribes expected');
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  } as unknown as LiveQueryService;
}

/** Sessions that count how often each one is closed. */
function countingSessions() {
  const closes: number[] = [];
  const sessions = {
    open: () => {
      const index = closes.push(0) - 1;
      return { viewer: () => testViewer('customer-1'), add: () => undefined, close: () => { closes[index] += 1; } };
    },
  } as unknown as LiveSessions;
  return { sessions, closes };
}

interface Gateway {
  url: string;
  /** The server side of every response, in order of arrival. */
  responses: Response[];
  errors: unknown[][];
  warnings: unknown[][];
  stop(): Promise<void>;
}

async function startGateway(options: Pick<MultipartOptions, 'live' | 'sessions'> & Partial<MultipartOptions>): Promise<Gateway> {
  const errors: unknown[][] = [];
  const warnings: unknown[][] = [];
  const log = {
    error: (...args: unknown[]) => { errors.push(args); },
    warn: (...args: unknown[]) => { warnings.push(args); },
    info: () => undefined,
    debug: () => undefined,
  } as unknown as Logger;
  const responses: Response[] = [];
  const app = express();
  app.use((_req, res, next) => { responses.push(res); next(); });
  app.use(express.json());
  app.use(asMiddleware(multipartSubscriptions({
    schema: () => buildSchema('type Query { ok: Boolean }'),
    authenticate: async () => null,
    clientAddress: (req) => req.socket.remoteAddress ?? null,
    heartbeatMs: 60_000,
    slowReaderTimeoutMs: 30_000,
    log,
    ...options,
  })));
  app.use((_req, res) => { res.status(404).end(); });
  const server = http.createServer(app);
  const url = await listenOnTestPort(server);
  return {
    url, responses, errors, warnings,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const subscribe = (url: string, signal?: AbortSignal) => fetch(url, {
  method: 'POST', headers: { 'content-type': 'application/json', accept: MULTIPART }, body: JSON.stringify({ query: QUERY }), signal,
});

/** Resolves when `res` has closed; fails after `timeoutMs` instead of waiting for ever. */
async function closed(res: Response, timeoutMs: number): Promise<void> {
  if (res.closed) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    once(res, 'close'),
    new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`the response was still open after ${timeoutMs} ms`)), timeoutMs); }),
  ]).finally(() => clearTimeout(timer));
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('subscriptions over HTTP multipart', () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  test('when subscribing throws, then the client gets a masked error, the error is logged once, and the session is given back', async () => {
    const { sessions, closes } = countingSessions();
    const failures = [new Error(SECRET), new Error(SECRET)];
    gateway = await startGateway({ live: stubLive([...failures]), sessions });

    const first = await subscribe(gateway.url);
    const firstText = await first.text();
    const second = await subscribe(gateway.url);
    const secondText = await second.text();

    for (const [response, text] of [[first, firstText], [second, secondText]] as const) {
      expect(response.status).toBe(500);
      expect(JSON.parse(text)).toEqual({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      expect(text).not.toContain('orders');
    }
    expect(closes).toEqual([1, 1]);
    expect(gateway.errors).toHaveLength(2);
    expect(gateway.errors.map(([fields]) => (fields as { err: unknown }).err)).toEqual(failures);
  });

  test('when subscribing is refused, then the refusal reaches the client and the session is given back', async () => {
    const { sessions, closes } = countingSessions();
    const refusal = { message: 'You must be signed in to subscribe', extensions: { code: 'UNAUTHENTICATED' } } as unknown as GraphQLError;
    gateway = await startGateway({ live: stubLive([[refusal], [refusal]]), sessions });

    const answers = [];
    for (let i = 0; i < 2; i++) {
      const response = await subscribe(gateway.url);
      answers.push({ status: response.status, body: await response.json() });
    }

    expect(answers).toEqual([0, 1].map(() => ({ status: 200, body: { errors: [{ message: 'You must be signed in to subscribe', extensions: { code: 'UNAUTHENTICATED' } }] } })));
    expect(closes).toEqual([1, 1]);
  });

  test('when a client stops reading while large results keep coming, then little is buffered for it, and it is cut off and its session given back', async () => {
    const { sessions, closes } = countingSessions();
    const stalled = new Mailbox(4, () => undefined);
    const next = new Mailbox(4, () => undefined);
    // Heartbeats come often, so that they too would pile up if written to a client that does not read.
    gateway = await startGateway({ live: stubLive([stalled, next]), sessions, heartbeatMs: 20, slowReaderTimeoutMs: 300 });

    // A client that sends its subscription and never reads a byte of the answer.
    const body = JSON.stringify({ query: QUERY });
    const client = net.connect({ host: '127.0.0.1', port: Number(new URL(gateway.url).port) });
    client.pause();
    await once(client, 'connect');
    client.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\naccept: ${MULTIPART}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    try {
      while (gateway.responses.length === 0 || !gateway.responses[0].headersSent) await nextTurn();
      const res = gateway.responses[0];

      // Far more than the kernel's socket buffers hold, so that what is not sent waits in the gateway.
      const large = 'x'.repeat(512 * 1024);
      let mostBuffered = 0;
      for (let i = 0; i < 80 && !res.destroyed; i++) {
        stalled.push(`order-${i}`, { data: { orderStatusChanged: { id: `order-${i}`, status: 'PAID', note: large } } });
        await nextTurn();
        mostBuffered = Math.max(mostBuffered, res.writableLength);
      }
      expect(mostBuffered).toBeLessThan(2 * large.length);

      await closed(res, 5_000);
      expect(res.destroyed).toBe(true);
      expect(stalled.closed).toBe(true);
      expect(closes).toEqual([1]);
      expect(gateway.warnings).toHaveLength(1);
    } finally {
      client.destroy();
    }

    // The address may subscribe again.
    const again = await subscribe(gateway.url);
    expect(again.status).toBe(200);
    expect(again.headers.get('content-type')).toMatch(/^multipart\/mixed/);
    next.finish();
    expect(await again.text()).toMatch(/^\r\n--graphql\r\ncontent-type: application\/json; charset=utf-8\r\n\r\n\{\}[^]*\r\n--graphql--\r\n$/);
    await closed(gateway.responses[1], 5_000);
    expect(closes).toEqual([1, 1]);
  });
});
