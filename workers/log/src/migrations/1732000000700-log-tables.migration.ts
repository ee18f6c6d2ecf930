// Request logs and the audit trail of domain events. The primary key is the log's or event's own id,
// so a redelivered message is absorbed by ON CONFLICT instead of stored twice.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LogTables1732000000700 implements MigrationInterface {
  name = 'LogTables1732000000700';

  async up(runner: QueryRunner): Promise<void> {
    // Millisecond precision: cursors carry timestamps through JavaScript dates without losing order.
    await runner.query(`CREATE TABLE request_logs (
      id uuid PRIMARY KEY,
      operation_name text,
      operation_type text,
      duration_ms double precision NOT NULL,
      outcome text NOT NULL,
      error_codes text[] NOT NULL,
      user_id text,
      client_name text,
      client_version text,
      correlation_id text NOT NULL,
      at timestamptz(3) NOT NULL
    )`);
    // Listing newest first and the retention sweep both walk this index.
    await runner.query('CREATE INDEX request_logs_listing ON request_logs (at DESC, id DESC)');
    await runner.query('CREATE INDEX request_logs_by_correlation ON request_logs (correlation_id)');
    await runner.query('CREATE INDEX request_logs_by_user ON request_logs (user_id, at DESC, id DESC) WHERE user_id IS NOT NULL');
    await runner.query(`CREATE TABLE audit_events (
      id uuid PRIMARY KEY,
      type text NOT NULL,
      version integer NOT NULL,
      occurred_at timestamptz(3) NOT NULL,
      actor_id text,
      correlation_id text NOT NULL,
      causation_id text,
      payload jsonb NOT NULL
    )`);
    await runner.query('CREATE INDEX audit_events_listing ON audit_events (occurred_at DESC, id DESC)');
    await runner.query('CREATE INDEX audit_events_by_correlation ON audit_events (correlation_id)');
    // text_pattern_ops lets `type LIKE 'order.%'` use the index whatever the collation.
    await runner.query('CREATE INDEX audit_events_by_type ON audit_events (type text_pattern_ops)');
    await runner.query('CREATE INDEX audit_events_by_actor ON audit_events (actor_id, occurred_at DESC, id DESC) WHERE actor_id IS NOT NULL');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE audit_events');
    await runner.query('DROP TABLE request_logs');
  }
}
