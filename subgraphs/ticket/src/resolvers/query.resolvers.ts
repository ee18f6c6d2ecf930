// Query fields of the ticket subgraph.
import type { QueryResolvers } from '../generated/graphql';

export const Query: QueryResolvers = {
  ticket: (_parent, { id }, ctx) => ctx.tickets.ticket(id),
  tickets: (_parent, args, ctx) => ctx.tickets.list(args),
};
