// Query fields of the ticket subgraph.
import { selectsTotalCount } from '@desk/shared';
import type { QueryResolvers } from '../generated/graphql';

export const Query: QueryResolvers = {
  ticket: (_parent, { id }, ctx) => ctx.tickets.ticket(id),
  tickets: (_parent, args, ctx, info) => ctx.tickets.list({ ...args, withTotal: selectsTotalCount(info) }),
};
