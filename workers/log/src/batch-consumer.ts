// A durable JetStream consumer that stores messages in batches: it gathers up to `batchSize` messages
// or waits `batchWaitMs`, hands the batch to `store` (one INSERT), and acks every message only after
// that committed. A crash before the ack means redelivery, which the stores absorb by id, so nothing
// is lost and nothing is stored twice. Malformed messages go to the dead-letter subject at once.
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { deadLetter, ensureDurableConsumer, type Logger, type NatsConnection } from '@desk/shared';

export interface BatchConsumerOptions<T> {
  prefix: string;
  stream: string;
  /** Durable name: one per logical consumer, shared by replicas. */
  durable: string;
  filterSubject: string;
  batchSize: number;
  batchWaitMs: number;
  /** Unacknowledged messages come again after this; after a crash, that is how long recovery waits. */
  ackWaitMs: number;
  /** Turns a message into what is stored; throws when it is malformed. */
  decode(msg: JsMsg): T;
  /** Stores a batch in one statement; resolves once it is committed. */
  store(records: T[]): Promise<unknown>;
}

export interface RunningBatchConsumer { stop(): Promise<void>; }

/** How long a failed batch waits before its messages come back. */
const RETRY_DELAY_MS = 1_000;
/** Batches being written at once: one commits while the next is gathered and sent. */
const MAX_BATCHES_IN_FLIGHT = 2;

export async function startBatchConsumer<T>(nc: NatsConnection, options: BatchConsumerOptions<T>, log: Logger): Promise<RunningBatchConsumer> {
  const child = log.child({ consumer: options.durable });
  await ensureDurableConsumer(nc, options.stream, {
    durable: options.durable,
    filterSubject: options.filterSubject,
    // Room for the batch being written, the one being gathered, and the one the client pulls ahead.
    maxAckPending: options.batchSize * 4,
    ackWaitMs: options.ackWaitMs,
    // No limit: a batch that fails because Postgres is away is retried until it comes back; a message
    // that can never be stored is dead-lettered by `decode`, not by running out of tries.
    maxDeliver: -1,
  });
  const js = jetstream(nc);
  const consumer = await js.consumers.get(options.stream, options.durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: options.batchSize * 2 });

  let buffer: { msg: JsMsg; record: T }[] = [];
  let timer: NodeJS.Timeout | null = null;
  const inFlight = new Set<Promise<void>>();

  const write = async (batch: { msg: JsMsg; record: T }[]) => {
    try {
      await options.store(batch.map((b) => b.record));
      for (const { msg } of batch) msg.ack();
    } catch (error) {
      child.error({ err: error, size: batch.length }, 'storing a batch failed; it will be redelivered');
      for (const { msg } of batch) msg.nak(RETRY_DELAY_MS);
    }
  };

  const flush = () => {
    if (timer) { clearTimeout(timer); timer = null; }
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    const p = write(batch).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const reject = async (msg: JsMsg, error: unknown) => {
    child.error({ err: error, subject: msg.subject, seq: msg.seq, alert: 'dead-letter' }, 'malformed message; sent to the dead-letter subject');
    await deadLetter(js, options.prefix, options.durable, msg, child);
  };

  const loop = (async () => {
    for await (const msg of messages) {
      let record: T;
      try {
        record = options.decode(msg);
      } catch (error) {
        await reject(msg, error);
        continue;
      }
      buffer.push({ msg, record });
      if (buffer.length >= options.batchSize) {
        // Backpressure: the client stops pulling while we wait, so memory stays bounded.
        while (inFlight.size >= MAX_BATCHES_IN_FLIGHT) await Promise.race(inFlight);
        flush();
      } else if (!timer) {
        timer = setTimeout(flush, options.batchWaitMs);
      }
    }
  })();

  return {
    async stop() {
      await messages.close();
      await loop.catch((error: unknown) => child.warn({ err: error }, 'consumer loop ended with an error'));
      flush();
      await Promise.all(inFlight);
    },
  };
}
