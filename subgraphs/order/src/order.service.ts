// The order's use cases: placing from catalogue prices, reading under the policy, fulfilment and
// cancellation, and the saga's side (a settled payment pays the order; a refund cancels it). Every
// change writes its status history and event in the same transaction.
import { randomUUID } from 'node:crypto';
import {
  BadUserInputError, ForbiddenError, NotFoundError, OrderPaymentRejected, OrderPlaced, OrderStatus, OrderStatusChanged, UnauthenticatedError,
  appendEvent, emptyConnection, isUuid, newestFirst,
  type CountedConnection, type EventCause, type Logger, type OutboxRelay, type Page, type PageArgs, type PageKey, type PageRequest,
  type TimePosition, type Viewer,
} from '@desk/shared';
import type DataLoader from 'dataloader';
import type { DataSource, EntityManager } from 'typeorm';
import type { CatalogueRepository } from './catalogue.repository';
import {
  assertCancellable, assertFulfilmentStep, priceItems, validateItems,
  type ItemInput, type OrderItemRecord, type OrderRecord, type StatusChangeRecord,
} from './domain/order';
import { can } from './policy';
import type { OrderRepository } from './order.repository';

export type OrderConnection = CountedConnection<OrderRecord>;

/** What the service needs that outlives a request. */
export interface OrderServiceDeps {
  dataSource: DataSource;
  orders: OrderRepository;
  catalogue: CatalogueRepository;
  relay: OutboxRelay;
}

export interface OrderLoaders {
  orders: DataLoader<string, OrderRecord | null>;
  items: DataLoader<string, OrderItemRecord[]>;
  history: DataLoader<string, StatusChangeRecord[]>;
  /** Each customer's page of their orders; the policy is applied before asking. */
  byCustomer: DataLoader<PageKey<PageRequest<TimePosition>>, Page<OrderRecord>, string>;
}

/** Moves an order to `to`, with its history line and event, inside `tx`. */
export async function changeStatus(
  tx: EntityManager, orders: OrderRepository, order: OrderRecord, to: OrderStatus,
  change: { cause: EventCause; refundDue?: boolean; paidPaymentId?: string },
): Promise<OrderRecord> {
  const at = new Date();
  await orders.updateStatus(tx, order.id, to, at, change.paidPaymentId);
  await orders.recordChange(tx, { orderId: order.id, from: order.status, to, actorId: change.cause.actorId ?? null, at });
  await appendEvent(tx, OrderStatusChanged, {
    __typename: 'Order', id: order.id, customerId: order.customerId, from: order.status, to,
    totalCents: order.totalCents, currency: order.currency, refundDue: change.refundDue ?? false, changedAt: at.toISOString(),
  }, change.cause);
  return { ...order, status: to, updatedAt: at, paidPaymentId: change.paidPaymentId ?? order.paidPaymentId };
}

/** One per request: bound to the viewer and the request's loaders. */
export class OrderService {
  constructor(
    private readonly deps: OrderServiceDeps,
    private readonly viewer: Viewer,
    private readonly loaders: OrderLoaders,
    private readonly log: Logger,
  ) {}

