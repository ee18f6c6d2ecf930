// The Payment entity: references from other subgraphs (null when not visible), its order, its QR image.
import type { PaymentResolvers } from '../generated/graphql';

export const Payment: PaymentResolvers = {
  __resolveReference: (reference, ctx) => ctx.payments.reference(reference.id),
  order: (payment) => ({ id: payment.orderId }),
  qrCodeImage: (payment, _args, ctx) => ctx.payments.qrCodeImage(payment),
};
