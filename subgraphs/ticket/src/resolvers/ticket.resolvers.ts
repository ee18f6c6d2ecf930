// The Ticket entity and its comments; requester, assignee, author and order are references resolved by
// the user and order subgraphs.
import type { TicketCommentResolvers, TicketResolvers } from '../generated/graphql';

export const Ticket: TicketResolvers = {
  __resolveReference: (reference, ctx) => ctx.tickets.reference(reference.id),
  requester: (ticket) => ({ __typename: 'User', id: ticket.requesterId }),
  assignee: (ticket) => (ticket.assigneeId ? { __typename: 'User', id: ticket.assigneeId } : null),
  order: (ticket) => (ticket.orderId ? { __typename: 'Order', id: ticket.orderId } : null),
  comments: (ticket, _args, ctx) => ctx.tickets.comments(ticket),
};

export const TicketComment: TicketCommentResolvers = {
  author: (comment) => ({ __typename: 'User', id: comment.authorId }),
};
