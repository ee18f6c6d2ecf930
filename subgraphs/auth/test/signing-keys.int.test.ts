// The keys that sign access tokens: made on first start and kept, published as a JWKS with the OpenID
// configuration, and rotated without breaking tokens already out.
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { anonymousViewer, createLogger, importInternalPrivateKey, openDataSource, parseEnv, signInternalToken } from '@desk/shared';
import { createTestDatabase, createTestNats, generateInternalKeyPair, testPort, type TestDatabase, type TestNats } from '@desk/shared/testing';
import { MIGRATIONS, startAuthService, type RunningAuthService } from '../src/app';
import { authEnvSchema } from '../src/env';
import { StoredKeys } from '../src/keys/signing-keys';

const ISSUER = 'http://auth.keys.test';
const ADMIN = { email: 'keys-admin@desk.test', password: 'keys-admin-password' };

let db: TestDatabase;
let nats: TestNats;
const internal = generateInternalKeyPair();

beforeAll(async () => {
  db = await createTestDatabase('auth_keys');
  nats = await createTestNats('auth_keys');
});
afterAll(async () => {
  await nats?.cleanup();
  await db?.drop();
});

async function start(): Promise<RunningAuthService> {
  return startAuthService(parseEnv(authEnvSchema, {
    NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', PORT: String(await testPort()),
    DATABASE_URL: db.url, NATS_URL: nats.url, NATS_PREFIX: nats.prefix, INTERNAL_JWT_PUBLIC_KEY: internal.publicKey,
    JWT_ISSUER: ISSUER, JWT_AUDIENCE: 'desk-api', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password,
  }));
}

const origin = (service: RunningAuthService) => new URL(service.url).origin;
const jwks = async (service: RunningAuthService) => (await (await fetch(`${origin(service)}/.well-known/jwks.json`)).json()) as { keys: JWK[] };

/** Signs in as the first admin, calling the subgraph as the gateway would. */
async function login(service: RunningAuthService): Promise<string> {
  const token = await signInternalToken(await importInternalPrivateKey(internal.privateKey), anonymousViewer(randomUUID(), '127.0.0.1'), 'auth');
  const response = await fetch(service.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-internal-identity': token },
    body: JSON.stringify({ query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', variables: { e: ADMIN.email, p: ADMIN.password } }),
  });
  const body = await response.json() as { data: { login: { accessToken: string } } };
  return body.data.login.accessToken;
}

describe('when the auth subgraph starts without configured keys', () => {
  test('then it makes one, publishes it, and keeps it across restarts', async () => {
    const first = await start();
    let kid: string | undefined;
    try {
      const published = await jwks(first);
      expect(published.keys).toHaveLength(1);
      expect(published.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
      expect(published.keys[0]).not.toHaveProperty('d');
      kid = published.keys[0].kid;

      const config = await (await fetch(`${origin(first)}/.well-known/openid-configuration`)).json();
      expect(config).toMatchObject({ issuer: ISSUER, jwks_uri: `${ISSUER}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['ES256'] });

      const token = await login(first);
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid, typ: 'at+jwt' });
      const { payload } = await jwtVerify(token, createLocalJWKSet(published), { issuer: ISSUER, audience: 'desk-api', algorithms: ['ES256'] });
      expect(payload).toMatchObject({ roles: ['ADMIN'], guest: false, sid: expect.any(String), jti: expect.any(String) });
      expect(payload.exp! - payload.iat!).toBe(900);
    } finally {
      await first.stop();
    }
    const second = await start();
    try {
      expect((await jwks(second)).keys.map((k) => k.kid)).toEqual([kid]);
    } finally {
      await second.stop();
    }
  });

  test('then a rotation signs new tokens with the new key while the old key stays published', async () => {
    const service = await start();
    const log = createLogger('test', 'silent');
    const dataSource = await openDataSource({ url: db.url, schema: 'auth', entities: [], migrations: MIGRATIONS, logger: log });
    try {
      const before = await login(service);
      const oldKid = decodeProtectedHeader(before).kid;
      const newKid = await new StoredKeys(dataSource).rotate();
      // A running replica reloads its keys every minute; a restart (or that reload) picks the new one up.
      await service.stop();
      const restarted = await start();
      try {
        const published = await jwks(restarted);
        expect(published.keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
        const after = await login(restarted);
        expect(decodeProtectedHeader(after).kid).toBe(newKid);
        const keySet = createLocalJWKSet(published);
        await expect(jwtVerify(before, keySet)).resolves.toBeDefined();
        await expect(jwtVerify(after, keySet)).resolves.toBeDefined();

        // A second rotation retires the oldest: only the two newest remain.
        const third = await new StoredKeys(dataSource).rotate();
        await restarted.stop();
        const again = await start();
        try {
          expect((await jwks(again)).keys.map((k) => k.kid)).toEqual([third, newKid]);
        } finally {
          await again.stop();
        }
      } finally {
        await restarted.stop();
      }
    } finally {
      await dataSource.destroy();
    }
  });
});
