// Tickets with their comments and status history, and the projections of other services' data the
// ticket rules need (which orders belong to whom, which users are staff).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TicketTables1732000000300 implements MigrationInterface {
  name = 'TicketTables1732000000300';

  async up(runner: QueryRunner): Promise<void> {
    // Millisecond precision: cursors carry created_at through JavaScript dates without losing order.
    await runner.query(`CREATE TABLE tickets (
      id uuid PRIMARY KEY,
      subject text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
      description text NOT NULL CHECK (char_length(description) BETWEEN 1 AND 10000),
      status text NOT NULL CHECK (status IN ('OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED')),
      priority text NOT NULL CHECK (priority IN ('LOW', 'NORMAL', 'HIGH', 'URGENT')),
      requester_id uuid NOT NULL,
      assignee_id uuid,
      order_id uuid,
      created_at timestamptz(3) NOT NULL,
      updated_at timestamptz(3) NOT NULL
    )`);
    await runner.query('CREATE INDEX tickets_listing ON tickets (created_at DESC, id DESC)');
    await runner.query('CREATE INDEX tickets_by_requester ON tickets (requester_id, created_at DESC, id DESC)');
    await runner.query('CREATE INDEX tickets_by_assignee ON tickets (assignee_id, created_at DESC, id DESC) WHERE assignee_id IS NOT NULL');
    await runner.query('CREATE INDEX tickets_by_order ON tickets (order_id, created_at DESC, id DESC) WHERE order_id IS NOT NULL');
    await runner.query(`CREATE TABLE ticket_comments (
      id uuid PRIMARY KEY,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
      author_id uuid NOT NULL,
      body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 10000),
      created_at timestamptz(3) NOT NULL
    )`);
    await runner.query('CREATE INDEX ticket_comments_by_ticket ON ticket_comments (ticket_id, seq)');
    await runner.query(`CREATE TABLE ticket_status_changes (
      id bigserial PRIMARY KEY,
      ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
      from_status text,
      to_status text NOT NULL,
      actor_id uuid,
      changed_at timestamptz(3) NOT NULL
    )`);
    await runner.query('CREATE INDEX ticket_status_changes_by_ticket ON ticket_status_changes (ticket_id, id)');
    // Projections, fed by the order and auth/user events.
    await runner.query('CREATE TABLE known_orders (id uuid PRIMARY KEY, customer_id uuid NOT NULL)');
    await runner.query('CREATE TABLE known_users (id uuid PRIMARY KEY, roles text[] NOT NULL)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE known_users');
    await runner.query('DROP TABLE known_orders');
    await runner.query('DROP TABLE ticket_status_changes');
    await runner.query('DROP TABLE ticket_comments');
    await runner.query('DROP TABLE tickets');
  }
}