  async order(id: string): Promise<OrderRecord | null> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    if (!isUuid(id)) throw new BadUserInputError('id is not a valid order id', 'id');
    const order = await this.loaders.orders.load(id);
    if (order && !can(this.viewer, 'order:read', order)) throw new ForbiddenError('You may only see your own orders');
    return order;
  }

  /** A reference from another subgraph: null when the viewer may not see it. */
  async reference(id: string): Promise<OrderRecord | null> {
    if (!isUuid(id)) return null;
    const order = await this.loaders.orders.load(id);
    return order && can(this.viewer, 'order:read', order) ? order : null;
  }

  items(order: OrderRecord): Promise<OrderItemRecord[]> {
    return this.loaders.items.load(order.id);
  }

  history(order: OrderRecord): Promise<StatusChangeRecord[]> {
    return this.loaders.history.load(order.id);
  }

  async list(args: PageArgs & { filter?: { status?: readonly OrderStatus[] | null; customerId?: string | null } | null }): Promise<OrderConnection> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    const filter = args.filter ?? {};
    let customerId: string | null = this.viewer.userId;
    if (can(this.viewer, 'order:list-all')) {
      if (filter.customerId != null && !isUuid(filter.customerId)) throw new BadUserInputError('customerId is not a valid user id', 'filter.customerId');
      customerId = filter.customerId ?? null;
    } else if (filter.customerId != null && filter.customerId !== this.viewer.userId) {
      throw new ForbiddenError('You may only see your own orders');
    }
    return this.page(customerId, filter.status ?? null, args);
  }

  /** `User.orders`: a customer sees only their own list; anyone else's is empty. */
  async ofUser(userId: string, args: PageArgs): Promise<OrderConnection> {
    // An id that is no uuid owns no order; it must not reach the statement other users' pages share.
    if (!isUuid(userId) || !can(this.viewer, 'order:read', { customerId: userId })) {
      newestFirst.request(args);
      return emptyConnection();
    }
    // Read with every other user's page this request asks for: a list of users costs one statement.
    const request = newestFirst.request(args);
    return this.connection(await this.loaders.byCustomer.load({ parentId: userId, query: request }), request);
  }

  private async page(customerId: string | null, statuses: readonly OrderStatus[] | null, args: PageArgs): Promise<OrderConnection> {
    const request = newestFirst.request(args);
    return this.connection(await this.deps.orders.page({ customerId, statuses: statuses && statuses.length > 0 ? [...statuses] : null }, request), request);
  }

  private connection(page: Page<OrderRecord>, request: PageRequest<TimePosition>): OrderConnection {
    for (const row of page.rows) this.loaders.orders.prime(row.id, row);
    return newestFirst.connection(page, request, (o) => ({ at: o.createdAt, id: o.id }));
  }

  async place(input: { items: readonly ItemInput[] }): Promise<OrderRecord> {
    const customerId = this.viewer.userId;
    if (!customerId) throw new UnauthenticatedError();
    if (!can(this.viewer, 'order:place')) throw new ForbiddenError();
    validateItems(input.items);
    const order = await this.deps.dataSource.transaction(async (tx) => {
      const products = await this.deps.catalogue.findProductsForOrder(tx, input.items.map((i) => i.productId));
      const priced = priceItems(input.items, new Map(products.map((p) => [p.id, p])));
      const now = new Date();
      const record: OrderRecord = {
        id: randomUUID(), customerId, totalCents: priced.totalCents, currency: priced.currency, status: 'PENDING_PAYMENT',
        paidPaymentId: null, createdAt: now, updatedAt: now,
      };
      const items = priced.lines.map((line) => ({ ...line, orderId: record.id }));
      await this.deps.orders.insert(tx, record, items);
      await this.deps.orders.recordChange(tx, { orderId: record.id, from: null, to: 'PENDING_PAYMENT', actorId: customerId, at: now });
      await appendEvent(tx, OrderPlaced, {
        orderId: record.id, customerId, totalCents: record.totalCents, currency: record.currency,
        items: priced.lines.map((l) => ({ productId: l.productId, name: l.name, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
        placedAt: now.toISOString(),
      }, this.cause());
      this.loaders.items.prime(record.id, items);
      return record;
    });
    this.deps.relay.kick();
    this.loaders.orders.prime(order.id, order);
    this.log.info({ orderId: order.id, totalCents: order.totalCents }, 'order placed');
    return order;
  }

  async advance(orderId: string, to: OrderStatus): Promise<OrderRecord> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    if (!can(this.viewer, 'order:fulfil')) throw new ForbiddenError('Only staff move orders through fulfilment');
    return this.mutate(orderId, async (tx, order) => {
      assertFulfilmentStep(order.status, to);
      return changeStatus(tx, this.deps.orders, order, to, { cause: this.cause() });
    });
  }

  async cancel(orderId: string): Promise<OrderRecord> {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    return this.mutate(orderId, async (tx, order) => {
      if (!can(this.viewer, 'order:cancel', order)) throw new ForbiddenError('You may only cancel your own orders');
      const { refundDue } = assertCancellable(order.status, can(this.viewer, 'order:fulfil'));
      return changeStatus(tx, this.deps.orders, order, 'CANCELLED', { cause: this.cause(), refundDue });
    });
  }

  /** Locks the order, checks the viewer may see it, applies `change`, then publishes. */
  private async mutate(orderId: string, change: (tx: EntityManager, order: OrderRecord) => Promise<OrderRecord>): Promise<OrderRecord> {
    if (!isUuid(orderId)) throw new BadUserInputError('orderId is not a valid order id', 'orderId');
    const updated = await this.deps.dataSource.transaction(async (tx) => {
      const order = await this.deps.orders.findForUpdate(tx, orderId);
      if (!order) throw new NotFoundError('Order', orderId);
      if (!can(this.viewer, 'order:read', order)) throw new ForbiddenError('You may only act on your own orders');
      return change(tx, order);
    });
    this.deps.relay.kick();
    this.loaders.orders.clear(orderId).prime(orderId, updated);
    this.loaders.history.clear(orderId);
    this.log.info({ orderId, status: updated.status }, 'order status changed');
    return updated;
  }

  private cause(): EventCause {
    return { correlationId: this.viewer.correlationId, actorId: this.viewer.userId };
  }
}

/** What a settled payment does to its order: pays it, or asks for the money back. */
export async function applySettledPayment(
  tx: EntityManager, orders: OrderRepository, payment: { orderId: string; paymentId: string; amountCents: number }, cause: EventCause, log: Logger,
): Promise<void> {
  const order = await orders.findForUpdate(tx, payment.orderId);
  if (!order) {
    // Orders are written before their payments can start; a missing one is a foreign or corrupt event.
    log.error({ orderId: payment.orderId, paymentId: payment.paymentId }, 'payment settled for an unknown order');
    return;
  }
  if (order.status === 'PENDING_PAYMENT' && payment.amountCents === order.totalCents) {
    await changeStatus(tx, orders, order, 'PAID', { cause, paidPaymentId: payment.paymentId });
    return;
  }
  if (order.paidPaymentId === payment.paymentId) return;
  const reason = order.status === 'CANCELLED' ? 'order-cancelled' : 'already-paid';
  if (order.status === 'PENDING_PAYMENT') log.error({ orderId: order.id, paymentId: payment.paymentId, amountCents: payment.amountCents, totalCents: order.totalCents }, 'payment amount does not match the order total; refunding it');
  await appendEvent(tx, OrderPaymentRejected, { orderId: order.id, paymentId: payment.paymentId, reason }, cause);
}

/** A refund the order did not ask for (staff refunded the payment): the order can no longer be fulfilled. */
export async function applyRefund(tx: EntityManager, orders: OrderRepository, payment: { orderId: string; paymentId: string }, cause: EventCause): Promise<void> {
  const order = await orders.findForUpdate(tx, payment.orderId);
  if (!order || order.paidPaymentId !== payment.paymentId || !['PAID', 'PREPARING', 'READY'].includes(order.status)) return;
  await changeStatus(tx, orders, order, 'CANCELLED', { cause, refundDue: false });
}
