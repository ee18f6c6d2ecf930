// The payment subgraph's use cases for its clients: reading payments under the policy, and starting
// and refunding them with their events in the same transaction.
import { randomUUID } from 'node:crypto';
import {
  BadUserInputError, ForbiddenError, NotFoundError, PaymentRefunded, PaymentStarted, UnauthenticatedError, appendEvent, awaitProjection, isUuid,
  type EventCause, type Logger, type OutboxRelay, type Viewer,
} from '@desk/shared';
import type DataLoader from 'dataloader';
import QRCode from 'qrcode';
import type { DataSource, EntityManager } from 'typeorm';
import { PaymentInvalidStateError, ProviderUnavailableError, paymentEventFields, type PaymentProvider, type PaymentRecord } from './domain/payment';
import type { PaymentRepository, NewPayment } from './payment.repository';
import { can } from './policy';
import { defaultProvider, type Providers } from './providers';

/** What the service needs that outlives a request. */
export interface PaymentServiceDeps {
  dataSource: DataSource;
  repository: PaymentRepository;
  relay: OutboxRelay;
  providers: Providers;
}

export interface PaymentLoaders {
  payments: DataLoader<string, PaymentRecord | null>;
  /** The payments of each order, oldest first. */
  byOrder: DataLoader<string, PaymentRecord[]>;
}

/** One per request: bound to the viewer and the request's loaders. */
export class PaymentService {
  constructor(
    private readonly deps: PaymentServiceDeps,
    private readonly viewer: Viewer,
    private readonly loaders: PaymentLoaders,
    private readonly log: Logger,
  ) {}

