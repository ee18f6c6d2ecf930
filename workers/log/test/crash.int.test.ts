// The log worker killed in the middle of a burst (SIGKILL: no clean stop, batches half written or
// written but not acknowledged) and started again stores every record exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createEnvelope, defineEvent, subjects } from '@desk/shared';
import { createTestDatabase, createTestNats, eventually, generateInternalKeyPair, testPort, type TestDatabase, type TestNats } from '@desk/shared/testing';
import { Pool } from 'pg';
import { z } from 'zod';
import { REQUESTS_DURABLE } from '../src/ingest.consumers';
import { requestLog } from './harness';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const LOGS = 4_000;
const EVENTS = 1_000;
const Noted = defineEvent({ type: 'ticket.noted', version: 1, schema: z.object({ n: z.number().int() }) });

let db: TestDatabase;
let nats: TestNats;
let pool: Pool;
let port: number;
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase('log_crash_test');
  nats = await createTestNats('logcrash');
  pool = new Pool({ connectionString: db.url, max: 2 });
  port = await testPort();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await pool?.end();
  await nats?.cleanup();
  await db?.drop();
});

const keys = generateInternalKeyPair();

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/log/src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'error', PORT: String(port), DATABASE_URL: db.url, NATS_URL: nats.url, NATS_PREFIX: nats.prefix,
      INTERNAL_JWT_PUBLIC_KEY: keys.publicKey,
      // Small batches make many commits, so the kill lands between some of them; a short ack wait
      // brings the unacknowledged messages back soon after the restart.
      LOG_BATCH_SIZE: '100', LOG_BATCH_WAIT_MS: '50', LOG_ACK_WAIT_MS: '2000',
    },
  });
  children.push(child);
  return child;
}

const stored = async () => {
  const { rows } = await pool.query<{ logs: number; events: number }>(
    `SELECT (SELECT count(*)::int FROM logs.request_logs) AS logs, (SELECT count(*)::int FROM logs.audit_events) AS events`,
  );
  return rows[0];
};

describe('when the worker is killed in the middle of a burst and started again', () => {
  test('then every request log and event is stored exactly once', async () => {
    const first = startWorker();
    const jsm = await jetstreamManager(nats.nc);
    await eventually(() => jsm.consumers.info(subjects(nats.prefix).streams.requests, REQUESTS_DURABLE).then(() => true), 30_000, 'the worker to start');

    const js = jetstream(nats.nc);
    const s = subjects(nats.prefix);
    const logs = Array.from({ length: LOGS }, () => requestLog());
    const events = Array.from({ length: EVENTS }, (_, n) => createEnvelope(Noted, { n }, { correlationId: randomUUID() }));
    const publishing = (async () => {
      for (let i = 0; i < LOGS; i += 250) {
        await Promise.all(logs.slice(i, i + 250).map((l) => js.publish(s.requestLog, JSON.stringify(l), { msgID: l.id })));
        const e = events.slice((i / LOGS) * EVENTS, ((i + 250) / LOGS) * EVENTS);
        await Promise.all(e.map((ev) => js.publish(s.event(ev.type), JSON.stringify(ev), { msgID: ev.id })));
      }
    })();

    await eventually(async () => (await stored()).logs >= 300, 30_000, 'some logs to be stored');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const atKill = await stored();
    await publishing;
    // Otherwise the worker finished before the kill and this test would prove nothing.
    expect(atKill.logs + atKill.events).toBeLessThan(LOGS + EVENTS);

    startWorker();
    await eventually(async () => { const n = await stored(); return n.logs === LOGS && n.events === EVENTS; }, 45_000, 'every record');
    const { rows } = await pool.query<{ id: string }>('SELECT id FROM logs.request_logs');
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(logs.map((l) => l.id)));
    const { rows: eventRows } = await pool.query<{ id: string }>('SELECT id FROM logs.audit_events');
    expect(new Set(eventRows.map((r) => r.id))).toEqual(new Set(events.map((e) => e.id)));
  }, 120_000);
});
