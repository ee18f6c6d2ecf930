// The HTTP shell every subgraph shares: Apollo Server on Node's HTTP server for `/graphql`, express for
// `/health`, `/ready` and a subgraph's own routes, and the check that each GraphQL request carries the
// gateway's internal identity token (`_service` and `_entities` too).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import express, { type Express } from 'express';
import type { DocumentNode, GraphQLFormattedError } from 'graphql';
import type { CryptoKey } from 'jose';
import { ErrorCode, isClientSafe } from '../errors';
import type { Logger } from '../logger';
import { InternalTokenVerifier } from '../internal-tokens';
import { answerError, failedRequest, graphqlHandler, isGraphQLPath } from './http-handler';
import { correlationIdOr, INTERNAL_TOKEN_HEADER, type Viewer } from '../viewer';

export interface ServiceContext {
  viewer: Viewer;
  log: Logger;
}

export interface SubgraphServerOptions<C extends ServiceContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<C>;
  internalKey: CryptoKey;
  log: Logger;
  production: boolean;
  /** Builds the per-request context (loaders, services) for a verified viewer. */
  context(viewer: Viewer, log: Logger): C;
  /** True when the database and NATS connections are up. */
  ready(): Promise<boolean>;
  /** Extra HTTP routes (JWKS, webhooks). */
  routes?(app: Express): void;
}

export interface RunningServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Masks anything that is not one of our coded errors, after logging it with its stack. */
export function maskError(log: Logger, production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (isClientSafe(code)) {
      if (!production) return formatted;
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    log.error({ err: (error as { originalError?: unknown })?.originalError ?? error, path: formatted.path }, 'unexpected error');
    return { message: 'Internal server error', path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

export async function startSubgraphServer<C extends ServiceContext>(options: SubgraphServerOptions<C>, port: number, host: string): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  // GraphQL answers are POSTed and never revalidated: hashing each one for an ETag is wasted work.
  app.set('etag', false);
  // Requests are routed once everything below is set up (it listens last).
  const httpServer = http.createServer();
  // The gateway keeps connections to subgraphs open between requests. If the subgraph closed an idle
  // one first (Node's default is after 5 s), a request the gateway sends on it at that moment fails with
  // "socket hang up"; so the gateway's side always closes idle connections first.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const apollo = new ApolloServer<C & BaseContext>({
    schema: buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> }),
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    formatError: maskError(options.log, options.production),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Traces are for Apollo's hosted studio, which this platform does not report to.
      ApolloServerPluginInlineTraceDisabled(),
      // No resolver gives cache hints, and the gateway caches nothing by them: no per-field bookkeeping.
      ApolloServerPluginCacheControlDisabled(),
      ...(options.production ? [ApolloServerPluginLandingPageDisabled()] : []),
    ],
  });
  await apollo.start();

  app.get('/health', (_req, res) => { res.json({ status: 'ok', service: options.name }); });
  app.get('/ready', async (_req, res) => {
    const ok = await options.ready().catch(() => false);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', service: options.name });
  });
  options.routes?.(app);

  const identities = new InternalTokenVerifier(options.internalKey, options.name);
  const execute = graphqlHandler(apollo, 1_000_000);
  const serveGraphQL = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const correlationId = correlationIdOr(req.headers['x-correlation-id']?.toString());
    const header = req.headers[INTERNAL_TOKEN_HEADER];
    const viewer = await identities.viewerFor(typeof header === 'string' ? header : undefined, correlationId);
    if (!viewer) {
      answerError(res, 401, ErrorCode.UNAUTHENTICATED, 'This service only answers the gateway');
      return;
    }
    await execute(req, res, async () => options.context(viewer, options.log.child({ correlationId, userId: viewer.userId })));
  };
  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (isGraphQLPath(req.url)) serveGraphQL(req, res).catch(() => failedRequest(res));
    else app(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => resolve());
  });
  const actualPort = (httpServer.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actualPort}/graphql`,
    port: actualPort,
    stop: () => apollo.stop(),
  };
}
