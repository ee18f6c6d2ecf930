// The subscription fields the gateway serves, each fed by one domain event that carries the entity's
// key: which event, which argument narrows it to one entity, which query field loads the entity for a
// viewer (so that the whole selection is resolved through the normal query plan), and whose it is.
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

/** The live field each event type feeds. */
export const LIVE_FIELD_OF_EVENT: ReadonlyMap<string, LiveField> = new Map(Object.values(LIVE_FIELDS).map((field) => [field.event.type, field]));
