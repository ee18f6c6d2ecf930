// A durable JetStream consumer of domain events: validated payloads, bounded in-flight messages, ack
// after the handler succeeded, nak with growing delay on failure, and after the last try the message
// goes to a dead-letter subject with an alert in the log.
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
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

export async function startConsumer(nc: NatsConnection, prefix: string, options: ConsumerOptions, log: Logger): Promise<RunningConsumer> {
  const s = subjects(prefix);
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF;
  const maxDeliver = backoff.length + 1;
  const jsm = await jetstreamManager(nc);
  const config = {
    durable_name: options.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: options.filterSubject,
    max_ack_pending: options.maxAckPending ?? 64,
    ack_wait: (options.ackWaitMs ?? 30_000) * 1e6,
    max_deliver: maxDeliver,
  };
  try {
    await jsm.consumers.info(s.streams.events, options.durable);
    await jsm.consumers.update(s.streams.events, options.durable, config);
  } catch {
    await jsm.consumers.add(s.streams.events, config);
  }
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
        // Kept for people to look at and replay: without the secrets some events carry (a reset token).
        const kept = raw === undefined ? msg.data : JSON.stringify(redact(raw));
        await js.publish(s.deadLetter(options.durable), kept, { msgID: `${options.durable}:${msg.seq}` }).catch((e) => child.error({ err: e }, 'dead-letter publish failed'));
        msg.term('dead-lettered');
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
