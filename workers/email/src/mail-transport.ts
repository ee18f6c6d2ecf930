// Where rendered mails go: an SMTP server through a pool of connections, or, in development without
// SMTP_URL, the caught_mails table. Tells a recipient the server refused for good (not worth another
// try) from a failure that a later try may get past (thrown, so the consumer retries).
import nodemailer, { type NodemailerError } from 'nodemailer';
import type { EntityManager } from 'typeorm';

export interface OutgoingMail {
  eventId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  language: string;
}

export type SendOutcome = { status: 'sent' } | { status: 'rejected'; reason: string };

export interface MailTransport {
  readonly mode: 'smtp' | 'catcher';
  /** `tx` is the ledger's transaction: the catcher writes in it, so its mail and ledger row commit together. */
  send(mail: OutgoingMail, tx: EntityManager): Promise<SendOutcome>;
  close(): Promise<void>;
}

export interface SmtpOptions { url: string; from: string; timeoutMs: number; maxConnections?: number }

export function smtpTransport(options: SmtpOptions): MailTransport {
  const transporter = nodemailer.createTransport({
    url: options.url,
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    maxMessages: 1_000,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  return {
    mode: 'smtp',
    async send(mail) {
      try {
        const info = await transporter.sendMail({
          from: options.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId,
          headers: { 'Content-Language': mail.language },
        });
        if (info.rejected?.length) return { status: 'rejected', reason: `refused: ${info.rejected.join(', ')}` };
        return { status: 'sent' };
      } catch (error) {
        const reason = recipientRefusal(error as NodemailerError);
        if (reason) return { status: 'rejected', reason };
        throw error;
      }
    },
    async close() { transporter.close(); },
  };
}

/**
 * The reason when the server refused the recipient for good (a 5xx reply to RCPT TO, 503 aside);
 * null for anything a later try may get past: 4xx replies, refused or dropped connections, timeouts.
 */
export function recipientRefusal(error: NodemailerError): string | null {
  const refusals = error.rejectedErrors?.length ? error.rejectedErrors : error.command?.startsWith('RCPT') ? [error] : [];
  if (refusals.length === 0) return null;
  const permanent = refusals.every((e) => e.permanent ?? (e.responseCode !== undefined && e.responseCode >= 500 && e.responseCode !== 503));
  return permanent ? refusals.map((e) => e.response ?? e.message).join('; ') : null;
}

/** Development: keeps the mail in the database instead of sending it. */
export function catcherTransport(): MailTransport {
  return {
    mode: 'catcher',
    async send(mail, tx) {
      await tx.query('INSERT INTO caught_mails (event_id, "to", subject, text, html) VALUES ($1, $2, $3, $4, $5)', [
        mail.eventId, mail.to, mail.subject, mail.text, mail.html,
      ]);
      return { status: 'sent' };
    },
    async close() { /* nothing open */ },
  };
}
