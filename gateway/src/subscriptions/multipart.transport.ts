// Subscriptions over HTTP as Apollo Client and Apollo Sandbox speak them: a POST with
// `Accept: multipart/mixed;subscriptionSpec="1.0"` is answered with a multipart stream of JSON parts
// (`{"payload": result}`), heartbeats (`{}`) to keep proxies from closing it, and a closing boundary
// when the stream ends. A subscription sent over HTTP without that header is refused with a clear
// error instead of the gateway's "not supported".
import type { FormattedExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import type { Request, RequestHandler, Response } from 'express';
import { ErrorCode, failedRequest, type Logger } from '@desk/shared';
import type { VerifiedToken } from '../auth/access-token.verifier';
import type { LiveQueryService, LiveRequest, PreparedLive } from './live-query.service';
import type { LiveSession, LiveSessions } from './live-session';
import type { Mailbox } from './mailbox';

export interface MultipartOptions {
  /** The client's address, proxies taken into account. */
  clientAddress(req: Request): string | null;
  live: LiveQueryService;
  sessions: LiveSessions;
  schema(): GraphQLSchema | null;
  /** The caller's verified token (null when anonymous); throws a 401-worthy error for a bad one. */
  authenticate(req: Request): Promise<VerifiedToken | null>;
  heartbeatMs: number;
  /** How long a client may leave written parts unread before its response is cut off. */
  slowReaderTimeoutMs: number;
  log: Logger;
}

const BOUNDARY = 'graphql';
const PART = `\r\n--${BOUNDARY}\r\ncontent-type: application/json; charset=utf-8\r\n\r\n`;
const END = `\r\n--${BOUNDARY}--\r\n`;
const HEARTBEAT = `${PART}{}`;
const MIGHT_SUBSCRIBE = /\bsubscription\b/;
const REQUEST_ERRORS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

const wantsMultipart = (req: Request): boolean => /multipart\/mixed/i.test(req.get('accept') ?? '');

function sendErrors(res: Response, errors: readonly (GraphQLError | { message: string; extensions?: Record<string, unknown> })[], status?: number): void {
  const formatted = errors.map((e) => ({ message: e.message, extensions: e.extensions }));
  const code = String(formatted[0]?.extensions?.code ?? '');
  res.status(status ?? (REQUEST_ERRORS.has(code) ? 400 : code === ErrorCode.TOO_MANY_SUBSCRIPTIONS ? 429 : 200)).json({ errors: formatted });
}

/** A part of the stream: execution results inside `payload`; a stream-ending error beside a null one. */
const part = (result: FormattedExecutionResult): string =>
  PART + JSON.stringify(result.data === undefined && result.errors ? { payload: null, errors: result.errors } : { payload: result });

/** Serves a request (its JSON body parsed) that is a subscription; null, having answered nothing, for any other. */
export type MultipartHandler = (req: Request, res: Response) => Promise<void> | null;

/** The handler as express middleware: requests that are not subscriptions go on to the next one. */
export const asMiddleware = (handler: MultipartHandler): RequestHandler => (req, res, next) => handler(req, res) ?? next();

export function multipartSubscriptions(options: MultipartOptions): MultipartHandler {
  return (req, res) => {
    const body = req.body as Partial<LiveRequest> | undefined;
    if (req.method !== 'POST' || typeof body?.query !== 'string' || !MIGHT_SUBSCRIBE.test(body.query)) return null;
    const schema = options.schema();
    if (!schema) return null;
    const request: LiveRequest = { query: body.query, variables: body.variables, operationName: body.operationName };
    const prepared = options.live.prepare(schema, request);
    if (prepared === null) return null;
    return serve(req, res, prepared);
  };

  async function serve(req: Request, res: Response, prepared: PreparedLive | readonly GraphQLError[]): Promise<void> {
    if ('length' in prepared) { sendErrors(res, prepared); return; }
    if (!wantsMultipart(req)) {
      sendErrors(res, [{
        message: 'Subscriptions are served over graphql-ws on this path, or over HTTP with Accept: multipart/mixed;subscriptionSpec="1.0"',
        extensions: { code: 'SUBSCRIPTION_TRANSPORT_REQUIRED' },
      }], 400);
      return;
    }
    let token: VerifiedToken | null;
    try {
      token = await options.authenticate(req);
    } catch (error) {
      sendErrors(res, [error as GraphQLError], 401);
      return;
    }
    const ip = options.clientAddress(req);
    // The subscription counts against its account's and address's caps inside live.subscribe, and is
    // given back when its mailbox closes. From here every way out, a refusal, a failure, the client
    // leaving, goes through the one `finally`.
    let session: LiveSession | null = null;
    let mailbox: Mailbox | null = null;
    // The client may leave at any time, even while the subscription is being checked: ends the stream's wait.
    const leave = () => void mailbox?.return();
    res.once('close', leave);
    try {
      session = options.sessions.open(token, ip, () => undefined);
      const subscribed = await options.live.subscribe(prepared, session.viewer(res.getHeader('x-correlation-id')?.toString()));
      if ('length' in subscribed) {
        sendErrors(res, subscribed);
        return;
      }
      mailbox = subscribed;
      if (res.destroyed) return;
      session.add(mailbox);
      await stream(res, mailbox, ip);
    } catch (error) {
      options.log.error({ err: error }, 'multipart subscription failed');
      failedRequest(res);
    } finally {
      res.off('close', leave);
      void mailbox?.return();
      session?.close();
    }
  }

  /**
   * Writes the mailbox's results as parts until it ends or the response is gone. What the socket has
   * not taken stays in the gateway's memory, so after a write the socket could not take at once, the
   * next result is taken from the mailbox (which keeps only the newest per entity) only once the client
   * has read; heartbeats wait too; a client that reads nothing for `slowReaderTimeoutMs` is cut off.
   */
  async function stream(res: Response, mailbox: Mailbox, ip: string | null): Promise<void> {
    let draining: Promise<void> | null = null;
    const drained = (): Promise<void> => (res.destroyed ? Promise.resolve() : draining ??= new Promise<void>((resolve) => {
      const cutOff = setTimeout(() => {
        options.log.warn({ address: ip, bufferedBytes: res.writableLength }, 'multipart subscriber cut off: it read nothing for too long');
        res.destroy();
      }, options.slowReaderTimeoutMs);
      const done = () => {
        clearTimeout(cutOff);
        res.off('drain', done);
        res.off('close', done);
        draining = null;
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    }));
    const write = (chunk: string): void => {
      if (!res.write(chunk)) void drained();
    };
    res.writeHead(200, {
      'content-type': `multipart/mixed;boundary="${BOUNDARY}";subscriptionSpec="1.0"`,
      'cache-control': 'no-cache, no-store',
      // Tells reverse proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    write(HEARTBEAT);
    const heartbeat = setInterval(() => {
      if (!res.destroyed && !res.writableNeedDrain) write(HEARTBEAT);
    }, options.heartbeatMs);
    try {
      for await (const result of mailbox) {
        if (res.destroyed) break;
        write(part(result));
        if (res.writableNeedDrain) await drained();
      }
      if (!res.destroyed) res.end(END);
    } finally {
      clearInterval(heartbeat);
    }
  }
}
