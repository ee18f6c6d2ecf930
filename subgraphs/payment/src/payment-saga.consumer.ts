// The payment's side of the order saga: orders placed become payable, their status changes follow,
// and a cancelled paid order or a rejected payment gets its money back. Each event is handled once.
import {
  OrderPaymentRejected, OrderPlaced, OrderStatusChanged, on, startConsumer, subjects,
  type Logger, type NatsConnection, type RunningConsumer,
} from '@desk/shared';
import { recordOrderPlaced, recordOrderStatusChanged, refundRejectedPayment } from './payment-saga.service';
import type { PaymentServiceDeps } from './payment.service';

export const SAGA_CONSUMER = 'payment-saga';

export function startPaymentSagaConsumer(nc: NatsConnection, prefix: string, deps: PaymentServiceDeps, log: Logger, backoffMs?: number[]): Promise<RunningConsumer> {
  return startConsumer(nc, prefix, {
    durable: SAGA_CONSUMER,
    // The other order events are acknowledged and skipped by the consumer.
    filterSubject: subjects(prefix).event('order.>'),
    handlers: [
      on(OrderPlaced, (event, child) => recordOrderPlaced(deps, SAGA_CONSUMER, event, child)),
      on(OrderStatusChanged, (event, child) => recordOrderStatusChanged(deps, SAGA_CONSUMER, event, child)),
      on(OrderPaymentRejected, (event, child) => refundRejectedPayment(deps, SAGA_CONSUMER, event, child)),
    ],
    backoffMs,
  }, log);
}
