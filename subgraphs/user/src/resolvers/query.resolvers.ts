// Query fields of the user subgraph.
import type { QueryResolvers } from '../generated/graphql';

export const Query: QueryResolvers = {
  me: (_parent, _args, ctx) => ctx.users.me(),
  user: (_parent, { id }, ctx) => ctx.users.user(id),
  users: (_parent, args, ctx) => ctx.users.list(args),
};
