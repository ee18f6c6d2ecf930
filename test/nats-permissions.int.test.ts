// NATS with one user per service (shared/src/nats-permissions.ts): the whole platform and the email
// worker run against a nats-server of this test's own, each service with its own credentials. A
// service may publish only its own events and read only the ones it consumes.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  createEnvelope, connectNats, ensureStreams, parseEnv, subjects, UserRolesChanged,
  type NatsClientName, type NatsConnection,
} from '@desk/shared';
import { eventually, testPort, uniqueName, type TestNats } from '@desk/shared/testing';
import { Pool } from 'pg';
import { fetch } from 'undici';
import { emailEnvSchema } from '../workers/email/src/env';
import { startEmailWorker, type RunningEmailWorker } from '../workers/email/src/app';
import { startAuthenticatedNats, type AuthenticatedNats } from './support/nats-server';
import { ADMIN, ops, registerCustomer, startPlatform, type Platform } from './support/platform';

const prefix = uniqueName('natsauth');
const s = subjects(prefix);
let server: AuthenticatedNats;
let platform: Platform;
let email: RunningEmailWorker;
let pool: Pool;
const connections: NatsConnection[] = [];

/** A connection with one service's credentials, as that service makes it. */
async function connectAs(name: NatsClientName): Promise<NatsConnection> {
  const nc = await connectNats(server.url, `test-as-${name}`, { user: name, password: server.passwords[name] });
  connections.push(nc);
  return nc;
}

beforeAll(async () => {
  server = await startAuthenticatedNats(prefix);
  const streams = await connectNats(server.url, 'test-streams', { user: 'streams', password: server.passwords.streams });
  await ensureStreams(streams, prefix);
  const nats: TestNats = { url: server.url, prefix, nc: streams, cleanup: async () => { await streams.close(); await server.stop(); } };
  platform = await startPlatform({ nats, natsCredentials: (name) => server.credentials(name), gatewayEnv: { NATS_CREDENTIALS: server.credentials('gateway') } });
  email = await startEmailWorker(parseEnv(emailEnvSchema, {
    NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: platform.db.url, NATS_URL: server.url, NATS_PREFIX: prefix,
    NATS_CREDENTIALS: server.credentials('email'), INTERNAL_JWT_PUBLIC_KEY: platform.internalKeys.publicKey, PORT: String(await testPort()),
  }));
  pool = new Pool({ connectionString: platform.db.url, max: 2 });
}, 180_000);

afterAll(async () => {
  await Promise.all(connections.map((nc) => nc.close()));
  await pool?.end();
  await email?.stop();
  await platform?.stop();
});

/** Resolves when `attempt` failed because NATS refused the subject (the client may wrap that in a request error). */
async function refused(attempt: Promise<unknown>): Promise<void> {
  const error = await attempt.then(() => null, (e: unknown) => e as Error & { cause?: Error });
  expect(error).not.toBeNull();
  expect(`${error?.name}: ${error?.message} / ${error?.cause?.name}: ${error?.cause?.message}`).toMatch(/PermissionViolationError: Permissions Violation/);
}

const caughtMails = async (to: string): Promise<{ subject: string; text: string }[]> => {
  const mails = await (await fetch(`${email.url}/mails.json?limit=100`)).json() as { to: string; subject: string; text: string }[];
  return mails.filter((m) => m.to.includes(to));
};

describe('when the platform runs with one NATS user per service', () => {
  test('then a registration reaches the email worker through NATS, and a password reset mails its link', async () => {
    const customer = await registerCustomer(platform);
    await eventually(async () => (await caughtMails(customer.email)).length > 0, 15_000, 'the welcome mail');
    expect((await platform.gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: customer.email })).data?.requestPasswordReset).toBe(true);
    const mails = await eventually(async () => {
      const all = await caughtMails(customer.email);
      return all.length > 1 ? all : undefined;
    }, 15_000, 'the reset mail');
    expect(mails.map((m) => m.text).join('\n')).toMatch(/token=/);
  });
});

