// Starts the real platform in this process for a test file: its own database, NATS prefix and keys,
// every service on a free port, the gateway routed to them. `stop()` removes everything it made.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import path from 'node:path';
import { exportJWK, type JWK } from 'jose';
import { Agent, fetch } from 'undici';
import { parseEnv } from '@desk/shared';
import { createServiceRoles, createTestDatabase, createTestNats, eventually, generateInternalKeyPair, testPort, type TestDatabase, type TestNats } from '@desk/shared/testing';
import { gatewayEnvSchema } from '../../gateway/src/env';
import { startGateway, type RunningGateway } from '../../gateway/src/app';
import { authEnvSchema } from '../../subgraphs/auth/src/env';
import { startAuthService } from '../../subgraphs/auth/src/app';
import { userEnvSchema } from '../../subgraphs/user/src/env';
import { startUserService } from '../../subgraphs/user/src/app';
import { ticketEnvSchema } from '../../subgraphs/ticket/src/env';
import { startTicketService } from '../../subgraphs/ticket/src/app';
import { orderEnvSchema } from '../../subgraphs/order/src/env';
import { startOrderService } from '../../subgraphs/order/src/app';
import { paymentEnvSchema } from '../../subgraphs/payment/src/env';
import { startPaymentService } from '../../subgraphs/payment/src/app';
import { logEnvSchema } from '../../workers/log/src/env';
import { startLogWorker } from '../../workers/log/src/app';

/** Every subgraph (the log worker serves one), in start order: auth first (the gateway needs its keys), then the rest. */
export const SERVICES = ['auth', 'user', 'ticket', 'order', 'payment', 'log'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const SANDBOX_WEBHOOK_SECRET = 'test-sandbox-webhook-secret';

export const ISSUER = 'https://auth.desk.test';
export const AUDIENCE = 'desk-api';
export const ADMIN = { email: 'admin@desk.test', password: 'admin-password-123' };

export interface GqlResult<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[] | undefined;
}

export interface Platform {
  gatewayUrl: string;
  gateway: RunningGateway;
  authUrl: string;
  userUrl: string;
  /** Each subgraph's GraphQL URL. */
  urls: Record<ServiceName, string>;
  /** Every SQL statement each subgraph ran; tests may empty these. */
  queries: Record<ServiceName, string[]>;
  /** Stops one subgraph, as if its process had died. */
  stopService(name: ServiceName): Promise<void>;
  /** Starts it again (after stopService, or stops it first), on the same port. */
  restartService(name: ServiceName): Promise<void>;
  db: TestDatabase;
  /** Each service's own database URL: its role, owning its schema only. */
  databaseUrls: Record<ServiceName, string>;
  nats: TestNats;
  internalKeys: { privateKey: string; publicKey: string };
  /** The auth subgraph's signing key, so tests can mint tokens with any claims. */
  signingKey: { privateJwk: JWK & { kid: string }; publicPem: string };
  /** A GraphQL request through the gateway; `from` sends it from that loopback address (127.x.y.z). */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, options?: { token?: string; headers?: Record<string, string>; url?: string; from?: string }): Promise<GqlResult<T>>;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  gatewayEnv?: Record<string, string>;
  authEnv?: Record<string, string>;
  /** Another NATS than the machine's (its cleanup is called on stop). */
  nats?: TestNats;
  /** Each subgraph's NATS_CREDENTIALS, for a server with one user per service. */
  natsCredentials?: (name: ServiceName) => string;
}

