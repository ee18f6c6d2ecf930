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
import cors from 'cors';
import express, { type ErrorRequestHandler, type Request } from 'express';
import { GraphQLError, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import {
  anonymousViewer, answerBodyNotJson, answerBodyTooLarge, answerError, AppError, connectNats, createLogger, ErrorCode, graphqlResponder,
  importInternalPrivateKey, InternalTokenSigner, prepareStreams,
  type Logger,
} from '@desk/shared';
import { AccessTokenVerifier, type VerifiedToken } from './auth/access-token.verifier';
import { clientAddressOf, trustFunction } from './client-address';
import { RevocationList } from './auth/revocation.list';
import type { GatewayContext } from './context';
import { correlationOf, type RequestCorrelation } from './correlation';
import type { GatewayEnv } from './env';
import { graphqlRoute } from './graphql-route';
import { gatewayFormatError } from './plugins/error-masking';
import { operationCost, parseLimits, protections, validationOptions } from './plugins/protections';
import { RequestLogPublisher, requestLogPlugin } from './plugins/request-log.plugin';
import { gatewayMetrics } from './metrics';
import { SubgraphDataSource } from './subgraph.data-source';
import { EventHub } from './subscriptions/event-hub';
import { LiveQueryService, type LiveRequest } from './subscriptions/live-query.service';
import { LiveSessions } from './subscriptions/live-session';
import { SubscriptionQuota } from './subscriptions/subscription-quota';
import { asMiddleware, multipartSubscriptions } from './subscriptions/multipart.transport';
import { BEARER, attachWebSocketTransport } from './subscriptions/ws.transport';
import { subgraphOrigin, webhookForwarder } from './webhook.forwarder';

export interface RunningGateway {
  url: string;
  port: number;
  /** The subscription machinery, for tests and metrics. */
  live: LiveQueryService;
  hub: EventHub;
  quota: SubscriptionQuota;
  stop(): Promise<void>;
}

const clientNameOf = (req: Request): string | null => req.get('apollographql-client-name')?.slice(0, 100) ?? null;
const clientVersionOf = (req: Request): string | null => req.get('apollographql-client-version')?.slice(0, 50) ?? null;

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
  const internalTokens = new InternalTokenSigner(await importInternalPrivateKey(env.INTERNAL_JWT_PRIVATE_KEY));
  const nc = await connectNats(env.NATS_URL, 'gateway', env.NATS_CREDENTIALS);
  await prepareStreams(nc, env.NATS_PREFIX, env.NATS_CREDENTIALS);
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

  // Read by @apollo/gateway itself, from the environment, when it is constructed.
  process.env.APOLLO_TELEMETRY_DISABLED = String(env.APOLLO_TELEMETRY_DISABLED);
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFile(env.SUPERGRAPH_PATH, env.watchSupergraph, log),
    buildService: ({ name, url }) => new SubgraphDataSource(name, env.SUBGRAPH_URLS[name] ?? url ?? '', internalTokens),
    logger: log,
  });

  const app = express();
  app.disable('x-powered-by');
  // GraphQL answers are POSTed and never revalidated: hashing each one for an ETag is wasted work.
  app.set('etag', false);
  app.set('trust proxy', trustFunction(env.TRUST_PROXY));
  const clientAddress = clientAddressOf(env.TRUST_PROXY);
  // Requests are routed once everything below is set up (it listens last).
  const httpServer = http.createServer();
  const armor = protections(env);
  const cost = operationCost(env);
  let apiSchema: GraphQLSchema | null = null;
  const server = new ApolloServer<GatewayContext>({
    gateway,
    introspection: env.introspection,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    formatError: gatewayFormatError(log, env.production),
    validationRules: armor.validationRules,
    validationOptions,
    hideSchemaDetailsFromClientErrors: env.production,
    parseOptions: parseLimits(env),
    plugins: [
      { async serverWillStart() { return { schemaDidLoadOrUpdate({ apiSchema: schema }) { apiSchema = schema; } }; } },
      ...armor.plugins,
      ...(cost ? [cost.plugin] : []),
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

  /** The request's verified token, null when it has none; a bad one is refused (401) and logged. */
  const authenticate = async (req: Request, { correlationId, clientCorrelationId }: RequestCorrelation): Promise<VerifiedToken | null> => {
    const authorization = req.get('authorization');
    if (!authorization) return null;
    const ip = clientAddress(req);
    try {
      const match = BEARER.exec(authorization);
      if (!match) throw new Error('malformed authorization header');
      return await verifier.check(match[1], { ip, correlationId });
    } catch (error) {
      requestLogs.publish({
        id: randomUUID(), operationName: null, operationType: null, durationMs: 0, outcome: 'refused',
        errorCodes: [ErrorCode.UNAUTHENTICATED], userId: null, clientName: clientNameOf(req), clientVersion: clientVersionOf(req), correlationId, clientCorrelationId, at: new Date().toISOString(),
      });
      throw refusal(error);
    }
  };
  const contextFor = async (req: Request): Promise<GatewayContext> => {
    const correlation = correlationOf(req);
    const token = await authenticate(req, correlation);
    const viewer = token?.viewer ?? anonymousViewer(correlation.correlationId, clientAddress(req));
    return { viewer, clientName: clientNameOf(req), clientVersion: clientVersionOf(req), clientCorrelationId: correlation.clientCorrelationId };
  };

  // Subscriptions: one NATS subscription per event subject, each event resolved through the query plan.
  const hub = new EventHub(nc, env.NATS_PREFIX, log);
  const quota = new SubscriptionQuota({
    subscriptionsPerUser: env.MAX_SUBSCRIPTIONS_PER_USER,
    subscriptionsPerAddress: env.MAX_SUBSCRIPTIONS_PER_ADDRESS,
    connectionsPerAddress: env.MAX_CONNECTIONS_PER_ADDRESS,
    connectionsPerUser: env.MAX_CONNECTIONS_PER_USER,
    groupsPerUser: env.MAX_LIVE_GROUPS_PER_USER,
  });
  const execute = async (request: LiveRequest, viewer: GatewayContext['viewer'], live: boolean): Promise<FormattedExecutionResult> => {
    const response = await server.executeOperation(
      { query: request.query, variables: request.variables ?? undefined, operationName: request.operationName ?? undefined },
      { contextValue: { viewer, clientName: null, clientVersion: null, clientCorrelationId: null, live } },
    );
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported here');
    return response.body.singleResult;
  };
  const live = new LiveQueryService(hub, (query, variables, operationName, viewer) => execute({ query, variables, operationName }, viewer, true), {
    queueCapacity: env.SUBSCRIPTION_QUEUE_SIZE,
    onSubscribe: ({ operationName, viewer, durationMs, errorCodes }) => requestLogs.publish({
      id: randomUUID(), operationName, operationType: 'subscription', durationMs, outcome: errorCodes.length === 0 ? 'success' : 'error',
      errorCodes, userId: viewer.userId, clientName: null, clientVersion: null, correlationId: viewer.correlationId, clientCorrelationId: null, at: new Date().toISOString(),
    }),
    validationRules: armor.validationRules ?? [],
    checkCost: cost?.check,
    parseOptions: parseLimits(env),
    hideSuggestions: env.production,
    quota,
  }, log);
  const sessions = new LiveSessions(revocations);
  if (env.METRICS) {
    const metrics = gatewayMetrics(live, hub);
    app.get('/metrics', async (_req, res) => { res.type(metrics.contentType).send(await metrics.metrics()); });
  }
  const webSockets = attachWebSocketTransport({
    httpServer,
    path: '/graphql',
    maxPayloadBytes: env.MAX_BODY_BYTES,
    clientAddress,
    keepAliveMs: env.KEEPALIVE_MS,
    maxSubscriptionsPerConnection: env.MAX_SUBSCRIPTIONS_PER_CONNECTION,
    slowReaderTimeoutMs: env.WS_SLOW_READER_TIMEOUT_MS,
    quota,
    authenticate: (token, ip) => verifier.check(token, { ip, correlationId: randomUUID() }),
    schema: () => apiSchema,
    live,
    sessions,
    runOperation: (request, viewer) => execute(request, viewer, false),
    log,
  });

  app.use(webhookForwarder(() => subgraphOrigin('payment', env.SUBGRAPH_URLS, env.SUPERGRAPH_PATH), env.MAX_BODY_BYTES, log));
  const allowOrigin = cors({ origin: env.corsOrigins, maxAge: 600 });
  const multipart = multipartSubscriptions({
    live, sessions, schema: () => apiSchema, log, clientAddress,
    authenticate: (req) => authenticate(req, correlationOf(req)),
    heartbeatMs: env.MULTIPART_HEARTBEAT_MS,
    slowReaderTimeoutMs: env.MULTIPART_SLOW_READER_TIMEOUT_MS,
  });
  // Both routes answer through the same responder. This one takes what graphqlRoute leaves to express:
  // preflights, GETs, other content types, compressed bodies.
  const respond = graphqlResponder(server);
  app.use('/graphql',
    allowOrigin,
    express.json({ limit: env.MAX_BODY_BYTES }),
    asMiddleware(multipart),
    (req, res) => respond(req, res, req.body, () => contextFor(req)),
  );
  const bodyErrors: ErrorRequestHandler = (error, _req, res, next) => {
    const status = (error as { status?: number }).status;
    if (status === 413) {
      answerBodyTooLarge(res, env.MAX_BODY_BYTES);
    } else if (status === 400) {
      answerBodyNotJson(res);
    } else if (status === 415) {
      // A charset or a content encoding the JSON parser cannot read.
      answerError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', (error as Error).message);
    } else {
      next(error);
    }
  };
  app.use(bodyErrors);

  httpServer.on('request', graphqlRoute({
    app, maxBodyBytes: env.MAX_BODY_BYTES, cors: allowOrigin, multipart, respond, context: contextFor,
  }));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(env.port, env.HOST, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  log.info({ port }, 'gateway listening');
  return {
    url: `http://${env.HOST}:${port}/graphql`,
    port,
    live,
    hub,
    quota,
    async stop() {
      live.close();
      sessions.close();
      hub.close();
      await webSockets.close();
      await server.stop();
      await revocations.stop();
      requestLogs.flush();
      await nc.drain().catch(() => undefined);
    },
  };
}
