// The User entity: references from other subgraphs, and its private fields guarded by the policy.
import type { UserResolvers } from '../generated/graphql';

export const User: UserResolvers = {
  __resolveReference: (reference, ctx) => ctx.users.reference(reference.id),
  email: (user, _args, ctx) => ctx.users.privateField(user, 'email'),
  document: (user, _args, ctx) => ctx.users.privateField(user, 'document'),
  phone: (user, _args, ctx) => ctx.users.privateField(user, 'phone'),
};
