// The outbox and its relay against the real Postgres and NATS: what commits is published once, what
// rolls back never is, and a consumer handles each event once even when it is delivered again.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { DataSource } from 'typeorm';
import { createLogger } from '../src/logger';
import { openDataSource } from '../src/db/data-source';
import { appendEvent, handleOnce, OutboxTables1732000000000 } from '../src/outbox/outbox';
import { OutboxRelay } from '../src/outbox/outbox-relay';
import { on, startConsumer } from '../src/events/consumer';
import { PasswordChanged, PasswordResetRequested } from '../src/events/auth.events';
import { REDACTED } from '../src/events/redaction';
import { createEnvelope } from '../src/events/define-event';
import { subjects } from '../src/nats';
import { createTestDatabase, createTestNats, eventually, type TestDatabase, type TestNats } from '../src/testing';

const log = createLogger('test', 'silent');
let db: TestDatabase;
let nats: TestNats;
let dataSource: DataSource;
let relay: OutboxRelay;

beforeAll(async () => {
  db = await createTestDatabase();
  nats = await createTestNats();
  dataSource = await openDataSource({ url: db.url, schema: 'outbox_test', entities: [], migrations: [OutboxTables1732000000000], logger: log });
  await dataSource.query('CREATE TABLE handled (event_id uuid, at timestamptz DEFAULT now())');
  relay = new OutboxRelay(dataSource, nats.nc, nats.prefix, log, { pollIntervalMs: 100 });
  relay.start();
});
afterAll(async () => {
  await relay?.stop();
  await dataSource?.destroy();
  await nats?.cleanup();
  await db?.drop();
});

const userId = () => crypto.randomUUID();
const streamMessages = async () => (await (await import('@nats-io/jetstream')).jetstreamManager(nats.nc)).streams.info(subjects(nats.prefix).streams.events).then((i) => i.state.messages);

describe('when a change commits with its event', () => {
  test('then the event is published once, even if the relay runs again', async () => {
    const before = await streamMessages();
    await dataSource.transaction((tx) => appendEvent(tx, PasswordChanged, { userId: userId() }, { correlationId: 'c1' }));
    relay.kick();
    await eventually(async () => (await streamMessages()) === before + 1, 5000, 'the event on the stream');
    // A relay that crashed after publishing but before marking would publish again: the stream drops it.
    await dataSource.query('UPDATE outbox SET published_at = NULL');
    // A later event, relayed with the repeat; a row is marked only once the stream has answered its publish.
    await dataSource.transaction((tx) => appendEvent(tx, PasswordChanged, { userId: userId() }, { correlationId: 'c1-later' }));
    relay.kick();
    await eventually(async () => (await dataSource.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL'))[0].n === 0, 5000, 'the repeat and the later event relayed');
    expect(await streamMessages()).toBe(before + 2);
  });

  test('then an event of a rolled-back change is never published', async () => {
    const before = await streamMessages();
    await expect(dataSource.transaction(async (tx) => {
      await appendEvent(tx, PasswordChanged, { userId: userId() }, { correlationId: 'c2' });
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    await relay.flush();
    expect(await streamMessages()).toBe(before);
    expect(await dataSource.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).toEqual([{ n: 0 }]);
  });
});

describe('when a consumer handles events', () => {
  test('then a redelivered event is handled once, and a failing one is retried then dead-lettered', async () => {
    const js = jetstream(nats.nc);
    let failures = 0;
    const poison = userId();
    const consumer = await startConsumer(nats.nc, nats.prefix, {
      durable: 'outbox-test',
      filterSubject: subjects(nats.prefix).event('auth.>'),
      backoffMs: [50, 50],
      handlers: [on(PasswordChanged, async (event) => {
        if (event.payload.userId === poison) { failures++; throw new Error('cannot handle this one'); }
        await handleOnce(dataSource.manager, 'outbox-test', event.id, (tx) => tx.query('INSERT INTO handled (event_id) VALUES ($1)', [event.id]).then(() => undefined));
      })],
    }, log);
    try {
      const dlq = await js.consumers.get(subjects(nats.prefix).streams.deadLetters);
      const good = createEnvelope(PasswordChanged, { userId: userId() }, { correlationId: 'c3' });
      const subject = subjects(nats.prefix).event(PasswordChanged.type);
      await js.publish(subject, JSON.stringify(good));
      const again = await js.publish(subject, JSON.stringify(good)); // same event again, without a msgID to stop it
      await js.publish(subject, JSON.stringify(createEnvelope(PasswordChanged, { userId: poison }, { correlationId: 'c4' })));

      const dead = await dlq.next({ expires: 5000 });
      expect(dead?.json<{ payload: { userId: string } }>().payload.userId).toBe(poison);
      expect(failures).toBe(3);
      await dead?.ack();
      // Messages are handled side by side, and each is acknowledged once its handler has returned: once
      // the ack floor has passed the repeat, both copies have been handled.
      const jsm = await jetstreamManager(nats.nc);
      await eventually(async () => (await jsm.consumers.info(subjects(nats.prefix).streams.events, 'outbox-test')).ack_floor.stream_seq >= again.seq, 5000, 'the repeat acknowledged');
      expect((await dataSource.query('SELECT count(*)::int AS n FROM handled WHERE event_id = $1', [good.id]))[0].n).toBe(1);
    } finally {
      await consumer.stop();
    }
  });
});

describe('when an event that carries a secret fails for good', () => {
  test('then the dead-letter copy keeps everything but the secret', async () => {
    const js = jetstream(nats.nc);
    const consumer = await startConsumer(nats.nc, nats.prefix, {
      durable: 'secret-test',
      filterSubject: subjects(nats.prefix).event(PasswordResetRequested.type),
      backoffMs: [20],
      handlers: [on(PasswordResetRequested, async () => { throw new Error('the mail server is gone'); })],
    }, log);
    try {
      const reset = createEnvelope(PasswordResetRequested, {
        userId: userId(), email: 'someone@example.com', resetToken: 'x'.repeat(43), expiresAt: new Date().toISOString(),
      }, { correlationId: 'c5' });
      await js.publish(subjects(nats.prefix).event(PasswordResetRequested.type), JSON.stringify(reset));
      const jsm = await jetstreamManager(nats.nc);
      const deadLetters = subjects(nats.prefix).streams.deadLetters;
      const dead = await eventually(async () => {
        const info = await jsm.streams.info(deadLetters);
        for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
          const message = await jsm.streams.getMessage(deadLetters, { seq }).catch(() => null);
          if (message?.subject === subjects(nats.prefix).deadLetter('secret-test')) return message.json<{ id: string; payload: Record<string, unknown> }>();
        }
        return undefined;
      }, 10_000, 'the dead letter');
      expect(dead.id).toBe(reset.id);
      expect(dead.payload).toEqual({ ...reset.payload, resetToken: REDACTED });
    } finally {
      await consumer.stop();
    }
  });
});
