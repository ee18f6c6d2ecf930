// The NATS connection and the JetStream streams every service relies on. Names carry a prefix so that
// several deployments (and every test run) can share one server without seeing each other.
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';

export type { NatsConnection };

export interface Subjects {
  prefix: string;
  /** Domain events: `<prefix>.events.<type>`. */
  event(type: string): string;
  eventsAll: string;
  /** Gateway request logs. */
  requestLog: string;
  /** Messages that exhausted their retries, per consumer. */
  deadLetter(consumer: string): string;
  streams: { events: string; requests: string; deadLetters: string };
}

export function subjects(prefix: string): Subjects {
  return {
    prefix,
    event: (type) => `${prefix}.events.${type}`,
    eventsAll: `${prefix}.events.>`,
    requestLog: `${prefix}.requests.log`,
    deadLetter: (consumer) => `${prefix}.dlq.${consumer}`,
    streams: { events: `${prefix}_EVENTS`, requests: `${prefix}_REQUESTS`, deadLetters: `${prefix}_DLQ` },
  };
}

const DAY_NS = 24 * 60 * 60 * 1e9;

/** The inbox prefix of a user: replies (publish acknowledgements, pulled messages) reach only it. */
export const inboxPrefixOf = (user: string): string => `_INBOX_${user}`;

/** A NATS user's name and password; without them the server must accept anyone (a development server). */
export interface NatsCredentials { user: string; password: string }

/**
 * Connects as `credentials.user` when given. Its replies then come to the user's own inbox prefix,
 * the only one its permissions let it listen on (see nats-permissions.ts).
 */
export async function connectNats(url: string, name: string, credentials?: NatsCredentials): Promise<NatsConnection> {
  const auth = credentials ? { user: credentials.user, pass: credentials.password, inboxPrefix: inboxPrefixOf(credentials.user) } : {};
  return connect({ servers: url.split(','), name, maxReconnectAttempts: -1, reconnectTimeWait: 500, ...auth });
}

/**
 * Publishes onto a stream's subject without waiting for the stream's acknowledgement: for telemetry
 * such as request logs, where a round trip per message would cost more than the message is worth.
 * The id still lets the stream drop a duplicate. Throws only when the connection is closed; while it
 * reconnects, the client buffers.
 */
export function publishUnacknowledged(nc: NatsConnection, subject: string, payload: string, id: string): void {
  const h = headers();
  h.set('Nats-Msg-Id', id);
  nc.publish(subject, payload, { headers: h });
}

/** Creates (or updates) the streams; safe to call from every process at start-up. */
export async function ensureStreams(nc: NatsConnection, prefix: string): Promise<JetStreamManager> {
  const s = subjects(prefix);
  const jsm = await jetstreamManager(nc);
  const wanted: (Partial<StreamConfig> & { name: string })[] = [
    { name: s.streams.events, subjects: [s.eventsAll], max_age: 7 * DAY_NS, duplicate_window: 2 * 60 * 1e9 },
    { name: s.streams.requests, subjects: [`${prefix}.requests.>`], max_age: 1 * DAY_NS },
    { name: s.streams.deadLetters, subjects: [`${prefix}.dlq.>`], max_age: 14 * DAY_NS },
  ];
  for (const config of wanted) {
    const full = { retention: RetentionPolicy.Limits, storage: StorageType.File, ...config };
    try {
      await jsm.streams.info(config.name);
      await jsm.streams.update(config.name, full);
    } catch {
      await jsm.streams.add(full).catch(async (error) => {
        // Another process may have created it between our two calls.
        await jsm.streams.info(config.name).catch(() => { throw error; });
      });
    }
  }
  return jsm;
}

/**
 * For a process connected with its own credentials, which may not change the streams: checks that
 * they exist (made beforehand by the `streams` user, see scripts/nats-streams.ts).
 */
export async function checkStreams(nc: NatsConnection, prefix: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const name of Object.values(subjects(prefix).streams)) {
    await jsm.streams.info(name).catch((error: unknown) => {
      throw new Error(`NATS stream ${name} is not available (${(error as Error).message}); the NATS user "streams" creates them before the services start (scripts/nats-streams.ts)`, { cause: error });
    });
  }
}

/** The streams as a process needs them: made or updated by it when it may (no credentials), else checked. */
export async function prepareStreams(nc: NatsConnection, prefix: string, credentials: NatsCredentials | undefined): Promise<void> {
  if (credentials) await checkStreams(nc, prefix);
  else await ensureStreams(nc, prefix);
}

/** Removes every stream of a prefix; for tests. */
export async function deleteStreams(nc: NatsConnection, prefix: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const name of Object.values(subjects(prefix).streams)) {
    await jsm.streams.delete(name).catch(() => undefined);
  }
}
