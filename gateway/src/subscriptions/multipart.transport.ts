// Subscriptions over HTTP as Apollo Client and Apollo Sandbox speak them: a POST with
// `Accept: multipart/mixed;subscriptionSpec="1.0"` is answered with a multipart stream of JSON parts
// (`{"payload": result}`), heartbeats (`{}`) to keep proxies from closing it, and a closing boundary
// when the stream ends. A subscription sent over HTTP without that header is refused with a clear
// error instead of the gateway's "not supported".
import type { FormattedExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '@desk/shared';
import type { VerifiedToken } from '../auth/access-token.verifier';
import type { LiveQueryService, LiveRequest, PreparedLive } from './live-query.service';
import type { LiveSessions } from './live-session';

export interface MultipartOptions {
  live: LiveQueryService;
  sessions: LiveSessions;
  schema(): GraphQLSchema | null;
  /** The caller's verified token (null when anonymous); throws a 401-worthy error for a bad one. */
  authenticate(req: Request): Promise<VerifiedToken | null>;
  heartbeatMs: number;
  maxSubscriptionsPerAddress: number;
  log: Logger;
}

const BOUNDARY = 'graphql';
const PART = `\r\n--${BOUNDARY}\r\ncontent-type: application/json; charset=utf-8\r\n\r\n`;
const END = `\r\n--${BOUNDARY}--\r\n`;
const MIGHT_SUBSCRIBE = /\bsubscription\b/;
const REQUEST_ERRORS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

const wantsMultipart = (req: Request): boolean => /multipart\/mixed/i.test(req.get('accept') ?? '');

function sendErrors(res: Response, errors: readonly (GraphQLError | { message: string; extensions?: Record<string, unknown> })[], status?: number): void {
  const formatted = errors.map((e) => ({ message: e.message, extensions: e.extensions }));
  const code = String(formatted[0]?.extensions?.code ?? '');
  res.status(status ?? (REQUEST_ERRORS.has(code) ? 400 : 200)).json({ errors: formatted });
}

/** A part of the stream: execution results inside `payload`; a stream-ending error beside a null one. */
const part = (result: FormattedExecutionResult): string =>
  PART + JSON.stringify(result.data === undefined && result.errors ? { payload: null, errors: result.errors } : { payload: result });

/** Serves a request (its JSON body parsed) that is a subscription; null, having answered nothing, for any other. */
export type MultipartHandler = (req: Request, res: Response) => Promise<void> | null;

/** The handler as express middleware: requests that are not subscriptions go on to the next one. */
export const asMiddleware = (handler: MultipartHandler): RequestHandler => (req, res, next) => handler(req, res) ?? next();

export function multipartSubscriptions(options: MultipartOptions): MultipartHandler {
  const perAddress = new Map<string, number>();
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
    const address = req.ip ?? 'unknown';
    if ((perAddress.get(address) ?? 0) >= options.maxSubscriptionsPerAddress) {
      sendErrors(res, [{ message: 'Too many open subscriptions from this address', extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } }], 429);
      return;
    }
    // The slot is taken before anything is awaited, so that simultaneous requests cannot pass the cap together.
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    const release = () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left); else perAddress.delete(address);
    };
    const session = options.sessions.open(token, req.ip ?? null, () => undefined);
    const mailbox = await options.live.subscribe(prepared, session.viewer(res.getHeader('x-correlation-id')?.toString()));
    if ('length' in mailbox) {
      session.close();
      release();
      sendErrors(res, mailbox);
      return;
    }
    session.add(mailbox);
    res.writeHead(200, {
      'content-type': `multipart/mixed;boundary="${BOUNDARY}";subscriptionSpec="1.0"`,
      'cache-control': 'no-cache, no-store',
      // Tells reverse proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.write(`${PART}{}`);
    const heartbeat = setInterval(() => res.write(`${PART}{}`), options.heartbeatMs);
    const cleanUp = () => {
      clearInterval(heartbeat);
      session.close();
      void mailbox.return();
    };
    res.on('close', cleanUp);
    try {
      for await (const result of mailbox) {
        if (res.destroyed) break;
        res.write(part(result));
      }
      if (!res.destroyed) res.end(END);
    } catch (error) {
      options.log.error({ err: error }, 'multipart subscription failed');
      res.destroy();
    } finally {
      cleanUp();
      release();
    }
  }
}
