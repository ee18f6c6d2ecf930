// Storage of gateway request logs in Postgres (schema `logs`): batch inserts that absorb
// redeliveries, filtered newest-first pages, and the retention sweep.
import { Where, keysetPage, newestFirstOrder, type Page, type PageRequest, type TimePosition } from '@desk/shared';
import type { DataSource } from 'typeorm';
import type { RequestLogQuery, RequestLogRecord } from './domain/log';
import { deleteOlderThan, valuesList } from './sql';

const COLUMNS = 'id, operation_name, operation_type, duration_ms, outcome, error_codes, user_id, client_name, client_version, correlation_id, client_correlation_id, at';
const CASTS = ['::uuid', '', '', '::float8', '', '::text[]', '', '', '', '', '', '::timestamptz'];

interface RequestLogRow {
  id: string; operation_name: string | null; operation_type: RequestLogRecord['operationType']; duration_ms: number;
  outcome: RequestLogRecord['outcome']; error_codes: string[]; user_id: string | null; client_name: string | null;
  client_version: string | null; correlation_id: string; client_correlation_id: string | null; at: Date;
}

const toRecord = (row: RequestLogRow): RequestLogRecord => ({
  id: row.id,
  operationName: row.operation_name,
  operationType: row.operation_type,
  durationMs: row.duration_ms,
  outcome: row.outcome,
  errorCodes: row.error_codes,
  userId: row.user_id,
  clientName: row.client_name,
  clientVersion: row.client_version,
  correlationId: row.correlation_id,
  clientCorrelationId: row.client_correlation_id,
  at: row.at,
});

export class RequestLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One multi-row INSERT; logs already stored (a redelivery) are skipped. Returns how many were new. */
  async insertMany(logs: readonly RequestLogRecord[]): Promise<number> {
    if (logs.length === 0) return 0;
    const params: unknown[] = [];
    for (const l of logs) {
      params.push(l.id, l.operationName, l.operationType, l.durationMs, l.outcome, l.errorCodes, l.userId, l.clientName, l.clientVersion, l.correlationId, l.clientCorrelationId, l.at.toISOString());
    }
    // The count comes back as a row: TypeORM hands an INSERT's rows but not its row count.
    const rows: { n: number }[] = await this.dataSource.query(
      `WITH inserted AS (INSERT INTO request_logs (${COLUMNS}) VALUES ${valuesList(logs.length, CASTS)} ON CONFLICT (id) DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM inserted`, params,
    );
    return rows[0].n;
  }

  /** Newest first, the id breaking ties; the total under the same filter when the request asks for it. */
  page(query: RequestLogQuery, request: PageRequest<TimePosition>): Promise<Page<RequestLogRecord>> {
    const where = new Where();
    if (query.operationName) where.add((p) => `operation_name = ${p}`, query.operationName);
    if (query.outcome) where.add((p) => `outcome = ${p}`, query.outcome);
    if (query.userId) where.add((p) => `user_id = ${p}`, query.userId);
    if (query.correlationId) where.add((p) => `correlation_id = ${p}`, query.correlationId);
    if (query.from) where.add((p) => `at >= ${p}`, query.from.toISOString());
    if (query.to) where.add((p) => `at < ${p}`, query.to.toISOString());
    return keysetPage(this.dataSource, { table: 'request_logs', columns: COLUMNS, where, order: newestFirstOrder('at') }, request, toRecord);
  }

  deleteOlderThan(before: Date): Promise<number> {
    return deleteOlderThan(this.dataSource, 'request_logs', 'at', before);
  }
}
