// Query fields of the log subgraph.
import type { QueryResolvers } from '../generated/graphql';

export const Query: QueryResolvers = {
  requestLogs: (_parent, args, ctx) => ctx.logs.requestLogs(args),
  auditEvents: (_parent, args, ctx) => ctx.logs.auditEvents(args),
};
