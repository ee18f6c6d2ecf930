// Publishes one request log per operation (name, type, duration, outcome, user, client, correlation id)
// on NATS for the log worker. Publishing never delays or fails the response. Logs leave in batches, at
// most FLUSH_AFTER_MS after their request, one message each but one socket write for all, and without
// waiting for the stream's acknowledgement: a write and an acknowledged publish per request cost the
// gateway more CPU than verifying the request's token (see BENCHMARKS.md).
import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { publishUnacknowledged, subjects, type Logger, type NatsConnection, type RequestLog } from '@desk/shared';
import type { GatewayContext } from '../context';

const FLUSH_AFTER_MS = 20;
/** Logs waiting at most; past it (NATS gone for long), new ones are dropped rather than kept in memory. */
const MAX_PENDING = 10_000;

export class RequestLogPublisher {
  private readonly subject: string;
  private pending: RequestLog[] = [];
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private dropped = 0;

  constructor(private readonly nc: NatsConnection, prefix: string, private readonly log: Logger) {
    this.subject = subjects(prefix).requestLog;
  }

  publish(entry: RequestLog): void {
    if (this.pending.length >= MAX_PENDING) {
      if (this.dropped++ === 0) this.log.warn({ pending: MAX_PENDING }, 'request logs are being dropped');
      return;
    }
    this.pending.push(entry);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
  }

  /** Sends what is waiting now; also called on shutdown, before the connection drains. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    try {
      for (const entry of batch) publishUnacknowledged(this.nc, this.subject, JSON.stringify(entry), entry.id);
      this.failures = 0;
      this.dropped = 0;
    } catch (error) {
      // One warning per run of failures, not one per batch.
      if (this.failures++ === 0) this.log.warn({ err: error, lost: batch.length }, 'request logs are not reaching NATS');
    }
  }
}

const codesOf = (errors: readonly GraphQLFormattedError[] | undefined): string[] =>
  [...new Set((errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];

export function requestLogPlugin(publisher: RequestLogPublisher): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      // A subscription's events are resolved as queries; they are not requests of their own.
      if (contextValue.live) return {};
      const started = performance.now();
      return {
        async willSendResponse({ contextValue, operation, operationName, response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          const errorCodes = codesOf(errors);
          publisher.publish({
            id: randomUUID(),
            operationName: operationName ?? null,
            operationType: operation?.operation ?? null,
            durationMs: Math.round((performance.now() - started) * 1000) / 1000,
            outcome: errorCodes.length === 0 ? 'success' : operation ? 'error' : 'refused',
            errorCodes,
            userId: contextValue.viewer.userId,
            clientName: contextValue.clientName,
            clientVersion: contextValue.clientVersion,
            correlationId: contextValue.viewer.correlationId,
            clientCorrelationId: contextValue.clientCorrelationId,
            at: new Date().toISOString(),
          });
        },
      };
    },
  };
}
