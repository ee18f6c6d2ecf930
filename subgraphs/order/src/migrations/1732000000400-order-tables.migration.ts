// The catalogue (categories, products) and orders with their lines and status history.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OrderTables1732000000400 implements MigrationInterface {
  name = 'OrderTables1732000000400';

  async up(runner: QueryRunner): Promise<void> {
    // Millisecond precision: cursors carry timestamps through JavaScript dates without losing order.
    await runner.query(`CREATE TABLE categories (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      created_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await runner.query('CREATE UNIQUE INDEX categories_name_unique ON categories (lower(name))');
    await runner.query(`CREATE TABLE products (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      description text,
      price_cents integer NOT NULL CHECK (price_cents > 0),
      currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      category_id uuid REFERENCES categories (id),
      active boolean NOT NULL DEFAULT true,
      deleted_at timestamptz(3),
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now()
    )`);
    await runner.query('CREATE INDEX products_listing ON products (lower(name), id) WHERE deleted_at IS NULL');
    await runner.query('CREATE INDEX products_category ON products (category_id) WHERE deleted_at IS NULL');
    await runner.query(`CREATE TABLE orders (
      id uuid PRIMARY KEY,
      customer_id uuid NOT NULL,
      total_cents integer NOT NULL CHECK (total_cents > 0),
      currency char(3) NOT NULL,
      status text NOT NULL CHECK (status IN ('PENDING_PAYMENT', 'PAID', 'PREPARING', 'READY', 'DELIVERED', 'CANCELLED')),
      paid_payment_id uuid,
      created_at timestamptz(3) NOT NULL,
      updated_at timestamptz(3) NOT NULL
    )`);
    await runner.query('CREATE INDEX orders_listing ON orders (created_at DESC, id DESC)');
    await runner.query('CREATE INDEX orders_by_customer ON orders (customer_id, created_at DESC, id DESC)');
    // Lines keep the product's name and price as they were: later catalogue changes do not reprice orders.
    await runner.query(`CREATE TABLE order_items (
      order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
      position smallint NOT NULL,
      product_id uuid NOT NULL,
      name text NOT NULL,
      unit_price_cents integer NOT NULL CHECK (unit_price_cents > 0),
      quantity integer NOT NULL CHECK (quantity > 0),
      PRIMARY KEY (order_id, position),
      UNIQUE (order_id, product_id)
    )`);
    await runner.query(`CREATE TABLE order_status_changes (
      id bigserial PRIMARY KEY,
      order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
      from_status text,
      to_status text NOT NULL,
      actor_id uuid,
      changed_at timestamptz(3) NOT NULL
    )`);
    await runner.query('CREATE INDEX order_status_changes_by_order ON order_status_changes (order_id, id)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE order_status_changes');
    await runner.query('DROP TABLE order_items');
    await runner.query('DROP TABLE orders');
    await runner.query('DROP TABLE products');
    await runner.query('DROP TABLE categories');
  }
}
