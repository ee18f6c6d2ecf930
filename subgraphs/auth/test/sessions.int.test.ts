// `User.sessions`: the auth subgraph resolves User references to list an account's open sessions,
// called through `_entities` as the gateway calls it.
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { anonymousViewer, parseEnv, type Viewer } from '@desk/shared';
import { startSubgraphHarness, testViewer, type SubgraphHarness } from '@desk/shared/testing';
import { startAuthService, type RunningAuthService } from '../src/app';
import { authEnvSchema } from '../src/env';

type Harness = SubgraphHarness<RunningAuthService>;

const SESSIONS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id sessions { id createdAt expiresAt ip current } } } }`;
const PASSWORD = 'a long enough password';

let h: Harness;
beforeAll(async () => {
  h = await startSubgraphHarness('auth', (env, onQuery) => startAuthService(parseEnv(authEnvSchema, env), { onQuery }));
});
afterAll(() => h?.stop());

interface SignedIn { userId: string; sessionId: string; refreshToken: string; viewer: Viewer; }

/** What the gateway would hand the subgraphs for this access token. */
function signedIn(payload: { accessToken: string; refreshToken: string; user: { id: string } }): SignedIn {
  const sessionId = String(decodeJwt(payload.accessToken).sid);
  return { userId: payload.user.id, sessionId, refreshToken: payload.refreshToken, viewer: { ...testViewer(payload.user.id), sessionId } };
}

async function register(ip: string): Promise<SignedIn & { email: string }> {
  const email = `person-${randomUUID().slice(0, 8)}@example.com`;
  const result = await h.gql('mutation($i: RegisterInput!) { register(input: $i) { accessToken refreshToken user { id } } }', {
    i: { email, password: PASSWORD, name: 'Session Person' },
  }, anonymousViewer(randomUUID(), ip));
  if (!result.data?.register) throw new Error(JSON.stringify(result.errors));
  return { ...signedIn(result.data.register), email };
}

async function login(email: string, ip: string): Promise<SignedIn> {
  const result = await h.gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken user { id } } }', {
    e: email, p: PASSWORD,
  }, anonymousViewer(randomUUID(), ip));
  if (!result.data?.login) throw new Error(JSON.stringify(result.errors));
  return signedIn(result.data.login);
}

async function sessionsOf(userIds: string[], viewer: Viewer): Promise<{ id: string; sessions: Record<string, unknown>[] }[]> {
  const result = await h.gql(SESSIONS, { r: userIds.map((id) => ({ __typename: 'User', id })) }, viewer);
  expect(result.errors).toBeUndefined();
  return result.data!._entities;
}

describe('when a customer asks for their own sessions', () => {
  test('then the open ones are listed newest first, and the one of their token is current', async () => {
    const first = await register('203.0.113.1');
    const second = await login(first.email, '203.0.113.2');
    const third = await login(first.email, '203.0.113.3');

    const [user] = await sessionsOf([first.userId], second.viewer);

    expect(user.id).toBe(first.userId);
    expect(user.sessions).toEqual([
      { id: third.sessionId, createdAt: expect.any(String), expiresAt: expect.any(String), ip: '203.0.113.3', current: false },
      { id: second.sessionId, createdAt: expect.any(String), expiresAt: expect.any(String), ip: '203.0.113.2', current: true },
      { id: first.sessionId, createdAt: expect.any(String), expiresAt: expect.any(String), ip: '203.0.113.1', current: false },
    ]);
    const [newest] = user.sessions as { createdAt: string; expiresAt: string }[];
    expect(Date.parse(newest.expiresAt)).toBeGreaterThan(Date.parse(newest.createdAt));
  });

  test('then a logged-out session and an expired one are not listed', async () => {
    const kept = await register('203.0.113.10');
    const loggedOut = await login(kept.email, '203.0.113.11');
    const expired = await login(kept.email, '203.0.113.12');
    const logout = await h.gql('mutation($t: String) { logout(refreshToken: $t) }', { t: loggedOut.refreshToken }, loggedOut.viewer);
    expect(logout.data?.logout).toBe(true);
    await h.sql("UPDATE auth.sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [expired.sessionId]);

    const [user] = await sessionsOf([kept.userId], kept.viewer);

    expect(user.sessions.map((s) => s.id)).toEqual([kept.sessionId]);
  });
});

describe('when someone else asks for a user\'s sessions', () => {
  test('then another customer gets an empty list, and an admin sees them all', async () => {
    const owner = await register('203.0.113.20');
    const stranger = await register('203.0.113.21');

    const [asStranger] = await sessionsOf([owner.userId], stranger.viewer);
    const [asAdmin] = await sessionsOf([owner.userId], testViewer(randomUUID(), ['ADMIN']));
    const [asAnonymous] = await sessionsOf([owner.userId], anonymousViewer());

    expect(asStranger.sessions).toEqual([]);
    expect(asAnonymous.sessions).toEqual([]);
    expect(asAdmin.sessions).toEqual([expect.objectContaining({ id: owner.sessionId, ip: '203.0.113.20', current: false })]);
  });
});

describe('when an admin asks for the sessions of many users at once', () => {
  test('then one SQL statement loads them all', async () => {
    const users = await Promise.all(['203.0.113.30', '203.0.113.31', '203.0.113.32', '203.0.113.33'].map(register));
    h.queries.length = 0;

    const listed = await sessionsOf(users.map((u) => u.userId), testViewer(randomUUID(), ['ADMIN']));

    expect(listed.map((u) => u.sessions.map((s) => s.id))).toEqual(users.map((u) => [u.sessionId]));
    expect(h.queries.filter((q) => /\bsessions\b/.test(q))).toHaveLength(1);
  });
});
