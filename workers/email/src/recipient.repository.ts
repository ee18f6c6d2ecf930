// The worker's projection of users: enough to address a mail and choose its language. A profile
// change carries its version, so an older one arriving late never overwrites a newer name or language;
// events from before versions existed are ordered by their time, as they were then.
import { returnedRows } from '@desk/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { Locale } from './mail-templates';

export interface Recipient { id: string; email: string | null; name: string; locale: Locale; guest: boolean }

/** Thrown when an event names a user whose registration has not reached the worker yet: retried later. */
export class RecipientNotYetKnown extends Error {
  constructor(readonly userId: string) {
    super(`recipient ${userId} is not known yet`);
    this.name = 'RecipientNotYetKnown';
  }
}

type Db = DataSource | EntityManager;

export class RecipientRepository {
  async register(db: Db, user: Recipient, at: string): Promise<void> {
    await db.query(`INSERT INTO recipients (id, email, name, locale, guest, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, locale = EXCLUDED.locale, guest = EXCLUDED.guest, updated_at = EXCLUDED.updated_at
      WHERE recipients.updated_at <= EXCLUDED.updated_at AND recipients.profile_version = 0`, [user.id, user.email, user.name, user.locale, user.guest, at]);
  }

  /**
   * A profile change; `locale` null keeps the current one. Applied only over an older version (one
   * statement, so concurrent deliveries cannot undo each other); without a version, over an older time.
   */
  async updateProfile(db: Db, userId: string, change: { name: string; locale: Locale | null }, at: string, version?: number): Promise<void> {
    const update = () => db.query(`UPDATE recipients SET name = $2, locale = COALESCE($3, locale), updated_at = GREATEST(updated_at, $4),
        profile_version = COALESCE($5, profile_version)
      WHERE id = $1 AND CASE WHEN $5::integer IS NULL THEN updated_at <= $4 ELSE profile_version < $5 END RETURNING id`,
    [userId, change.name, change.locale, at, version ?? null]);
    if (returnedRows(await update()).length > 0) return;
    if (!(await this.find(db, userId))) throw new RecipientNotYetKnown(userId);
    // The registration may have committed between the two statements: apply the change to it (a no-op
    // when the stored row is the newer one).
    await update();
  }

  async find(db: Db, userId: string): Promise<Recipient | null> {
    const rows: Recipient[] = await db.query('SELECT id, email, name, locale, guest FROM recipients WHERE id = $1', [userId]);
    return rows[0] ?? null;
  }

  async get(db: Db, userId: string): Promise<Recipient> {
    const found = await this.find(db, userId);
    if (!found) throw new RecipientNotYetKnown(userId);
    return found;
  }
}
