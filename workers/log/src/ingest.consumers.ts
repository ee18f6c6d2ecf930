// The two streams the log worker persists: the gateway's request logs and every domain event (the
// audit trail). Each message is validated against its contract; event payloads are redacted here,
// before anything is written.
import type { JsMsg } from '@nats-io/jetstream';
import { envelopeSchema, redact, requestLogSchema, subjects, type Logger, type NatsConnection } from '@desk/shared';
import type { AuditEventRepository } from './audit-event.repository';
import { startBatchConsumer, type RunningBatchConsumer } from './batch-consumer';
import type { AuditEventRecord, RequestLogRecord } from './domain/log';
import type { RequestLogRepository } from './request-log.repository';

export const REQUESTS_DURABLE = 'log-requests';
export const AUDIT_DURABLE = 'log-audit';

export interface IngestOptions { prefix: string; batchSize: number; batchWaitMs: number; ackWaitMs: number; }

export function decodeRequestLog(msg: JsMsg): RequestLogRecord {
  const log = requestLogSchema.parse(msg.json());
  return { ...log, clientCorrelationId: log.clientCorrelationId ?? null, at: new Date(log.at) };
}

export function decodeAuditEvent(msg: JsMsg): AuditEventRecord {
  const event = envelopeSchema.parse(msg.json());
  return {
    id: event.id,
    type: event.type,
    version: event.version,
    occurredAt: new Date(event.occurredAt),
    actorId: event.actorId,
    correlationId: event.correlationId,
    causationId: event.causationId,
    payload: redact(event.payload ?? null),
  };
}

/** The same record may come twice in one batch (a republish under another message id). */
function uniqueById<T extends { id: string }>(records: T[]): T[] {
  return [...new Map(records.map((r) => [r.id, r])).values()];
}

export async function startIngestConsumers(
  nc: NatsConnection, options: IngestOptions, stores: { requestLogs: RequestLogRepository; auditEvents: AuditEventRepository }, log: Logger,
): Promise<RunningBatchConsumer> {
  const s = subjects(options.prefix);
  const requests = await startBatchConsumer(nc, {
    prefix: options.prefix, stream: s.streams.requests, durable: REQUESTS_DURABLE, filterSubject: s.requestLog,
    batchSize: options.batchSize, batchWaitMs: options.batchWaitMs, ackWaitMs: options.ackWaitMs,
    decode: decodeRequestLog,
    store: (records) => stores.requestLogs.insertMany(uniqueById(records)),
  }, log);
  try {
    const audit = await startBatchConsumer(nc, {
      prefix: options.prefix, stream: s.streams.events, durable: AUDIT_DURABLE, filterSubject: s.eventsAll,
      batchSize: options.batchSize, batchWaitMs: options.batchWaitMs, ackWaitMs: options.ackWaitMs,
      decode: decodeAuditEvent,
      store: (records) => stores.auditEvents.insertMany(uniqueById(records)),
    }, log);
    return { stop: async () => { await Promise.all([requests.stop(), audit.stop()]); } };
  } catch (error) {
    await requests.stop();
    throw error;
  }
}
