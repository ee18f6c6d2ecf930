// The gateway refuses every access token that is not exactly right, whatever the operation.
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT, importJWK, exportJWK, type JWTPayload } from 'jose';
import { AUDIENCE, ISSUER, ops, registerCustomer, startPlatform, type Platform } from './support/platform';

let platform: Platform;
let customer: Awaited<ReturnType<typeof registerCustomer>>;

beforeAll(async () => {
  platform = await startPlatform();
  customer = await registerCustomer(platform);
});
afterAll(() => platform?.stop());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER, aud: AUDIENCE, sub: customer.id, sid: randomUUID(), roles: ['ADMIN'], guest: false,
    iat: now(), nbf: now(), exp: now() + 600, jti: randomUUID(), ...overrides,
  };
}

async function signWithPlatformKey(payload: JWTPayload, header: Record<string, unknown> = {}) {
  const key = await importJWK(platform.signingKey.privateJwk, 'ES256');
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: platform.signingKey.privateJwk.kid, ...header }).sign(key);
}

async function expectRefused(token: string) {
  const result = await platform.gql(ops.me, {}, { token });
  expect(result.status).toBe(401);
  expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(result.data ?? null).toBeNull();
}

describe('when a client presents an access token', () => {
  test('then a genuine one is accepted (the table below is meaningful)', async () => {
    const result = await platform.gql(ops.me, {}, { token: customer.accessToken });
    expect(result.status).toBe(200);
    expect(result.data?.me).toMatchObject({ id: customer.id, email: customer.email });
  });

  test('then one minted with the real key and good claims is accepted too', async () => {
    // The session must exist only in the token for the gateway; the point is that minting works.
    const result = await platform.gql(ops.me, {}, { token: await signWithPlatformKey(claims({ roles: ['CUSTOMER'] })) });
    expect(result.status).toBe(200);
    expect(result.data?.me?.id).toBe(customer.id);
  });

  const table: [string, () => Promise<string>][] = [
    ['garbage', async () => 'not-a-token'],
    ['expired', async () => signWithPlatformKey(claims({ iat: now() - 1200, nbf: now() - 1200, exp: now() - 300 }))],
    ['not yet valid (nbf in the future)', async () => signWithPlatformKey(claims({ nbf: now() + 600 }))],
    ['issued in the future', async () => signWithPlatformKey(claims({ iat: now() + 600, nbf: now() + 600 }))],
    ['older than the token lifetime', async () => signWithPlatformKey(claims({ iat: now() - 3600, nbf: now() - 3600, exp: now() + 600 }))],
    ['without exp', async () => { const { exp: _e, ...rest } = claims(); return signWithPlatformKey(rest); }],
    ['without sid', async () => { const { sid: _s, ...rest } = claims(); return signWithPlatformKey(rest); }],
    ['from a foreign issuer', async () => signWithPlatformKey(claims({ iss: 'https://evil.example' }))],
    ['for another audience', async () => signWithPlatformKey(claims({ aud: 'another-api' }))],
    ['of another type', async () => signWithPlatformKey(claims(), { typ: 'JWT' })],
    ['unsigned (alg none)', async () => `${b64({ alg: 'none', typ: 'at+jwt', kid: platform.signingKey.privateJwk.kid })}.${b64(claims())}.`],
    ['signed by another key under the same kid', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: platform.signingKey.privateJwk.kid }).sign(privateKey);
    }],
    ['signed by an unknown key id', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'unknown-kid' }).sign(privateKey);
    }],
    ['HS256 keyed with the public key (key confusion)', async () => {
      const header = b64({ alg: 'HS256', typ: 'at+jwt', kid: platform.signingKey.privateJwk.kid });
      const body = b64(claims());
      const publicJwk = JSON.stringify(await exportJWK(await importJWK({ ...platform.signingKey.privateJwk, d: undefined }, 'ES256')));
      for (const secret of [platform.signingKey.publicPem, publicJwk]) {
        const signature = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
        await expectRefused(`${header}.${body}.${signature}`);
      }
      const signature = createHmac('sha256', platform.signingKey.publicPem).update(`${header}.${body}`).digest('base64url');
      return `${header}.${body}.${signature}`;
    }],
    ['with a tampered payload', async () => {
      const [header, , signature] = customer.accessToken.split('.');
      return `${header}.${b64(claims({ roles: ['ADMIN'] }))}.${signature}`;
    }],
  ];

  test.each(table)('then one that is %s is refused with UNAUTHENTICATED', async (_name, make) => {
    await expectRefused(await make());
  });

  test('then a malformed Authorization header is refused', async () => {
    for (const authorization of ['Basic abc', 'Bearer', `Bearer ${customer.accessToken} extra`]) {
      const result = await platform.gql(ops.me, {}, { headers: { authorization } });
      expect(result.status).toBe(401);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('when a client sends no token', () => {
  test('then public operations work and protected ones answer UNAUTHENTICATED', async () => {
    const me = await platform.gql(ops.me);
    expect(me.data?.me).toBeNull();
    const users = await platform.gql('{ users(first: 5) { edges { node { id } } } }');
    expect(users.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('then identity headers it invents are ignored', async () => {
    const forged = await platform.gql('{ users(first: 5) { edges { node { id } } } }', {}, {
      headers: { 'x-internal-identity': customer.accessToken, 'x-user-id': customer.id, 'x-roles': 'ADMIN' },
    });
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
