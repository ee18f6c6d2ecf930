// Test support: every test run gets its own database and NATS prefix, removed afterwards, and its
// own keys. Never imported by production code.
import { generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { jetstream } from '@nats-io/jetstream';
import type { CryptoKey } from 'jose';
import { Pool } from 'pg';
import { deleteStreams, ensureStreams, connectNats, subjects, type NatsConnection } from './nats';
import { dropDatabase, ensureDatabase } from './db/data-source';
import { SERVICE_SCHEMAS, serviceRoleUrls, setUpServiceRoles, type DataService } from './db/service-roles';
import { createEnvelope, type EventCause, type EventDefinition, type EventEnvelope, type PayloadOf } from './events/define-event';
import { INTERNAL_TOKEN_HEADER, anonymousViewer, importInternalPrivateKey, signInternalToken, type Role, type Viewer } from './viewer';

export const TEST_POSTGRES = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_NATS = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export const uniqueName = (label: string): string => `${label}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

/**
 * Where test servers listen: from 20000 up to the kernel's ephemeral range, never inside it. Every
 * outgoing connection on the machine draws its local port from that range, so a port picked there
 * (`listen(0)`) can be taken by someone else's connection between the pick and the bind.
 */
export function testPortRange(): { low: number; high: number } {
  let ephemeralLow = 32768;
  try {
    ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralLow;
  } catch { /* not Linux: the IANA range starts at 49152, above the default kept here */ }
  return { low: 20000, high: Math.max(ephemeralLow - 1, 20999) };
}

const portIsFree = (port: number): Promise<boolean> => new Promise((resolve) => {
  const server = net.createServer();
  server.once('error', () => resolve(false));
  server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
});

/** How far into the range the next port to try lies; each test process starts at its own random place. */
let cursor: number | undefined;

/**
 * The first of `count` consecutive free ports for test servers, below the ephemeral range (see
 * testPortRange). The ports are free when checked; nothing but another test run picks from here.
 */
export async function testPorts(count = 1): Promise<number> {
  const { low, high } = testPortRange();
  const starts = high - low + 2 - count;
  let offset = cursor ?? randomInt(starts);
  for (let attempt = 0; attempt < 200; attempt++, offset += count) {
    const first = low + (offset % starts);
    let free = true;
    for (let port = first; free && port < first + count; port++) free = await portIsFree(port);
    if (free) {
      cursor = offset + count;
      return first;
    }
  }
  throw new Error(`no ${count} free consecutive ports between ${low} and ${high}`);
}

/** One free port for a test server, below the ephemeral range. */
export const testPort = (): Promise<number> => testPorts(1);

/** Starts `server` on 127.0.0.1 at a test port (see testPorts); resolves to its origin, `http://127.0.0.1:<port>`. */
export async function listenOnTestPort(server: net.Server): Promise<string> {
  for (;;) {
    const port = await testPort();
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      server.once('error', resolve);
      server.listen(port, '127.0.0.1', () => { server.off('error', resolve); resolve(null); });
    });
    if (error === null) return `http://127.0.0.1:${port}`;
    // Taken since it was checked: by another test run, so another port will do.
    if (error.code !== 'EADDRINUSE') throw error;
  }
}

/** The headers the gateway calls a subgraph with: the identity in a token, the request's correlation id apart. */
export async function gatewayHeaders(privateKey: CryptoKey, viewer: Viewer, subgraph: string): Promise<Record<string, string>> {
  return { [INTERNAL_TOKEN_HEADER]: await signInternalToken(privateKey, viewer, subgraph), 'x-correlation-id': viewer.correlationId };
}

export interface TestDatabase { url: string; drop(): Promise<void>; }

export async function createTestDatabase(label = 'desk_test'): Promise<TestDatabase> {
  const url = `${TEST_POSTGRES}/${uniqueName(label).toLowerCase()}`;
  await ensureDatabase(url);
  return { url, drop: () => dropDatabase(url) };
}

/** Gives every service its own role on the test database, as the database setup does (dropped with it); returns their URLs. */
export async function createServiceRoles(db: TestDatabase): Promise<Record<DataService, string>> {
  const urls = serviceRoleUrls(db.url);
  await setUpServiceRoles(db.url, urls);
  return urls;
}

export interface TestNats { url: string; prefix: string; nc: NatsConnection; cleanup(): Promise<void>; }

