// The worker killed (SIGKILL) in the middle of a burst of events and started again: no mail is lost.
// A mail the SMTP server accepted just before the kill, whose ledger commit died with the process, is
// sent again on redelivery (SMTP has no idempotent submit); such a copy carries the same Message-ID,
// so it is counted here, bounded, and recognisable downstream.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { UserRegistered, createEnvelope, subjects } from '@desk/shared';
import { createTestDatabase, createTestNats, eventually, generateInternalKeyPair, testPort, type TestDatabase, type TestNats } from '@desk/shared/testing';
import { EMAIL_CONSUMER } from '../src/email.consumer';
import { registration } from './harness';
import { createSmtpSink, type SmtpSink } from './smtp-sink';

jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..', '..', '..');
const BURST = 200;

let db: TestDatabase;
let nats: TestNats;
let sink: SmtpSink;
const children: ChildProcess[] = [];
let output = '';

beforeAll(async () => {
  db = await createTestDatabase('email_crash_test');
  nats = await createTestNats('email-crash');
  // Each message waits a little before it is accepted, so that sends are in flight when the kill comes.
  sink = await createSmtpSink({ parse: false, acceptDelayMs: 15 });
  await sink.start();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sink?.stop();
  await nats?.cleanup();
  await db?.drop();
});

function startWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/email/src/main.ts'], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) resolve();
  else child.once('exit', () => resolve());
});

test('when the worker is killed in the middle of a burst and started again, then every mail arrives, duplicates only under the same Message-ID', async () => {
  const env = {
    NODE_ENV: 'test', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(await testPort()), DATABASE_URL: db.url, NATS_URL: nats.url, NATS_PREFIX: nats.prefix,
    INTERNAL_JWT_PUBLIC_KEY: generateInternalKeyPair().publicKey, SMTP_URL: sink.url,
  };
  const js = jetstream(nats.nc);
  const expected = new Set<string>();
  for (let i = 0; i < BURST; i += 1) {
    const envelope = createEnvelope(UserRegistered, registration({ name: `User ${i}` }), { correlationId: randomUUID() });
    await js.publish(subjects(nats.prefix).event(UserRegistered.type), JSON.stringify(envelope), { msgID: envelope.id });
    expected.add(`<${envelope.id}.welcome@desk>`);
  }

  const first = startWorker(env);
  try {
    await eventually(() => sink.mails.length >= BURST / 4, 60_000, 'the first mails');
  } catch (error) {
    throw new Error(`${String(error)}\n${output}`);
  }
  first.kill('SIGKILL');
  await exited(first);
  const beforeRestart = sink.countById().size;
  expect(beforeRestart).toBeLessThan(BURST); // the kill did come in the middle

  const second = startWorker(env);
  await eventually(() => [...expected].every((id) => sink.countById().has(id)), 120_000, 'every mail after the restart')
    .catch((error) => { throw new Error(`${String(error)}; ${sink.countById().size}/${BURST} arrived\n${output}`); });
  const jsm = await jetstreamManager(nats.nc);
  await eventually(async () => {
    const info = await jsm.consumers.info(subjects(nats.prefix).streams.events, EMAIL_CONSUMER);
    return info.num_pending === 0 && info.num_ack_pending === 0;
  }, 60_000, 'the consumer to settle');
  second.kill('SIGTERM');
  await exited(second);
  expect(second.exitCode).toBe(0);

  const counts = sink.countById();
  expect([...counts.keys()].filter((id) => !expected.has(id))).toEqual([]);
  const duplicated = [...counts.entries()].filter(([, n]) => n > 1);
  // Only sends in flight at the kill can repeat: at most one per database connection (10).
  expect(duplicated.length).toBeLessThanOrEqual(10);
  expect(duplicated.every(([, n]) => n === 2)).toBe(true);
  process.stdout.write(`crash test: ${beforeRestart} mails before the kill, ${counts.size} distinct after the restart, ${duplicated.length} resent under the same Message-ID\n`);
});
