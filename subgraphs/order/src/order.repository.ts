// Storage of orders, their lines and status history in Postgres (schema `orders`). Everything it
// returns is a plain record; write methods take the caller's transaction.
import { Where, keysetPage, keysetPages, newestFirstOrder, type Page, type PageRequest, type TimePosition } from '@desk/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { OrderItemRecord, OrderRecord, OrderStatus, StatusChangeRecord } from './domain/order';

const ORDER_COLUMNS = 'id, customer_id, total_cents, currency, status, paid_payment_id, created_at, updated_at';

interface OrderRow {
  id: string; customer_id: string; total_cents: number; currency: string; status: OrderStatus;
  paid_payment_id: string | null; created_at: Date; updated_at: Date;
}

const toOrder = (row: OrderRow): OrderRecord => ({
  id: row.id,
  customerId: row.customer_id,
  totalCents: row.total_cents,
  currency: row.currency,
  status: row.status,
  paidPaymentId: row.paid_payment_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export interface OrderFilterQuery {
  customerId: string | null;
  statuses: OrderStatus[] | null;
}

export class OrderRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One `WHERE id = ANY($1)` query, whatever the number of ids; unknown ids are simply absent. */
  async findByIds(ids: readonly string[]): Promise<OrderRecord[]> {
    if (ids.length === 0) return [];
    const rows: OrderRow[] = await this.dataSource.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ANY($1)`, [[...ids]]);
    return rows.map(toOrder);
  }

  /** Reads an order and locks it until the transaction ends. */
  async findForUpdate(manager: EntityManager, id: string): Promise<OrderRecord | null> {
    const rows: OrderRow[] = await manager.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toOrder(rows[0]) : null;
  }

  /** The lines of many orders in one query, in their order. */
  async itemsOf(orderIds: readonly string[]): Promise<OrderItemRecord[]> {
    if (orderIds.length === 0) return [];
    const rows: { order_id: string; product_id: string; name: string; unit_price_cents: number; quantity: number }[] = await this.dataSource.query(
      'SELECT order_id, product_id, name, unit_price_cents, quantity FROM order_items WHERE order_id = ANY($1) ORDER BY order_id, position', [[...orderIds]],
    );
    return rows.map((r) => ({ orderId: r.order_id, productId: r.product_id, name: r.name, unitPriceCents: r.unit_price_cents, quantity: r.quantity }));
  }

  /** The status histories of many orders in one query, oldest first. */
  async historiesOf(orderIds: readonly string[]): Promise<StatusChangeRecord[]> {
    if (orderIds.length === 0) return [];
    const rows: { order_id: string; from_status: OrderStatus | null; to_status: OrderStatus; actor_id: string | null; changed_at: Date }[] = await this.dataSource.query(
      'SELECT order_id, from_status, to_status, actor_id, changed_at FROM order_status_changes WHERE order_id = ANY($1) ORDER BY order_id, id', [[...orderIds]],
    );
    return rows.map((r) => ({ orderId: r.order_id, from: r.from_status, to: r.to_status, actorId: r.actor_id, at: r.changed_at }));
  }

  /** Newest first, the id breaking ties; `limit + 1` rows when there are more, and the total when asked for. */
  page(query: OrderFilterQuery, request: PageRequest<TimePosition>): Promise<Page<OrderRecord>> {
    const where = new Where();
    if (query.customerId) where.add((p) => `customer_id = ${p}`, query.customerId);
    if (query.statuses) where.add((p) => `status = ANY(${p})`, query.statuses);
    return keysetPage(this.dataSource, { table: 'orders', columns: ORDER_COLUMNS, where, order: newestFirstOrder('created_at') }, request, toOrder);
  }

  /** Each customer's page of their orders, as `page` reads one, all in one statement. */
  pagesByCustomer(customerIds: readonly string[], request: PageRequest<TimePosition>): Promise<Map<string, Page<OrderRecord>>> {
    const source = { table: 'orders', columns: ORDER_COLUMNS, where: new Where(), order: newestFirstOrder('created_at') };
    return keysetPages(this.dataSource, source, { column: 'customer_id', ids: customerIds }, request, toOrder);
  }

  async insert(manager: EntityManager, order: OrderRecord, items: OrderItemRecord[]): Promise<void> {
    await manager.query(
      `INSERT INTO orders (${ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
      [order.id, order.customerId, order.totalCents, order.currency, order.status, order.paidPaymentId, order.createdAt],
    );
    await manager.query(
      `INSERT INTO order_items (order_id, position, product_id, name, unit_price_cents, quantity)
       SELECT $1, position, product_id, name, unit_price_cents, quantity
       FROM unnest($2::uuid[], $3::text[], $4::int[], $5::int[]) WITH ORDINALITY AS line(product_id, name, unit_price_cents, quantity, position)`,
      [order.id, items.map((i) => i.productId), items.map((i) => i.name), items.map((i) => i.unitPriceCents), items.map((i) => i.quantity)],
    );
  }

  async updateStatus(manager: EntityManager, id: string, status: OrderStatus, at: Date, paidPaymentId?: string): Promise<void> {
    await manager.query(
      'UPDATE orders SET status = $2, updated_at = $3, paid_payment_id = coalesce($4, paid_payment_id) WHERE id = $1',
      [id, status, at, paidPaymentId ?? null],
    );
  }

  async recordChange(manager: EntityManager, change: StatusChangeRecord): Promise<void> {
    await manager.query(
      'INSERT INTO order_status_changes (order_id, from_status, to_status, actor_id, changed_at) VALUES ($1, $2, $3, $4, $5)',
      [change.orderId, change.from, change.to, change.actorId, change.at],
    );
  }
}
