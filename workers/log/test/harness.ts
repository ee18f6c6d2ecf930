// Test support for the log worker: the running worker with its own database and NATS prefix, viewers
// of each role, and builders for request logs published as the gateway publishes them.
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { parseEnv, subjects, type RequestLog } from '@desk/shared';
import { eventually, startSubgraphHarness, testViewer, type SubgraphHarness, type TestNats } from '@desk/shared/testing';
import { startLogWorker, type RunningLogWorker } from '../src/app';
import { logEnvSchema } from '../src/env';
import { AUDIT_DURABLE, REQUESTS_DURABLE } from '../src/ingest.consumers';

export type Harness = SubgraphHarness<RunningLogWorker>;

export const startHarness = (extraEnv: Record<string, string> = {}): Promise<Harness> =>
  startSubgraphHarness('log', (env, onQuery) => startLogWorker(parseEnv(logEnvSchema, env), { onQuery }), extraEnv);

export const admin = () => testViewer(randomUUID(), ['ADMIN']);
export const agent = () => testViewer(randomUUID(), ['AGENT']);
export const customer = () => testViewer(randomUUID(), ['CUSTOMER']);

export function requestLog(fields: Partial<RequestLog> = {}): RequestLog {
  return {
    id: randomUUID(), operationName: 'Orders', operationType: 'query', durationMs: 12.5, outcome: 'success', errorCodes: [],
    userId: randomUUID(), clientName: 'web-app', clientVersion: '1.0.0', correlationId: randomUUID(), at: new Date().toISOString(),
    ...fields,
  };
}

/** Publishes as the gateway does: on the request-log subject, the log's id as the message id. */
export async function publishRequestLogs(nats: TestNats, logs: RequestLog[]): Promise<void> {
  const js = jetstream(nats.nc);
  await Promise.all(logs.map((l) => js.publish(subjects(nats.prefix).requestLog, JSON.stringify(l), { msgID: l.id })));
}

/** Waits until both consumers have acknowledged everything on their streams. */
export async function drained(nats: TestNats, timeoutMs = 10_000): Promise<void> {
  const jsm = await jetstreamManager(nats.nc);
  const s = subjects(nats.prefix);
  await eventually(async () => {
    const [requests, audit] = await Promise.all([
      jsm.consumers.info(s.streams.requests, REQUESTS_DURABLE), jsm.consumers.info(s.streams.events, AUDIT_DURABLE),
    ]);
    return requests.num_pending + requests.num_ack_pending + audit.num_pending + audit.num_ack_pending === 0;
  }, timeoutMs, 'the log consumers to acknowledge everything');
}

export const code = (r: { errors?: { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions?.code;
