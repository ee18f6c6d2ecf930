// Each user's roles and profile count their changes, and the events carry the count, so the services
// that keep a copy apply only a newer one whatever order the events reach them in. Registration is
// version 0 of both.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class FactVersions1732000000110 implements MigrationInterface {
  name = 'FactVersions1732000000110';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE users ADD COLUMN roles_version integer NOT NULL DEFAULT 0, ADD COLUMN profile_version integer NOT NULL DEFAULT 0');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE users DROP COLUMN roles_version, DROP COLUMN profile_version');
  }
}
