// Mutation fields of the ticket subgraph.
import type { MutationResolvers } from '../generated/graphql';

export const Mutation: MutationResolvers = {
  openTicket: (_parent, { input }, ctx) => ctx.tickets.open(input),
  addTicketComment: (_parent, { ticketId, body }, ctx) => ctx.tickets.comment(ticketId, body),
  assignTicket: (_parent, { ticketId, assigneeId }, ctx) => ctx.tickets.assign(ticketId, assigneeId ?? null),
  changeTicketStatus: (_parent, { ticketId, status }, ctx) => ctx.tickets.changeStatus(ticketId, status),
};
