// The auth subgraph's copy of each user's roles and profile, fed by the user subgraph's events. The
// consumer handles many events at once and a retried one comes late, so they may arrive in any order:
// what the tokens carry must be the newest change, never an older one that came last.
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { UserProfileUpdated, UserRolesChanged, anonymousViewer, parseEnv, type EventDefinition, type PayloadOf } from '@desk/shared';
import { eventually, startSubgraphHarness, type SubgraphHarness } from '@desk/shared/testing';
import { PROJECTION_CONSUMER } from '../src/account-projection.consumer';
import { startAuthService, type RunningAuthService } from '../src/app';
import { authEnvSchema } from '../src/env';

let h: SubgraphHarness<RunningAuthService>;
beforeAll(async () => {
  h = await startSubgraphHarness('auth', (env, onQuery) => startAuthService(parseEnv(authEnvSchema, env), { onQuery }));
});
afterAll(() => h?.stop());

const AUTH_PAYLOAD = 'accessToken refreshToken user { id name roles }';

interface Signed { userId: string; refreshToken: string }

async function register(): Promise<Signed> {
  const result = await h.gql(`mutation($i: RegisterInput!) { register(input: $i) { ${AUTH_PAYLOAD} } }`, {
    i: { email: `person-${randomUUID().slice(0, 8)}@example.com`, password: 'a long enough password', name: 'First Name' },
  }, anonymousViewer(randomUUID()));
  if (!result.data?.register) throw new Error(JSON.stringify(result.errors));
  return { userId: result.data.register.user.id, refreshToken: result.data.register.refreshToken };
}

/** A new access token for the session, signed from what the account holds now. */
async function refresh(account: Signed): Promise<{ name: string; roles: string[]; tokenRoles: unknown; rv: unknown }> {
  const result = await h.gql(`mutation($t: String!) { refreshSession(refreshToken: $t) { ${AUTH_PAYLOAD} } }`, { t: account.refreshToken });
  if (!result.data?.refreshSession) throw new Error(JSON.stringify(result.errors));
  const payload = result.data.refreshSession;
  account.refreshToken = payload.refreshToken;
  const claims = decodeJwt(payload.accessToken);
  return { name: payload.user.name, roles: payload.user.roles, tokenRoles: claims.roles, rv: claims.rv };
}

/** Publishes an event as the user subgraph's relay would, and waits until the projection has handled it. */
async function deliver<D extends EventDefinition>(definition: D, payload: PayloadOf<D>): Promise<void> {
  const event = await h.publish(definition, payload);
  await eventually(async () => (await h.sql('SELECT 1 FROM auth.inbox WHERE consumer = $1 AND event_id = $2', [PROJECTION_CONSUMER, event.id])).length === 1,
    5000, `${definition.type} handled`);
}

describe('when role changes reach auth out of order', () => {
  test('then a grant of ADMIN that comes after its revocation changes nothing, and no ADMIN token is signed', async () => {
    const account = await register();
    await deliver(UserRolesChanged, { userId: account.userId, roles: ['CUSTOMER'], previousRoles: ['ADMIN'], version: 3 });
    const afterRevoke = await refresh(account);

    await deliver(UserRolesChanged, { userId: account.userId, roles: ['ADMIN'], previousRoles: ['CUSTOMER'], version: 2 });

    const now = await refresh(account);
    expect(now.roles).toEqual(['CUSTOMER']);
    expect(now.tokenRoles).toEqual(['CUSTOMER']);
    // Nothing was applied, so the tokens signed since the revocation were not ended either.
    expect(now.rv).toBe(afterRevoke.rv);
  });

  test('then twenty changes published newest first and handled many at once leave the newest', async () => {
    const account = await register();
    const rolesOf = (version: number) => (version % 2 === 0 ? ['CUSTOMER' as const] : ['ADMIN' as const]);
    const events: { id: string }[] = [];
    for (let version = 20; version >= 1; version -= 1) {
      events.push(await h.publish(UserRolesChanged, { userId: account.userId, roles: rolesOf(version), previousRoles: rolesOf(version + 1), version }));
    }
    await eventually(async () => (await h.sql('SELECT 1 FROM auth.inbox WHERE consumer = $1 AND event_id = ANY($2)', [PROJECTION_CONSUMER, events.map((e) => e.id)])).length === 20,
      10_000, 'the twenty changes handled');

    expect((await refresh(account)).tokenRoles).toEqual(['CUSTOMER']);
  });

  test('then a second copy of the newest change is a no-op and a newer one still applies', async () => {
    const account = await register();
    await deliver(UserRolesChanged, { userId: account.userId, roles: ['AGENT'], previousRoles: ['CUSTOMER'], version: 1 });
    const first = await refresh(account);

    await deliver(UserRolesChanged, { userId: account.userId, roles: ['AGENT'], previousRoles: ['CUSTOMER'], version: 1 });
    expect((await refresh(account)).rv).toBe(first.rv);

    await deliver(UserRolesChanged, { userId: account.userId, roles: ['CUSTOMER'], previousRoles: ['AGENT'], version: 2 });
    const now = await refresh(account);
    expect(now.tokenRoles).toEqual(['CUSTOMER']);
    expect(now.rv).not.toBe(first.rv);
  });

  test('then a change published before versions existed is applied as it comes, and versioned ones after it still apply', async () => {
    const account = await register();
    await deliver(UserRolesChanged, { userId: account.userId, roles: ['AGENT'], previousRoles: ['CUSTOMER'] });
    expect((await refresh(account)).tokenRoles).toEqual(['AGENT']);

    await deliver(UserRolesChanged, { userId: account.userId, roles: ['CUSTOMER'], previousRoles: ['AGENT'], version: 1 });
    expect((await refresh(account)).tokenRoles).toEqual(['CUSTOMER']);
  });
});

describe('when profile changes reach auth out of order', () => {
  test('then the newer name stays when the older change comes last', async () => {
    const account = await register();
    await deliver(UserProfileUpdated, { userId: account.userId, name: 'Newest Name', locale: null, phone: null, version: 3 });
    await deliver(UserProfileUpdated, { userId: account.userId, name: 'Older Name', locale: 'pt-BR', phone: null, version: 2 });

    expect((await refresh(account)).name).toBe('Newest Name');
    expect((await h.sql('SELECT locale FROM auth.accounts WHERE id = $1', [account.userId]))[0]).toEqual({ locale: 'en' });
  });
});
