// Subscriptions over graphql-ws, served by the real transport on a real socket, with the subscription
// service and the sessions stubbed: a client that stops reading while large results keep coming makes
// the gateway hold little for it, is cut off, and gives back its connection's place; one that leaves
// while its token is being checked holds no place for its account.
import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { buildSchema, parse } from 'graphql';
import WebSocket from 'ws';
import type { Logger } from '@desk/shared';
import { eventually, listenOnTestPort, testViewer } from '@desk/shared/testing';
import { LIVE_FIELDS } from '../src/subscriptions/live-fields';
import type { LiveQueryService, PreparedLive } from '../src/subscriptions/live-query.service';
import type { LiveSessions } from '../src/subscriptions/live-session';
import { Mailbox } from '../src/subscriptions/mailbox';
import { SubscriptionQuota } from '../src/subscriptions/subscription-quota';
import { attachWebSocketTransport, type WsTransportOptions } from '../src/subscriptions/ws.transport';

const QUERY = 'subscription { orderStatusChanged { id status } }';

const prepared = (): PreparedLive => ({
  field: LIVE_FIELDS.orderStatusChanged, entityId: null, document: parse(QUERY), lookup: 'query { order(id: $__liveId) { id status } }',
  operationName: null, variables: {}, key: 'orders', dependsOn: null,
});

function stubLive(mailboxes: Mailbox[]): LiveQueryService {
  return { prepare: () => prepared(), subscribe: async () => mailboxes.shift()! } as unknown as LiveQueryService;
}

const stubSessions = {
  open: () => ({ viewer: () => testViewer('customer-1'), add: () => undefined, close: () => undefined, open: 0, starting: 0, ended: null }),
} as unknown as LiveSessions;

async function startGateway(mailboxes: Mailbox[], slowReaderTimeoutMs: number, authenticate: WsTransportOptions['authenticate'] = async () => { throw new Error('no tokens here'); }) {
  const warnings: unknown[][] = [];
  const log = { warn: (...args: unknown[]) => { warnings.push(args); }, error: () => undefined, info: () => undefined, debug: () => undefined } as unknown as Logger;
  const httpServer = http.createServer();
  /** The server side of each WebSocket's TCP connection, in order of arrival. */
  const sockets: net.Socket[] = [];
  httpServer.on('upgrade', (req: http.IncomingMessage) => { sockets.push(req.socket); });
  const quota = new SubscriptionQuota({ subscriptionsPerUser: 10, subscriptionsPerAddress: 10, connectionsPerAddress: 1, connectionsPerUser: 1, groupsPerUser: 10 });
  const transport = attachWebSocketTransport({
    httpServer, path: '/graphql', maxPayloadBytes: 100_000, keepAliveMs: 60_000, maxSubscriptionsPerConnection: 5, slowReaderTimeoutMs, quota,
    clientAddress: (req) => req.socket.remoteAddress ?? null,
    authenticate,
    schema: () => buildSchema('type Query { ok: Boolean } type Subscription { orderStatusChanged: String }'),
    live: stubLive(mailboxes), sessions: stubSessions,
    runOperation: async () => ({ data: null }),
    log,
  });
  const url = (await listenOnTestPort(httpServer)).replace(/^http/, 'ws') + '/graphql';
  return {
    url, sockets, warnings, quota,
    async stop() {
      await transport.close();
      httpServer.closeAllConnections();
      await new Promise((resolve) => httpServer.close(resolve));
    },
  };
}

/** A graphql-transport-ws connection written by hand, so that it can stop reading, or leave, at will. */
async function connectRaw(url: string, authorization?: string): Promise<{ socket: WebSocket; messages: any[] }> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const messages: any[] = [];
  socket.on('message', (data) => { messages.push(JSON.parse(String(data))); });
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: authorization ? { authorization } : {} }));
  return { socket, messages };
}

async function subscribeRaw(url: string): Promise<{ socket: WebSocket; messages: any[] }> {
  const { socket, messages } = await connectRaw(url);
  await eventually(() => messages.some((m) => m.type === 'connection_ack'), 5000, 'the ack');
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } }));
  return { socket, messages };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('subscriptions over graphql-ws', () => {
  test('when a client stops reading while large results keep coming, then little is buffered for it, and it is cut off and its connection\'s place given back', async () => {
    const stalled = new Mailbox(4, () => undefined);
    const next = new Mailbox(4, () => undefined);
    const gateway = await startGateway([stalled, next], 300);
    try {
      const { socket } = await subscribeRaw(gateway.url);
      // The client reads no more: what the kernel's buffers cannot hold waits in the gateway.
      socket.pause();
      const server = gateway.sockets[0];
      const large = 'x'.repeat(512 * 1024);
      let mostBuffered = 0;
      for (let i = 0; i < 80 && !server.destroyed; i++) {
        stalled.push(`order-${i}`, { data: { orderStatusChanged: { id: `order-${i}`, status: 'PAID', note: large } } });
        await nextTurn();
        mostBuffered = Math.max(mostBuffered, server.writableLength);
      }
      expect(mostBuffered).toBeLessThan(2 * large.length);

      if (!server.destroyed) await once(server, 'close');
      expect(stalled.closed).toBe(true);
      expect(gateway.warnings).toHaveLength(1);
      socket.terminate();

      // The address (capped at one connection here) may connect and subscribe again.
      const again = await subscribeRaw(gateway.url);
      next.push('order-1', { data: { orderStatusChanged: { id: 'order-1', status: 'PAID' } } });
      await eventually(() => again.messages.some((m) => m.type === 'next'), 5000, 'the result');
      expect(gateway.quota.usage.connections).toBe(1);
      again.socket.close();
    } finally {
      await gateway.stop();
    }
  });

  test('when a client leaves while its token is being checked, then its account holds no connection for it', async () => {
    let checks = 0;
    let finishCheck!: () => void;
    const checking = new Promise<void>((resolve) => { finishCheck = resolve; });
    const token = { viewer: testViewer('customer-1'), rolesVersion: 0, expiresAt: Math.floor(Date.now() / 1000) + 900 };
    const gateway = await startGateway([], 300, async () => {
      checks += 1;
      if (checks === 1) await checking;
      return token;
    });
    try {
      const leaving = await connectRaw(gateway.url, 'Bearer a.b.c');
      await eventually(() => checks === 1, 5000, 'the token check');
      leaving.socket.terminate();
      if (!gateway.sockets[0].destroyed) await once(gateway.sockets[0], 'close');
      finishCheck();

      // The account may hold one connection here: it is still free.
      const again = await connectRaw(gateway.url, 'Bearer a.b.c');
      await eventually(() => again.messages.some((m) => m.type === 'connection_ack'), 5000, 'the ack');
      expect(gateway.quota.usage.accountConnections).toBe(1);
      again.socket.close();
    } finally {
      await gateway.stop();
    }
  });
});
