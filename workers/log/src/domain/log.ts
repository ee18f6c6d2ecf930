// What the log worker stores and serves: one gateway request, one domain event of the audit trail.
export interface RequestLogRecord {
  id: string;
  operationName: string | null;
  operationType: 'query' | 'mutation' | 'subscription' | null;
  durationMs: number;
  outcome: 'success' | 'error' | 'refused';
  errorCodes: string[];
  userId: string | null;
  clientName: string | null;
  clientVersion: string | null;
  correlationId: string;
  /** The id the client sent, beside the gateway's own. */
  clientCorrelationId: string | null;
  at: Date;
}

export interface AuditEventRecord {
  id: string;
  type: string;
  version: number;
  occurredAt: Date;
  actorId: string | null;
  correlationId: string;
  causationId: string | null;
  /** Already redacted: secrets never reach the database. */
  payload: unknown;
}

export interface RequestLogQuery {
  operationName: string | null;
  outcome: RequestLogRecord['outcome'] | null;
  userId: string | null;
  correlationId: string | null;
  from: Date | null;
  to: Date | null;
}

export interface AuditEventQuery {
  /** Exact type, or a prefix when it ends with a dot ("order."). */
  type: string | null;
  actorId: string | null;
  correlationId: string | null;
  from: Date | null;
  to: Date | null;
}