async function signingKeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `test-${randomUUID()}`;
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' } as JWK & { kid: string };
  return { privateJwk, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Connections from one loopback address (127.0.0.0/8) each, as if from different clients. */
const fromAddress = new Map<string, Agent>();

export async function postGraphQL<T>(url: string, query: string, variables?: Record<string, unknown>, options: { token?: string; headers?: Record<string, string>; from?: string } = {}): Promise<GqlResult<T>> {
  let dispatcher: Agent | undefined;
  if (options.from) {
    dispatcher = fromAddress.get(options.from) ?? new Agent({ localAddress: options.from });
    fromAddress.set(options.from, dispatcher);
  }
  const response = await fetch(url, {
    method: 'POST',
    dispatcher,
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: { data?: T | null; errors?: GqlResult<T>['errors'] } = {};
  try { body = JSON.parse(text); } catch { body = { errors: [{ message: text }] }; }
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

/** Starts the named service with the platform's common settings; tests restart services through it. */
type Starter = (common: Record<string, string>, onQuery: (sql: string) => void) => Promise<{ url: string; port: number; stop(): Promise<void> }>;

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  const db = await createTestDatabase();
  const databaseUrls = await createServiceRoles(db).catch(async (error) => { await db.drop(); throw error; });
  const nats = options.nats ?? await createTestNats();
  const internalKeys = generateInternalKeyPair();
  const signingKey = await signingKeyPair();
  const common: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    NATS_URL: nats.url,
    NATS_PREFIX: nats.prefix,
    INTERNAL_JWT_PUBLIC_KEY: internalKeys.publicKey,
  };
  const starters: Record<ServiceName, Starter> = {
    auth: (env) => startAuthService(parseEnv(authEnvSchema, {
      ...env,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      AUTH_SIGNING_KEYS: JSON.stringify([signingKey.privateJwk]),
      ...options.authEnv,
    })),
    user: (env, onQuery) => startUserService(parseEnv(userEnvSchema, env), { onQuery }),
    ticket: (env, onQuery) => startTicketService(parseEnv(ticketEnvSchema, env), { onQuery }),
    order: (env, onQuery) => startOrderService(parseEnv(orderEnvSchema, env), { onQuery }),
    payment: (env, onQuery) => startPaymentService(parseEnv(paymentEnvSchema, { ...env, SANDBOX_WEBHOOK_SECRET }), { onQuery }),
    log: (env, onQuery) => startLogWorker(parseEnv(logEnvSchema, env), { onQuery }),
  };
  const queries = Object.fromEntries(SERVICES.map((name) => [name, [] as string[]])) as Record<ServiceName, string[]>;
  const running = new Map<ServiceName, { url: string; port: number; stop(): Promise<void> }>();
  const startService = async (name: ServiceName, port?: number) => {
    const credentials: Record<string, string> = options.natsCredentials ? { NATS_CREDENTIALS: options.natsCredentials(name) } : {};
    const env = { ...common, ...credentials, DATABASE_URL: databaseUrls[name], PORT: String(port ?? await testPort()) };
    const service = await starters[name](env, (sql) => { queries[name].push(sql); });
    running.set(name, service);
    return service;
  };
  const stopAll = async () => {
    for (const name of [...running.keys()].reverse()) await running.get(name)!.stop().catch(() => undefined);
    running.clear();
    await nats.cleanup();
    await db.drop();
  };
  try {
    for (const name of SERVICES) await startService(name);
    const urls = Object.fromEntries(SERVICES.map((name) => [name, running.get(name)!.url])) as Record<ServiceName, string>;
    const gateway = await startGateway(parseEnv(gatewayEnvSchema, await gatewayEnvFor({ nats, internalKeys, authUrl: urls.auth, urls }, options.gatewayEnv)));
    return {
      gatewayUrl: gateway.url,
      gateway,
      authUrl: urls.auth,
      userUrl: urls.user,
      urls,
      queries,
      db, databaseUrls, nats, internalKeys, signingKey,
      gql: (query, variables, opts = {}) => postGraphQL(opts.url ?? gateway.url, query, variables, opts),
      async stopService(name) {
        await running.get(name)?.stop();
        running.delete(name);
      },
      async restartService(name) {
        await running.get(name)?.stop();
        await startService(name, Number(new URL(urls[name]).port));
      },
      async stop() {
        await gateway.stop().catch(() => undefined);
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The environment a gateway of this platform runs with, on a port of its own (`env` adds to it or overrides it). */
export async function gatewayEnvFor(platform: Pick<Platform, 'nats' | 'internalKeys' | 'authUrl' | 'urls'>, env: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HOST: '127.0.0.1',
    PORT: String(await testPort()),
    NATS_URL: platform.nats.url,
    NATS_PREFIX: platform.nats.prefix,
    INTERNAL_JWT_PRIVATE_KEY: platform.internalKeys.privateKey,
    AUTH_JWKS_URL: `${new URL(platform.authUrl).origin}/.well-known/jwks.json`,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    SUBGRAPH_URLS: JSON.stringify(platform.urls),
    WATCH_SUPERGRAPH: 'false',
    ...env,
  };
}

/** Starts one more gateway on the same platform, in this process (other settings, e.g. production mode). */
export async function startExtraGateway(platform: Platform, env: Record<string, string>) {
  return startGateway(parseEnv(gatewayEnvSchema, await gatewayEnvFor(platform, env)));
}

export interface GatewayProcess { child: ChildProcess; url: string; origin: string; stop(): Promise<void>; }

/** Starts a gateway of this platform as a process of its own, as `npm start` runs it. */
export async function spawnGateway(platform: Platform, options: { env?: Record<string, string>; nodeArgs?: string[]; stderr?: 'inherit' | 'pipe'; checkout?: string } = {}): Promise<GatewayProcess> {
  const env = await gatewayEnvFor(platform, options.env);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'gateway/src/main.ts'], {
    // Another checkout's gateway (with its node_modules) may be run instead, to compare versions.
    cwd: options.checkout ?? path.resolve(__dirname, '..', '..'),
    stdio: ['ignore', 'inherit', options.stderr ?? 'inherit'],
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const origin = `http://127.0.0.1:${env.PORT}`;
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) break;
    if (await fetch(`${origin}/ready`).then((r) => r.ok, () => false)) return { child, url: `${origin}/graphql`, origin, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('the gateway process did not become ready');
}

/** Builders for the operations tests repeat. */
export const ops = {
  register: `mutation Register($input: RegisterInput!) { register(input: $input) { accessToken refreshToken expiresIn user { id email name roles createdAt } } }`,
  login: `mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken user { id email name roles } } }`,
  refresh: `mutation Refresh($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken user { id } } }`,
  logout: `mutation Logout($token: String) { logout(refreshToken: $token) }`,
  me: `query Me { me { id email name roles } }`,
};

let counter = 0;
export function newCustomer(overrides: Partial<{ email: string; password: string; name: string }> = {}) {
  counter += 1;
  return { email: `customer${counter}-${randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery', name: `Customer ${counter}`, ...overrides };
}

/** Registers a customer through the gateway and returns its tokens and id. */
export async function registerCustomer(platform: Platform, input = newCustomer()) {
  const result = await platform.gql<{ register: { accessToken: string; refreshToken: string; user: { id: string } } }>(ops.register, { input });
  if (!result.data?.register) throw new Error(`register failed: ${JSON.stringify(result.errors)}`);
  return { ...input, id: result.data.register.user.id, accessToken: result.data.register.accessToken, refreshToken: result.data.register.refreshToken };
}

/** Registers a user, has the admin make them an agent, and signs them in once the role reached auth. */
export async function registerAgent(platform: Platform, adminToken: string) {
  const agent = await registerCustomer(platform);
  const changed = await platform.gql('mutation($u: ID!) { setUserRoles(userId: $u, roles: [AGENT]) { roles } }', { u: agent.id }, { token: adminToken });
  if (changed.data?.setUserRoles.roles?.[0] !== 'AGENT') throw new Error(`setUserRoles failed: ${JSON.stringify(changed.errors)}`);
  // The auth subgraph learns the new role from an event; a sign-in after that carries it.
  const accessToken = await eventually(async () => {
    const login = await platform.gql(ops.login, { email: agent.email, password: agent.password });
    return login.data?.login.user.roles.includes('AGENT') ? login.data.login.accessToken as string : undefined;
  }, 5000, 'the AGENT role to reach auth');
  return { ...agent, accessToken };
}
