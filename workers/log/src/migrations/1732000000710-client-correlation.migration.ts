// The correlation id a client sent with its request, stored beside the gateway's own (which stays the key
// the trail is searched by). Nullable: older logs and clients that send none have no such id.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ClientCorrelation1732000000710 implements MigrationInterface {
  name = 'ClientCorrelation1732000000710';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE request_logs ADD COLUMN client_correlation_id text');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE request_logs DROP COLUMN client_correlation_id');
  }
}
