// Registration, login, sessions and their end, as a client sees them through the gateway.
import { jetstream } from '@nats-io/jetstream';
import { decodeJwt } from 'jose';
import { subjects, PasswordResetRequested } from '@desk/shared';
import { ADMIN, newCustomer, ops, postGraphQL, registerCustomer, startExtraGateway, startPlatform, type Platform } from './support/platform';

let platform: Platform;
beforeAll(async () => { platform = await startPlatform(); });
afterAll(() => platform?.stop());

describe('when a customer registers', () => {
  test('then the response holds the complete user and a working session', async () => {
    const input = newCustomer({ email: '  Mixed.Case@Example.com ' });
    const result = await platform.gql(ops.register, { input });
    expect(result.errors).toBeUndefined();
    const payload = result.data!.register;
    expect(payload.user).toEqual({ id: expect.any(String), email: 'mixed.case@example.com', name: input.name, roles: ['CUSTOMER'], createdAt: expect.any(String) });
    expect(payload.expiresIn).toBe(900);
    const me = await platform.gql(ops.me, {}, { token: payload.accessToken });
    expect(me.data?.me).toMatchObject({ id: payload.user.id, email: 'mixed.case@example.com' });
  });

  test('then registering the same email again is refused and creates nothing', async () => {
    const input = newCustomer();
    await registerCustomer(platform, input);
    const again = await platform.gql(ops.register, { input: { ...input, email: input.email.toUpperCase() } });
    expect(again.errors?.[0]?.extensions?.code).toBe('EMAIL_TAKEN');
    expect(again.data?.register ?? null).toBeNull();
  });

  test.each([
    ['a malformed email', { email: 'not-an-email' }, 'email'],
    ['a short password', { password: 'short' }, 'password'],
    ['an empty name', { name: '   ' }, 'name'],
  ])('then %s is refused with BAD_USER_INPUT', async (_case, override, field) => {
    const result = await platform.gql(ops.register, { input: { ...newCustomer(), ...override } });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });
});

