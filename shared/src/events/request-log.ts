// The gateway's record of one operation, published on NATS for the log worker.
import { z } from 'zod';

export const requestLogSchema = z.object({
  id: z.string().uuid(),
  operationName: z.string().nullable(),
  operationType: z.enum(['query', 'mutation', 'subscription']).nullable(),
  durationMs: z.number().nonnegative(),
  outcome: z.enum(['success', 'error', 'refused']),
  errorCodes: z.array(z.string()),
  userId: z.string().nullable(),
  clientName: z.string().nullable(),
  clientVersion: z.string().nullable(),
  /** The gateway's own id for the request: what the request and its events are filed under. */
  correlationId: z.string(),
  /** The id the client sent, kept beside the gateway's; absent in logs of gateways that did not keep it. */
  clientCorrelationId: z.string().max(64).nullable().optional(),
  at: z.string().datetime({ offset: true }),
});
export type RequestLog = z.infer<typeof requestLogSchema>;
