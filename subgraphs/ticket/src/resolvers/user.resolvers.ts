// User.tickets: this subgraph's contribution to the User entity.
import { selectsTotalCount } from '@desk/shared';
import type { UserResolvers } from '../generated/graphql';

export const User: UserResolvers = {
  __resolveReference: (reference) => ({ id: reference.id }),
  tickets: (user, args, ctx, info) => ctx.tickets.ofUser(user.id, { ...args, withTotal: selectsTotalCount(info) }),
};
