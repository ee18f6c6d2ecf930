// Mutation fields of the payment subgraph.
import type { MutationResolvers } from '../generated/graphql';

export const Mutation: MutationResolvers = {
  startPayment: (_parent, { orderId, provider }, ctx) => ctx.payments.start(orderId, provider),
  refundPayment: (_parent, { paymentId }, ctx) => ctx.payments.refund(paymentId),
};
