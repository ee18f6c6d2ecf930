// Every domain event is defined once: its type (which names its subject), version and payload schema.
// Publishers validate before writing to the outbox; consumers validate before handling.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export interface EventDefinition<T extends string = string, S extends z.ZodType = z.ZodType> {
  readonly type: T;
  readonly version: number;
  readonly schema: S;
}

export function defineEvent<T extends string, S extends z.ZodType>(definition: { type: T; version: number; schema: S }): EventDefinition<T, S> {
  return Object.freeze(definition);
}

export const envelopeSchema = z.object({
  id: z.string().uuid(),
  type: z.string(),
  version: z.number().int().positive(),
  occurredAt: z.string().datetime({ offset: true }),
  correlationId: z.string().min(1),
  causationId: z.string().nullable(),
  actorId: z.string().nullable(),
  payload: z.unknown(),
});

export interface EventEnvelope<P = unknown> {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  correlationId: string;
  causationId: string | null;
  actorId: string | null;
  payload: P;
}

export type PayloadOf<D> = D extends EventDefinition<string, infer S> ? z.infer<S> : never;

/** What caused an event: the request (correlation) and the message or actor behind it. */
export interface EventCause {
  correlationId: string;
  causationId?: string | null;
  actorId?: string | null;
}

export function createEnvelope<D extends EventDefinition>(definition: D, payload: PayloadOf<D>, cause: EventCause): EventEnvelope<PayloadOf<D>> {
  return {
    id: randomUUID(),
    type: definition.type,
    version: definition.version,
    occurredAt: new Date().toISOString(),
    correlationId: cause.correlationId,
    causationId: cause.causationId ?? null,
    actorId: cause.actorId ?? null,
    payload: definition.schema.parse(payload) as PayloadOf<D>,
  };
}

/** Parses raw JSON as an envelope of `definition`; throws on any mismatch. */
export function parseEnvelope<D extends EventDefinition>(definition: D, raw: unknown): EventEnvelope<PayloadOf<D>> {
  const envelope = envelopeSchema.parse(raw);
  if (envelope.type !== definition.type) throw new Error(`expected event ${definition.type}, got ${envelope.type}`);
  if (envelope.version !== definition.version) throw new Error(`unsupported version ${envelope.version} of ${definition.type}`);
  return { ...envelope, payload: definition.schema.parse(envelope.payload) as PayloadOf<D> };
}
