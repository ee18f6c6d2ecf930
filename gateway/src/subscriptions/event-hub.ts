// One NATS subscription per event subject for the whole gateway, shared by every client that listens
// to it and closed when the last one leaves. Events arrive on the subjects the outbox relays publish
// to; an event seen twice (a relay retrying after a crash) is passed on once.
import { envelopeSchema, subjects, type EventEnvelope, type Logger, type NatsConnection } from '@desk/shared';
import type { Subscription } from '@nats-io/transport-node';

type Listener = (event: EventEnvelope<Record<string, unknown>>) => void;

const RECENT_IDS = 1_000;

interface Channel { subscription: Subscription; listeners: Set<Listener>; recent: Set<string>; }

export class EventHub {
  private readonly channels = new Map<string, Channel>();

  constructor(private readonly nc: NatsConnection, private readonly prefix: string, private readonly log: Logger) {}

  /** Calls `listener` with every event of `type` until the returned function is called. */
  listen(type: string, listener: Listener): () => void {
    let channel = this.channels.get(type);
    if (!channel) channel = this.open(type);
    channel.listeners.add(listener);
    const opened = channel;
    return () => {
      opened.listeners.delete(listener);
      if (opened.listeners.size === 0 && this.channels.get(type) === opened) {
        this.channels.delete(type);
        opened.subscription.unsubscribe();
      }
    };
  }

  /** How many NATS subscriptions are open (one per subject in use). */
  get subscriptionCount(): number {
    return this.channels.size;
  }

  close(): void {
    for (const channel of this.channels.values()) channel.subscription.unsubscribe();
    this.channels.clear();
  }

  private open(type: string): Channel {
    const channel: Channel = { listeners: new Set(), recent: new Set(), subscription: null as unknown as Subscription };
    channel.subscription = this.nc.subscribe(subjects(this.prefix).event(type), {
      callback: (error, msg) => {
        if (error) { this.log.warn({ err: error, type }, 'event subscription failed'); return; }
        let parsed;
        try { parsed = envelopeSchema.safeParse(msg.json()); } catch { parsed = null; }
        if (!parsed?.success) { this.log.warn({ subject: msg.subject }, 'unreadable event ignored'); return; }
        const event = parsed.data as EventEnvelope<Record<string, unknown>>;
        if (channel.recent.has(event.id)) return;
        channel.recent.add(event.id);
        if (channel.recent.size > RECENT_IDS) channel.recent.delete(channel.recent.values().next().value!);
        for (const listener of channel.listeners) listener(event);
      },
    });
    this.channels.set(type, channel);
    return channel;
  }
}
