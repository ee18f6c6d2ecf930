// graphql-ws on the gateway's GraphQL path: the access token comes in `connection_init`
// (`{ "authorization": "Bearer …" }`; a bad one closes the socket with 4403), subscriptions are served
// by the live query service, queries and mutations run through the gateway as over HTTP. Keep-alive
// pings find vanished clients; each connection has a cap on its open subscriptions, each address and
// account a cap on open connections (the quota), and a client that leaves a sent result unread too long
// is cut off.
import type http from 'node:http';
import { GraphQLError, parse, type ExecutionArgs, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger, Viewer } from '@desk/shared';
import type { VerifiedToken } from '../auth/access-token.verifier';
import type { LiveQueryService, LiveRequest } from './live-query.service';
import type { LiveSession, LiveSessions } from './live-session';
import type { Mailbox } from './mailbox';
import type { SubscriptionQuota } from './subscription-quota';

export interface WsTransportOptions {
  httpServer: http.Server;
  path: string;
  maxPayloadBytes: number;
  keepAliveMs: number;
  maxSubscriptionsPerConnection: number;
  /** How long a sent result may wait in the gateway, unread by the client, before its socket is closed. */
  slowReaderTimeoutMs: number;
  /** Counts connections per address and account (subscriptions are counted by the live query service). */
  quota: SubscriptionQuota;
  /** The client's address for the upgrade request, proxies taken into account. */
  clientAddress(req: http.IncomingMessage): string | null;
  /** Verifies a bearer token (throws when it is not good). */
  authenticate(token: string, ip: string | null): Promise<VerifiedToken>;
  schema(): GraphQLSchema | null;
  live: LiveQueryService;
  sessions: LiveSessions;
  /** Runs a query or mutation through the gateway as `viewer`. */
  runOperation(request: LiveRequest, viewer: Viewer): Promise<FormattedExecutionResult>;
  log: Logger;
}

export const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

/** What onSubscribe hands to execute/subscribe. */
type Operation = { kind: 'live'; mailbox: Mailbox; socket: WebSocket; ip: string | null } | { kind: 'operation'; request: LiveRequest; viewer: Viewer };

type Extra = { session?: LiveSession };

/** ws's hook before the handshake: one more connection from this address, or 429. */
type VerifyClient = (info: { req: http.IncomingMessage }, answer: (ok: boolean, status?: number, message?: string, headers?: http.OutgoingHttpHeaders) => void) => void;

/** graphql-ws sends errors with toJSON(); the gateway's are already formatted (and masked) objects. */
function toExecutionResult(result: FormattedExecutionResult) {
  if (!result.errors) return result as { data?: FormattedExecutionResult['data'] }; // shared by every subscriber of a group, untouched
  return { ...result, errors: result.errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions })) };
}

/** Close code for a connection refused by a cap on connections per account (HTTP's 429; graphql-ws clients do not retry it). */
export const TOO_MANY_CONNECTIONS = 4429;

/**
 * The mailbox as graphql-ws reads it. Not an async generator: a generator waiting for the next event
 * cannot be ended from outside, and graphql-ws ends it (return()) when the client leaves.
 *
 * graphql-ws asks for the next result only once the socket has taken the last one (it awaits each
 * send), so what waits in the gateway for a client that does not read is one result per subscription
 * besides its mailbox. A result the socket has not taken after `stalledAfterMs` means the client
 * stopped reading: `onStalled` cuts it off.
 */
