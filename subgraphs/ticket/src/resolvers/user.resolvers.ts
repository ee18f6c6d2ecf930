// User.tickets: this subgraph's contribution to the User entity.
import type { UserResolvers } from '../generated/graphql';

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  tickets: (user, args, ctx) => ctx.tickets.ofUser(user.id, args),
};
