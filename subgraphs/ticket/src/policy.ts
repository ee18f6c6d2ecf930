// Who may do what in the ticket subgraph: every authorization decision of the service is made here.
import { isStaff, type Viewer } from '@desk/shared';
import type { TransitionActor } from './domain/transitions';

export type Action =
  /** See a ticket, its comments and history. */
  | 'ticket:read'
  /** See every ticket and filter on anyone's. */
  | 'ticket:list-all'
  /** Open a ticket for oneself. */
  | 'ticket:open'
  /** Comment on a ticket. */
  | 'ticket:comment'
  /** Assign a ticket to staff, or unassign it. */
  | 'ticket:assign'
  /** Open a ticket about any order, not only one's own. */
  | 'ticket:any-order';

export interface TicketResource { requesterId: string; }

const isRequester = (viewer: Viewer, resource?: TicketResource): boolean =>
  viewer.userId !== null && resource !== undefined && viewer.userId === resource.requesterId;

export function can(viewer: Viewer, action: Action, resource?: TicketResource): boolean {
  switch (action) {
    case 'ticket:read':
    case 'ticket:comment':
      return isRequester(viewer, resource) || isStaff(viewer);
    case 'ticket:open':
      return viewer.userId !== null;
    case 'ticket:list-all':
    case 'ticket:assign':
    case 'ticket:any-order':
      return isStaff(viewer);
  }
}

/** In what capacity the viewer changes a ticket's status; null when they may not change it at all. */
export function transitionActor(viewer: Viewer, ticket: TicketResource): TransitionActor | null {
  if (isStaff(viewer)) return 'staff';
  return isRequester(viewer, ticket) ? 'requester' : null;
}
