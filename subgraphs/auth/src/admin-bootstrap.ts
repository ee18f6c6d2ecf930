// The first admin: created at start-up from ADMIN_EMAIL / ADMIN_PASSWORD when no admin exists yet.
// Replicas starting together take a lock, so exactly one creates it.
import { randomUUID } from 'node:crypto';
import { UserRegistered, appendEvent, type Logger } from '@desk/shared';
import type { DataSource } from 'typeorm';
import type { AccountRepository } from './account.repository';
import { checkPassword, normalizeEmail } from './domain/credentials';
import { hashPassword } from './domain/password';

export async function ensureFirstAdmin(
  deps: { dataSource: DataSource; accounts: AccountRepository },
  admin: { email: string; password: string },
  log: Logger,
): Promise<'created' | 'exists' | 'email-taken'> {
  const email = normalizeEmail(admin.email, 'ADMIN_EMAIL');
  const passwordHash = await hashPassword(checkPassword(admin.password, 'ADMIN_PASSWORD'));
  const outcome = await deps.dataSource.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('auth:first-admin'))");
    if (await deps.accounts.countAdmins(tx) > 0) return 'exists' as const;
    if (await deps.accounts.findByEmail(email, tx)) return 'email-taken' as const;
    const id = randomUUID();
    const createdAt = new Date();
    await deps.accounts.insert(tx, { id, email, passwordHash, name: 'Administrator', roles: ['ADMIN'], guest: false, locale: 'en', createdAt, rolesVersion: 0 });
    await appendEvent(tx, UserRegistered, {
      userId: id, email, name: 'Administrator', roles: ['ADMIN'], guest: false, locale: 'en', registeredAt: createdAt.toISOString(),
    }, { correlationId: `bootstrap-${id}`, actorId: null });
    return 'created' as const;
  });
  if (outcome === 'created') log.info({ email }, 'first admin created');
  if (outcome === 'email-taken') log.warn({ email }, 'ADMIN_EMAIL belongs to an account that is not an admin; no admin was created');
  return outcome;
}