export async function createTestNats(label = 'test'): Promise<TestNats> {
  const prefix = uniqueName(label);
  const nc = await connectNats(TEST_NATS, `test-${prefix}`);
  await ensureStreams(nc, prefix);
  return {
    url: TEST_NATS, prefix, nc,
    async cleanup() {
      await deleteStreams(nc, prefix);
      await nc.close();
    },
  };
}

/** An Ed25519 key pair as PEM: the gateway signs internal identity tokens, subgraphs check them. */
export function generateInternalKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) { lastError = error; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface GqlResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/** One subgraph started on its own database and NATS prefix, called as the gateway calls it. */
export interface SubgraphHarness<S extends { url: string; stop(): Promise<void> }> {
  service: S;
  db: TestDatabase;
  nats: TestNats;
  /** Every SQL statement the service ran, in order; tests may empty it. */
  queries: string[];
  /** SQL straight to the database, bypassing the service. */
  sql<R = Record<string, any>>(text: string, params?: unknown[]): Promise<R[]>;
  /** A GraphQL call signed as the gateway signs it for `viewer`; null sends no identity at all. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, viewer?: Viewer | null): Promise<GqlResponse<T>>;
  post(path: string, body: string | object, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** Publishes an event on the run's stream, as its owning service's relay would. */
  publish<D extends EventDefinition>(definition: D, payload: PayloadOf<D>, cause?: Partial<EventCause>): Promise<EventEnvelope<PayloadOf<D>>>;
  stop(): Promise<void>;
}

export const testViewer = (userId: string | null, roles: Role[] = ['CUSTOMER'], guest = false): Viewer =>
  ({ ...anonymousViewer(randomUUID()), userId, roles, guest, sessionId: userId ? randomUUID() : null });

export async function startSubgraphHarness<S extends { url: string; stop(): Promise<void> }>(
  name: string,
  start: (env: Record<string, string>, onQuery: (sql: string) => void) => Promise<S>,
  extraEnv: Record<string, string> = {},
): Promise<SubgraphHarness<S>> {
  const db = await createTestDatabase(`${name}_test`);
  const nats = await createTestNats(name);
  const keys = generateInternalKeyPair();
  const privateKey = await importInternalPrivateKey(keys.privateKey);
  const queries: string[] = [];
  let service: S;
  try {
    // The service connects as its own role, as deployed; the harness's `sql` keeps the administrator's.
    const databaseUrl = name in SERVICE_SCHEMAS ? (await createServiceRoles(db))[name as DataService] : db.url;
    service = await start({
      NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', HOST: '127.0.0.1', PORT: String(await testPort()),
      DATABASE_URL: databaseUrl, NATS_URL: nats.url, NATS_PREFIX: nats.prefix, INTERNAL_JWT_PUBLIC_KEY: keys.publicKey, ...extraEnv,
    }, (sql) => queries.push(sql));
  } catch (error) {
    await nats.cleanup();
    await db.drop();
    throw error;
  }
  const pool = new Pool({ connectionString: db.url, max: 2 });
  const origin = new URL(service.url).origin;
  const post: SubgraphHarness<S>['post'] = async (path, body, headers = {}) => {
    const response = await fetch(`${origin}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* keeps the text */ }
    return { status: response.status, body: parsed };
  };
  return {
    service, db, nats, queries, post,
    async sql(text, params = []) { return (await pool.query(text, params)).rows; },
    async gql(query, variables = {}, viewer = anonymousViewer(randomUUID())) {
      const identity = viewer ? await gatewayHeaders(privateKey, viewer, name) : {};
      const { status, body } = await post(new URL(service.url).pathname, { query, variables }, identity);
      return { status, ...(body as object) };
    },
    async publish(definition, payload, cause = {}) {
      const envelope = createEnvelope(definition, payload, { correlationId: randomUUID(), ...cause });
      await jetstream(nats.nc).publish(subjects(nats.prefix).event(definition.type), JSON.stringify(envelope), { msgID: envelope.id });
      return envelope;
    },
    async stop() {
      await service.stop();
      await pool.end();
      await nats.cleanup();
      await db.drop();
    },
  };
}

/** Collects the events of one type published on the prefix's stream from now on. */
export function collectEvents(nats: TestNats, type: string): { events: EventEnvelope[]; stop(): void } {
  const events: EventEnvelope[] = [];
  const sub = nats.nc.subscribe(subjects(nats.prefix).event(type));
  void (async () => { for await (const msg of sub) events.push(msg.json<EventEnvelope>()); })();
  return { events, stop: () => sub.unsubscribe() };
}
