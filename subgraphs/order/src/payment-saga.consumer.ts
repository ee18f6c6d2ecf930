// The order's side of the payment saga: a settled payment pays its order (or is rejected so that it is
// refunded); a refund made by staff cancels the order. Each event is handled once.
import {
  PaymentRefunded, PaymentSucceeded, handleOnce, on, startConsumer, subjects,
  type EventEnvelope, type Logger, type NatsConnection, type OutboxRelay, type RunningConsumer,
} from '@desk/shared';
import type { DataSource } from 'typeorm';
import { applyRefund, applySettledPayment } from './order.service';
import type { OrderRepository } from './order.repository';

export const SAGA_CONSUMER = 'order-payment-saga';

interface SagaDeps { dataSource: DataSource; orders: OrderRepository; relay: OutboxRelay; }

/** Events this one causes carry its correlation id, and name it as their cause. */
const causeOf = (event: EventEnvelope) => ({ correlationId: event.correlationId, causationId: event.id, actorId: null });

export function startPaymentSagaConsumer(nc: NatsConnection, prefix: string, deps: SagaDeps, log: Logger): Promise<RunningConsumer> {
  const once = async (event: EventEnvelope, work: Parameters<typeof handleOnce>[3]) => {
    if (await handleOnce(deps.dataSource.manager, SAGA_CONSUMER, event.id, work)) deps.relay.kick();
  };
  return startConsumer(nc, prefix, {
    durable: SAGA_CONSUMER,
    filterSubject: subjects(prefix).event('payment.>'),
    handlers: [
      on(PaymentSucceeded, (event, child) => once(event, (tx) => applySettledPayment(tx, deps.orders, event.payload, causeOf(event), child))),
      on(PaymentRefunded, (event) => once(event, (tx) => applyRefund(tx, deps.orders, event.payload, causeOf(event)))),
    ],
  }, log);
}
