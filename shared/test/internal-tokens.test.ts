import { SignJWT } from 'jose';
import { InternalTokenSigner, InternalTokenVerifier } from '../src/internal-tokens';
import { generateInternalKeyPair } from '../src/testing';
import { importInternalPrivateKey, importInternalPublicKey, INTERNAL_ISSUER, type Viewer } from '../src/viewer';

const alice: Viewer = { userId: '6f1c7c1e-6a43-4a55-9a7e-0d8a3f3c2b11', roles: ['CUSTOMER'], sessionId: 's-1', guest: false, ip: '10.0.0.1', correlationId: 'request-1' };

describe('internal tokens made once, used many times', () => {
  const pair = generateInternalKeyPair();
  let clock = Date.now();
  const now = () => clock;
  const keys = async () => ({ privateKey: await importInternalPrivateKey(pair.privateKey), publicKey: await importInternalPublicKey(pair.publicKey) });

  test('the gateway reuses a token only for the same identity and subgraph', async () => {
    const signer = new InternalTokenSigner((await keys()).privateKey, { now });
    const token = await signer.tokenFor(alice, 'user');
    expect(await signer.tokenFor({ ...alice, correlationId: 'request-2' }, 'user')).toBe(token);
    const others = [
      signer.tokenFor(alice, 'order'),
      signer.tokenFor({ ...alice, userId: '0b5e3c52-7d0e-4f55-9b55-8c1c2b0c9e01' }, 'user'),
      signer.tokenFor({ ...alice, sessionId: 's-2' }, 'user'),
      signer.tokenFor({ ...alice, roles: ['CUSTOMER', 'AGENT'] }, 'user'),
      signer.tokenFor({ ...alice, guest: true }, 'user'),
      signer.tokenFor({ ...alice, ip: '10.0.0.2' }, 'user'),
      signer.tokenFor({ ...alice, userId: null, roles: [], sessionId: null }, 'user'),
    ];
    expect(new Set([token, ...(await Promise.all(others))]).size).toBe(others.length + 1);
  });

  test('concurrent requests of one identity share one signature', async () => {
    const signer = new InternalTokenSigner((await keys()).privateKey, { now });
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => signer.tokenFor({ ...alice, correlationId: `request-${i}` }, 'ticket')));
    expect(new Set(tokens).size).toBe(1);
  });

  test('a token is replaced once half its lifetime has passed', async () => {
    const signer = new InternalTokenSigner((await keys()).privateKey, { now });
    const first = await signer.tokenFor(alice, 'user');
    clock += 29_000;
    expect(await signer.tokenFor(alice, 'user')).toBe(first);
    clock += 2_000;
    expect(await signer.tokenFor(alice, 'user')).not.toBe(first);
  });

  test('a subgraph gives each request the identity in its token and the correlation id of the request', async () => {
    const { privateKey, publicKey } = await keys();
    const signer = new InternalTokenSigner(privateKey);
    const verifier = new InternalTokenVerifier(publicKey, 'user', { now });
    const token = await signer.tokenFor(alice, 'user');
    expect(await verifier.viewerFor(token, 'request-1')).toEqual(alice);
    expect(await verifier.viewerFor(token, 'request-2')).toEqual({ ...alice, correlationId: 'request-2' });
    const bob = { ...alice, userId: '0b5e3c52-7d0e-4f55-9b55-8c1c2b0c9e01', sessionId: 's-9' };
    expect(await verifier.viewerFor(await signer.tokenFor(bob, 'user'), 'request-3')).toEqual({ ...bob, correlationId: 'request-3' });
    expect(await verifier.viewerFor(token, 'request-4')).toEqual({ ...alice, correlationId: 'request-4' });
  });

  test('a checked token is not trusted past its expiry, nor with another signature or audience', async () => {
    const { privateKey, publicKey } = await keys();
    clock = Date.now();
    const verifier = new InternalTokenVerifier(publicKey, 'user', { now });
    const token = await new InternalTokenSigner(privateKey).tokenFor(alice, 'user');
    expect(await verifier.viewerFor(token, 'request-1')).not.toBeNull();

    const [header, payload, signature] = token.split('.');
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    expect(await verifier.viewerFor(`${header}.${payload}.${flipped}`, 'request-1')).toBeNull();
    const forged = await new SignJWT({ roles: ['ADMIN'], sid: 's-1', guest: false, ip: null })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'internal+jwt' }).setIssuer(INTERNAL_ISSUER).setAudience('user').setSubject(alice.userId!)
      .setIssuedAt().setJti('j').setExpirationTime('1m').sign(await importInternalPrivateKey(generateInternalKeyPair().privateKey));
    expect(await verifier.viewerFor(forged, 'request-1')).toBeNull();
    expect(await new InternalTokenVerifier(publicKey, 'order', { now }).viewerFor(token, 'request-1')).toBeNull();

    clock += 61_000;
    expect(await verifier.viewerFor(token, 'request-1')).toBeNull();
  });
});
