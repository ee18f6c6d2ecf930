// The ticket lifecycle table: every (from, to) pair, for staff and for the requester.
import { TICKET_STATUSES, assertTransition, isAllowedTransition, type TransitionActor } from '../src/domain/transitions';
import type { TicketStatus } from '../src/domain/ticket';

const ALLOWED: [TicketStatus, TicketStatus][] = [
  ['OPEN', 'IN_PROGRESS'],
  ['IN_PROGRESS', 'WAITING_ON_CUSTOMER'],
  ['WAITING_ON_CUSTOMER', 'IN_PROGRESS'],
  ['OPEN', 'RESOLVED'],
  ['IN_PROGRESS', 'RESOLVED'],
  ['WAITING_ON_CUSTOMER', 'RESOLVED'],
  ['RESOLVED', 'CLOSED'],
  ['RESOLVED', 'OPEN'],
];
const REQUESTER_MAY: [TicketStatus, TicketStatus][] = [
  ['OPEN', 'RESOLVED'],
  ['IN_PROGRESS', 'RESOLVED'],
  ['WAITING_ON_CUSTOMER', 'RESOLVED'],
  ['RESOLVED', 'CLOSED'],
  ['RESOLVED', 'OPEN'],
];

const allPairs = TICKET_STATUSES.flatMap((from) => TICKET_STATUSES.map((to) => [from, to] as [TicketStatus, TicketStatus]));
const listed = (pairs: [TicketStatus, TicketStatus][], from: TicketStatus, to: TicketStatus) => pairs.some(([f, t]) => f === from && t === to);

const outcome = (from: TicketStatus, to: TicketStatus, actor: TransitionActor): string => {
  try {
    assertTransition(from, to, actor);
    return 'allowed';
  } catch (error) {
    return (error as { extensions: { code: string } }).extensions.code;
  }
};

describe('when a ticket moves between statuses', () => {
  test.each(allPairs)('then %s → %s exists only when it is in the allowed table', (from, to) => {
    expect(isAllowedTransition(from, to)).toBe(listed(ALLOWED, from, to));
  });

  test.each(allPairs)('then staff moving %s → %s is allowed or TICKET_INVALID_TRANSITION', (from, to) => {
    expect(outcome(from, to, 'staff')).toBe(listed(ALLOWED, from, to) ? 'allowed' : 'TICKET_INVALID_TRANSITION');
  });

  test.each(allPairs)('then the requester moving %s → %s is allowed, FORBIDDEN or TICKET_INVALID_TRANSITION', (from, to) => {
    const expected = !listed(ALLOWED, from, to) ? 'TICKET_INVALID_TRANSITION' : listed(REQUESTER_MAY, from, to) ? 'allowed' : 'FORBIDDEN';
    expect(outcome(from, to, 'requester')).toBe(expected);
  });

  test('then the same status is never a move and CLOSED is final', () => {
    for (const status of TICKET_STATUSES) expect(outcome(status, status, 'staff')).toBe('TICKET_INVALID_TRANSITION');
    for (const to of TICKET_STATUSES) expect(isAllowedTransition('CLOSED', to)).toBe(false);
  });
});
