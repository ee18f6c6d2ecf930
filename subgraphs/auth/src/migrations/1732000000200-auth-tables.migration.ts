// The auth schema: accounts (credentials and the profile projection), sessions with their refresh
// tokens, password resets, login attempts for throttling, and the signing keys made on first start.
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AuthTables1732000000200 implements MigrationInterface {
  name = 'AuthTables1732000000200';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE accounts (
      id uuid PRIMARY KEY,
      email text UNIQUE,
      password_hash text,
      name text NOT NULL,
      roles text[] NOT NULL,
      guest boolean NOT NULL DEFAULT false,
      locale text NOT NULL DEFAULT 'en',
      created_at timestamptz(3) NOT NULL DEFAULT now(),
      updated_at timestamptz(3) NOT NULL DEFAULT now(),
      CONSTRAINT accounts_email_lower CHECK (email = lower(email)),
      CONSTRAINT accounts_guest_or_credentials CHECK (guest OR (email IS NOT NULL AND password_hash IS NOT NULL))
    )`);
    await runner.query("CREATE INDEX accounts_admins ON accounts (id) WHERE 'ADMIN' = ANY(roles)");
    // A session is a refresh-token family: every rotation adds a token to it; reuse revokes it whole.
    await runner.query(`CREATE TABLE sessions (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      revoke_reason text,
      ip text,
      user_agent text
    )`);
    await runner.query('CREATE INDEX sessions_account ON sessions (account_id) WHERE revoked_at IS NULL');
    await runner.query(`CREATE TABLE refresh_tokens (
      token_hash text PRIMARY KEY,
      session_id uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      used_at timestamptz
    )`);
    await runner.query('CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id)');
    await runner.query(`CREATE TABLE password_resets (
      token_hash text PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    )`);
    await runner.query('CREATE INDEX password_resets_account ON password_resets (account_id, created_at)');
    await runner.query(`CREATE TABLE login_failures (
      id bigserial PRIMARY KEY,
      email text NOT NULL,
      ip text,
      failed_at timestamptz NOT NULL DEFAULT now()
    )`);
    await runner.query('CREATE INDEX login_failures_email ON login_failures (email, failed_at)');
    await runner.query('CREATE INDEX login_failures_ip ON login_failures (ip, failed_at)');
    await runner.query(`CREATE TABLE signing_keys (
      kid text PRIMARY KEY,
      private_jwk jsonb NOT NULL,
      public_jwk jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      retired_at timestamptz
    )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['signing_keys', 'login_failures', 'password_resets', 'refresh_tokens', 'sessions', 'accounts']) {
      await runner.query(`DROP TABLE ${table}`);
    }
  }
}
