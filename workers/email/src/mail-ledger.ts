// Sends each event's mail once. The ledger row (event id, kind of mail) is inserted and the mail sent
// in one transaction, committed once the server accepted the mail: a concurrent delivery of the same
// event waits on the row's lock and then finds it committed; a failed try rolls back and the consumer
// retries the event.
//
// The remaining window, honestly: if the process dies (or the commit fails) after the SMTP server
// accepted the mail and before the ledger commit, the row rolls back and the redelivered event sends
// the mail again. No design closes this gap with SMTP, which has no idempotent submit; the copy then
// carries the same Message-ID (<event-id.kind@desk>), so the receiving side (and our tests) can
// recognise and drop it. The development catcher writes in the same transaction and has no window.
import type { Logger } from '@desk/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { renderMail, type Locale, type MailData, type MailKind } from './mail-templates';
import type { MailTransport } from './mail-transport';

export interface MailRequest<K extends MailKind> {
  to: string;
  locale: Locale;
  kind: K;
  data: MailData[K];
}

export type DeliveryResult = 'sent' | 'rejected' | 'already-handled';

export const messageIdOf = (eventId: string, kind: MailKind): string => `<${eventId}.${kind}@desk>`;

export class MailLedger {
  constructor(readonly db: DataSource, private readonly transport: MailTransport) {}

  /**
   * `prepare` runs in the transaction first (it may read recipients, and throw to retry later);
   * null means this event mails no one (a guest, no address).
   */
  async deliverOnce<K extends MailKind>(
    eventId: string, kind: K, prepare: (tx: EntityManager) => Promise<MailRequest<K> | null>, log: Logger,
  ): Promise<DeliveryResult | 'no-recipient'> {
    return this.db.transaction(async (tx) => {
      const request = await prepare(tx);
      if (!request) return 'no-recipient';
      const messageId = messageIdOf(eventId, kind);
      // The row is written final ('sent') before the mail goes out: nobody sees it before the commit,
      // which only happens once the SMTP server accepted the mail, and a failure rolls it back.
      const claimed: unknown[] = await tx.query(`INSERT INTO sent_mails (event_id, kind, recipient, message_id, status, sent_at) VALUES ($1, $2, $3, $4, 'sent', now())
        ON CONFLICT (event_id, kind) DO NOTHING RETURNING event_id`, [eventId, kind, request.to, messageId]);
      if (claimed.length === 0) {
        log.debug({ kind, messageId }, 'mail already handled; skipped');
        return 'already-handled';
      }
      const rendered = renderMail(request.kind, request.locale, request.data);
      const outcome = await this.transport.send({ eventId, to: request.to, messageId, language: request.locale, ...rendered }, tx);
      if (outcome.status === 'rejected') {
        await tx.query(`UPDATE sent_mails SET status = 'rejected', sent_at = NULL, error = $3 WHERE event_id = $1 AND kind = $2`, [eventId, kind, outcome.reason]);
        log.warn({ kind, messageId, reason: outcome.reason }, 'the mail server refused the recipient; not retried');
        return 'rejected';
      }
      log.info({ kind, messageId, via: this.transport.mode }, 'mail sent');
      return 'sent';
    });
  }
}
