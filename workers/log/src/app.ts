// Assembles the log worker: Postgres (schema `logs`), the batch consumers of request logs and domain
// events, the retention sweep, and the `log` subgraph that serves them to admins. Tests and main
// start it the same way.
import path from 'node:path';
import { OutboxTables1732000000000, openServiceRuntime, serveSubgraph, startWithRuntime, type RunningService } from '@desk/shared';
import { AuditEventRepository } from './audit-event.repository';
import type { Context } from './context';
import type { LogEnv } from './env';
import { startIngestConsumers } from './ingest.consumers';
import { LogService } from './log.service';
import { LogTables1732000000700 } from './migrations/1732000000700-log-tables.migration';
import { ClientCorrelation1732000000710 } from './migrations/1732000000710-client-correlation.migration';
import { RequestLogRepository } from './request-log.repository';
import { resolvers } from './resolvers';
import { startRetention } from './retention';

export const SERVICE_NAME = 'log';
export const SCHEMA_PATH = path.join(__dirname, '..', 'schema.graphql');

export interface LogWorkerHooks {
  /** Called with every SQL statement the worker runs; tests count statements with it. */
  onQuery?: (sql: string) => void;
}

export type RunningLogWorker = RunningService;

export async function startLogWorker(env: LogEnv, hooks: LogWorkerHooks = {}): Promise<RunningLogWorker> {
  const runtime = await openServiceRuntime(env, {
    name: SERVICE_NAME, schema: 'logs', migrations: [OutboxTables1732000000000, LogTables1732000000700, ClientCorrelation1732000000710], onQuery: hooks.onQuery,
  });
  const { log, dataSource, nc } = runtime;
  return startWithRuntime(runtime, async () => {
    const stores = { requestLogs: new RequestLogRepository(dataSource), auditEvents: new AuditEventRepository(dataSource) };
    const ingest = await startIngestConsumers(nc, {
      prefix: env.NATS_PREFIX, batchSize: env.LOG_BATCH_SIZE, batchWaitMs: env.LOG_BATCH_WAIT_MS, ackWaitMs: env.LOG_ACK_WAIT_MS,
    }, stores, log);
    runtime.onStop(() => ingest.stop());
    const retention = startRetention(stores, { retentionDays: env.LOG_RETENTION_DAYS, intervalMs: env.LOG_RETENTION_SWEEP_MS }, log);
    runtime.onStop(() => retention.stop());

    return serveSubgraph<Context>(runtime, env, {
      schemaPath: SCHEMA_PATH,
      resolvers,
      context: (viewer, requestLog) => ({ viewer, log: requestLog, logs: new LogService(stores, viewer) }),
    });
  });
}
