// Apollo Server on Node's own HTTP server, for the one route nearly every request of a subgraph (and of
// the gateway, see gateway/src/graphql-route.ts) takes: the steps of the express integration (headers,
// body, executeHTTPGraphQLRequest, the answer) without the router, body parser and response helpers
// around them, which took more of a subgraph's CPU than graphql-js did (see BENCHMARKS.md). Other routes
// stay on express.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { ErrorCode } from '../errors';

export type GraphQLHandler<C> = (req: IncomingMessage, res: ServerResponse, context: () => Promise<C>) => Promise<void>;

/** True for the path the handler serves: `/graphql`, with or without a query string. */
export const isGraphQLPath = (url: string | undefined): boolean =>
  url === '/graphql' || (url?.startsWith('/graphql?') ?? false);

/** A GraphQL-shaped error answer for a request that never reached GraphQL execution. */
export function answerError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/** The answers to a body that cannot be read as a request: the gateway's and the subgraphs' alike. */
export const answerBodyTooLarge = (res: ServerResponse, maxBodyBytes: number): void =>
  answerError(res, 413, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${maxBodyBytes} bytes`);
export const answerBodyNotJson = (res: ServerResponse): void =>
  answerError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON');

/** The body as text, or null when it is larger than the limit (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A request body read as JSON: its value, or why it could not be. */
export type JsonBody = { ok: true; value: unknown } | { ok: false; reason: 'too-large' | 'not-json' };

/**
 * Reads and parses a JSON body as express's JSON parser would (strict: an object or an array at the top),
 * without it. An empty body is not JSON. The caller has checked the content type.
 */
export async function readJsonBody(req: IncomingMessage, maxBodyBytes: number): Promise<JsonBody> {
  const text = await readBody(req, maxBodyBytes);
  if (text === null) return { ok: false, reason: 'too-large' };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) return { ok: true, value };
  } catch {
    // answered below
  }
  return { ok: false, reason: 'not-json' };
}

/** Answers a body readJsonBody refused; an oversized one also closes the connection (the rest is unread). */
export function answerUnreadableBody(res: ServerResponse, reason: 'too-large' | 'not-json', maxBodyBytes: number): void {
  if (reason === 'not-json') {
    answerBodyNotJson(res);
    return;
  }
  res.setHeader('connection', 'close');
  answerBodyTooLarge(res, maxBodyBytes);
}

/** Runs a request whose body is already read through Apollo Server, and writes its answer. */
export function graphqlResponder<C extends BaseContext>(apollo: ApolloServer<C>) {
  apollo.assertStarted('graphqlResponder()');
  return async (req: IncomingMessage, res: ServerResponse, body: unknown, context: () => Promise<C>): Promise<void> => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method?.toUpperCase() ?? 'GET', headers, search: query < 0 ? '' : url.slice(query), body },
      context,
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

/** A subgraph's `/graphql`: the body read (as JSON when the content type says so) and answered by Apollo Server. */
export function graphqlHandler<C extends BaseContext>(apollo: ApolloServer<C>, maxBodyBytes: number): GraphQLHandler<C> {
  const respond = graphqlResponder(apollo);
  return async (req, res, context) => {
    if (!req.headers['content-type']?.includes('json')) {
      const text = await readBody(req, maxBodyBytes);
      if (text === null) answerUnreadableBody(res, 'too-large', maxBodyBytes);
      else await respond(req, res, text, context);
      return;
    }
    const body = await readJsonBody(req, maxBodyBytes);
    if (body.ok) await respond(req, res, body.value, context);
    else answerUnreadableBody(res, body.reason, maxBodyBytes);
  };
}

/** Answers a request the handler could not finish (a bug, a closed socket) without ending the process. */
export function failedRequest(res: ServerResponse): void {
  if (res.headersSent) res.destroy();
  else answerError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
}
