// Reading users under the policy, paging and searching them, and changing profiles and roles with
// their events.
import { randomUUID } from 'node:crypto';
import { encodeCursor, type Role } from '@desk/shared';
import { eventually } from '@desk/shared/testing';
import { anonymous, collectEvents, startHarness, viewerOf, type GqlResponse, type Harness, type TestUser } from './harness';

let h: Harness;
let ana: TestUser;
let bob: TestUser;
let agent: TestUser;
let admin: TestUser;
beforeAll(async () => {
  h = await startHarness();
  ana = await h.register({ name: 'Ana Souza' });
  bob = await h.register({ name: 'Bob Lima' });
  agent = await h.register({ roles: ['AGENT'] });
  admin = await h.register({ roles: ['ADMIN'] });
});
afterAll(() => h?.stop());

const code = (response: { errors?: { extensions?: Record<string, unknown> }[] }) => response.errors?.[0]?.extensions?.code;

describe('when someone asks who they are', () => {
  test('then a signed-in user gets their profile and an anonymous caller gets null', async () => {
    expect((await h.gql('{ me { id email name roles locale guest } }', {}, ana.viewer)).data?.me)
      .toEqual({ id: ana.id, email: ana.email, name: 'Ana Souza', roles: ['CUSTOMER'], locale: 'en', guest: false });
    const response = await h.gql('{ me { id } }', {}, anonymous());
    expect(response.errors).toBeUndefined();
    expect(response.data?.me).toBeNull();
  });
});

describe('when someone reads a user by id', () => {
  const read = 'query($id: ID!) { user(id: $id) { id email } }';
  test.each<[string, () => ReturnType<typeof viewerOf>, () => string, string | null]>([
    ['a customer reads themself', () => ana.viewer, () => ana.id, null],
    ['a customer reads another customer', () => bob.viewer, () => ana.id, 'FORBIDDEN'],
    ['an agent reads a customer', () => agent.viewer, () => ana.id, null],
    ['an admin reads a customer', () => admin.viewer, () => ana.id, null],
    ['an anonymous caller reads a customer', anonymous, () => ana.id, 'UNAUTHENTICATED'],
  ])('then when %s the error code is %s', async (_case, who, id, expected) => {
    const response = await h.gql(read, { id: id() }, who());
    expect(code(response) ?? null).toBe(expected);
    if (expected) expect(JSON.stringify(response.data ?? null)).not.toContain(ana.email!);
    else expect(response.data?.user).toEqual({ id: ana.id, email: ana.email });
  });

  test('then an id that is not a uuid is BAD_USER_INPUT and an unknown one is null', async () => {
    expect(code(await h.gql(read, { id: 'not-a-uuid' }, agent.viewer))).toBe('BAD_USER_INPUT');
    const unknown = await h.gql(read, { id: randomUUID() }, agent.viewer);
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data?.user).toBeNull();
  });
});

