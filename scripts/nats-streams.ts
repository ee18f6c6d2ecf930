// Creates or updates the JetStream streams as the NATS user `streams`, the only one allowed to: run
// once before the services start, where they connect with their own credentials (Compose's one-shot
// `nats-streams` service; a Job or an init container in Kubernetes). Services without credentials
// (a development server that accepts anyone) keep making the streams themselves.
// Environment: NATS_URL, NATS_PREFIX, NATS_CREDENTIALS (`streams:<password>` or file:/path).
import { z } from 'zod';
import { connectNats, ensureStreams, loadEnv, natsCredentials } from '../shared/src';

const env = loadEnv(z.object({
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  NATS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('desk'),
  NATS_CREDENTIALS: natsCredentials,
}));

async function main(): Promise<void> {
  const nc = await connectNats(env.NATS_URL, 'streams', env.NATS_CREDENTIALS);
  try {
    await ensureStreams(nc, env.NATS_PREFIX);
    process.stdout.write(`streams of ${env.NATS_PREFIX} are ready\n`);
  } finally {
    await nc.close();
  }
}

main().catch((error) => { process.stderr.write(`${(error as Error).stack ?? String(error)}\n`); process.exit(1); });
