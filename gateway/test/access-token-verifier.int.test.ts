// A verified access token is remembered, but never trusted past what a fresh check would allow: its
// expiry and age are checked again on every use, so are revocations, and nothing one request brings
// (address, correlation id) reaches another.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { createLogger } from '@desk/shared';
import { AccessTokenVerifier } from '../src/auth/access-token.verifier';
import { RevocationList } from '../src/auth/revocation.list';

const ISSUER = 'https://auth.test';
const AUDIENCE = 'desk-api';
let jwks: http.Server;
let jwksUrl: string;
let sign: (claims: JWTPayload, header?: Record<string, unknown>) => Promise<string>;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  jwks = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })); });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  sign = (claims, header = {}) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1', ...header }).sign(privateKey);
});
afterAll(() => new Promise((resolve) => jwks.close(resolve)));

const now = () => Math.floor(Date.now() / 1000);
const claims = (overrides: JWTPayload = {}): JWTPayload => ({
  iss: ISSUER, aud: AUDIENCE, sub: randomUUID(), sid: randomUUID(), roles: ['CUSTOMER'], guest: false, rv: 0,
  iat: now(), nbf: now(), exp: now() + 600, jti: randomUUID(), ...overrides,
});

function verifier(options: { tolerance?: number; maxAgeMs?: number } = {}) {
  const revocations = new RevocationList(900, createLogger('test', 'silent'));
  const tokens = new AccessTokenVerifier(
    { jwksUrl, issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 900, clockToleranceSeconds: options.tolerance ?? 0 },
    revocations, { maxAgeMs: options.maxAgeMs },
  );
  return { tokens, revocations };
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

test('a remembered token does not vouch for one with the same claims and another signature', async () => {
  const { tokens } = verifier();
  const token = await sign(claims());
  await tokens.check(token, request(1));
  const [header, payload, signature] = token.split('.');
  const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
  await expect(tokens.check(`${header}.${payload}.${flipped}`, request(1))).rejects.toThrow('The access token is invalid');
});

test('a remembered token is refused once it expires', async () => {
  const { tokens } = verifier();
  const token = await sign(claims({ exp: now() + 1 }));
  await tokens.check(token, request(1));
  await new Promise((resolve) => setTimeout(resolve, 2100));
  await expect(tokens.check(token, request(1))).rejects.toThrow('The access token has expired');
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

test('a token\'s signature is checked once, and again once that check is older than the limit', async () => {
  const { tokens } = verifier({ maxAgeMs: 200 });
  const checks = jest.spyOn(tokens as unknown as { verifyToken(token: string): Promise<unknown> }, 'verifyToken');
  const token = await sign(claims());
  for (let i = 1; i <= 5; i++) await tokens.check(token, request(i));
  expect(checks).toHaveBeenCalledTimes(1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await tokens.check(token, request(6));
  expect(checks).toHaveBeenCalledTimes(2);
});
