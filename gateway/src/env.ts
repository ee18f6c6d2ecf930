// The gateway's configuration, read once from the environment.
import path from 'node:path';
import { z } from 'zod';
import { natsCredentials, nodeEnv, readKeyMaterial } from '@desk/shared';
import { parseTrustProxy } from './client-address';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const gatewayEnvSchema = z.object({
  NODE_ENV: nodeEnv,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  NATS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('desk'),
  NATS_CREDENTIALS: natsCredentials,
  SUPERGRAPH_PATH: z.string().default(path.resolve(__dirname, '../../supergraph.graphql')),
  /** JSON object mapping a subgraph name to the URL to use instead of the supergraph's routing URL. */
  SUBGRAPH_URLS: z.string().default('{}').transform((value, ctx) => {
    try {
      return z.record(z.string(), z.string().url()).parse(JSON.parse(value));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of subgraph name to URL' });
      return z.NEVER;
    }
  }),
  AUTH_JWKS_URL: z.string().url().default('http://127.0.0.1:4001/.well-known/jwks.json'),
  JWT_ISSUER: z.string().min(1).default('http://127.0.0.1:4001'),
  JWT_AUDIENCE: z.string().min(1).default('desk-api'),
  /** Lifetime of the auth subgraph's access tokens; revocations are remembered this long. */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(900),
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  INTERNAL_JWT_PRIVATE_KEY: z.string().min(1).transform(readKeyMaterial),
  /** Introspection and the Sandbox landing page: on in development, off in production unless set. */
  INTROSPECTION: flag.optional(),
  LANDING_PAGE: flag.optional(),
  /** Comma-separated origins allowed by CORS, in addition to Apollo Sandbox in development. */
  CORS_ORIGINS: z.string().default(''),
  /** The proxies in front of the gateway whose X-Forwarded-For is believed: false, a hop count, or addresses and CIDRs. */
  TRUST_PROXY: z.string().default('false').transform((value, ctx) => {
    try {
      return parseTrustProxy(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(100_000),
  MAX_DEPTH: z.coerce.number().int().positive().default(10),
  MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  MAX_DIRECTIVES: z.coerce.number().int().min(0).default(10),
  MAX_TOKENS: z.coerce.number().int().positive().default(2000),
  /** The most an operation's estimated cost may be (see plugins/operation-cost.ts). */
  MAX_COST: z.coerce.number().int().positive().default(30_000),
  /** The size the cost estimate assumes for a list without pages (`categories`, `payments`). */
  MAX_UNPAGINATED_LIST: z.coerce.number().int().positive().default(100),
  /** Turns every query limit off; for measuring what they cost, never for serving clients. */
  PROTECTIONS: z.enum(['on', 'off']).default('on'),
  /**
   * @apollo/gateway reports the host (CPU count and frequency, memory, OS, uptime) to Apollo's servers
   * every hour unless this is set; a self-hosted platform sends nothing out unless its operator says so.
   */
  APOLLO_TELEMETRY_DISABLED: flag.default(true),
  /** Prometheus metrics at GET /metrics (keep it off the public internet). */
  METRICS: flag.default(true),
  /** Open subscriptions one WebSocket connection may hold. */
  MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().positive().default(50),
  /** Open subscriptions one client address may hold, over either transport (this process's count). */
  MAX_SUBSCRIPTIONS_PER_ADDRESS: z.coerce.number().int().positive().default(500),
  /** Open subscriptions one signed-in account may hold, over either transport; guests count by address only. */
  MAX_SUBSCRIPTIONS_PER_USER: z.coerce.number().int().positive().default(100),
  /** Open WebSocket connections per client address, and per signed-in account. */
  MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().positive().default(100),
  MAX_CONNECTIONS_PER_USER: z.coerce.number().int().positive().default(20),
  /** Distinct live queries (each resolved apart on every event) one account's subscriptions may make. */
  MAX_LIVE_GROUPS_PER_USER: z.coerce.number().int().positive().default(50),
  /** Results held for a subscriber who has not read them yet (newest per entity). */
  SUBSCRIPTION_QUEUE_SIZE: z.coerce.number().int().positive().default(100),
  /** WebSocket pings, and multipart heartbeats. */
  KEEPALIVE_MS: z.coerce.number().int().positive().default(12_000),
  MULTIPART_HEARTBEAT_MS: z.coerce.number().int().positive().default(5_000),
  /** A multipart subscriber that leaves written parts unread this long is cut off (its memory and slot freed). */
  MULTIPART_SLOW_READER_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** A WebSocket whose client leaves a sent result unread this long is closed (its memory and slots freed). */
  WS_SLOW_READER_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** Reload supergraph.graphql when it changes (development). */
  WATCH_SUPERGRAPH: flag.optional(),
}).transform((env) => {
  const production = env.NODE_ENV === 'production';
  return {
    ...env,
    port: env.GATEWAY_PORT ?? env.PORT,
    production,
    introspection: env.INTROSPECTION ?? !production,
    landingPage: env.LANDING_PAGE ?? !production,
    watchSupergraph: env.WATCH_SUPERGRAPH ?? env.NODE_ENV === 'development',
    corsOrigins: [
      ...env.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
      ...(production ? [] : ['https://studio.apollographql.com', 'https://sandbox.embed.apollographql.com']),
    ],
  };
});

export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;
