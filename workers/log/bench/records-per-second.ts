// Throughput of the log worker: how many request logs per second it persists. Not a test: run with
// `npx tsx workers/log/bench/records-per-second.ts [count]` against the local Postgres and NATS.
// The logs are published first with the worker stopped, so the figure is the worker's own rate, not
// the publisher's; the database and the NATS prefix are removed afterwards.
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { parseEnv, subjects, type RequestLog } from '@desk/shared';
import { createTestDatabase, createTestNats, generateInternalKeyPair, testPort } from '@desk/shared/testing';
import { Pool } from 'pg';
import { startLogWorker } from '../src/app';
import { logEnvSchema } from '../src/env';

const COUNT = Number(process.argv[2] ?? 100_000);

async function main() {
  const db = await createTestDatabase('log_bench');
  const nats = await createTestNats('logbench');
  const pool = new Pool({ connectionString: db.url, max: 1 });
  try {
    const env = parseEnv(logEnvSchema, {
      NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(await testPort()), DATABASE_URL: db.url, NATS_URL: nats.url, NATS_PREFIX: nats.prefix,
      INTERNAL_JWT_PUBLIC_KEY: generateInternalKeyPair().publicKey,
    });
    // Started once so that the schema and the durable consumers exist, then stopped while publishing.
    await (await startLogWorker(env)).stop();

    const js = jetstream(nats.nc);
    const subject = subjects(nats.prefix).requestLog;
    const publishStart = performance.now();
    for (let i = 0; i < COUNT; i += 1_000) {
      await Promise.all(Array.from({ length: Math.min(1_000, COUNT - i) }, () => {
        const log: RequestLog = {
          id: randomUUID(), operationName: 'Orders', operationType: 'query', durationMs: Math.random() * 50, outcome: 'success', errorCodes: [],
          userId: randomUUID(), clientName: 'bench', clientVersion: '1.0.0', correlationId: randomUUID(), at: new Date().toISOString(),
        };
        return js.publish(subject, JSON.stringify(log), { msgID: log.id });
      }));
    }
    console.log(`published ${COUNT} request logs in ${((performance.now() - publishStart) / 1000).toFixed(1)} s`);

    const start = performance.now();
    const worker = await startLogWorker(env);
    let stored = 0;
    while (stored < COUNT) {
      await new Promise((r) => setTimeout(r, 50));
      stored = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM logs.request_logs')).rows[0].n;
    }
    const seconds = (performance.now() - start) / 1000;
    console.log(`persisted ${COUNT} request logs in ${seconds.toFixed(2)} s (including start-up): ${Math.round(COUNT / seconds)} records/s`
      + ` (batch ${env.LOG_BATCH_SIZE}, wait ${env.LOG_BATCH_WAIT_MS} ms)`);
    await worker.stop();
  } finally {
    await pool.end();
    await nats.cleanup();
    await db.drop();
  }
}

main().catch((error) => { console.error(error); process.exit(1); });
