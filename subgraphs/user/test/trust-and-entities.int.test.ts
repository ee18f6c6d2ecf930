// The user subgraph only answers the gateway, records each registration once, and resolves User
// references in one query per batch with private fields guarded.
import { randomUUID } from 'node:crypto';
import { createEnvelope, importInternalPrivateKey, signInternalToken, UserRegistered } from '@desk/shared';
import { eventually, generateInternalKeyPair } from '@desk/shared/testing';
import { anonymous, registration, startHarness, viewerOf, type Harness } from './harness';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(() => h?.stop());

const entities = `query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id name roles locale guest createdAt email document phone } }
}`;

describe('when a request does not come from the gateway', () => {
  const bodies = [
    ['_service', { query: '{ _service { sdl } }' }],
    ['_entities', { query: entities, variables: { representations: [{ __typename: 'User', id: randomUUID() }] } }],
    ['me', { query: '{ me { id } }' }],
  ] as const;

  test.each(bodies)('then %s without a token is refused with 401', async (_name, body) => {
    const response = await h.post(body, {});
    expect(response.status).toBe(401);
    expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  test.each(bodies)('then %s with a token signed by another key is refused with 401', async (_name, body) => {
    const forger = await importInternalPrivateKey(generateInternalKeyPair().privateKey);
    const token = await signInternalToken(forger, anonymous(), 'user');
    expect((await h.post(body, { 'x-internal-identity': token })).status).toBe(401);
  });

  test.each(bodies)('then %s with a token meant for another subgraph is refused with 401', async (_name, body) => {
    const token = await h.tokenFor(anonymous(), 'auth');
    expect((await h.post(body, { 'x-internal-identity': token })).status).toBe(401);
  });

  test.each(bodies)('then %s with a garbled token is refused with 401', async (_name, body) => {
    expect((await h.post(body, { 'x-internal-identity': 'not.a.token' })).status).toBe(401);
  });

  test('then the same _service request signed by the gateway is answered with the schema', async () => {
    const response = await h.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(response.status).toBe(200);
    expect(response.data?._service.sdl).toContain('type User');
  });
});

describe('when the same UserRegistered event is delivered twice', () => {
  test('then one user exists with the registration\'s data', async () => {
    const payload = registration({ roles: ['CUSTOMER'], locale: 'pt-BR' });
    const envelope = createEnvelope(UserRegistered, payload, { correlationId: randomUUID() });
    await h.publishRegistration(envelope);
    await eventually(() => h.row(payload.userId), 5000, 'the user');
    // A second publish with the same id falls in the stream's duplicate window; a copy under a new
    // message id gets past it and must be stopped by the consumer's inbox and the insert itself.
    await h.publishRegistration(envelope);
    const copy = { ...envelope, id: randomUUID(), payload: { ...payload, name: 'Changed Name' } };
    await h.publishRegistration(copy);
    const marker = registration();
    await h.publishRegistration(createEnvelope(UserRegistered, marker, { correlationId: randomUUID() }));
    await eventually(() => h.row(marker.userId), 5000, 'the marker user');

    const count = (await h.gql<{ users: { totalCount: number } }>(
      'query($s: String) { users(search: $s) { totalCount } }', { s: payload.email }, viewerOf(randomUUID(), ['ADMIN']),
    )).data?.users.totalCount;
    expect(count).toBe(1);
    const row = await h.row(payload.userId);
    expect(row).toMatchObject({ email: payload.email, name: payload.name, roles: ['CUSTOMER'], locale: 'pt-BR', guest: false });
    expect((row!.created_at as Date).toISOString()).toBe(payload.registeredAt);
  });

  test('then a guest registration becomes a guest user without an email', async () => {
    const guest = await h.register({ email: null, guest: true, name: 'Guest' });
    const me = await h.gql('{ me { id email guest roles } }', {}, guest.viewer);
    expect(me.data?.me).toEqual({ id: guest.id, email: null, guest: true, roles: ['CUSTOMER'] });
  });
});

describe('when the gateway resolves User references', () => {
  test('then the owner sees every field of their own user', async () => {
    const ana = await h.register({ locale: 'pt-BR' });
    const response = await h.gql(entities, { representations: [{ __typename: 'User', id: ana.id }] }, ana.viewer);
    expect(response.errors).toBeUndefined();
    expect(response.data?._entities).toEqual([expect.objectContaining({ id: ana.id, name: ana.name, roles: ['CUSTOMER'], locale: 'pt-BR', guest: false, email: ana.email })]);
  });

  test('then another customer sees the public fields and null private ones', async () => {
    const ana = await h.register();
    await h.gql('mutation { updateProfile(input: { document: "529.982.247-25", phone: "+5511987654321" }) { id } }', {}, ana.viewer);
    const bob = await h.register();
    const response = await h.gql(entities, { representations: [{ __typename: 'User', id: ana.id }] }, bob.viewer);
    expect(response.errors).toBeUndefined();
    const [user] = response.data?._entities;
    expect(user).toMatchObject({ id: ana.id, name: ana.name, roles: ['CUSTOMER'], email: null, document: null, phone: null });
    expect(typeof user.createdAt).toBe('string');

    const staff = await h.gql(entities, { representations: [{ __typename: 'User', id: ana.id }] }, viewerOf(randomUUID(), ['AGENT']));
    expect(staff.data?._entities[0]).toMatchObject({ email: ana.email, document: '52998224725', phone: '+5511987654321' });
  });

  test('then an unknown or malformed id resolves to null', async () => {
    const response = await h.gql(entities, { representations: [{ __typename: 'User', id: randomUUID() }, { __typename: 'User', id: 'nope' }] }, anonymous());
    expect(response.errors).toBeUndefined();
    expect(response.data?._entities).toEqual([null, null]);
  });

  test('then thirty references are loaded with one SELECT, not thirty', async () => {
    const users = [];
    for (let i = 0; i < 30; i++) users.push(h.register());
    const ids = (await Promise.all(users)).map((u) => u.id);
    h.queries.length = 0;
    const response = await h.gql('query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }',
      { r: ids.map((id) => ({ __typename: 'User', id })) }, viewerOf(randomUUID(), ['CUSTOMER']));
    expect(response.errors).toBeUndefined();
    expect(response.data?._entities.map((u: { id: string }) => u.id)).toEqual(ids);
    const userSelects = h.queries.filter((sql) => /^\s*SELECT/i.test(sql) && /\busers\b/.test(sql) && !/outbox|inbox/.test(sql));
    expect(userSelects).toHaveLength(1);
    expect(userSelects[0]).toMatch(/= ANY\(/);
  });
});
