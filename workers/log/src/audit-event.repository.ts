// Storage of the audit trail (every domain event, payload redacted) in Postgres (schema `logs`):
// batch inserts that absorb redeliveries, filtered newest-first pages, and the retention sweep.
import { Where, keysetPage, newestFirstOrder, type Page, type PageRequest, type TimePosition } from '@desk/shared';
import type { DataSource } from 'typeorm';
import type { AuditEventQuery, AuditEventRecord } from './domain/log';
import { deleteOlderThan, likePrefix, valuesList } from './sql';

const COLUMNS = 'id, type, version, occurred_at, actor_id, correlation_id, causation_id, payload';
const CASTS = ['::uuid', '', '::int', '::timestamptz', '', '', '', '::jsonb'];

interface AuditEventRow {
  id: string; type: string; version: number; occurred_at: Date; actor_id: string | null;
  correlation_id: string; causation_id: string | null; payload: unknown;
}

const toRecord = (row: AuditEventRow): AuditEventRecord => ({
  id: row.id,
  type: row.type,
  version: row.version,
  occurredAt: row.occurred_at,
  actorId: row.actor_id,
  correlationId: row.correlation_id,
  causationId: row.causation_id,
  payload: row.payload,
});

export class AuditEventRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One multi-row INSERT; events already stored (a redelivery) are skipped. Returns how many were new. */
  async insertMany(events: readonly AuditEventRecord[]): Promise<number> {
    if (events.length === 0) return 0;
    const params: unknown[] = [];
    for (const e of events) {
      params.push(e.id, e.type, e.version, e.occurredAt.toISOString(), e.actorId, e.correlationId, e.causationId, JSON.stringify(e.payload));
    }
    // The count comes back as a row: TypeORM hands an INSERT's rows but not its row count.
    const rows: { n: number }[] = await this.dataSource.query(
      `WITH inserted AS (INSERT INTO audit_events (${COLUMNS}) VALUES ${valuesList(events.length, CASTS)} ON CONFLICT (id) DO NOTHING RETURNING 1)
       SELECT count(*)::int AS n FROM inserted`, params,
    );
    return rows[0].n;
  }

  /** Newest first, the id breaking ties; the total under the same filter when the request asks for it. */
  page(query: AuditEventQuery, request: PageRequest<TimePosition>): Promise<Page<AuditEventRecord>> {
    const where = new Where();
    if (query.type) {
      if (query.type.endsWith('.')) where.add((p) => `type LIKE ${p}`, likePrefix(query.type));
      else where.add((p) => `type = ${p}`, query.type);
    }
    if (query.actorId) where.add((p) => `actor_id = ${p}`, query.actorId);
    if (query.correlationId) where.add((p) => `correlation_id = ${p}`, query.correlationId);
    if (query.from) where.add((p) => `occurred_at >= ${p}`, query.from.toISOString());
    if (query.to) where.add((p) => `occurred_at < ${p}`, query.to.toISOString());
    return keysetPage(this.dataSource, { table: 'audit_events', columns: COLUMNS, where, order: newestFirstOrder('occurred_at') }, request, toRecord);
  }

  deleteOlderThan(before: Date): Promise<number> {
    return deleteOlderThan(this.dataSource, 'audit_events', 'occurred_at', before);
  }
}