describe('when a customer signs in', () => {
  test('then good credentials give a session and bad ones a stable error', async () => {
    const customer = await registerCustomer(platform);
    const ok = await platform.gql(ops.login, { email: customer.email, password: customer.password });
    expect(ok.data?.login.user).toMatchObject({ id: customer.id, roles: ['CUSTOMER'] });
    const bad = await platform.gql(ops.login, { email: customer.email, password: 'wrong password!' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
    const unknown = await platform.gql(ops.login, { email: 'nobody@example.com', password: 'wrong password!' });
    expect(unknown.errors?.[0]).toMatchObject({ message: bad.errors?.[0]?.message, extensions: { code: 'INVALID_CREDENTIALS' } });
  });

  test('then repeated guessing is throttled, even with the right password afterwards', async () => {
    const customer = await registerCustomer(platform);
    for (let i = 0; i < 5; i++) {
      const attempt = await platform.gql(ops.login, { email: customer.email, password: `guess number ${i}` });
      expect(attempt.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
    }
    const blocked = await platform.gql(ops.login, { email: customer.email, password: customer.password });
    expect(blocked.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
  });

  test('then guesses from other addresses never keep the owner out', async () => {
    const customer = await registerCustomer(platform);
    for (let i = 1; i <= 8; i++) {
      const attempt = await platform.gql(ops.login, { email: customer.email, password: `guess number ${i}` }, { from: `127.0.1.${i}` });
      expect(attempt.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
    }
    const owner = await platform.gql(ops.login, { email: customer.email, password: customer.password }, { from: '127.0.2.1' });
    expect(owner.errors).toBeUndefined();
    expect(owner.data?.login.user.id).toBe(customer.id);
  });

  test('then guessing across many accounts from one address is throttled too', async () => {
    const strict = await startPlatform({ authEnv: { LOGIN_MAX_FAILURES_PER_ADDRESS: '3' } });
    try {
      const victim = await registerCustomer(strict);
      for (let i = 0; i < 3; i++) {
        const attempt = await strict.gql(ops.login, { email: `someone${i}@example.com`, password: 'a guessed password' });
        expect(attempt.errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
      }
      const blocked = await strict.gql(ops.login, { email: victim.email, password: victim.password });
      expect(blocked.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    } finally {
      await strict.stop();
    }
  });

  test('then a burst of parallel guesses cannot slip past the limit', async () => {
    const customer = await registerCustomer(platform);
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => platform.gql(ops.login, { email: customer.email, password: `parallel guess ${i}` })));
    const codes = burst.map((r) => r.errors?.[0]?.extensions?.code);
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS').length).toBeLessThanOrEqual(5);
    expect(codes.every((c) => c === 'INVALID_CREDENTIALS' || c === 'RATE_LIMITED')).toBe(true);
  });

  test('then the first admin from ADMIN_EMAIL can sign in with the ADMIN role', async () => {
    const admin = await platform.gql(ops.login, { email: ADMIN.email, password: ADMIN.password });
    expect(admin.data?.login.user.roles).toEqual(['ADMIN']);
  });
});

describe('when a customer looks at where they are signed in', () => {
  test('then me lists their open sessions, newest first, the one of this token marked current', async () => {
    const customer = await registerCustomer(platform);
    const second = (await platform.gql(ops.login, { email: customer.email, password: customer.password })).data!.login;
    const result = await platform.gql('{ me { name sessions { id current } } }', {}, { token: customer.accessToken });
    expect(result.errors).toBeUndefined();
    expect(result.data?.me).toEqual({
      name: customer.name,
      sessions: [{ id: decodeJwt(second.accessToken).sid, current: false }, { id: decodeJwt(customer.accessToken).sid, current: true }],
    });
  });
});

describe('when a session is refreshed', () => {
  test('then the refresh token rotates, and replaying the old one ends the whole family', async () => {
    const customer = await registerCustomer(platform);
    const first = await platform.gql(ops.refresh, { token: customer.refreshToken });
    const rotated = first.data!.refreshSession;
    expect(rotated.refreshToken).not.toBe(customer.refreshToken);
    expect((await platform.gql(ops.me, {}, { token: rotated.accessToken })).data?.me?.id).toBe(customer.id);

    const replay = await platform.gql(ops.refresh, { token: customer.refreshToken });
    expect(replay.errors?.[0]?.extensions?.code).toBe('INVALID_TOKEN');
    const afterReuse = await platform.gql(ops.refresh, { token: rotated.refreshToken });
    expect(afterReuse.errors?.[0]?.extensions?.code).toBe('INVALID_TOKEN');
    // The family's access tokens stop working too, once the revocation reaches the gateway.
    await expectRefusedWithin(rotated.accessToken, 1000);
  });

  test.each([
    ['garbage', 'not a token'],
    ['a well-formed token nobody issued', 'A'.repeat(43)],
  ])('then %s is INVALID_TOKEN', async (_case, token) => {
    const result = await platform.gql(ops.refresh, { token });
    expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_TOKEN');
  });
});

async function expectRefusedWithin(token: string, ms: number, url = platform.gatewayUrl) {
  const started = Date.now();
  for (;;) {
    const me = await postGraphQL<{ me: { id: string } | null }>(url, ops.me, {}, { token });
    if (me.status === 401 && me.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED') return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`token still accepted after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('when a customer logs out', () => {
  test('then the access token is refused within one second, and the refresh token is dead', async () => {
    const customer = await registerCustomer(platform);
    expect((await platform.gql(ops.me, {}, { token: customer.accessToken })).data?.me?.id).toBe(customer.id);
    const out = await platform.gql(ops.logout, {}, { token: customer.accessToken });
    expect(out.data?.logout).toBe(true);
    await expectRefusedWithin(customer.accessToken, 1000);
    const refresh = await platform.gql(ops.refresh, { token: customer.refreshToken });
    expect(refresh.errors?.[0]?.extensions?.code).toBe('INVALID_TOKEN');
  });

  test('then other sessions of the same customer keep working', async () => {
    const customer = await registerCustomer(platform);
    const second = (await platform.gql(ops.login, { email: customer.email, password: customer.password })).data!.login;
    await platform.gql(ops.logout, { token: customer.refreshToken });
    await expectRefusedWithin(customer.accessToken, 1000);
    expect((await platform.gql(ops.me, {}, { token: second.accessToken })).data?.me?.id).toBe(customer.id);
  });

  test('then every gateway replica refuses the session, including one started afterwards', async () => {
    const other = await startExtraGateway(platform, {});
    try {
      const customer = await registerCustomer(platform);
      expect((await postGraphQL<{ me: { id: string } }>(other.url, ops.me, {}, { token: customer.accessToken })).data?.me?.id).toBe(customer.id);
      await platform.gql(ops.logout, {}, { token: customer.accessToken });
      await expectRefusedWithin(customer.accessToken, 1000, other.url);
      await expectRefusedWithin(customer.accessToken, 1000);
      const late = await startExtraGateway(platform, {});
      try {
        const me = await postGraphQL(late.url, ops.me, {}, { token: customer.accessToken });
        expect(me.status).toBe(401);
      } finally {
        await late.stop();
      }
    } finally {
      await other.stop();
    }
  });

  test('then another customer\'s refresh token cannot end their session', async () => {
    const owner = await registerCustomer(platform);
    const other = await registerCustomer(platform);
    const result = await platform.gql(ops.logout, { token: owner.refreshToken }, { token: other.accessToken });
    expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_TOKEN');
    expect((await platform.gql(ops.refresh, { token: owner.refreshToken })).data?.refreshSession.user.id).toBe(owner.id);
  });

  test('then logging out with no session at all is UNAUTHENTICATED', async () => {
    const result = await platform.gql(ops.logout);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('when a guest starts a session', () => {
  test('then it is an anonymous customer with no email', async () => {
    const result = await platform.gql('mutation { startGuestSession { accessToken user { id email name roles } } }');
    const guest = result.data!.startGuestSession;
    expect(guest.user).toMatchObject({ email: null, roles: ['CUSTOMER'] });
    expect((await platform.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: 'guest@example.com' })).data?.requestPasswordReset).toBe(true);
    const me = await platform.gql('{ me { id guest } }', {}, { token: guest.accessToken });
    expect(me.data?.me ?? null).not.toBeNull();
  });
});

describe('when a customer forgets the password', () => {
  test('then the emailed token resets it once, and old sessions end', async () => {
    const customer = await registerCustomer(platform);
    const js = jetstream(platform.nats.nc);
    const consumer = await js.consumers.get(subjects(platform.nats.prefix).streams.events, { filter_subjects: subjects(platform.nats.prefix).event(PasswordResetRequested.type) });
    const messages = await consumer.consume();

    expect((await platform.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: customer.email })).data?.requestPasswordReset).toBe(true);
    expect((await platform.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: 'nobody@example.com' })).data?.requestPasswordReset).toBe(true);

    let token = '';
    for await (const msg of messages) {
      const event = msg.json<{ payload: { email: string; resetToken: string } }>();
      if (event.payload.email === customer.email) { token = event.payload.resetToken; break; }
    }
    await messages.close();

    const reset = 'mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }';
    expect((await platform.gql(reset, { t: token, p: 'short' })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await platform.gql(reset, { t: token, p: 'a brand new password' })).data?.resetPassword).toBe(true);
    expect((await platform.gql(reset, { t: token, p: 'another new password' })).errors?.[0]?.extensions?.code).toBe('INVALID_TOKEN');

    expect((await platform.gql(ops.login, { email: customer.email, password: customer.password })).errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
    expect((await platform.gql(ops.login, { email: customer.email, password: 'a brand new password' })).data?.login.user.id).toBe(customer.id);
    expect((await platform.gql(ops.refresh, { token: customer.refreshToken })).errors?.[0]?.extensions?.code).toBe('INVALID_TOKEN');
  });
});
