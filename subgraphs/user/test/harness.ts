// Test support for the user subgraph: a running service on its own database and NATS prefix, users
// created the way production creates them (UserRegistered events), and calls signed as the gateway.
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import {
  anonymousViewer, createEnvelope, importInternalPrivateKey, parseEnv, signInternalToken, subjects, UserRegistered,
  type EventEnvelope, type PayloadOf, type Role, type Viewer,
} from '@desk/shared';
import {
  collectEvents as collectPublished, createTestDatabase, createTestNats, eventually, gatewayHeaders, generateInternalKeyPair, testPort, testViewer,
  type GqlResponse, type TestDatabase, type TestNats,
} from '@desk/shared/testing';

export type { GqlResponse };
import { Pool } from 'pg';
import type { CryptoKey } from 'jose';
import { startUserService, type RunningUserService } from '../src/app';
import { userEnvSchema } from '../src/env';


export interface TestUser { id: string; email: string | null; name: string; roles: Role[]; viewer: Viewer; }

export interface Harness {
  service: RunningUserService;
  db: TestDatabase;
  nats: TestNats;
  privateKey: CryptoKey;
  /** Every SQL statement the service ran, in order; tests may empty it. */
  queries: string[];
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, viewer?: Viewer | null, headers?: Record<string, string>): Promise<GqlResponse<T>>;
  post(body: unknown, headers: Record<string, string>): Promise<{ status: number; body: any }>;
  tokenFor(viewer: Viewer, audience?: string): Promise<string>;
  publishRegistration(envelope: EventEnvelope<PayloadOf<typeof UserRegistered>>): Promise<void>;
  /** Registers a user through the event and waits until the service has it. */
  register(overrides?: Partial<PayloadOf<typeof UserRegistered>>): Promise<TestUser>;
  /** Reads a row straight from the database, bypassing the service. */
  row(id: string): Promise<Record<string, unknown> | undefined>;
  stop(): Promise<void>;
}

export const viewerOf = (userId: string | null, roles: Role[], guest = false): Viewer => testViewer(userId, roles, guest);

export const anonymous = (): Viewer => anonymousViewer(randomUUID());

let counter = 0;
export function registration(overrides: Partial<PayloadOf<typeof UserRegistered>> = {}): PayloadOf<typeof UserRegistered> {
  counter += 1;
  const tag = `${Date.now().toString(36)}${counter}`;
  return {
    userId: randomUUID(),
    email: `person-${tag}@example.com`,
    name: `Person ${tag}`,
    roles: ['CUSTOMER'],
    guest: false,
    locale: 'en',
    registeredAt: new Date().toISOString(),
    ...overrides,
  };
}

export async function startHarness(): Promise<Harness> {
  const db = await createTestDatabase('user_test');
  const nats = await createTestNats('user');
  const keys = generateInternalKeyPair();
  const privateKey = await importInternalPrivateKey(keys.privateKey);
  const queries: string[] = [];
  const service = await startUserService(parseEnv(userEnvSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HOST: '127.0.0.1',
    PORT: String(await testPort()),
    DATABASE_URL: db.url,
    NATS_URL: nats.url,
    NATS_PREFIX: nats.prefix,
    INTERNAL_JWT_PUBLIC_KEY: keys.publicKey,
  }), { onQuery: (sql) => queries.push(sql) });
  const pg = new Pool({ connectionString: db.url, max: 2 });

  const tokenFor = (viewer: Viewer, audience = 'user') => signInternalToken(privateKey, viewer, audience);
  const post = async (body: unknown, headers: Record<string, string>) => {
    const response = await fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await response.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* keeps the text */ }
    return { status: response.status, body: parsed };
  };
  const harness: Harness = {
    service, db, nats, privateKey, queries, tokenFor, post,
    async gql(query, variables = {}, viewer = anonymous(), headers = {}) {
      const identity = viewer ? await gatewayHeaders(privateKey, viewer, 'user') : {};
      const { status, body } = await post({ query, variables }, { ...identity, ...headers });
      return { status, ...(body as object) };
    },
    async publishRegistration(envelope) {
      await jetstream(nats.nc).publish(subjects(nats.prefix).event(UserRegistered.type), JSON.stringify(envelope), { msgID: envelope.id });
    },
    async register(overrides = {}) {
      const payload = registration(overrides);
      await harness.publishRegistration(createEnvelope(UserRegistered, payload, { correlationId: randomUUID() }));
      await eventually(() => harness.row(payload.userId), 5000, `user ${payload.userId}`);
      return { id: payload.userId, email: payload.email, name: payload.name, roles: payload.roles, viewer: viewerOf(payload.userId, payload.roles, payload.guest) };
    },
    async row(id) {
      const { rows } = await pg.query('SELECT * FROM users.users WHERE id = $1', [id]);
      return rows[0];
    },
    async stop() {
      await service.stop();
      await pg.end();
      await nats.cleanup();
      await db.drop();
    },
  };
  return harness;
}

/** Collects the events of one type published on the run's stream from now on. */
export const collectEvents = async (h: Harness, type: string) => collectPublished(h.nats, type);
