// The route nearly every request takes, a JSON POST to /graphql, served without express's router and
// body parser, which cost the gateway more CPU than its protections do (see BENCHMARKS.md). It takes the
// steps of the express route beside it with the same parts (CORS, then a multipart subscription or
// Apollo Server); every other request (a preflight, a GET, another content type, an encoded body) goes
// through express.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, Request, RequestHandler, Response } from 'express';
import { answerUnreadableBody, failedRequest, isGraphQLPath, readJsonBody } from '@desk/shared';
import type { GatewayContext } from './context';
import type { MultipartHandler } from './subscriptions/multipart.transport';

export interface GraphQLRouteOptions {
  app: Express;
  maxBodyBytes: number;
  /** CORS headers; it calls next() for every request that is not a preflight. */
  cors: RequestHandler;
  multipart: MultipartHandler;
  respond(req: IncomingMessage, res: ServerResponse, body: unknown, context: () => Promise<GatewayContext>): Promise<void>;
  context(req: Request): Promise<GatewayContext>;
}

/** `application/json` in UTF-8, not compressed: a body express's JSON parser would read as it is. */
export function isPlainJson(req: IncomingMessage): boolean {
  const type = req.headers['content-type']?.toLowerCase();
  if (type === undefined) return false;
  const [mediaType, ...parameters] = type.split(';').map((part) => part.trim());
  if (mediaType !== 'application/json') return false;
  if (parameters.some((p) => p.startsWith('charset=') && p !== 'charset=utf-8' && p !== 'charset="utf-8"')) return false;
  const encoding = req.headers['content-encoding'];
  return encoding === undefined || encoding.toLowerCase() === 'identity';
}

/** What express's application does to every request before routing it. */
function asExpress(app: Express, req: IncomingMessage, res: ServerResponse): [Request, Response] {
  const request = req as Request;
  const response = res as Response;
  request.res = response;
  response.req = request;
  Object.setPrototypeOf(req, app.request);
  Object.setPrototypeOf(res, app.response);
  response.locals ??= Object.create(null);
  return [request, response];
}

/** The HTTP server's request listener: JSON POSTs to /graphql here, the rest to express. */
export function graphqlRoute(options: GraphQLRouteOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const serve = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const body = await readJsonBody(incoming, options.maxBodyBytes);
    if (!body.ok) {
      answerUnreadableBody(outgoing, body.reason, options.maxBodyBytes);
      return;
    }
    const [req, res] = asExpress(options.app, incoming, outgoing);
    req.body = body.value;
    await new Promise<void>((resolve, reject) => {
      options.cors(req, res, (error?: unknown) => (error === undefined ? resolve() : reject(error)));
    });
    const subscription = options.multipart(req, res);
    if (subscription) await subscription;
    else await options.respond(req, res, body.value, () => options.context(req));
  };
  return (req, res) => {
    if (req.method === 'POST' && isGraphQLPath(req.url) && isPlainJson(req)) serve(req, res).catch(() => failedRequest(res));
    else options.app(req, res);
  };
}
