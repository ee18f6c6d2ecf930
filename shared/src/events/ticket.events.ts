// Events published by the ticket subgraph.
import { z } from 'zod';
import { defineEvent } from './define-event';

export const TicketStatus = z.enum(['OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED']);
export const TicketPriority = z.enum(['LOW', 'NORMAL', 'HIGH', 'URGENT']);

export const TicketOpened = defineEvent({
  type: 'ticket.opened',
  version: 1,
  schema: z.object({
    ticketId: z.string().uuid(),
    requesterId: z.string().uuid(),
    subject: z.string(),
    priority: TicketPriority,
    orderId: z.string().uuid().nullable(),
    openedAt: z.string().datetime({ offset: true }),
  }),
});

/** Every status change, with `__typename` and key so subscribers can resolve the entity. */
export const TicketStatusChanged = defineEvent({
  type: 'ticket.status-changed',
  version: 1,
  schema: z.object({
    __typename: z.literal('Ticket'),
    id: z.string().uuid(),
    requesterId: z.string().uuid(),
    assigneeId: z.string().uuid().nullable(),
    /** So that whoever tells the requester can name the ticket. */
    subject: z.string(),
    from: TicketStatus,
    to: TicketStatus,
    changedAt: z.string().datetime({ offset: true }),
  }),
});

export const TicketCommented = defineEvent({
  type: 'ticket.commented',
  version: 1,
  schema: z.object({
    ticketId: z.string().uuid(),
    commentId: z.string().uuid(),
    requesterId: z.string().uuid(),
    authorId: z.string().uuid(),
    /** True when staff wrote it (the requester is told); false for the requester's own comments. */
    byStaff: z.boolean(),
  }),
});

export const TicketAssigned = defineEvent({
  type: 'ticket.assigned',
  version: 1,
  schema: z.object({ ticketId: z.string().uuid(), requesterId: z.string().uuid(), assigneeId: z.string().uuid().nullable() }),
});
