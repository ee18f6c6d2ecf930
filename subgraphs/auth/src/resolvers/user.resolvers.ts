// User.sessions: this subgraph's contribution to the User entity (the user subgraph owns the rest).
import type { UserResolvers } from '../generated/graphql';

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  sessions: (user, _args, ctx) => ctx.sessions.ofUser(user.id),
};
