// Storage of accounts, sessions, refresh tokens, password resets and login failures (schema `auth`).
// Plain SQL through TypeORM's manager; every method returns plain values and write methods take the
// caller's transaction.
import { returnedRows, type Role } from '@desk/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { Account, Locale } from './domain/account';
import type { OpenSession } from './domain/session';
import type { RecentFailures } from './domain/throttle';

interface AccountRow {
  id: string; email: string | null; password_hash: string | null; name: string; roles: Role[];
  guest: boolean; locale: Locale; created_at: Date; roles_version: number;
}

const toAccount = (row: AccountRow): Account => ({
  id: row.id, email: row.email, passwordHash: row.password_hash, name: row.name, roles: [...row.roles],
  guest: row.guest, locale: row.locale, createdAt: row.created_at, rolesVersion: row.roles_version,
});

const ACCOUNT_COLUMNS = 'id, email, password_hash, name, roles, guest, locale, created_at, roles_version';

export interface SessionRow {
  id: string;
  accountId: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

export interface RefreshTokenRow {
  tokenHash: string;
  usedAt: Date | null;
  session: SessionRow;
}

export class AccountRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findByEmail(email: string, manager: EntityManager = this.dataSource.manager): Promise<Account | null> {
    const rows: AccountRow[] = await manager.query(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE email = $1`, [email]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<Account | null> {
    const rows: AccountRow[] = await manager.query(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`, [id]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  /** False when the email is taken (the unique index decides, so two racing registrations cannot both win). */
  async insert(tx: EntityManager, account: Account): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO accounts (id, email, password_hash, name, roles, guest, locale, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (email) DO NOTHING RETURNING id`,
      [account.id, account.email, account.passwordHash, account.name, account.roles, account.guest, account.locale, account.createdAt],
    );
    return rows.length === 1;
  }

  async countAdmins(tx: EntityManager): Promise<number> {
    const [row]: { n: string }[] = await tx.query("SELECT count(*) AS n FROM accounts WHERE 'ADMIN' = ANY(roles)");
    return Number(row.n);
  }

  async setPassword(tx: EntityManager, accountId: string, passwordHash: string): Promise<void> {
    await tx.query('UPDATE accounts SET password_hash = $2, updated_at = now() WHERE id = $1', [accountId, passwordHash]);
  }

  /**
   * Applies a profile change of the user subgraph unless a newer one is in already (the check and the
   * write are one statement, so concurrent deliveries cannot undo each other). An event without a
   * version, from before versions existed, is applied as it comes.
   */
  async updateProfile(tx: EntityManager, accountId: string, changes: { name?: string; locale?: Locale | null }, version?: number): Promise<boolean> {
    const rows = returnedRows(await tx.query(
      `UPDATE accounts SET name = coalesce($2, name), locale = coalesce($3, locale), applied_profile_version = coalesce($4, applied_profile_version), updated_at = now()
       WHERE id = $1 AND ($4::integer IS NULL OR applied_profile_version < $4) RETURNING id`,
      [accountId, changes.name ?? null, changes.locale ?? null, version ?? null],
    ));
    return rows.length === 1;
  }

  /**
   * Applies a change of roles unless a newer one is in already, as `updateProfile` does; returns the
   * account's new roles version, null when nothing changed (no such account, or an older change).
   */
  async updateRoles(tx: EntityManager, accountId: string, roles: Role[], version?: number): Promise<number | null> {
    const rows = returnedRows<{ roles_version: number }>(await tx.query(
      `UPDATE accounts SET roles = $2, roles_version = roles_version + 1, applied_roles_version = coalesce($3, applied_roles_version), updated_at = now()
       WHERE id = $1 AND ($3::integer IS NULL OR applied_roles_version < $3) RETURNING roles_version`,
      [accountId, roles, version ?? null],
    ));
    return rows[0]?.roles_version ?? null;
  }

  // Sessions and refresh tokens.

  async insertSession(tx: EntityManager, session: { id: string; accountId: string; expiresAt: Date; ip: string | null }): Promise<void> {
    await tx.query('INSERT INTO sessions (id, account_id, expires_at, ip) VALUES ($1, $2, $3, $4)', [session.id, session.accountId, session.expiresAt, session.ip]);
  }

  async insertRefreshToken(tx: EntityManager, sessionId: string, tokenHash: string): Promise<void> {
    await tx.query('INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)', [tokenHash, sessionId]);
  }

  /** The token and its session, locked until the transaction ends so two rotations cannot race. */
  async lockRefreshToken(tx: EntityManager, tokenHash: string): Promise<RefreshTokenRow | null> {
    const rows: { token_hash: string; used_at: Date | null; id: string; account_id: string; expires_at: Date; revoked_at: Date | null }[] = await tx.query(
      `SELECT t.token_hash, t.used_at, s.id, s.account_id, s.expires_at, s.revoked_at
       FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = $1 FOR UPDATE`,
      [tokenHash],
    );
    const row = rows[0];
    if (!row) return null;
    return { tokenHash: row.token_hash, usedAt: row.used_at, session: { id: row.id, accountId: row.account_id, expiresAt: row.expires_at, revokedAt: row.revoked_at } };
  }

  async markRefreshTokenUsed(tx: EntityManager, tokenHash: string): Promise<void> {
    await tx.query('UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1', [tokenHash]);
  }

  async findSession(tx: EntityManager, sessionId: string): Promise<SessionRow | null> {
    const rows: { id: string; account_id: string; expires_at: Date; revoked_at: Date | null }[] = await tx.query(
      'SELECT id, account_id, expires_at, revoked_at FROM sessions WHERE id = $1 FOR UPDATE', [sessionId],
    );
    const row = rows[0];
    return row ? { id: row.id, accountId: row.account_id, expiresAt: row.expires_at, revokedAt: row.revoked_at } : null;
  }

  /** The open sessions (not revoked, not expired) of these accounts, newest first, in one statement. */
  async openSessionsOf(accountIds: readonly string[]): Promise<OpenSession[]> {
    const rows: { id: string; account_id: string; created_at: Date; expires_at: Date; ip: string | null }[] = await this.dataSource.query(
      `SELECT id, account_id, created_at, expires_at, ip FROM sessions
       WHERE account_id = ANY($1) AND revoked_at IS NULL AND expires_at > now()
       ORDER BY created_at DESC, id DESC`,
      [accountIds],
    );
    return rows.map((row) => ({ id: row.id, accountId: row.account_id, createdAt: row.created_at, expiresAt: row.expires_at, ip: row.ip }));
  }

  /** True when this call revoked it (false when it already was). */
  async revokeSession(tx: EntityManager, sessionId: string, reason: string): Promise<boolean> {
    const rows = returnedRows(await tx.query(
      'UPDATE sessions SET revoked_at = now(), revoke_reason = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id', [sessionId, reason],
    ));
    return rows.length === 1;
  }

  /** Revokes every live session of the account; returns their ids. */
  async revokeAllSessions(tx: EntityManager, accountId: string, reason: string): Promise<string[]> {
    const rows = returnedRows<{ id: string }>(await tx.query(
      'UPDATE sessions SET revoked_at = now(), revoke_reason = $2 WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING id',
      [accountId, reason],
    ));
    return rows.map((r) => r.id);
  }

  // Password resets.

  async insertPasswordReset(tx: EntityManager, reset: { tokenHash: string; accountId: string; expiresAt: Date }): Promise<void> {
    await tx.query('INSERT INTO password_resets (token_hash, account_id, expires_at) VALUES ($1, $2, $3)', [reset.tokenHash, reset.accountId, reset.expiresAt]);
  }

  async countRecentResets(accountId: string, since: Date): Promise<number> {
    const [row]: { n: string }[] = await this.dataSource.query(
      'SELECT count(*) AS n FROM password_resets WHERE account_id = $1 AND created_at > $2', [accountId, since],
    );
    return Number(row.n);
  }

  /** Marks a live reset token used and returns its account; null when unknown, used or expired. */
  /** Whether a reset token could be used now; consumePasswordReset decides, this only spares the work for a dead one. */
  async passwordResetIsLive(tokenHash: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      'SELECT 1 FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()', [tokenHash],
    );
    return rows.length > 0;
  }

  async consumePasswordReset(tx: EntityManager, tokenHash: string): Promise<string | null> {
    const rows = returnedRows<{ account_id: string }>(await tx.query(
      `UPDATE password_resets SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING account_id`,
      [tokenHash],
    ));
    return rows[0]?.account_id ?? null;
  }

  /** Every other outstanding reset token of the account stops working once one is used. */
  async voidPasswordResets(tx: EntityManager, accountId: string): Promise<void> {
    await tx.query('UPDATE password_resets SET used_at = now() WHERE account_id = $1 AND used_at IS NULL', [accountId]);
  }

  // Login attempts: recorded before the password is checked, so concurrent guesses count against each other.

  async recordAttempt(email: string, ip: string | null): Promise<string> {
    const [row]: { id: string }[] = await this.dataSource.query('INSERT INTO login_failures (email, ip) VALUES ($1, $2) RETURNING id', [email, ip]);
    return row.id;
  }

  async forgetAttempt(id: string): Promise<void> {
    await this.dataSource.query('DELETE FROM login_failures WHERE id = $1', [id]);
  }

  /** Failures (and attempts in flight) other than `exceptId`, within the window, oldest first. */
  async recentFailures(email: string, ip: string | null, since: Date, exceptId: string): Promise<RecentFailures> {
    const [accountAndAddress, address] = await Promise.all([
      this.dataSource.query(
        'SELECT failed_at FROM login_failures WHERE email = $1 AND ip IS NOT DISTINCT FROM $2 AND failed_at > $3 AND id <> $4 ORDER BY failed_at',
        [email, ip, since, exceptId],
      ),
      ip ? this.dataSource.query('SELECT failed_at FROM login_failures WHERE ip = $1 AND failed_at > $2 AND id <> $3 ORDER BY failed_at', [ip, since, exceptId]) : [],
    ]) as [{ failed_at: Date }[], { failed_at: Date }[]];
    return { accountAndAddress: accountAndAddress.map((r) => r.failed_at), address: address.map((r) => r.failed_at) };
  }

  /**
   * Forgets the account's failures: from one address after a sign-in from it (a guesser elsewhere
   * stays throttled), from everywhere after a password reset (the guessed password is gone).
   */
  async clearFailures(email: string, from?: { ip: string | null }): Promise<void> {
    if (from) await this.dataSource.query('DELETE FROM login_failures WHERE email = $1 AND ip IS NOT DISTINCT FROM $2', [email, from.ip]);
    else await this.dataSource.query('DELETE FROM login_failures WHERE email = $1', [email]);
  }

  async pruneFailures(before: Date): Promise<void> {
    await this.dataSource.query('DELETE FROM login_failures WHERE failed_at < $1', [before]);
  }
}
