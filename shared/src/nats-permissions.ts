// Who may say and hear what on NATS. Every process connects as its own user; this module is the one
// place that says which events each one publishes (the events module named after it), which durable
// consumers it reads them through and with which filter, and what else it needs (request logs,
// dead letters, the stream settings). From that it renders the nats-server `authorization` block, so
// that a service cannot publish another's event (a forged `user.roles-changed`) nor read events it
// does not consume (a password-reset token) — whether run by `npm start`, Compose or Kubernetes.
//
// How reading is confined with JetStream: messages a pull consumer delivers go to the puller's inbox,
// which no subject permission on the stream can see. What is confined instead is which consumers a
// user may create (the create request names the consumer and its filter subject in its own subject,
// `$JS.API.CONSUMER.CREATE.<stream>.<name>.<filter>`, NATS 2.9+), which it may pull from or acknowledge,
// and whose inbox it may listen on: each user gets its own inbox prefix, `_INBOX_<user>`.
import * as authEvents from './events/auth.events';
import * as orderEvents from './events/order.events';
import * as paymentEvents from './events/payment.events';
import * as ticketEvents from './events/ticket.events';
import * as userEvents from './events/user.events';
import type { EventDefinition } from './events/define-event';
import { inboxPrefixOf, subjects } from './nats';

/** A durable consumer of domain events: its name and its filter, relative to `<prefix>.events.`. */
export interface ConsumerGrant { durable: string; filter: string }

export interface NatsClientGrant {
  /** Domain events it publishes through its outbox. */
  publishes: readonly EventDefinition[];
  /** Its durable consumers of domain events. */
  consumes: readonly ConsumerGrant[];
  /** Events it listens to live, without a consumer (the gateway's subscriptions). */
  listens?: readonly EventDefinition[];
  /** Publishes the gateway's request logs. */
  publishesRequestLogs?: boolean;
  /** Reads the request logs through this durable consumer. */
  consumesRequestLogs?: string;
  /** Follows these events through short-lived ordered consumers it names itself (the gateway's revocation list). */
  follows?: readonly EventDefinition[];
  /** Creates and updates the streams; nobody else may. */
  managesStreams?: boolean;
}

const definitionsIn = (module: Record<string, unknown>): EventDefinition[] => Object.values(module).filter(
  (value): value is EventDefinition => typeof value === 'object' && value !== null && 'type' in value && 'version' in value && 'schema' in value,
);

/** Every event, by the service that publishes it: the events module named after it. */
export const EVENTS_BY_PUBLISHER = {
  auth: definitionsIn(authEvents),
  user: definitionsIn(userEvents),
  ticket: definitionsIn(ticketEvents),
  order: definitionsIn(orderEvents),
  payment: definitionsIn(paymentEvents),
} as const;

/**
 * Every NATS user. A consumer's filter here must be the one its code asks for (the server refuses
 * any other): `auth.>` style for a publisher's events, a full type for one event, `>` for all.
 */
export const NATS_CLIENTS = {
  auth: { publishes: EVENTS_BY_PUBLISHER.auth, consumes: [{ durable: 'auth-user-projection', filter: 'user.>' }] },
  user: { publishes: EVENTS_BY_PUBLISHER.user, consumes: [{ durable: 'user-registrations', filter: authEvents.UserRegistered.type }] },
  ticket: {
    publishes: EVENTS_BY_PUBLISHER.ticket,
    consumes: [
      { durable: 'ticket-known-users', filter: authEvents.UserRegistered.type },
      { durable: 'ticket-user-roles', filter: userEvents.UserRolesChanged.type },
      { durable: 'ticket-known-orders', filter: orderEvents.OrderPlaced.type },
    ],
  },
  order: { publishes: EVENTS_BY_PUBLISHER.order, consumes: [{ durable: 'order-payment-saga', filter: 'payment.>' }] },
  payment: { publishes: EVENTS_BY_PUBLISHER.payment, consumes: [{ durable: 'payment-saga', filter: 'order.>' }] },
  gateway: {
    publishes: [], consumes: [], publishesRequestLogs: true,
    listens: [orderEvents.OrderStatusChanged, ticketEvents.TicketStatusChanged],
    follows: [authEvents.SessionRevoked],
  },
  // Sends the mails, the password-reset link among them: it reads every event.
  email: { publishes: [], consumes: [{ durable: 'email-worker', filter: '>' }] },
  // The audit trail keeps every event, with secrets redacted before anything is written.
  log: { publishes: [], consumes: [{ durable: 'log-audit', filter: '>' }], consumesRequestLogs: 'log-requests' },
  // Creates and updates the streams before the services start (`npm start`, a one-shot job elsewhere).
  streams: { publishes: [], consumes: [], managesStreams: true },
} as const satisfies Record<string, NatsClientGrant>;

export type NatsClientName = keyof typeof NATS_CLIENTS;
export const NATS_CLIENT_NAMES = Object.keys(NATS_CLIENTS) as NatsClientName[];

