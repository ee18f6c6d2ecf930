// Access tokens carry the account's roles version, so a change of roles ends exactly the tokens made
// before it (a second-granular issue time cannot tell them from ones made just after).
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RolesVersion1732000000201 implements MigrationInterface {
  name = 'RolesVersion1732000000201';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE accounts ADD COLUMN roles_version integer NOT NULL DEFAULT 0');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE accounts DROP COLUMN roles_version');
  }
}
