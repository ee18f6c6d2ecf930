// Profiles and roles through the gateway: who may see and change what, and how a change of roles
// reaches the access tokens already out there.
import { ADMIN, ops, registerCustomer, startPlatform, type Platform } from './support/platform';

let platform: Platform;
let adminToken: string;
beforeAll(async () => {
  platform = await startPlatform();
  adminToken = (await platform.gql(ops.login, { email: ADMIN.email, password: ADMIN.password })).data!.login.accessToken;
});
afterAll(() => platform?.stop());

const setRoles = 'mutation($id: ID!, $roles: [Role!]!) { setUserRoles(userId: $id, roles: $roles) { id roles } }';
const listUsers = '{ users(first: 50) { totalCount edges { node { id email } } } }';

describe('when an admin makes a customer an agent', () => {
  test('then the old token stops working, a refreshed one carries the new role, and staff powers follow', async () => {
    const customer = await registerCustomer(platform);
    expect((await platform.gql(listUsers, {}, { token: customer.accessToken })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const changed = await platform.gql(setRoles, { id: customer.id, roles: ['AGENT'] }, { token: adminToken });
    expect(changed.data?.setUserRoles).toEqual({ id: customer.id, roles: ['AGENT'] });

    const deadline = Date.now() + 2000;
    let status = 200;
    while (status !== 401 && Date.now() < deadline) {
      status = (await platform.gql(ops.me, {}, { token: customer.accessToken })).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 25));
    }
    expect(status).toBe(401);

    // The auth subgraph learns the new roles from the event; refresh until the token carries them.
    let token = '';
    let refresh = customer.refreshToken;
    const until = Date.now() + 3000;
    for (;;) {
      const next = (await platform.gql(ops.refresh, { token: refresh })).data!.refreshSession;
      refresh = next.refreshToken;
      const me = await platform.gql('{ me { roles } }', {}, { token: next.accessToken });
      if (me.data?.me?.roles?.[0] === 'AGENT') { token = next.accessToken; break; }
      if (Date.now() > until) throw new Error('roles never reached the token');
      await new Promise((r) => setTimeout(r, 50));
    }
    const list = await platform.gql(listUsers, {}, { token });
    expect(list.errors).toBeUndefined();
    expect(list.data?.users.totalCount).toBeGreaterThanOrEqual(2);
  });

  test('then a customer or an agent may not change roles', async () => {
    const customer = await registerCustomer(platform);
    const other = await registerCustomer(platform);
    const result = await platform.gql(setRoles, { id: other.id, roles: ['ADMIN'] }, { token: customer.accessToken });
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const self = await platform.gql(setRoles, { id: customer.id, roles: ['ADMIN'] }, { token: customer.accessToken });
    expect(self.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('when customers look at users', () => {
  test('then a customer sees their own profile and nobody else\'s', async () => {
    const ana = await registerCustomer(platform);
    const bob = await registerCustomer(platform);
    const own = await platform.gql('query($id: ID!) { user(id: $id) { id email } }', { id: ana.id }, { token: ana.accessToken });
    expect(own.data?.user).toEqual({ id: ana.id, email: ana.email });
    const other = await platform.gql('query($id: ID!) { user(id: $id) { id email } }', { id: ana.id }, { token: bob.accessToken });
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(other.data ?? null)).not.toContain(ana.email);
  });

  test('then a customer updates their profile, and a bad CPF changes nothing', async () => {
    const ana = await registerCustomer(platform);
    const update = 'mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { name document locale } }';
    const ok = await platform.gql(update, { input: { name: 'Ana Souza', document: '529.982.247-25', locale: 'pt-BR' } }, { token: ana.accessToken });
    expect(ok.data?.updateProfile).toEqual({ name: 'Ana Souza', document: '52998224725', locale: 'pt-BR' });
    const bad = await platform.gql(update, { input: { name: 'Changed', document: '529.982.247-24' } }, { token: ana.accessToken });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'document' });
    const me = await platform.gql('{ me { name document } }', {}, { token: ana.accessToken });
    expect(me.data?.me).toEqual({ name: 'Ana Souza', document: '52998224725' });
  });
});
