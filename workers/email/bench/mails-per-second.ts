// Benchmark (not a test): N registration events waiting on the stream, then the worker started against
// a local SMTP sink running in its own process; prints how many mails per second reach the sink.
//   npx tsx workers/email/bench/mails-per-second.ts [N=2000]
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { UserRegistered, createEnvelope, parseEnv, subjects } from '@desk/shared';
import { createTestDatabase, createTestNats, generateInternalKeyPair, testPort } from '@desk/shared/testing';
import { startEmailWorker } from '../src/app';
import { emailEnvSchema } from '../src/env';
import { registration } from '../test/harness';

type SinkMessage = { type: 'ready'; url: string } | { type: 'count'; count: number; distinct: number };

async function main(): Promise<void> {
  const n = Number.parseInt(process.argv[2] ?? '2000', 10);
  const db = await createTestDatabase('email_bench');
  const nats = await createTestNats('email-bench');
  const sink = fork(path.join(__dirname, 'sink-process.ts'), [], { execArgv: ['--import', 'tsx'] });
  let received = { count: 0, distinct: 0 };
  const url = await new Promise<string>((resolve) => sink.on('message', (m: SinkMessage) => {
    if (m.type === 'ready') resolve(m.url); else received = m;
  }));
  try {
    const js = jetstream(nats.nc);
    const subject = subjects(nats.prefix).event(UserRegistered.type);
    for (let i = 0; i < n; i += 200) {
      await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => {
        const envelope = createEnvelope(UserRegistered, registration(), { correlationId: randomUUID() });
        return js.publish(subject, JSON.stringify(envelope), { msgID: envelope.id });
      }));
    }
    const env = parseEnv(emailEnvSchema, {
      NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(await testPort()), DATABASE_URL: db.url, NATS_URL: nats.url, NATS_PREFIX: nats.prefix,
      INTERNAL_JWT_PUBLIC_KEY: generateInternalKeyPair().publicKey, SMTP_URL: url,
    });
    const worker = await startEmailWorker(env);
    const started = performance.now();
    const cpu = process.cpuUsage();
    while (received.count < n) {
      if (performance.now() - started > 300_000) throw new Error(`only ${received.count}/${n} mails after 5 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    await worker.stop();
    process.stdout.write(`${n} mails in ${seconds.toFixed(2)} s: ${Math.round(n / seconds)} mails/s `
      + `(distinct Message-IDs: ${received.distinct}; the worker used ${Math.round((used.user + used.system) / 10_000 / seconds)}% of one core)\n`);
  } finally {
    sink.disconnect();
    await nats.cleanup();
    await db.drop();
  }
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
