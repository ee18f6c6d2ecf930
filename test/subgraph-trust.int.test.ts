// Subgraphs answer only the gateway: a direct call without its internal token, with a forged one, or
// with one made for another subgraph is refused, federation internals included.
import { randomUUID } from 'node:crypto';
import { generateInternalKeyPair } from '@desk/shared/testing';
import { anonymousViewer, importInternalPrivateKey, INTERNAL_TOKEN_HEADER, signInternalToken, type Viewer } from '@desk/shared';
import { postGraphQL, registerCustomer, startPlatform, type Platform } from './support/platform';

let platform: Platform;
let adminLike: Viewer;
beforeAll(async () => {
  platform = await startPlatform();
  const customer = await registerCustomer(platform);
  adminLike = { userId: customer.id, roles: ['ADMIN'], sessionId: randomUUID(), guest: false, ip: '127.0.0.1', correlationId: randomUUID() };
});
afterAll(() => platform?.stop());

const queries = {
  service: '{ _service { sdl } }',
  entities: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }',
};

describe.each(['auth', 'user'] as const)('when someone calls the %s subgraph directly', (name) => {
  const url = () => (name === 'auth' ? platform.authUrl : platform.userUrl);
  const variables = () => ({ r: [{ __typename: 'User', id: adminLike.userId }] });

  test.each(Object.entries(queries))('then %s without the internal token is refused with 401', async (_label, query) => {
    const result = await postGraphQL(url(), query, variables());
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.data ?? null).toBeNull();
  });

  test('then a token signed by any other key is refused', async () => {
    const forger = await importInternalPrivateKey(generateInternalKeyPair().privateKey);
    const result = await postGraphQL(url(), queries.service, {}, { headers: { [INTERNAL_TOKEN_HEADER]: await signInternalToken(forger, adminLike, name) } });
    expect(result.status).toBe(401);
  });

  test('then a genuine token made for another subgraph is refused', async () => {
    const key = await importInternalPrivateKey(platform.internalKeys.privateKey);
    const other = name === 'auth' ? 'user' : 'auth';
    const result = await postGraphQL(url(), queries.service, {}, { headers: { [INTERNAL_TOKEN_HEADER]: await signInternalToken(key, adminLike, other) } });
    expect(result.status).toBe(401);
  });

  test('then a client access token in place of the internal one is refused', async () => {
    const customer = await registerCustomer(platform);
    const result = await postGraphQL(url(), queries.service, {}, { token: customer.accessToken, headers: { [INTERNAL_TOKEN_HEADER]: customer.accessToken } });
    expect(result.status).toBe(401);
  });

  test('then the genuine internal token is accepted (so the refusals above mean something)', async () => {
    const key = await importInternalPrivateKey(platform.internalKeys.privateKey);
    const result = await postGraphQL(url(), queries.service, {}, { headers: { [INTERNAL_TOKEN_HEADER]: await signInternalToken(key, anonymousViewer(), name) } });
    expect(result.status).toBe(200);
    expect(result.data).toMatchObject({ _service: { sdl: expect.stringContaining('type User') } });
  });
});
