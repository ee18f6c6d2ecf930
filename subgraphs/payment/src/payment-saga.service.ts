// The payment side of the order saga: the known-orders projection follows the order's events, and
// a cancelled paid order or a payment the order rejected gets its money back. Each event is handled once.
import {
  handleOnce, type EventCause, type EventEnvelope, type Logger, type OrderPaymentRejected, type OrderPlaced, type OrderStatusChanged, type PayloadOf,
} from '@desk/shared';
import { refundInTransaction, type PaymentServiceDeps } from './payment.service';

/** Events the saga causes carry the incoming event's correlation id and name it as their cause. */
const causeOf = (event: EventEnvelope): EventCause => ({ correlationId: event.correlationId, causationId: event.id, actorId: null });

/** OrderPlaced: the order becomes payable here. */
export async function recordOrderPlaced(deps: PaymentServiceDeps, consumer: string, event: EventEnvelope<PayloadOf<typeof OrderPlaced>>, log: Logger): Promise<void> {
  const p = event.payload;
  const fresh = await handleOnce(deps.dataSource.manager, consumer, event.id, (tx) => deps.repository.upsertOrder(tx, {
    id: p.orderId, customerId: p.customerId, totalCents: p.totalCents, currency: p.currency, status: 'PENDING_PAYMENT',
  }, new Date(p.placedAt)));
  log.debug({ orderId: p.orderId, repeat: !fresh }, 'order placed recorded');
}

/** OrderStatusChanged: the projection follows; a cancelled paid order gets its payments refunded. */
export async function recordOrderStatusChanged(deps: PaymentServiceDeps, consumer: string, event: EventEnvelope<PayloadOf<typeof OrderStatusChanged>>, log: Logger): Promise<void> {
  const p = event.payload;
  let refunds = 0;
  const fresh = await handleOnce(deps.dataSource.manager, consumer, event.id, async (tx) => {
    await deps.repository.upsertOrder(tx, { id: p.id, customerId: p.customerId, totalCents: p.totalCents, currency: p.currency, status: p.to }, new Date(p.changedAt));
    if (!p.refundDue) return;
    for (const payment of await deps.repository.findByOrderAndStatusForUpdate(tx, p.id, 'SUCCEEDED')) {
      await refundInTransaction(tx, deps, payment, causeOf(event), log);
      refunds += 1;
    }
  });
  if (fresh && refunds > 0) deps.relay.kick();
  log.debug({ orderId: p.id, to: p.to, refunds, repeat: !fresh }, 'order status recorded');
}

/** OrderPaymentRejected: the order did not want this settled payment; the money goes back. */
export async function refundRejectedPayment(deps: PaymentServiceDeps, consumer: string, event: EventEnvelope<PayloadOf<typeof OrderPaymentRejected>>, log: Logger): Promise<void> {
  const p = event.payload;
  let refunded = false;
  const fresh = await handleOnce(deps.dataSource.manager, consumer, event.id, async (tx) => {
    const payment = await deps.repository.findForUpdate(tx, p.paymentId);
    if (!payment || payment.orderId !== p.orderId || payment.status !== 'SUCCEEDED') return;
    await refundInTransaction(tx, deps, payment, causeOf(event), log);
    refunded = true;
  });
  if (fresh && refunded) deps.relay.kick();
  log.debug({ paymentId: p.paymentId, reason: p.reason, refunded, repeat: !fresh }, 'rejected payment handled');
}
