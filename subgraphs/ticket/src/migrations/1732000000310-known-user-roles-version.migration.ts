// The version of each known user's roles last applied from the user subgraph's events, so that an
// older change delivered after a newer one changes nothing (a demoted agent stays unassignable).
// Registration is version 0.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class KnownUserRolesVersion1732000000310 implements MigrationInterface {
  name = 'KnownUserRolesVersion1732000000310';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE known_users ADD COLUMN applied_roles_version integer NOT NULL DEFAULT 0');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE known_users DROP COLUMN applied_roles_version');
  }
}
