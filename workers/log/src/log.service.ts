// Reading the logs for admins: checks the viewer, turns filters and cursors into repository queries,
// and builds the connections.
import { BadUserInputError, newestFirst, type CountedConnection, type PageArgs, type Viewer } from '@desk/shared';
import type { AuditEventRepository } from './audit-event.repository';
import type { AuditEventQuery, AuditEventRecord, RequestLogQuery, RequestLogRecord } from './domain/log';
import { authorize } from './policy';
import type { RequestLogRepository } from './request-log.repository';

export type LogConnection<T> = CountedConnection<T>;

export interface RequestLogFilterInput {
  operationName?: string | null;
  outcome?: 'SUCCESS' | 'ERROR' | 'REFUSED' | null;
  userId?: string | null;
  correlationId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export interface AuditEventFilterInput {
  type?: string | null;
  actorId?: string | null;
  correlationId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

function checkRange(from: Date | null | undefined, to: Date | null | undefined): void {
  if (from && to && from > to) throw new BadUserInputError('from must not be after to', 'from');
}

export class LogService {
  constructor(
    private readonly stores: { requestLogs: RequestLogRepository; auditEvents: AuditEventRepository },
    private readonly viewer: Viewer,
  ) {}

  async requestLogs(args: PageArgs & { filter?: RequestLogFilterInput | null }): Promise<LogConnection<RequestLogRecord>> {
    authorize(this.viewer, 'logs:read');
    const request = newestFirst.request(args);
    const f = args.filter ?? {};
    checkRange(f.from, f.to);
    const query: RequestLogQuery = {
      operationName: f.operationName ?? null,
      outcome: f.outcome ? (f.outcome.toLowerCase() as RequestLogRecord['outcome']) : null,
      userId: f.userId ?? null,
      correlationId: f.correlationId ?? null,
      from: f.from ?? null,
      to: f.to ?? null,
    };
    const page = await this.stores.requestLogs.page(query, request);
    return newestFirst.connection(page, request, (r) => ({ at: r.at, id: r.id }));
  }

  async auditEvents(args: PageArgs & { filter?: AuditEventFilterInput | null }): Promise<LogConnection<AuditEventRecord>> {
    authorize(this.viewer, 'logs:read');
    const request = newestFirst.request(args);
    const f = args.filter ?? {};
    checkRange(f.from, f.to);
    const query: AuditEventQuery = {
      type: f.type || null,
      actorId: f.actorId ?? null,
      correlationId: f.correlationId ?? null,
      from: f.from ?? null,
      to: f.to ?? null,
    };
    const page = await this.stores.auditEvents.page(query, request);
    return newestFirst.connection(page, request, (e) => ({ at: e.occurredAt, id: e.id }));
  }
}
