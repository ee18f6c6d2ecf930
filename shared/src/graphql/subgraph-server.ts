// The HTTP shell every subgraph shares: Apollo Server on express, `/health` and `/ready`, and the check
// that each GraphQL request carries the gateway's internal identity token (`_service` and `_entities` too).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express } from 'express';
import type { DocumentNode, GraphQLFormattedError } from 'graphql';
import type { CryptoKey } from 'jose';
import { ErrorCode, isClientSafe } from '../errors';
import type { Logger } from '../logger';
import { InternalTokenVerifier } from '../internal-tokens';
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
  const httpServer = http.createServer(app);
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
  app.use('/graphql',
    async (req, res, next) => {
      const viewer = await identities.viewerFor(req.get(INTERNAL_TOKEN_HEADER), correlationIdOr(req.get('x-correlation-id')));
      if (!viewer) {
        res.status(401).json({ errors: [{ message: 'This service only answers the gateway', extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
        return;
      }
      res.locals.viewer = viewer;
      next();
    },
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const viewer = res.locals.viewer as Viewer;
        const log = options.log.child({ correlationId: viewer.correlationId, userId: viewer.userId });
        return options.context(viewer, log);
      },
    }),
  );

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
