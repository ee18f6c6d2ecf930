// The payment tables: payments, the providers' notifications already handled, and the orders this
// subgraph knows from the order subgraph's events.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PaymentTables1732000000500 implements MigrationInterface {
  name = 'PaymentTables1732000000500';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE payments (
      id uuid PRIMARY KEY,
      order_id uuid NOT NULL,
      customer_id uuid NOT NULL,
      amount_cents integer NOT NULL,
      currency text NOT NULL,
      provider text NOT NULL,
      status text NOT NULL,
      provider_ref text,
      qr_code text,
      checkout_url text,
      correlation_id text NOT NULL,
      failure_reason text,
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      CONSTRAINT payments_amount_positive CHECK (amount_cents > 0),
      CONSTRAINT payments_currency_iso CHECK (currency ~ '^[A-Z]{3}$'),
      CONSTRAINT payments_provider_known CHECK (provider IN ('SANDBOX', 'STRIPE', 'MERCADOPAGO')),
      CONSTRAINT payments_status_known CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED'))
    )`);
    // At most one pending payment per order: two concurrent starts meet here and share one payment.
    await runner.query("CREATE UNIQUE INDEX payments_one_pending_per_order ON payments (order_id) WHERE status = 'PENDING'");
    await runner.query('CREATE INDEX payments_by_order ON payments (order_id, created_at)');
    await runner.query('CREATE UNIQUE INDEX payments_provider_ref ON payments (provider, provider_ref) WHERE provider_ref IS NOT NULL');

    // One row per provider notification acted on: the same key again is a replay.
    await runner.query(`CREATE TABLE webhook_events (
      provider text NOT NULL,
      event_key text NOT NULL,
      payment_id uuid,
      received_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (provider, event_key)
    )`);

    await runner.query(`CREATE TABLE known_orders (
      id uuid PRIMARY KEY,
      customer_id uuid NOT NULL,
      total_cents integer NOT NULL,
      currency text NOT NULL,
      status text NOT NULL,
      -- When the order entered its status: an older event delivered late does not undo a newer one.
      status_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE known_orders');
    await runner.query('DROP TABLE webhook_events');
    await runner.query('DROP TABLE payments');
  }
}