function stream(mailbox: Mailbox, stalledAfterMs: number, onStalled: () => void): AsyncIterableIterator<ReturnType<typeof toExecutionResult>> {
  let sending: NodeJS.Timeout | null = null;
  const sent = () => {
    if (sending) clearTimeout(sending);
    sending = null;
  };
  return {
    async next() {
      sent();
      const step = await mailbox.next();
      if (step.done) return { done: true, value: undefined };
      sending = setTimeout(onStalled, stalledAfterMs);
      return { done: false, value: toExecutionResult(step.value) };
    },
    async return() {
      sent();
      await mailbox.return();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() { return this; },
  };
}

const fail = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

export function attachWebSocketTransport(options: WsTransportOptions): { close(): Promise<void> } {
  // Counted at the upgrade, before the client may say who it is, and given back when the TCP socket
  // closes, however the handshake or the connection ends.
  const verifyClient: VerifyClient = ({ req }, answer) => {
    const slot = options.quota.openConnection(options.clientAddress(req));
    if ('release' in slot) {
      req.socket.once('close', () => slot.release());
      answer(true);
      return;
    }
    answer(false, 429, JSON.stringify({ errors: [{ message: slot.message, extensions: slot.extensions }] }), { 'content-type': 'application/json' });
  };
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: options.maxPayloadBytes, verifyClient });
  const server = useServer<Record<string, unknown> | undefined, Extra>({
    connectionInitWaitTimeout: 5_000,
    onConnect: async (ctx) => {
      const ip = options.clientAddress(ctx.extra.request);
      const authorization = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
      let token: VerifiedToken | null = null;
      if (authorization !== undefined && authorization !== null) {
        const match = typeof authorization === 'string' ? BEARER.exec(authorization) : null;
        if (!match) return false;
        try {
          token = await options.authenticate(match[1], ip);
        } catch {
          return false; // 4403 Forbidden
        }
      }
      const socket = ctx.extra.socket;
      // It left while its token was checked: its close has passed, and would give nothing taken now back.
      if (socket.readyState === socket.CLOSED) return false;
      if (token) {
        const slot = options.quota.openAccountConnection(token.viewer);
        if (!('release' in slot)) {
          socket.close(TOO_MANY_CONNECTIONS, slot.message);
          return false;
        }
        socket.once('close', () => slot.release());
      }
      ctx.extra.session = options.sessions.open(token, ip, (reason) => {
        // Let the streams' last messages go out before the socket closes.
        setTimeout(() => socket.close(4401, reason === 'TOKEN_EXPIRED' ? 'Token expired' : 'Session ended'), 100).unref();
      });
      return true;
    },
    onClose: (ctx) => { ctx.extra.session?.close(); },
    onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
      const session = ctx.extra.session!;
      if (session.ended) return fail('The session has ended', session.ended);
      const schema = options.schema();
      if (!schema) return fail('The gateway is not ready', 'SERVICE_UNAVAILABLE');
      const request: LiveRequest = { query: payload.query, variables: payload.variables, operationName: payload.operationName };
      const prepared = options.live.prepare(schema, request);
      if (prepared !== null && 'length' in prepared) return prepared;
      if (prepared === null) {
        const operation: Operation = { kind: 'operation', request, viewer: session.viewer() };
        return { schema, document: parse(payload.query), operationName: payload.operationName, contextValue: operation };
      }
      if (session.open + session.starting >= options.maxSubscriptionsPerConnection) {
        return fail(`At most ${options.maxSubscriptionsPerConnection} subscriptions per connection`, 'TOO_MANY_SUBSCRIPTIONS');
      }
      // Counted while it starts: subscribe messages sent together cannot pass the cap together.
      session.starting += 1;
      let mailbox;
      try {
        mailbox = await options.live.subscribe(prepared, session.viewer());
      } finally {
        session.starting -= 1;
      }
      if ('length' in mailbox) return mailbox;
      session.add(mailbox);
      const operation: Operation = { kind: 'live', mailbox, socket: ctx.extra.socket, ip: options.clientAddress(ctx.extra.request) };
      return { schema, document: prepared.document, operationName: payload.operationName, contextValue: operation };
    },
    execute: async (args) => {
      const operation = args.contextValue as Operation;
      if (operation.kind !== 'operation') throw new Error('a subscription reached execute');
      return toExecutionResult(await options.runOperation(operation.request, operation.viewer));
    },
    subscribe: (args) => {
      const operation = args.contextValue as Operation;
      if (operation.kind !== 'live') throw new Error('an operation reached subscribe');
      const { socket, ip } = operation;
      return stream(operation.mailbox, options.slowReaderTimeoutMs, () => {
        options.log.warn({ address: ip, bufferedBytes: socket.bufferedAmount }, 'WebSocket subscriber cut off: it read nothing for too long');
        socket.terminate();
      });
    },
  }, wss, options.keepAliveMs);
  return {
    async close() {
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
