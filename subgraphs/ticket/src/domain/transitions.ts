// The ticket's lifecycle: which status moves exist, and which of them a requester may make alone.
import { AppError, ForbiddenError } from '@desk/shared';
import type { TicketStatus } from './ticket';

export const TICKET_STATUSES: readonly TicketStatus[] = ['OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED'];

const ALLOWED: Record<TicketStatus, readonly TicketStatus[]> = {
  OPEN: ['IN_PROGRESS', 'RESOLVED'],
  IN_PROGRESS: ['WAITING_ON_CUSTOMER', 'RESOLVED'],
  WAITING_ON_CUSTOMER: ['IN_PROGRESS', 'RESOLVED'],
  RESOLVED: ['CLOSED', 'OPEN'],
  CLOSED: [],
};

/** Moves a requester may make on their own ticket: resolve it, and then close or reopen it. */
const REQUESTER_MAY = (from: TicketStatus, to: TicketStatus): boolean =>
  to === 'RESOLVED' || (from === 'RESOLVED' && (to === 'OPEN' || to === 'CLOSED'));

/** Who is moving the ticket: staff, or its requester who is not staff. */
export type TransitionActor = 'staff' | 'requester';

export class InvalidTransitionError extends AppError {
  constructor(from: TicketStatus, to: TicketStatus) {
    super('TICKET_INVALID_TRANSITION', `A ticket cannot move from ${from} to ${to}`, { from, to });
  }
}

export const isAllowedTransition = (from: TicketStatus, to: TicketStatus): boolean => ALLOWED[from].includes(to);

/** Refuses a move that does not exist (TICKET_INVALID_TRANSITION), or one the actor may not make (FORBIDDEN). */
export function assertTransition(from: TicketStatus, to: TicketStatus, actor: TransitionActor): void {
  if (!isAllowedTransition(from, to)) throw new InvalidTransitionError(from, to);
  if (actor === 'requester' && !REQUESTER_MAY(from, to)) {
    throw new ForbiddenError(`Only staff may move a ticket from ${from} to ${to}`);
  }
}
