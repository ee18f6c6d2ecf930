// Query fields of the log subgraph.
import { selectsTotalCount } from '@desk/shared';
import type { QueryResolvers } from '../generated/graphql';

export const Query: QueryResolvers = {
  requestLogs: (_parent, args, ctx, info) => ctx.logs.requestLogs({ ...args, withTotal: selectsTotalCount(info) }),
  auditEvents: (_parent, args, ctx, info) => ctx.logs.auditEvents({ ...args, withTotal: selectsTotalCount(info) }),
};
