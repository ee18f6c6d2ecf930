// Mutation fields of the auth subgraph.
import type { MutationResolvers } from '../generated/graphql';

export const Mutation: MutationResolvers = {
  register: (_parent, { input }, ctx) => ctx.auth.register(input),
  login: (_parent, { email, password }, ctx) => ctx.auth.login(email, password),
  refreshSession: (_parent, { refreshToken }, ctx) => ctx.auth.refreshSession(refreshToken),
  logout: (_parent, { refreshToken }, ctx) => ctx.auth.logout(refreshToken),
  startGuestSession: (_parent, _args, ctx) => ctx.auth.startGuestSession(),
  requestPasswordReset: (_parent, { email }, ctx) => ctx.auth.requestPasswordReset(email),
  resetPassword: (_parent, { token, newPassword }, ctx) => ctx.auth.resetPassword(token, newPassword),
};
