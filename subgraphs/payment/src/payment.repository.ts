// Storage of payments, webhook receipts and the known-orders projection in Postgres (schema
// `payments`), through TypeORM with an EntitySchema. Everything it returns is a plain record; write
// methods take the caller's transaction.
import { EntitySchema, type DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import type { KnownOrder, PaymentProvider, PaymentRecord, PaymentStatus } from './domain/payment';

export const PaymentEntity = new EntitySchema<PaymentRecord>({
  name: 'Payment',
  tableName: 'payments',
  columns: {
    id: { type: 'uuid', primary: true },
    orderId: { type: 'uuid', name: 'order_id' },
    customerId: { type: 'uuid', name: 'customer_id' },
    amountCents: { type: 'integer', name: 'amount_cents' },
    currency: { type: 'text' },
    provider: { type: 'text' },
    status: { type: 'text' },
    providerRef: { type: 'text', name: 'provider_ref', nullable: true },
    qrCode: { type: 'text', name: 'qr_code', nullable: true },
    checkoutUrl: { type: 'text', name: 'checkout_url', nullable: true },
    correlationId: { type: 'text', name: 'correlation_id' },
    failureReason: { type: 'text', name: 'failure_reason', nullable: true },
    createdAt: { type: 'timestamptz', name: 'created_at', precision: 3 },
    updatedAt: { type: 'timestamptz', name: 'updated_at', precision: 3 },
  },
});

export const KnownOrderEntity = new EntitySchema<KnownOrder>({
  name: 'KnownOrder',
  tableName: 'known_orders',
  columns: {
    id: { type: 'uuid', primary: true },
    customerId: { type: 'uuid', name: 'customer_id' },
    totalCents: { type: 'integer', name: 'total_cents' },
    currency: { type: 'text' },
    status: { type: 'text' },
  },
});

// Raw SQL for the by-id and by-order loads, the hottest reads: TypeORM's query building and hydration
// cost more than the query. Aliased to the record's names so that `toRecord` serves both paths.
const PAYMENT_COLUMNS = `id, order_id AS "orderId", customer_id AS "customerId", amount_cents AS "amountCents", currency, provider, status,
  provider_ref AS "providerRef", qr_code AS "qrCode", checkout_url AS "checkoutUrl", correlation_id AS "correlationId",
  failure_reason AS "failureReason", created_at AS "createdAt", updated_at AS "updatedAt"`;

export type NewPayment = Omit<PaymentRecord, 'createdAt' | 'updatedAt' | 'status' | 'failureReason'>;

const toRecord = (row: PaymentRecord): PaymentRecord => ({
  id: row.id,
  orderId: row.orderId,
  customerId: row.customerId,
  amountCents: row.amountCents,
  currency: row.currency,
  provider: row.provider,
  status: row.status,
  providerRef: row.providerRef,
  qrCode: row.qrCode,
  checkoutUrl: row.checkoutUrl,
  correlationId: row.correlationId,
  failureReason: row.failureReason,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

const toOrder = (row: KnownOrder): KnownOrder => ({
  id: row.id, customerId: row.customerId, totalCents: row.totalCents, currency: row.currency, status: row.status,
});

export class PaymentRepository {
  constructor(private readonly dataSource: DataSource) {}

  private query(manager: EntityManager = this.dataSource.manager): SelectQueryBuilder<PaymentRecord> {
    return manager.getRepository(PaymentEntity).createQueryBuilder('p');
  }

  /** One `WHERE id = ANY($1)` query, whatever the number of ids; unknown ids are simply absent. */
  async findByIds(ids: readonly string[]): Promise<PaymentRecord[]> {
    if (ids.length === 0) return [];
    const rows: PaymentRecord[] = await this.dataSource.query(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = ANY($1)`, [[...ids]]);
    return rows.map(toRecord);
  }

  /** The payments of many orders in one `order_id = ANY($1)` query, oldest first. */
  async findByOrderIds(orderIds: readonly string[]): Promise<PaymentRecord[]> {
    if (orderIds.length === 0) return [];
    const rows: PaymentRecord[] = await this.dataSource.query(
      `SELECT ${PAYMENT_COLUMNS} FROM payments WHERE order_id = ANY($1) ORDER BY created_at, id`, [[...orderIds]],
    );
    return rows.map(toRecord);
  }

  async findPending(manager: EntityManager, orderId: string): Promise<PaymentRecord | null> {
    const row = await this.query(manager).where('p.orderId = :orderId AND p.status = :status', { orderId, status: 'PENDING' }).getOne();
    return row ? toRecord(row) : null;
  }

  /** Reads a payment and locks the row until the transaction ends. */
  async findForUpdate(manager: EntityManager, id: string): Promise<PaymentRecord | null> {
    const row = await this.query(manager).setLock('pessimistic_write').where('p.id = :id', { id }).getOne();
    return row ? toRecord(row) : null;
  }

  async findByProviderRefForUpdate(manager: EntityManager, provider: PaymentProvider, providerRef: string): Promise<PaymentRecord | null> {
    const row = await this.query(manager).setLock('pessimistic_write')
      .where('p.provider = :provider AND p.providerRef = :providerRef', { provider, providerRef }).getOne();
    return row ? toRecord(row) : null;
  }

  /** The order's payments in a status, locked until the transaction ends. */
  async findByOrderAndStatusForUpdate(manager: EntityManager, orderId: string, status: PaymentStatus): Promise<PaymentRecord[]> {
    const rows = await this.query(manager).setLock('pessimistic_write')
      .where('p.orderId = :orderId AND p.status = :status', { orderId, status }).orderBy('p.createdAt', 'ASC').getMany();
    return rows.map(toRecord);
  }

  /**
   * Inserts a pending payment unless the order already has one. Returns false when it had: a
   * concurrent start waits on the unique index until the other transaction ends, then lands here.
   */
  async insertPending(manager: EntityManager, payment: NewPayment, at: Date): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO payments (id, order_id, customer_id, amount_cents, currency, provider, status, provider_ref, qr_code, checkout_url, correlation_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', $7, $8, $9, $10, $11, $11)
       ON CONFLICT (order_id) WHERE status = 'PENDING' DO NOTHING RETURNING id`,
      [payment.id, payment.orderId, payment.customerId, payment.amountCents, payment.currency, payment.provider,
        payment.providerRef, payment.qrCode, payment.checkoutUrl, payment.correlationId, at],
    );
    return inserted.length === 1;
  }

  async setCharge(manager: EntityManager, id: string, charge: Pick<PaymentRecord, 'providerRef' | 'qrCode' | 'checkoutUrl'>, at: Date): Promise<void> {
    await manager.getRepository(PaymentEntity).update({ id }, { ...charge, updatedAt: at });
  }

  async setStatus(manager: EntityManager, id: string, status: PaymentStatus, failureReason: string | null, at: Date): Promise<void> {
    await manager.getRepository(PaymentEntity).update({ id }, { status, failureReason, updatedAt: at });
  }

  /** Records a provider notification; false when the same one was recorded before (a replay). */
  async recordWebhook(manager: EntityManager, provider: PaymentProvider, eventKey: string, paymentId: string): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      'INSERT INTO webhook_events (provider, event_key, payment_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING event_key',
      [provider, eventKey, paymentId],
    );
    return inserted.length === 1;
  }

  async findOrder(id: string): Promise<KnownOrder | null> {
    const row = await this.dataSource.manager.getRepository(KnownOrderEntity).findOneBy({ id });
    return row ? toOrder(row) : null;
  }

  /**
   * Records what an event says of an order: its first sighting inserts it, a later one changes its
   * status unless the row already holds a newer status (events may be handled out of order).
   */
  async upsertOrder(manager: EntityManager, order: KnownOrder, statusAt: Date): Promise<void> {
    await manager.query(
      `INSERT INTO known_orders (id, customer_id, total_cents, currency, status, status_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, status_at = EXCLUDED.status_at, updated_at = now()
       WHERE known_orders.status_at <= EXCLUDED.status_at`,
      [order.id, order.customerId, order.totalCents, order.currency, order.status, statusAt],
    );
  }
}
