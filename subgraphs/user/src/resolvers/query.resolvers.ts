// Query fields of the user subgraph.
import { selectsTotalCount } from '@desk/shared';
import type { QueryResolvers } from '../generated/graphql';

export const Query: QueryResolvers = {
  me: (_parent, _args, ctx) => ctx.users.me(),
  user: (_parent, { id }, ctx) => ctx.users.user(id),
  users: (_parent, args, ctx, info) => ctx.users.list({ ...args, withTotal: selectsTotalCount(info) }),
};