  async payment(id: string): Promise<PaymentRecord | null> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    if (!isUuid(id)) throw new BadUserInputError('id is not a valid payment id', 'id');
    const payment = await this.loaders.payments.load(id);
    if (payment && !can(this.viewer, 'payment:read', payment)) throw new ForbiddenError('You may only see the payments of your own orders');
    return payment;
  }

  /** A reference from another subgraph: null when it does not exist or the viewer may not see it. */
  async reference(id: string): Promise<PaymentRecord | null> {
    if (!isUuid(id)) return null;
    const payment = await this.loaders.payments.load(id);
    return payment && can(this.viewer, 'payment:read', payment) ? payment : null;
  }

  /** An order's payments, oldest first; none for a viewer who may not see the order's payments. */
  async ofOrder(orderId: string): Promise<PaymentRecord[]> {
    if (!isUuid(orderId)) return [];
    const payments = await this.loaders.byOrder.load(orderId);
    return payments.filter((p) => can(this.viewer, 'payment:read', p));
  }

  /** The PIX code as a PNG data URL. */
  async qrCodeImage(payment: PaymentRecord): Promise<string | null> {
    return payment.qrCode ? QRCode.toDataURL(payment.qrCode, { errorCorrectionLevel: 'M', margin: 2, width: 256 }) : null;
  }

  /**
   * Starts paying an order for its total as the order subgraph announced it. While the order has a
   * pending payment, every start returns that one.
   */
  async start(orderId: string, requested: PaymentProvider | null | undefined): Promise<PaymentRecord> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    if (!isUuid(orderId)) throw new BadUserInputError('orderId is not a valid order id', 'orderId');
    const provider = requested ?? defaultProvider(this.deps.providers);
    if (!provider) throw new BadUserInputError('Choose a provider: more than one is configured', 'provider');
    const adapter = this.deps.providers.get(provider);
    if (!adapter) throw new BadUserInputError(`The ${provider} provider is not configured`, 'provider');
    const order = await awaitProjection(() => this.deps.repository.findOrder(orderId));
    if (!order) throw new NotFoundError('Order', orderId);
    if (!can(this.viewer, 'payment:start', order)) throw new ForbiddenError('You may only pay your own orders');
    if (order.status !== 'PENDING_PAYMENT') throw new PaymentInvalidStateError(`Order ${orderId} does not await payment (it is ${order.status})`);

    const existing = await this.deps.repository.findPending(this.deps.dataSource.manager, orderId);
    if (existing) return existing;

    const draft: NewPayment = {
      id: randomUUID(), orderId, customerId: order.customerId, amountCents: order.totalCents, currency: order.currency, provider,
      providerRef: null, qrCode: null, checkoutUrl: null, correlationId: this.viewer.correlationId,
    };
    const at = new Date();
    // The row is inserted before the provider is called: a concurrent start waits on the unique
    // index for this transaction, then finds this payment instead of charging a second time. A
    // provider failure rolls the row back.
    const result = await this.deps.dataSource.transaction(async (tx) => {
      if (!await this.deps.repository.insertPending(tx, draft, at)) {
        const pending = await this.deps.repository.findPending(tx, orderId);
        if (!pending) throw new PaymentInvalidStateError(`Order ${orderId} does not await payment`);
        return { payment: pending, fresh: false };
      }
      const charge = await adapter.createCharge(draft).catch((error: unknown) => {
        this.log.warn({ err: error, provider, orderId }, 'the provider refused to start a payment');
        throw new ProviderUnavailableError(provider, error);
      });
      const stored = { providerRef: charge.providerRef, qrCode: charge.qrCode ?? null, checkoutUrl: charge.checkoutUrl ?? null };
      await this.deps.repository.setCharge(tx, draft.id, stored, at);
      const payment: PaymentRecord = { ...draft, ...stored, status: 'PENDING', failureReason: null, createdAt: at, updatedAt: at };
      await appendEvent(tx, PaymentStarted, paymentEventFields(payment), { correlationId: this.viewer.correlationId, actorId: this.viewer.userId });
      return { payment, fresh: true };
    });
    if (result.fresh) {
      this.deps.relay.kick();
      this.log.info({ paymentId: result.payment.id, orderId, provider, amountCents: order.totalCents }, 'payment started');
    }
    this.loaders.payments.prime(result.payment.id, result.payment);
    this.loaders.byOrder.clear(orderId);
    return result.payment;
  }

  /** Staff give back the money of a settled payment through its provider. */
  async refund(paymentId: string): Promise<PaymentRecord> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    if (!can(this.viewer, 'payment:refund')) throw new ForbiddenError('Only staff may refund payments');
    if (!isUuid(paymentId)) throw new BadUserInputError('paymentId is not a valid payment id', 'paymentId');
    const refunded = await this.deps.dataSource.transaction(async (tx) => {
      const current = await this.deps.repository.findForUpdate(tx, paymentId);
      if (!current) throw new NotFoundError('Payment', paymentId);
      if (current.status !== 'SUCCEEDED') throw new PaymentInvalidStateError(`Only a SUCCEEDED payment may be refunded; this one is ${current.status}`);
      return refundInTransaction(tx, this.deps, current, { correlationId: this.viewer.correlationId, actorId: this.viewer.userId }, this.log);
    });
    this.deps.relay.kick();
    this.loaders.payments.clear(paymentId).prime(paymentId, refunded);
    this.loaders.byOrder.clear(refunded.orderId);
    return refunded;
  }

}

/** Refunds a SUCCEEDED payment at its provider, marks it REFUNDED and writes PaymentRefunded. */
export async function refundInTransaction(tx: EntityManager, deps: PaymentServiceDeps, payment: PaymentRecord, cause: EventCause, log: Logger): Promise<PaymentRecord> {
  const adapter = deps.providers.get(payment.provider);
  if (!adapter) throw new ProviderUnavailableError(payment.provider, new Error(`${payment.provider} is not configured`));
  await adapter.refund(payment).catch((error: unknown) => {
    log.warn({ err: error, paymentId: payment.id, provider: payment.provider }, 'the provider refused a refund');
    throw new ProviderUnavailableError(payment.provider, error);
  });
  const at = new Date();
  await deps.repository.setStatus(tx, payment.id, 'REFUNDED', payment.failureReason, at);
  await appendEvent(tx, PaymentRefunded, { ...paymentEventFields(payment), refundedAt: at.toISOString() }, cause);
  log.info({ paymentId: payment.id, orderId: payment.orderId }, 'payment refunded');
  return { ...payment, status: 'REFUNDED', updatedAt: at };
}
