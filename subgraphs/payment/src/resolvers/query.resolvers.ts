// Query fields of the payment subgraph.
import type { QueryResolvers } from '../generated/graphql';

export const Query: QueryResolvers = {
  payment: (_parent, { id }, ctx) => ctx.payments.payment(id),
};
