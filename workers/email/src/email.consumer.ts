// The worker's one durable consumer: it keeps the recipients projection up to date and turns the
// events customers hear about into mails. A handler throws to have its event retried (recipient not
// known yet, mail server unreachable); startConsumer dead-letters it after the last try.
import {
  OrderPlaced, OrderStatusChanged, PasswordResetRequested, PaymentRefunded, PaymentSucceeded, TicketCommented, TicketOpened,
  TicketStatusChanged, UserProfileUpdated, UserRegistered, on, startConsumer, subjects,
  type Logger, type NatsConnection, type RunningConsumer,
} from '@desk/shared';
import type { EntityManager } from 'typeorm';
import type { MailLedger, MailRequest } from './mail-ledger';
import type { MailData, MailKind } from './mail-templates';
import type { RecipientRepository } from './recipient.repository';

export const EMAIL_CONSUMER = 'email-worker';

export interface ConsumerDeps {
  ledger: MailLedger;
  recipients: RecipientRepository;
  appUrl: string;
  backoffMs?: number[];
  maxAckPending?: number;
}

export function startEmailConsumer(nc: NatsConnection, prefix: string, deps: ConsumerDeps, log: Logger): Promise<RunningConsumer> {
  const { ledger, recipients } = deps;

  /** A mail to a user of the projection; users without an address (guests) get none. */
  const toUser = <K extends MailKind>(userId: string, kind: K, data: (name: string) => MailData[K]) =>
    async (tx: EntityManager): Promise<MailRequest<K> | null> => {
      const user = await recipients.get(tx, userId);
      if (!user.email) return null;
      return { to: user.email, locale: user.locale, kind, data: data(user.name) };
    };

  const resetUrl = (token: string) => {
    const url = new URL('reset-password', deps.appUrl.endsWith('/') ? deps.appUrl : `${deps.appUrl}/`);
    url.searchParams.set('token', token);
    return url.toString();
  };

  return startConsumer(nc, prefix, {
    durable: EMAIL_CONSUMER,
    filterSubject: subjects(prefix).eventsAll,
    backoffMs: deps.backoffMs,
    // Enough to keep the SMTP pool busy. When the mail server is slow an event may outwait the ack wait
    // and be redelivered while still in flight: the ledger row's lock makes that copy wait, not send.
    maxAckPending: deps.maxAckPending ?? 64,
    handlers: [
      on(UserRegistered, async (event, child) => {
        const p = event.payload;
        await recipients.register(ledger.db, { id: p.userId, email: p.email, name: p.name, locale: p.locale, guest: p.guest }, event.occurredAt);
        if (p.guest || !p.email) return;
        const email = p.email;
        await ledger.deliverOnce(event.id, 'welcome', async () => ({ to: email, locale: p.locale, kind: 'welcome', data: { name: p.name } }), child);
      }),
      on(UserProfileUpdated, async (event) => {
        const p = event.payload;
        await recipients.updateProfile(ledger.db, p.userId, { name: p.name, locale: p.locale }, event.occurredAt, p.version);
      }),
      // The token is only ever put into the mail: never into the ledger, a log line or an error.
      on(PasswordResetRequested, async (event, child) => {
        const p = event.payload;
        await ledger.deliverOnce(event.id, 'password-reset', async (tx) => {
          const user = await recipients.get(tx, p.userId);
          return { to: p.email, locale: user.locale, kind: 'password-reset', data: { name: user.name, resetUrl: resetUrl(p.resetToken), expiresAt: p.expiresAt } };
        }, child);
      }),
      on(TicketOpened, async (event, child) => {
        const p = event.payload;
        await ledger.deliverOnce(event.id, 'ticket-opened', toUser(p.requesterId, 'ticket-opened', (name) => ({ name, ticketId: p.ticketId, subject: p.subject, priority: p.priority })), child);
      }),
      on(TicketStatusChanged, async (event, child) => {
        const p = event.payload;
        await ledger.deliverOnce(event.id, 'ticket-status-changed', toUser(p.requesterId, 'ticket-status-changed', (name) => ({ name, ticketId: p.id, subject: p.subject, from: p.from, to: p.to })), child);
      }),
      on(TicketCommented, async (event, child) => {
        const p = event.payload;
        // The requester's own comments need no mail to the requester.
        if (!p.byStaff) return;
        await ledger.deliverOnce(event.id, 'ticket-answered', toUser(p.requesterId, 'ticket-answered', (name) => ({ name, ticketId: p.ticketId })), child);
      }),
      on(OrderPlaced, async (event, child) => {
        const p = event.payload;
        await ledger.deliverOnce(event.id, 'order-placed', toUser(p.customerId, 'order-placed', (name) => ({
          name, orderId: p.orderId, items: p.items, total: { cents: p.totalCents, currency: p.currency },
        })), child);
      }),
      on(OrderStatusChanged, async (event, child) => {
        const p = event.payload;
        await ledger.deliverOnce(event.id, 'order-status-changed', toUser(p.customerId, 'order-status-changed', (name) => ({
          name, orderId: p.id, from: p.from, to: p.to, total: { cents: p.totalCents, currency: p.currency }, refundDue: p.refundDue,
        })), child);
      }),
      on(PaymentSucceeded, async (event, child) => {
        const p = event.payload;
        await ledger.deliverOnce(event.id, 'payment-receipt', toUser(p.customerId, 'payment-receipt', (name) => ({
          name, orderId: p.orderId, paymentId: p.paymentId, amount: { cents: p.amountCents, currency: p.currency }, provider: p.provider, settledAt: p.settledAt,
        })), child);
      }),
      on(PaymentRefunded, async (event, child) => {
        const p = event.payload;
        await ledger.deliverOnce(event.id, 'refund', toUser(p.customerId, 'refund', (name) => ({
          name, orderId: p.orderId, paymentId: p.paymentId, amount: { cents: p.amountCents, currency: p.currency }, refundedAt: p.refundedAt,
        })), child);
      }),
    ],
  }, log);
}
