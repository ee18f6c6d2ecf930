// Reads the development mail catcher: the newest mails first, for the /mails page and `npm run mails`.
import type { DataSource } from 'typeorm';

export interface CaughtMail { id: string; eventId: string; to: string; subject: string; text: string; html: string; sentAt: Date }

export async function latestCaughtMails(db: DataSource, limit: number): Promise<CaughtMail[]> {
  return db.query(`SELECT id::text AS id, event_id AS "eventId", "to", subject, text, html, sent_at AS "sentAt"
    FROM caught_mails ORDER BY sent_at DESC, id DESC LIMIT $1`, [limit]);
}

export async function findCaughtMail(db: DataSource, id: string): Promise<CaughtMail | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const rows: CaughtMail[] = await db.query(`SELECT id::text AS id, event_id AS "eventId", "to", subject, text, html, sent_at AS "sentAt"
    FROM caught_mails WHERE id = $1`, [id]);
  return rows[0] ?? null;
}