describe('when a service other than the user service publishes user.roles-changed', () => {
  test('then NATS refuses it, and the auth subgraph applies only the user service\'s later change', async () => {
    const customer = await registerCustomer(platform);
    const forged = createEnvelope(UserRolesChanged, { userId: customer.id, roles: ['ADMIN'], previousRoles: ['CUSTOMER'] }, { correlationId: 'forged' });
    for (const impostor of ['ticket', 'order'] as const) {
      const nc = await connectAs(impostor);
      await refused(jetstream(nc).publish(s.event(UserRolesChanged.type), JSON.stringify(forged), { msgID: forged.id }));
    }

    // The user service's own change, published after the forged one through its outbox.
    const adminToken = (await platform.gql(ops.login, { email: ADMIN.email, password: ADMIN.password })).data!.login.accessToken;
    const changed = await platform.gql('mutation($u: ID!) { setUserRoles(userId: $u, roles: [AGENT]) { roles } }', { u: customer.id }, { token: adminToken });
    expect(changed.data?.setUserRoles.roles).toEqual(['AGENT']);
    await eventually(async () => {
      const login = await platform.gql(ops.login, { email: customer.email, password: customer.password });
      return login.data?.login.user.roles.includes('AGENT');
    }, 15_000, 'the roles change reaching auth');

    const account = await pool.query('SELECT roles, roles_version FROM auth.accounts WHERE id = $1', [customer.id]);
    expect(account.rows[0].roles).toEqual(['AGENT']);
    const seen = await pool.query('SELECT 1 FROM auth.inbox WHERE event_id = $1', [forged.id]);
    expect(seen.rowCount).toBe(0);
  });

  test('then the user service itself may publish it', async () => {
    const nc = await connectAs('user');
    const event = createEnvelope(UserRolesChanged, { userId: (await registerCustomer(platform)).id, roles: ['AGENT'], previousRoles: ['CUSTOMER'] }, { correlationId: 'allowed' });
    const ack = await jetstream(nc).publish(s.event(UserRolesChanged.type), JSON.stringify(event), { msgID: event.id });
    expect(ack.stream).toBe(s.streams.events);
  });
});

describe('when a service tries to read events it does not consume (a password-reset token)', () => {
  const reset = () => s.event('auth.password-reset-requested');

  test('then it may not subscribe to their subject, nor to another service\'s inbox', async () => {
    const nc = await connectAs('ticket');
    for (const subject of [reset(), s.eventsAll, '_INBOX.>', '_INBOX_email.>']) {
      const sub = nc.subscribe(subject);
      await refused((async () => { for await (const _ of sub) { /* nothing may arrive */ } })());
    }
  });

  test('then it may not make a consumer that reads them, nor pull from the email worker\'s', async () => {
    const nc = await connectAs('ticket');
    const jsm = await jetstreamManager(nc);
    await refused(jsm.consumers.add(s.streams.events, { durable_name: 'ticket-known-users', filter_subject: reset() }));
    await refused(jsm.consumers.add(s.streams.events, { durable_name: 'ticket-known-users', filter_subject: s.eventsAll }));
    await refused(jetstream(nc).consumers.get(s.streams.events, 'email-worker'));

    // Its own consumer's create subject, with a wider filter in the request body: the server holds it to the subject's.
    const own = `$JS.API.CONSUMER.CREATE.${s.streams.events}.ticket-known-users.${s.event('auth.user-registered')}`;
    const answer = await nc.request(own, JSON.stringify({ stream_name: s.streams.events, config: { durable_name: 'ticket-known-users', filter_subject: s.eventsAll, ack_policy: 'explicit' } }));
    expect(answer.json<{ error?: { code: number } }>().error?.code).toBe(400);
  });

  test('then the gateway, which names its own short-lived consumers, may not read them either', async () => {
    const nc = await connectAs('gateway');
    await refused(jetstream(nc).consumers.get(s.streams.events, { filter_subjects: reset() }));
    await refused(jetstream(nc).consumers.get(s.streams.events, 'email-worker'));
  });
});
