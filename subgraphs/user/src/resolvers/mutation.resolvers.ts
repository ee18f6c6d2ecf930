// Mutation fields of the user subgraph.
import type { MutationResolvers } from '../generated/graphql';

export const Mutation: MutationResolvers = {
  updateProfile: (_parent, { input }, ctx) => ctx.users.updateProfile(input),
  setUserRoles: (_parent, { userId, roles }, ctx) => ctx.users.setRoles(userId, roles),
};
