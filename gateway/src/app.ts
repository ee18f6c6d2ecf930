// The gateway: Apollo Gateway over the static supergraph, behind token verification, query limits,
// CSRF prevention, a body size limit and error masking, with a request log per operation on NATS.
import { randomUUID } from 'node:crypto';
import { readFileSync, watch } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, type SupergraphManager } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type ErrorRequestHandler, type Request } from 'express';
import { GraphQLError } from 'graphql';
import {
  anonymousViewer, AppError, connectNats, createLogger, ensureStreams, ErrorCode, importInternalPrivateKey,
  type Logger,
} from '@desk/shared';
import { AccessTokenVerifier } from './auth/access-token.verifier';
import { RevocationList } from './auth/revocation.list';
import type { GatewayContext } from './context';
import type { GatewayEnv } from './env';
import { gatewayFormatError } from './plugins/error-masking';
import { parseLimits, protections } from './plugins/protections';
import { RequestLogPublisher, requestLogPlugin } from './plugins/request-log.plugin';
import { SubgraphDataSource } from './subgraph.data-source';
import { subgraphOrigin, webhookForwarder } from './webhook.forwarder';

export interface RunningGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const CORRELATION_ID = /^[A-Za-z0-9._-]{8,64}$/;
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

function supergraphFile(path: string, watchForChanges: boolean, log: Logger): SupergraphManager {
  return {
    async initialize({ update }) {
      const read = () => readFileSync(path, 'utf8');
      let timer: NodeJS.Timeout | undefined;
      const watcher = watchForChanges
        ? watch(path, () => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            try {
              update(read());
              log.info({ path }, 'supergraph reloaded');
            } catch (error) {
              log.error({ err: error, path }, 'supergraph reload failed; keeping the previous one');
            }
          }, 200);
        })
        : null;
      return { supergraphSdl: read(), cleanup: async () => { clearTimeout(timer); watcher?.close(); } };
    },
  };
}

/** A 401 the HTTP layer understands, with the code clients rely on. */
function refusal(error: unknown): GraphQLError {
  const message = error instanceof AppError && error.code === ErrorCode.UNAUTHENTICATED ? error.message : 'The access token is invalid';
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

export async function startGateway(env: GatewayEnv, log: Logger = createLogger('gateway', env.LOG_LEVEL)): Promise<RunningGateway> {
  const internalKey = await importInternalPrivateKey(env.INTERNAL_JWT_PRIVATE_KEY);
  const nc = await connectNats(env.NATS_URL, 'gateway');
  await ensureStreams(nc, env.NATS_PREFIX);
  const revocations = new RevocationList(env.ACCESS_TOKEN_TTL_SECONDS, log);
  await revocations.start(nc, env.NATS_PREFIX);
  const verifier = new AccessTokenVerifier({
    jwksUrl: env.AUTH_JWKS_URL,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    ttlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS,
  }, revocations);
  const requestLogs = new RequestLogPublisher(nc, env.NATS_PREFIX, log);

  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFile(env.SUPERGRAPH_PATH, env.watchSupergraph, log),
    buildService: ({ name, url }) => new SubgraphDataSource(name, env.SUBGRAPH_URLS[name] ?? url ?? '', internalKey),
    logger: log,
  });

  const app = express();
  app.disable('x-powered-by');
  if (env.TRUST_PROXY) app.set('trust proxy', true);
  const httpServer = http.createServer(app);
  const armor = protections(env);
  const server = new ApolloServer<GatewayContext>({
    gateway,
    introspection: env.introspection,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    formatError: gatewayFormatError(log, env.production),
    validationRules: armor.validationRules,
    parseOptions: parseLimits(env),
    plugins: [
      ...armor.plugins,
      requestLogPlugin(requestLogs),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      env.landingPage ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await server.start();

  app.get('/health', (_req, res) => { res.json({ status: 'ok', service: 'gateway' }); });
  app.get('/ready', (_req, res) => {
    const ok = !nc.isClosed() && !nc.isDraining();
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', service: 'gateway' });
  });

  const contextFor = async (req: Request): Promise<GatewayContext> => {
    const given = req.get('x-correlation-id');
    const correlationId = given && CORRELATION_ID.test(given) ? given : randomUUID();
    req.res?.setHeader('x-correlation-id', correlationId);
    const ip = req.ip ?? req.socket.remoteAddress ?? null;
    const clientName = req.get('apollographql-client-name')?.slice(0, 100) ?? null;
    const clientVersion = req.get('apollographql-client-version')?.slice(0, 50) ?? null;
    const authorization = req.get('authorization');
    let viewer = anonymousViewer(correlationId, ip);
    if (authorization) {
      try {
        const match = BEARER.exec(authorization);
        if (!match) throw new Error('malformed authorization header');
        viewer = await verifier.verify(match[1], { ip, correlationId });
      } catch (error) {
        requestLogs.publish({
          id: randomUUID(), operationName: null, operationType: null, durationMs: 0, outcome: 'refused',
          errorCodes: [ErrorCode.UNAUTHENTICATED], userId: null, clientName, clientVersion, correlationId, at: new Date().toISOString(),
        });
        throw refusal(error);
      }
    }
    return { viewer, clientName, clientVersion, internalTokens: new Map() };
  };

  app.use(webhookForwarder(() => subgraphOrigin('payment', env.SUBGRAPH_URLS, env.SUPERGRAPH_PATH), env.MAX_BODY_BYTES, log));
  app.use('/graphql',
    cors({ origin: env.corsOrigins, maxAge: 600 }),
    express.json({ limit: env.MAX_BODY_BYTES }),
    expressMiddleware(server, { context: async ({ req }) => contextFor(req) }),
  );
  const bodyErrors: ErrorRequestHandler = (error, _req, res, next) => {
    const status = (error as { status?: number }).status;
    if (status === 413) {
      res.status(413).json({ errors: [{ message: `The request body is larger than ${env.MAX_BODY_BYTES} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    } else if (status === 400) {
      res.status(400).json({ errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    } else {
      next(error);
    }
  };
  app.use(bodyErrors);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(env.port, env.HOST, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  log.info({ port }, 'gateway listening');
  return {
    url: `http://${env.HOST}:${port}/graphql`,
    port,
    async stop() {
      await server.stop();
      await revocations.stop();
      await nc.drain().catch(() => undefined);
    },
  };
}
