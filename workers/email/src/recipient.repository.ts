// The worker's projection of users: enough to address a mail and choose its language. Writes carry
// the event's time, so an older event arriving late never overwrites a newer name or language.
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
      WHERE recipients.updated_at <= EXCLUDED.updated_at`, [user.id, user.email, user.name, user.locale, user.guest, at]);
  }

  /** A profile change; `locale` null keeps the current one. */
  async updateProfile(db: Db, userId: string, change: { name: string; locale: Locale | null }, at: string): Promise<void> {
    const update = () => db.query(`UPDATE recipients SET name = $2, locale = COALESCE($3, locale), updated_at = $4
      WHERE id = $1 AND updated_at <= $4 RETURNING id`, [userId, change.name, change.locale, at]);
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
