// The users table: profiles projected from registrations, and the roles this service owns.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class UsersTable1732000000100 implements MigrationInterface {
  name = 'UsersTable1732000000100';

  async up(runner: QueryRunner): Promise<void> {
    // Millisecond precision: cursors carry created_at through JavaScript dates without losing order.
    await runner.query(`CREATE TABLE users (
      id uuid PRIMARY KEY,
      email text UNIQUE,
      name text NOT NULL,
      roles text[] NOT NULL,
      document text,
      phone text,
      locale text NOT NULL,
      guest boolean NOT NULL DEFAULT false,
      created_at timestamptz(3) NOT NULL,
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      CONSTRAINT users_roles_not_empty CHECK (cardinality(roles) > 0),
      CONSTRAINT users_locale_known CHECK (locale IN ('pt-BR', 'en'))
    )`);
    await runner.query('CREATE INDEX users_listing ON users (created_at DESC, id DESC)');
    await runner.query('CREATE INDEX users_email_lower ON users (lower(email))');
    await runner.query('CREATE INDEX users_name_lower ON users (lower(name))');
    // The last-admin check counts admins on every role change.
    await runner.query("CREATE INDEX users_admins ON users (id) WHERE 'ADMIN' = ANY(roles)");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE users');
  }
}
