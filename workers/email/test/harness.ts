// Test support for the email worker: the running worker on its own database and NATS prefix, an SMTP
// sink (or the development catcher), event builders, and a wait for the consumer to have handled
// everything published so far.
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { parseEnv, subjects, UserRegistered, type PayloadOf } from '@desk/shared';
import { eventually, startSubgraphHarness, type SubgraphHarness } from '@desk/shared/testing';
import { startEmailWorker, type EmailWorkerHooks, type RunningEmailWorker } from '../src/app';
import { EMAIL_CONSUMER } from '../src/email.consumer';
import { emailEnvSchema } from '../src/env';

export type Harness = SubgraphHarness<RunningEmailWorker>;

/** Short delays and many tries: a test waits seconds, not minutes, for a retried event. */
export const FAST_BACKOFF = [100, 200, 400, 800, ...Array<number>(40).fill(1_000)];

export const startHarness = (extraEnv: Record<string, string>, hooks: EmailWorkerHooks = { backoffMs: FAST_BACKOFF }): Promise<Harness> =>
  startSubgraphHarness('email', (env, onQuery) => startEmailWorker(parseEnv(emailEnvSchema, env), { onQuery, ...hooks }), { APP_URL: 'http://app.test', ...extraEnv });

export function registration(fields: Partial<PayloadOf<typeof UserRegistered>> = {}): PayloadOf<typeof UserRegistered> {
  const userId = fields.userId ?? randomUUID();
  return {
    userId, email: `user-${userId.slice(0, 8)}@example.test`, name: 'Ana Souza', roles: ['CUSTOMER'], guest: false, locale: 'en',
    registeredAt: new Date().toISOString(), ...fields,
  };
}

/** Waits until the worker's consumer has handled (acked or given up on) every event published so far. */
export async function consumerSettled(h: Harness, timeoutMs = 20_000): Promise<void> {
  const s = subjects(h.nats.prefix);
  const jsm = await jetstreamManager(h.nats.nc);
  await eventually(async () => {
    const stream = await jsm.streams.info(s.streams.events);
    const info = await jsm.consumers.info(s.streams.events, EMAIL_CONSUMER);
    return info.num_pending === 0 && info.num_ack_pending === 0 && info.ack_floor.stream_seq >= stream.state.last_seq;
  }, timeoutMs, 'the email consumer to handle every event');
}

export async function ledger(h: Harness, eventId: string): Promise<{ kind: string; status: string; recipient: string; error: string | null; message_id: string }[]> {
  return h.sql('SELECT kind, status, recipient, error, message_id FROM email.sent_mails WHERE event_id = $1', [eventId]);
}
