// Hive Gateway as a contender in the gateway benchmark: the platform's supergraph, routed to the
// subgraphs the benchmark started, doing the identity work our gateway does (gateway/src/app.ts):
// the client's access token verified against the auth subgraph's JWKS, and each subgraph called with
// an internal token made for it (reused per identity as ours does) and the correlation id. In-flight
// deduplication is off, as ours has none.
import type { IncomingMessage } from 'node:http';
import { defineConfig, type GatewayConfigContext, type GatewayPlugin } from '@graphql-hive/gateway';
import { GraphQLError } from 'graphql';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import { InternalTokenSigner } from '../../../shared/src/internal-tokens';
import {
  anonymousViewer, correlationIdOr, importInternalPrivateKey, INTERNAL_TOKEN_HEADER, ROLES, type Viewer,
} from '../../../shared/src/viewer';

const env = z.object({
  /** JSON object: subgraph name (as in supergraph.yaml) → the URL to call instead of its routing URL. */
  SUBGRAPH_URLS: z.string().transform((value) => z.record(z.string(), z.url()).parse(JSON.parse(value))),
  AUTH_JWKS_URL: z.url(),
  JWT_ISSUER: z.string().min(1),
  JWT_AUDIENCE: z.string().min(1),
  INTERNAL_JWT_PRIVATE_KEY: z.string().min(1),
}).parse(process.env);

// Our gateway's defaults (gateway/src/env.ts): access tokens live 15 minutes, clocks may differ by 5 s.
const ACCESS_TOKEN_TTL_SECONDS = 900;
const CLOCK_TOLERANCE_SECONDS = 5;
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;

const claimsSchema = z.object({
  sub: z.uuid(),
  sid: z.uuid(),
  roles: z.array(z.enum(ROLES)),
  guest: z.boolean().default(false),
});

interface IdentityContext {
  viewer: Viewer;
  /** Node's request, which Hive hands to the context on Node: the client's address. */
  req?: IncomingMessage;
}

/** A 401 carrying the code clients rely on, as our gateway answers a token that is not good. */
const unauthenticated = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });

/**
 * `log`: Hive puts each subgraph's in-context SDK on the request's context under the subgraph's name,
 * so our subgraph `log` replaces the context's logger, which Hive then calls when it first runs a
 * subgraph ("log.child is not a function"); the gateway's logger is put back here.
 */
function identity(log: GatewayConfigContext['log']): GatewayPlugin<IdentityContext> {
  const jwks = createRemoteJWKSet(new URL(env.AUTH_JWKS_URL), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });
  const internalTokens = importInternalPrivateKey(env.INTERNAL_JWT_PRIVATE_KEY).then((key) => new InternalTokenSigner(key));
  const correlationIds = new WeakMap<Request, string>();

  async function verify(authorization: string, ip: string | null, correlationId: string): Promise<Viewer> {
    const token = BEARER.exec(authorization)?.[1];
    if (!token) throw unauthenticated('The access token is invalid');
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        algorithms: ['ES256'],
        issuer: env.JWT_ISSUER,
        audience: env.JWT_AUDIENCE,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat', 'nbf', 'sub', 'sid', 'jti'],
        maxTokenAge: `${ACCESS_TOKEN_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS}s`,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      throw unauthenticated(error instanceof joseErrors.JWTExpired ? 'The access token has expired' : 'The access token is invalid');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw unauthenticated('The access token is invalid');
    const { sub, sid, roles, guest } = claims.data;
    return { userId: sub, roles, sessionId: sid, guest, ip, correlationId };
  }

  return {
    async onContextBuilding({ context, extendContext }) {
      const correlationId = correlationIdOr(context.request.headers.get('x-correlation-id'));
      correlationIds.set(context.request, correlationId);
      const ip = context.req?.socket.remoteAddress ?? null;
      const authorization = context.request.headers.get('authorization');
      const viewer = authorization ? await verify(authorization, ip, correlationId) : anonymousViewer(correlationId, ip);
      extendContext({ viewer, log });
    },
    onSubgraphExecute({ subgraphName, executionRequest, setExecutionRequest }) {
      const context = executionRequest.context as Partial<IdentityContext> | undefined;
      if (!context?.viewer) return;
      const { viewer } = context;
      return internalTokens.then((tokens) => tokens.tokenFor(viewer, subgraphName)).then((signed) => {
        const extensions = executionRequest.extensions ?? {};
        setExecutionRequest({
          ...executionRequest,
          extensions: { ...extensions, headers: { ...extensions.headers, [INTERNAL_TOKEN_HEADER]: signed, 'x-correlation-id': viewer.correlationId } },
        });
      });
    },
    onResponse({ request, response }) {
      const correlationId = correlationIds.get(request);
      if (correlationId) response.headers.set('x-correlation-id', correlationId);
    },
  };
}

export const gatewayConfig = defineConfig({
  transportEntries: {
    '*.http': { options: { deduplicateInflightRequests: false } },
    ...Object.fromEntries(Object.entries(env.SUBGRAPH_URLS).map(([name, location]) => [name, { location }])),
  },
  logging: 'error',
  plugins: ({ log }) => [identity(log)],
});
