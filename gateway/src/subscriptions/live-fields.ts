// The subscription fields the gateway serves, each fed by one domain event that carries the entity's
// key: which event, which argument narrows it to one entity, which query field loads the entity for a
// viewer (so that the whole selection is resolved through the normal query plan), and whose it is;
// and the fields whose answer depends on who asks, which keep subscribers from sharing a resolution.
import { OrderStatusChanged, TicketStatusChanged, type EventDefinition } from '@desk/shared';

export interface LiveField {
  /** The event whose every occurrence is pushed. */
  event: EventDefinition;
  /** The optional argument that narrows the subscription to one entity. */
  argument: string;
  /** The query field that loads the entity by id, with the viewer's permissions. */
  lookup: string;
  /** The entity an event is about. */
  entityId(payload: Record<string, unknown>): string;
  /** The customer the entity belongs to: the only customer who may see it. */
  ownerId(payload: Record<string, unknown>): string;
}

export const LIVE_FIELDS: Readonly<Record<string, LiveField>> = {
  orderStatusChanged: {
    event: OrderStatusChanged, argument: 'orderId', lookup: 'order',
    entityId: (p) => String(p.id), ownerId: (p) => String(p.customerId),
  },
  ticketStatusChanged: {
    event: TicketStatusChanged, argument: 'ticketId', lookup: 'ticket',
    entityId: (p) => String(p.id), ownerId: (p) => String(p.requesterId),
  },
};

/** How much of the viewer, beyond their roles, a field's answer depends on. */
export type ViewerDependence = 'user' | 'session';

/**
 * Fields (schema coordinates) whose answer differs between viewers of the same roles. Staff
 * subscribers of the same roles share one resolution per event, run as one of them; a subscription
 * that selects one of these anywhere (through fragments and nesting too) is instead resolved for each
 * user, or each session, alone, so that nobody receives an answer meant for someone else.
 *   - `User.sessions`: only the user themselves and admins see them (auth policy `session:list`);
 *     another agent gets an empty list.
 *   - `Session.current`: true for the session of the token asking, so two sessions of one user differ.
 * Not listed, because for staff the role alone decides: `User.orders`, `User.tickets`,
 * `Order.tickets`, `Order.payments` and the private profile fields (every agent sees them all);
 * customers are resolved per user anyway.
 * When a subgraph's policy or resolver starts deciding a field reachable from a live field by the
 * viewer's id or session rather than their roles (`viewer.userId === …`, `viewer.sessionId`), add its
 * coordinate here, and a case to the live subscription tests that two such viewers get their own answer.
 */
export const VIEWER_DEPENDENT_FIELDS: Readonly<Record<string, ViewerDependence>> = {
  'User.sessions': 'user',
  'Session.current': 'session',
};

/** The live field each event type feeds. */
export const LIVE_FIELD_OF_EVENT: ReadonlyMap<string, LiveField> = new Map(Object.values(LIVE_FIELDS).map((field) => [field.event.type, field]));
