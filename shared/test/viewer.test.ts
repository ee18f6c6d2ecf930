import { SignJWT } from 'jose';
import { generateInternalKeyPair } from '../src/testing';
import { importInternalPrivateKey, importInternalPublicKey, INTERNAL_ISSUER, signInternalToken, verifyInternalToken, type Viewer } from '../src/viewer';

const viewer: Viewer = { userId: '6f1c7c1e-6a43-4a55-9a7e-0d8a3f3c2b11', roles: ['AGENT'], sessionId: 's-1', guest: false, ip: '10.0.0.1', correlationId: 'c-1' };
const { correlationId: _correlationId, ...identity } = viewer;

describe('internal identity tokens', () => {
  const pair = generateInternalKeyPair();

  test('a subgraph reads back exactly the identity the gateway signed for it, and when it expires', async () => {
    const token = await signInternalToken(await importInternalPrivateKey(pair.privateKey), viewer, 'user');
    const verified = await verifyInternalToken(await importInternalPublicKey(pair.publicKey), token, 'user');
    expect(verified?.identity).toEqual(identity);
    expect(verified!.expiresAt - Date.now() / 1000).toBeGreaterThan(55);
    // The request's correlation id travels in its own header, so one token can serve several requests.
    expect(JSON.stringify(verified)).not.toContain('c-1');
  });

  test('an anonymous viewer has no subject', async () => {
    const token = await signInternalToken(await importInternalPrivateKey(pair.privateKey), { ...viewer, userId: null, roles: [] }, 'user');
    expect((await verifyInternalToken(await importInternalPublicKey(pair.publicKey), token, 'user'))?.identity).toMatchObject({ userId: null, roles: [] });
  });

  test('a token for another subgraph, from another key, expired, or missing is refused', async () => {
    const key = await importInternalPrivateKey(pair.privateKey);
    const publicKey = await importInternalPublicKey(pair.publicKey);
    expect(await verifyInternalToken(publicKey, await signInternalToken(key, viewer, 'auth'), 'user')).toBeNull();
    const other = await importInternalPrivateKey(generateInternalKeyPair().privateKey);
    expect(await verifyInternalToken(publicKey, await signInternalToken(other, viewer, 'user'), 'user')).toBeNull();
    const old = Math.floor(Date.now() / 1000) - 600;
    const expired = await new SignJWT({ roles: [], sid: null, guest: false, ip: null, cid: 'c' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'internal+jwt' }).setIssuer(INTERNAL_ISSUER).setAudience('user')
      .setIssuedAt(old).setJti('j').setExpirationTime(old + 60).sign(key);
    expect(await verifyInternalToken(publicKey, expired, 'user')).toBeNull();
    expect(await verifyInternalToken(publicKey, undefined, 'user')).toBeNull();
    expect(await verifyInternalToken(publicKey, 'garbage', 'user')).toBeNull();
  });

  test('roles outside the known set are refused', async () => {
    const key = await importInternalPrivateKey(pair.privateKey);
    const token = await new SignJWT({ roles: ['ROOT'], sid: null, guest: false, ip: null, cid: 'c' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'internal+jwt' }).setIssuer(INTERNAL_ISSUER).setAudience('user')
      .setIssuedAt().setJti('j').setExpirationTime('1m').sign(key);
    expect(await verifyInternalToken(await importInternalPublicKey(pair.publicKey), token, 'user')).toBeNull();
  });
});