describe('when someone lists users', () => {
  const list = 'query($first: Int, $after: String, $search: String) { users(first: $first, after: $after, search: $search) { totalCount edges { cursor node { id name email } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }';

  test.each<[string, () => ReturnType<typeof viewerOf>, string | null]>([
    ['a customer', () => ana.viewer, 'FORBIDDEN'],
    ['an anonymous caller', anonymous, 'UNAUTHENTICATED'],
    ['an agent', () => agent.viewer, null],
    ['an admin', () => admin.viewer, null],
  ])('then for %s the error code is %s', async (_case, who, expected) => {
    const response = await h.gql(list, {}, who());
    expect(code(response) ?? null).toBe(expected);
    if (!expected) expect(response.data?.users.totalCount).toBeGreaterThanOrEqual(4);
  });

  test('then staff page through a search newest first, three pages, with cursors', async () => {
    const tag = `pager${Date.now().toString(36)}`;
    const base = Date.parse('2030-01-01T00:00:00.000Z');
    const created: { id: string; at: number }[] = [];
    // Two share an instant, so the id must break the tie without skipping or repeating anyone.
    for (let i = 0; i < 7; i++) {
      const at = base + Math.min(i, 5) * 1000;
      created.push({ id: (await h.register({ name: `${tag} ${i}`, registeredAt: new Date(at).toISOString() })).id, at });
    }
    const expected = [...created].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((u) => u.id);

    const seen: string[] = [];
    let after: string | null = null;
    const pages: { hasNextPage: boolean; hasPreviousPage: boolean }[] = [];
    for (let page = 0; page < 3; page++) {
      const response: GqlResponse = await h.gql(list, { first: 3, after, search: tag.toUpperCase() }, agent.viewer);
      expect(response.errors).toBeUndefined();
      const users: { totalCount: number; edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null } } = response.data!.users;
      expect(users.totalCount).toBe(7);
      seen.push(...users.edges.map((e) => e.node.id));
      pages.push({ hasNextPage: users.pageInfo.hasNextPage, hasPreviousPage: users.pageInfo.hasPreviousPage });
      expect(users.pageInfo.endCursor).toBe(users.edges[users.edges.length - 1].cursor);
      after = users.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(pages).toEqual([
      { hasNextPage: true, hasPreviousPage: false },
      { hasNextPage: true, hasPreviousPage: true },
      { hasNextPage: false, hasPreviousPage: true },
    ]);
  });

  test.each([
    ['first = 0', { first: 0 }, 'first'],
    ['first = 101', { first: 101 }, 'first'],
    ['a cursor that is not base64 JSON', { after: 'garbage!' }, 'after'],
    ['a cursor with a bad date', { after: encodeCursor('yesterday', randomUUID()) }, 'after'],
    ['a cursor with a bad id', { after: encodeCursor(new Date().toISOString(), 'x') }, 'after'],
    ['a search of 101 characters', { search: 'a'.repeat(101) }, 'search'],
  ])('then %s is BAD_USER_INPUT', async (_case, variables, field) => {
    const response = await h.gql(list, variables, agent.viewer);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  test('then first = 100 is allowed', async () => {
    expect((await h.gql(list, { first: 100 }, agent.viewer)).errors).toBeUndefined();
  });

  test('then search matches email or name case-insensitively and treats % and _ literally', async () => {
    const tag = `srch${Date.now().toString(36)}`;
    const byName = await h.register({ name: `Carla ${tag.toUpperCase()}` });
    const byEmail = await h.register({ email: `${tag}@example.org` });
    const literal = await h.register({ name: `100%_${tag}` });
    const ids = async (search: string) => (await h.gql(list, { search, first: 100 }, admin.viewer)).data!.users.edges.map((e: { node: { id: string } }) => e.node.id).sort();
    expect(await ids(tag)).toEqual([byName.id, byEmail.id, literal.id].sort());
    expect(await ids(`${tag}@EXAMPLE`)).toEqual([byEmail.id]);
    expect(await ids(`%_${tag}`)).toEqual([literal.id]);
    expect(await ids('%%%%')).toEqual([]);
  });
});

describe('when a user updates their profile', () => {
  const update = 'mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { id name document phone locale updatedAt } }';

  test('then good values are stored normalized and UserProfileUpdated is published', async () => {
    const carol = await h.register();
    const events = await collectEvents(h, 'user.profile-updated');
    const response = await h.gql(update, { input: { name: '  Carol Dias ', document: '529.982.247-25', phone: '+55 (11) 98765-4321', locale: 'pt-BR' } }, carol.viewer);
    expect(response.errors).toBeUndefined();
    expect(response.data?.updateProfile).toMatchObject({ id: carol.id, name: 'Carol Dias', document: '52998224725', phone: '+5511987654321', locale: 'pt-BR' });
    expect(await h.row(carol.id)).toMatchObject({ name: 'Carol Dias', document: '52998224725', phone: '+5511987654321', locale: 'pt-BR' });
    const event = await eventually(() => events.events.find((e) => (e.payload as { userId: string }).userId === carol.id), 5000, 'UserProfileUpdated');
    events.stop();
    expect(event.payload).toEqual({ userId: carol.id, name: 'Carol Dias', locale: 'pt-BR', phone: '+5511987654321', version: 1 });
    expect(event.correlationId).toBe(carol.viewer.correlationId);
    expect(event.actorId).toBe(carol.id);
  });

  test.each([
    ['an empty name', { name: '   ' }, 'name'],
    ['a 101-character name', { name: 'x'.repeat(101) }, 'name'],
    ['a CPF with a wrong check digit', { document: '529.982.247-24' }, 'document'],
    ['an all-equal CPF', { document: '111.111.111-11' }, 'document'],
    ['a CPF of ten digits', { document: '5299822472' }, 'document'],
    ['a phone without +', { phone: '11987654321' }, 'phone'],
    ['a phone of 7 digits', { phone: '+1234567' }, 'phone'],
    ['a locale that is not offered', { locale: 'fr' }, 'locale'],
  ])('then %s is refused with BAD_USER_INPUT and nothing changes', async (_case, bad, field) => {
    const dave = await h.register();
    await h.gql(update, { input: { name: 'Dave Original', document: '123.456.789-09', phone: '+5511900000000' } }, dave.viewer);
    const before = await h.row(dave.id);
    // A good field beside the bad one must not be written either.
    const response = await h.gql(update, { input: { name: 'Dave Changed', locale: 'pt-BR', ...bad } }, dave.viewer);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await h.row(dave.id)).toEqual(before);
  });

  test('then an anonymous caller is UNAUTHENTICATED', async () => {
    expect(code(await h.gql(update, { input: { name: 'Nobody' } }, anonymous()))).toBe('UNAUTHENTICATED');
  });
});

describe('when roles are changed', () => {
  const setRoles = 'mutation($id: ID!, $roles: [Role!]!) { setUserRoles(userId: $id, roles: $roles) { id roles } }';

  test('then an admin makes a customer an agent and UserRolesChanged is published', async () => {
    const erin = await h.register();
    const events = await collectEvents(h, 'user.roles-changed');
    const response = await h.gql(setRoles, { id: erin.id, roles: ['AGENT', 'AGENT', 'CUSTOMER'] }, admin.viewer);
    expect(response.errors).toBeUndefined();
    expect(response.data?.setUserRoles).toEqual({ id: erin.id, roles: ['AGENT', 'CUSTOMER'] });
    expect((await h.row(erin.id))?.roles).toEqual(['AGENT', 'CUSTOMER']);
    const event = await eventually(() => events.events.find((e) => (e.payload as { userId: string }).userId === erin.id), 5000, 'UserRolesChanged');
    events.stop();
    expect(event.payload).toEqual({ userId: erin.id, roles: ['AGENT', 'CUSTOMER'], previousRoles: ['CUSTOMER'], version: 1 });
  });

  test('then each change carries the next version of its own fact, roles and profile counted apart', async () => {
    const fay = await h.register();
    const roleEvents = await collectEvents(h, 'user.roles-changed');
    const profileEvents = await collectEvents(h, 'user.profile-updated');
    const versionsOf = (events: { payload: unknown }[]) => events
      .map((e) => e.payload as { userId: string; version?: number }).filter((p) => p.userId === fay.id).map((p) => p.version);

    expect((await h.gql(setRoles, { id: fay.id, roles: ['ADMIN'] }, admin.viewer)).errors).toBeUndefined();
    expect((await h.gql('mutation { updateProfile(input: { name: "Fay Costa" }) { id } }', {}, fay.viewer)).errors).toBeUndefined();
    expect((await h.gql(setRoles, { id: fay.id, roles: ['CUSTOMER'] }, admin.viewer)).errors).toBeUndefined();

    await eventually(() => versionsOf(roleEvents.events).length === 2 && versionsOf(profileEvents.events).length === 1, 5000, 'the three events');
    roleEvents.stop();
    profileEvents.stop();
    expect(versionsOf(roleEvents.events).sort()).toEqual([1, 2]);
    expect(roleEvents.events.map((e) => e.payload as { userId: string; version: number; roles: Role[] }).filter((p) => p.userId === fay.id).find((p) => p.version === 2)?.roles)
      .toEqual(['CUSTOMER']);
    expect(versionsOf(profileEvents.events)).toEqual([1]);
    expect(await h.row(fay.id)).toMatchObject({ roles_version: 2, profile_version: 1, name: 'Fay Costa' });
  });

  test.each<[string, () => ReturnType<typeof viewerOf>, string]>([
    ['an agent', () => agent.viewer, 'FORBIDDEN'],
    ['a customer', () => ana.viewer, 'FORBIDDEN'],
    ['an anonymous caller', anonymous, 'UNAUTHENTICATED'],
  ])('then %s may not change roles', async (_case, who, expected) => {
    const response = await h.gql(setRoles, { id: bob.id, roles: ['ADMIN'] }, who());
    expect(code(response)).toBe(expected);
    expect((await h.row(bob.id))?.roles).toEqual(['CUSTOMER']);
  });

  test('then empty roles are BAD_USER_INPUT and an unknown user is NOT_FOUND', async () => {
    expect((await h.gql(setRoles, { id: bob.id, roles: [] }, admin.viewer)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roles' });
    expect(code(await h.gql(setRoles, { id: randomUUID(), roles: ['AGENT'] }, admin.viewer))).toBe('NOT_FOUND');
  });

  test('then the last admin cannot lose ADMIN, and can once there is another', async () => {
    // A fresh database per file, but earlier tests may have made admins: count them from the rows.
    const admins = (await h.gql('{ users(first: 100) { edges { node { id roles } } } }', {}, admin.viewer)).data!.users.edges
      .map((e: { node: { id: string; roles: Role[] } }) => e.node).filter((u: { roles: Role[] }) => u.roles.includes('ADMIN'));
    expect(admins.map((u: { id: string }) => u.id)).toEqual([admin.id]);

    const events = await collectEvents(h, 'user.roles-changed');
    const refused = await h.gql(setRoles, { id: admin.id, roles: ['AGENT'] }, admin.viewer);
    expect(code(refused)).toBe('LAST_ADMIN');
    expect((await h.row(admin.id))?.roles).toEqual(['ADMIN']);

    const second = await h.register();
    expect((await h.gql(setRoles, { id: second.id, roles: ['ADMIN'] }, admin.viewer)).errors).toBeUndefined();
    const stepDown = await h.gql(setRoles, { id: admin.id, roles: ['AGENT'] }, admin.viewer);
    expect(stepDown.data?.setUserRoles).toEqual({ id: admin.id, roles: ['AGENT'] });
    await eventually(() => events.events.some((e) => (e.payload as { userId: string }).userId === admin.id), 5000, 'the step-down event');
    // The refused change left no event behind.
    expect(events.events.filter((e) => (e.payload as { userId: string }).userId === admin.id)).toHaveLength(1);
    events.stop();
  });
});
