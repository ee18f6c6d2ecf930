// The version of the user's roles and of their profile last applied from the user subgraph's events,
// so that an older event delivered after a newer one changes nothing: a revoked ADMIN role cannot come
// back into the tokens this service signs. (roles_version is this service's own count, carried in
// access tokens; these two are the user subgraph's.)
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AppliedFactVersions1732000000210 implements MigrationInterface {
  name = 'AppliedFactVersions1732000000210';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE accounts ADD COLUMN applied_roles_version integer NOT NULL DEFAULT 0, ADD COLUMN applied_profile_version integer NOT NULL DEFAULT 0');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE accounts DROP COLUMN applied_roles_version, DROP COLUMN applied_profile_version');
  }
}
