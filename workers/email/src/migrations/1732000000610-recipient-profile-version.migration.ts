// The version of each recipient's profile last applied from the user subgraph's events: an older
// change delivered after a newer one changes nothing, where comparing the events' times could not
// tell two changes apart in the same millisecond or across the clocks of two replicas. Registration
// is version 0.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RecipientProfileVersion1732000000610 implements MigrationInterface {
  name = 'RecipientProfileVersion1732000000610';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE recipients ADD COLUMN profile_version integer NOT NULL DEFAULT 0');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE recipients DROP COLUMN profile_version');
  }
}
