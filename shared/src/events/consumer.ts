// A durable JetStream consumer of domain events: validated payloads, bounded in-flight messages, ack
// after the handler succeeded, nak with growing delay on failure, and after the last try the message
// goes to a dead-letter subject with an alert in the log.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerConfig, type ConsumerMessages, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from '../logger';
import { subjects, type NatsConnection } from '../nats';
import { envelopeSchema, parseEnvelope, type EventDefinition, type EventEnvelope, type PayloadOf } from './define-event';
import { redact } from './redaction';

export interface EventHandler<D extends EventDefinition = EventDefinition> {
  definition: D;
  handle(event: EventEnvelope<PayloadOf<D>>, log: Logger): Promise<void>;
}

export function on<D extends EventDefinition>(definition: D, handle: EventHandler<D>['handle']): EventHandler {
  return { definition, handle } as unknown as EventHandler;
}

export interface ConsumerOptions {
  /** Durable name: one per logical consumer, shared by its replicas. */
  durable: string;
  /** One subject filter (NATS 2.9 allows one per consumer), e.g. `<prefix>.events.auth.>`. */
  filterSubject: string;
  handlers: EventHandler[];
  maxAckPending?: number;
  /** Delays between tries; the number of tries is its length + 1. */
  backoffMs?: number[];
  ackWaitMs?: number;
}

export interface RunningConsumer { stop(): Promise<void>; }

const DEFAULT_BACKOFF = [500, 2_000, 10_000, 30_000, 120_000];

/** The settings of an explicitly acknowledged durable consumer that reads a stream from its start. */
export interface DurableSettings {
  durable: string;
  filterSubject: string;
  maxAckPending: number;
  ackWaitMs: number;
  /** -1: no limit. */
  maxDeliver: number;
}

/** Creates the durable consumer, or brings an existing one (from an earlier run or a replica) to these settings. */
export async function ensureDurableConsumer(nc: NatsConnection, stream: string, settings: DurableSettings): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config: Partial<ConsumerConfig> = {
    durable_name: settings.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: settings.filterSubject,
    max_ack_pending: settings.maxAckPending,
    ack_wait: settings.ackWaitMs * 1e6,
    max_deliver: settings.maxDeliver,
  };
  try {
    await jsm.consumers.info(stream, settings.durable);
    await jsm.consumers.update(stream, settings.durable, config);
  } catch {
    await jsm.consumers.add(stream, config);
  }
}

/**
 * Ends a message that failed for good: a copy goes to the consumer's dead-letter subject, kept for
 * people to look at and replay, without the secrets some events carry (a reset token); then it is
 * terminated so it is not delivered again.
 */
export async function deadLetter(js: JetStreamClient, prefix: string, durable: string, msg: JsMsg, log: Logger): Promise<void> {
  let kept: Uint8Array | string = msg.data;
  try {
    kept = JSON.stringify(redact(msg.json()));
  } catch { /* not JSON: kept as it came */ }
  await js.publish(subjects(prefix).deadLetter(durable), kept, { msgID: `${durable}:${msg.seq}` })
    .catch((error: unknown) => log.error({ err: error }, 'dead-letter publish failed'));
  msg.term('dead-lettered');
}

export async function startConsumer(nc: NatsConnection, prefix: string, options: ConsumerOptions, log: Logger): Promise<RunningConsumer> {
  const s = subjects(prefix);
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF;
  const maxDeliver = backoff.length + 1;
  await ensureDurableConsumer(nc, s.streams.events, {
    durable: options.durable, filterSubject: options.filterSubject, maxAckPending: options.maxAckPending ?? 64,
    ackWaitMs: options.ackWaitMs ?? 30_000, maxDeliver,
  });
  const byType = new Map(options.handlers.map((h) => [h.definition.type, h]));
  const consumer = await jetstream(nc).consumers.get(s.streams.events, options.durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: options.maxAckPending ?? 64 });
  const js = jetstream(nc);

  const process = async (msg: JsMsg) => {
    let raw: unknown;
    try {
      raw = msg.json();
    } catch {
      raw = undefined;
    }
    const head = envelopeSchema.safeParse(raw);
    const child = log.child({ consumer: options.durable, subject: msg.subject, eventId: head.success ? head.data.id : undefined, correlationId: head.success ? head.data.correlationId : undefined, attempt: msg.info.deliveryCount });
    const handler = head.success ? byType.get(head.data.type) : undefined;
    if (head.success && !handler) { msg.ack(); return; } // an event this consumer does not care about
    try {
      if (!handler) throw new Error('message is not an event envelope');
      await handler.handle(parseEnvelope(handler.definition, raw), child);
      msg.ack();
    } catch (error) {
      if (msg.info.deliveryCount >= maxDeliver || !handler) {
        child.error({ err: error, alert: 'dead-letter' }, 'event handling failed for good; sent to the dead-letter subject');
        await deadLetter(js, prefix, options.durable, msg, child);
      } else {
        child.warn({ err: error }, 'event handling failed; will retry');
        msg.nak(backoff[msg.info.deliveryCount - 1] ?? backoff[backoff.length - 1]);
      }
    }
  };

  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const msg of messages) {
      const p = process(msg).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();

  return {
    async stop() {
      await messages.close();
      await loop.catch(() => undefined);
      await Promise.all(inFlight);
    },
  };
}
