// The correlation ids of one client request. The gateway files the request, and every event it causes,
// under an id of its own and tells the client that id in the response: an id chosen by the client could
// be made to match another request's, mixing its entries into someone else's trail. A well-formed id the
// client sent is only kept beside the gateway's, so support can match it with the client's own records.
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { CORRELATION_ID } from '@desk/shared';

export const CORRELATION_HEADER = 'x-correlation-id';

export interface RequestCorrelation {
  /** The gateway's id, passed to the subgraphs and carried by the events. */
  correlationId: string;
  /** The client's own `x-correlation-id`, when well formed; never a key. */
  clientCorrelationId: string | null;
}

const seen = new WeakMap<Request, RequestCorrelation>();

/** The request's ids, made on first use (the multipart path asks twice) and answered in the response header. */
export function correlationOf(req: Request): RequestCorrelation {
  let correlation = seen.get(req);
  if (!correlation) {
    const given = req.get(CORRELATION_HEADER);
    correlation = { correlationId: randomUUID(), clientCorrelationId: given && CORRELATION_ID.test(given) ? given : null };
    seen.set(req, correlation);
    req.res?.setHeader(CORRELATION_HEADER, correlation.correlationId);
  }
  return correlation;
}
