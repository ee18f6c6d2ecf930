// A verified access token is remembered, but never trusted past what a fresh check would allow: its
// expiry and age are checked again on every use, so are revocations, and nothing one request brings
// (address, correlation id) reaches another. And a token that is wrong in any one way is refused.
import http from 'node:http';
import { KeyObject, randomUUID, sign as signBytes, generateKeyPairSync, createHmac } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { createLogger } from '@desk/shared';
import { listenOnTestPort } from '@desk/shared/testing';
import { AccessTokenVerifier } from '../src/auth/access-token.verifier';
import { RevocationList } from '../src/auth/revocation.list';

const ISSUER = 'https://auth.test';
const AUDIENCE = 'desk-api';
let jwks: http.Server;
let jwksUrl: string;
let sign: (claims: JWTPayload, header?: Record<string, unknown>) => Promise<string>;
/** Signs any header and claims, even ones jose would refuse to sign, with the JWKS's key. */
let signRaw: (header: unknown, claims: unknown, key?: KeyObject) => string;
let publicJwkText: string;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwks = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })); });
  jwksUrl = `${await listenOnTestPort(jwks)}/jwks.json`;
  sign = (claims, header = {}) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1', ...header }).sign(privateKey);
  signRaw = (header, claims, key = KeyObject.from(privateKey)) => {
    const signed = `${b64(header)}.${b64(claims)}`;
    return `${signed}.${signBytes('sha256', Buffer.from(signed), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  };
  publicJwkText = JSON.stringify(jwk);
});
afterAll(() => new Promise((resolve) => jwks.close(resolve)));

const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const HEADER = { alg: 'ES256', typ: 'at+jwt', kid: 'k1' };
const claims = (overrides: JWTPayload = {}): JWTPayload => ({
  iss: ISSUER, aud: AUDIENCE, sub: randomUUID(), sid: randomUUID(), roles: ['CUSTOMER'], guest: false, rv: 0,
  iat: now(), nbf: now(), exp: now() + 600, jti: randomUUID(), ...overrides,
});

function verifier(options: { tolerance?: number; now?: () => number } = {}) {
  const revocations = new RevocationList(900, createLogger('test', 'silent'));
  const tokens = new AccessTokenVerifier(
    { jwksUrl, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 900, clockToleranceSeconds: options.tolerance ?? 0, now: options.now },
    revocations,
  );
  return { tokens, revocations };
}

/** A clock that moves only when told, starting at the current whole second. */
function testClock() {
  let ms = Math.floor(Date.now() / 1000) * 1000;
  return { now: () => ms, seconds: () => ms / 1000, advance: (by: number) => { ms += by; } };
}
const request = (n: number) => ({ ip: `10.0.0.${n}`, correlationId: `request-${n}-0000` });

test('each use gets the viewer of its own token, with its own address and correlation id', async () => {
  const { tokens } = verifier();
  const alice = claims({ roles: ['CUSTOMER'] });
  const bob = claims({ roles: ['AGENT'] });
  const [aliceToken, bobToken] = [await sign(alice), await sign(bob)];
  for (let i = 1; i <= 3; i++) {
    expect((await tokens.check(aliceToken, request(i))).viewer).toEqual({ userId: alice.sub, roles: ['CUSTOMER'], sessionId: alice.sid, guest: false, ...request(i) });
    expect((await tokens.check(bobToken, request(i + 10))).viewer).toEqual({ userId: bob.sub, roles: ['AGENT'], sessionId: bob.sid, guest: false, ...request(i + 10) });
  }
});

describe('a token is refused when it is not exactly right', () => {
  const without = (name: string) => { const { [name]: _left, ...rest } = claims(); return rest; };
  const table: [string, () => Promise<string> | string][] = [
    ['not three segments', async () => `${await sign(claims())}.extra`],
    ['with characters outside base64url', async () => (await sign(claims())).replace(/\.(.)/, '.+$1')],
    ['with a header that is not a JSON object', () => signRaw('null', claims())],
    ['with a payload that is not a JSON object', () => signRaw(HEADER, '[1]')],
    ['unsigned (alg none)', () => `${b64({ ...HEADER, alg: 'none' })}.${b64(claims())}.`],
    ['HS256 keyed with the public key (key confusion)', () => {
      const signed = `${b64({ ...HEADER, alg: 'HS256' })}.${b64(claims())}`;
      return `${signed}.${createHmac('sha256', publicJwkText).update(signed).digest('base64url')}`;
    }],
    ['naming another algorithm', () => signRaw({ ...HEADER, alg: 'ES384' }, claims())],
    ['of another type', () => signRaw({ ...HEADER, typ: 'JWT' }, claims())],
    ['without a type', () => signRaw({ alg: 'ES256', kid: 'k1' }, claims())],
    ['naming an unknown key id', () => signRaw({ ...HEADER, kid: 'k2' }, claims())],
    ['with critical header parameters', () => signRaw({ ...HEADER, crit: ['exp'] }, claims())],
    ['signed by another key under the same key id', () => signRaw(HEADER, claims(), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)],
    ['with a signature cut short', async () => (await sign(claims())).slice(0, -4)],
    ['with a DER signature', async () => {
      const signed = `${b64(HEADER)}.${b64(claims())}`;
      return `${signed}.${signBytes('sha256', Buffer.from(signed), { key: KeyObject.from((await generateKeyPair('ES256')).privateKey) }).toString('base64url')}`;
    }],
    ['with its header changed after signing', async () => { const [, payload, signature] = (await sign(claims())).split('.'); return `${b64({ ...HEADER, typ: 'application/at+jwt' })}.${payload}.${signature}`; }],
    ['with its payload changed after signing', async () => { const [header, , signature] = (await sign(claims())).split('.'); return `${header}.${b64(claims({ roles: ['ADMIN'] }))}.${signature}`; }],
    ['from another issuer', () => sign(claims({ iss: 'https://evil.example' }))],
    ['for another audience', () => sign(claims({ aud: 'another-api' }))],
    ['for other audiences only', () => sign(claims({ aud: ['another-api', 'a-third-api'] }))],
    ['expired', () => sign(claims({ iat: now() - 700, nbf: now() - 700, exp: now() - 100 }))],
    ['not valid yet', () => sign(claims({ nbf: now() + 100 }))],
    ['issued in the future', () => sign(claims({ iat: now() + 100, nbf: now() }))],
    ['older than the token lifetime', () => sign(claims({ iat: now() - 1000, nbf: now() - 1000, exp: now() + 600 }))],
    ['with an expiry that is not a number', () => sign(claims({ exp: String(now() + 600) as never }))],
    ...['exp', 'iat', 'nbf', 'jti', 'sub', 'sid', 'iss', 'aud', 'roles'].map((name): [string, () => Promise<string>] => [`without ${name}`, () => sign(without(name))]),
    ['with a subject that is not a user id', () => sign(claims({ sub: 'admin' }))],
    ['with a role that does not exist', () => sign(claims({ roles: ['ROOT'] }))],
  ];

  test.each(table)('%s', async (_name, make) => {
    const { tokens } = verifier();
    const token = await make();
    await expect(tokens.check(token, request(1))).rejects.toThrow(/^The access token (is invalid|has expired)$/);
  });

  test('the same checks pass a token that is right (the table is meaningful)', async () => {
    const { tokens } = verifier();
    const good = claims();
    await expect(tokens.check(await sign(good), request(1))).resolves.toMatchObject({ viewer: { userId: good.sub }, expiresAt: good.exp });
    await expect(tokens.check(signRaw(HEADER, claims()), request(1))).resolves.toBeDefined();
    await expect(tokens.check(await sign(claims(), { typ: 'application/at+jwt' }), request(1))).resolves.toBeDefined();
    await expect(tokens.check(await sign(claims({ aud: ['another-api', AUDIENCE] })), request(1))).resolves.toBeDefined();
  });

  test('the clock tolerance applies to expiry, not-before and issued-at alike', async () => {
    const { tokens } = verifier({ tolerance: 30 });
    for (const edge of [{ exp: now() - 10 }, { nbf: now() + 10 }, { iat: now() + 10, nbf: now() }]) {
      await expect(tokens.check(await sign(claims(edge)), request(1))).resolves.toBeDefined();
    }
    for (const beyond of [{ exp: now() - 60 }, { nbf: now() + 60 }, { iat: now() + 60, nbf: now() }]) {
      await expect(tokens.check(await sign(claims(beyond)), request(1))).rejects.toThrow(/^The access token/);
    }
  });
});

test('a remembered token does not vouch for one with the same claims and another signature', async () => {
  const { tokens } = verifier();
  const token = await sign(claims());
  await tokens.check(token, request(1));
  const [header, payload, signature] = token.split('.');
  const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
  await expect(tokens.check(`${header}.${payload}.${flipped}`, request(1))).rejects.toThrow('The access token is invalid');
});

test('a remembered token is refused once it expires', async () => {
  const clock = testClock();
  const { tokens } = verifier({ now: clock.now });
  const issued = clock.seconds();
  const token = await sign(claims({ iat: issued, nbf: issued, exp: issued + 60 }));
  await tokens.check(token, request(1));
  clock.advance(59_999);
  await expect(tokens.check(token, request(2))).resolves.toMatchObject({ expiresAt: issued + 60 });
  clock.advance(1);
  await expect(tokens.check(token, request(3))).rejects.toThrow('The access token has expired');
});

test('a remembered token is refused once its session ends or its roles change', async () => {
  const { tokens, revocations } = verifier();
  const session = claims();
  const sessionToken = await sign(session);
  await tokens.check(sessionToken, request(1));
  revocations.revoke({ userId: session.sub!, sessionId: session.sid as string, revokedAt: new Date().toISOString() });
  await expect(tokens.check(sessionToken, request(1))).rejects.toThrow('The session has ended');

  const promoted = claims({ rv: 1 });
  const promotedToken = await sign(promoted);
  await tokens.check(promotedToken, request(2));
  revocations.revoke({ userId: promoted.sub!, sessionId: null, revokedAt: new Date().toISOString(), rolesVersion: 2 });
  await expect(tokens.check(promotedToken, request(2))).rejects.toThrow('The session has ended');
});

test('a token\'s signature is checked once, and again once that check is older than a minute', async () => {
  const clock = testClock();
  const { tokens } = verifier({ now: clock.now });
  const checks = jest.spyOn(tokens as unknown as { verifyToken(token: string): Promise<unknown> }, 'verifyToken');
  const token = await sign(claims({ iat: clock.seconds(), nbf: clock.seconds(), exp: clock.seconds() + 600 }));
  for (let i = 1; i <= 5; i++) await tokens.check(token, request(i));
  clock.advance(59_999);
  await tokens.check(token, request(6));
  expect(checks).toHaveBeenCalledTimes(1);
  clock.advance(2);
  await tokens.check(token, request(7));
  expect(checks).toHaveBeenCalledTimes(2);
});