/** The consumer filter a grant stands for, as a full subject. */
export function consumerFilter(prefix: string, grant: ConsumerGrant): string {
  return grant.filter === '>' ? subjects(prefix).eventsAll : subjects(prefix).event(grant.filter);
}

export interface Permissions { publish: { allow: string[]; deny: string[] }; subscribe: { allow: string[] } }

/** The subjects `name` may publish and subscribe to, for a deployment using `prefix`. */
export function permissionsOf(name: NatsClientName, prefix: string): Permissions {
  const grant: NatsClientGrant = NATS_CLIENTS[name];
  const s = subjects(prefix);
  const { events, requests } = s.streams;
  const publish = new Set<string>(['$JS.API.INFO', ...Object.values(s.streams).map((stream) => `$JS.API.STREAM.INFO.${stream}`)]);
  const deny = new Set<string>();
  const subscribe = new Set<string>([`${inboxPrefixOf(name)}.>`]);

  // Sorted: a module's exports come in another order depending on how it was loaded.
  for (const type of grant.publishes.map((event) => event.type).sort()) publish.add(s.event(type));
  const durable = (stream: string, consumer: string, filter: string) => {
    publish.add(`$JS.API.CONSUMER.CREATE.${stream}.${consumer}.${filter}`);
    publish.add(`$JS.API.CONSUMER.INFO.${stream}.${consumer}`);
    publish.add(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`);
    publish.add(`$JS.ACK.${stream}.${consumer}.>`);
    publish.add(s.deadLetter(consumer));
  };
  for (const consumer of grant.consumes) durable(events, consumer.durable, consumerFilter(prefix, consumer));
  if (grant.consumesRequestLogs) durable(requests, grant.consumesRequestLogs, s.requestLog);
  if (grant.publishesRequestLogs) publish.add(s.requestLog);
  for (const event of grant.listens ?? []) subscribe.add(s.event(event.type));
  if (grant.follows?.length) {
    // Ordered consumers get a fresh name each time they are recreated, so any name goes, but only
    // with these filters; the durable consumers of the others stay out of reach.
    for (const event of grant.follows) publish.add(`$JS.API.CONSUMER.CREATE.${events}.*.${s.event(event.type)}`);
    for (const action of ['INFO', 'DELETE', 'MSG.NEXT']) publish.add(`$JS.API.CONSUMER.${action}.${events}.*`);
    for (const other of Object.values(NATS_CLIENTS) as NatsClientGrant[]) {
      for (const consumer of [...other.consumes.map((c) => c.durable), ...(other.consumesRequestLogs ? [other.consumesRequestLogs] : [])]) {
        deny.add(`$JS.API.CONSUMER.CREATE.${events}.${consumer}.>`);
        for (const action of ['INFO', 'DELETE', 'MSG.NEXT']) deny.add(`$JS.API.CONSUMER.${action}.${events}.${consumer}`);
      }
    }
  }
  if (grant.managesStreams) {
    for (const stream of Object.values(s.streams)) {
      publish.add(`$JS.API.STREAM.CREATE.${stream}`);
      publish.add(`$JS.API.STREAM.UPDATE.${stream}`);
    }
  }
  return { publish: { allow: [...publish], deny: [...deny] }, subscribe: { allow: [...subscribe] } };
}

/** A password as nats-server reads it: given, or a reference to an environment variable of the server. */
export type NatsPassword = { value: string } | { env: string };

/** The environment variable the server reads a user's password from in the checked-in configuration. */
export const passwordVariableOf = (name: NatsClientName): string => `NATS_PASSWORD_${name.toUpperCase()}`;

const quote = (value: string): string => JSON.stringify(value);

/**
 * The `authorization { users = [...] }` block of a nats-server configuration (2.9 syntax). Passwords
 * are either written in, for a private development server, or left to the server's environment
 * (`$NATS_PASSWORD_AUTH`), for a file that is checked in and mounted.
 */
export function renderAuthorization(prefix: string, passwords: (name: NatsClientName) => NatsPassword): string {
  const list = (values: string[]) => `[${values.map(quote).join(', ')}]`;
  const users = NATS_CLIENT_NAMES.map((name) => {
    const p = permissionsOf(name, prefix);
    const password = passwords(name);
    const pass = 'value' in password ? quote(password.value) : `$${password.env}`;
    const deny = p.publish.deny.length ? `, deny: ${list(p.publish.deny)}` : '';
    return [
      `    {`,
      `      user: ${quote(name)}, password: ${pass}`,
      `      permissions: {`,
      `        publish: { allow: ${list(p.publish.allow)}${deny} }`,
      `        subscribe: { allow: ${list(p.subscribe.allow)} }`,
      `      }`,
      `    }`,
    ].join('\n');
  });
  return `authorization {\n  users = [\n${users.join('\n')}\n  ]\n}\n`;
}
