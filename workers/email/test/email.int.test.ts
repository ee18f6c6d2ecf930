// The email worker against a real SMTP sink: events published on NATS become one mail each, to the
// right person, in that person's language; redeliveries send nothing more; a refused recipient is
// recorded and does not hold up the others.
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  OrderPlaced, OrderStatusChanged, PasswordResetRequested, PaymentRefunded, PaymentSucceeded, TicketCommented, TicketOpened,
  TicketStatusChanged, UserProfileUpdated, UserRegistered, createEnvelope, subjects,
} from '@desk/shared';
import { eventually } from '@desk/shared/testing';
import { EMAIL_CONSUMER } from '../src/email.consumer';
import { consumerSettled, ledger, registration, startHarness, type Harness } from './harness';
import { createSmtpSink, type ReceivedMail, type SmtpSink } from './smtp-sink';

let sink: SmtpSink;
let h: Harness;
beforeAll(async () => {
  sink = await createSmtpSink();
  await sink.start();
  h = await startHarness({ SMTP_URL: sink.url, MAIL_FROM: 'Desk Test <desk@example.test>' });
});
afterAll(async () => {
  await h?.stop();
  await sink?.stop();
});

const consumerInfo = async () => (await jetstreamManager(h.nats.nc)).consumers.info(subjects(h.nats.prefix).streams.events, EMAIL_CONSUMER);
const mailsTo = (address: string) => sink.mails.filter((m) => m.to === address);
const arrived = (messageId: string, what = messageId) =>
  eventually(() => sink.mails.find((m) => m.messageId === messageId), 15_000, `mail ${what}`);
const exactlyOnce = async (messageId: string): Promise<ReceivedMail> => {
  const mail = await arrived(messageId);
  await consumerSettled(h);
  expect(sink.countById().get(messageId)).toBe(1);
  return mail;
};

async function registered(fields: Parameters<typeof registration>[0] = {}) {
  const payload = registration(fields);
  const event = await h.publish(UserRegistered, payload);
  return { ...payload, event };
}

describe('when a user registers', () => {
  test('then a welcome mail in their language goes to their address, once, from MAIL_FROM', async () => {
    const en = await registered({ name: 'Ann Lee', locale: 'en' });
    const pt = await registered({ name: 'Ana Souza', locale: 'pt-BR' });
    const enMail = await exactlyOnce(`<${en.event.id}.welcome@desk>`);
    const ptMail = await exactlyOnce(`<${pt.event.id}.welcome@desk>`);
    expect(enMail).toMatchObject({ to: en.email, from: '"Desk Test" <desk@example.test>', subject: 'Welcome to Desk', language: 'en' });
    expect(enMail.text).toContain('Hello Ann Lee,');
    expect(ptMail).toMatchObject({ to: pt.email, subject: 'Boas-vindas ao Desk', language: 'pt-BR' });
    expect(ptMail.html).toContain('Olá, Ana Souza,');
    expect(await ledger(h, en.event.id)).toEqual([{ kind: 'welcome', status: 'sent', recipient: en.email, error: null, message_id: `<${en.event.id}.welcome@desk>` }]);
  });

  test('then a guest gets no mail, but is known as a recipient without address', async () => {
    const before = sink.mails.length;
    const guest = await registered({ guest: true, email: null, name: 'Guest' });
    await consumerSettled(h);
    expect(sink.mails.length).toBe(before);
    expect(await h.sql('SELECT email, guest FROM email.recipients WHERE id = $1', [guest.userId])).toEqual([{ email: null, guest: true }]);
    expect(await ledger(h, guest.event.id)).toEqual([]);
  });
});

describe('when a password reset is requested', () => {
  test('then the mail carries the one-time link built from APP_URL, and the token is stored nowhere', async () => {
    const user = await registered({ locale: 'pt-BR' });
    const token = randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, '');
    const event = await h.publish(PasswordResetRequested, { userId: user.userId, email: user.email!, resetToken: token, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    const mail = await exactlyOnce(`<${event.id}.password-reset@desk>`);
    expect(mail.to).toBe(user.email);
    expect(mail.subject).toBe('Redefina sua senha do Desk');
    expect(mail.text).toContain(`http://app.test/reset-password?token=${token}`);
    expect(mail.html).toContain(`href="http://app.test/reset-password?token=${token}"`);
    const stored = await h.sql('SELECT * FROM email.sent_mails WHERE event_id = $1', [event.id]);
    expect(JSON.stringify(stored)).not.toContain(token);
  });
});

describe('when something happens to a customer\'s tickets, orders and payments', () => {
  test('then the customer gets one mail per event, in their language, saying what happened', async () => {
    const user = await registered({ locale: 'pt-BR', name: 'Bia' });
    const ticketId = randomUUID();
    const orderId = randomUUID();
    const paymentId = randomUUID();
    const now = new Date().toISOString();
    const payment = { paymentId, orderId, customerId: user.userId, amountCents: 4_990, currency: 'BRL', provider: 'SANDBOX' as const };
    const events = [
      [await h.publish(TicketOpened, { ticketId, requesterId: user.userId, subject: 'Chá <frio>', priority: 'HIGH', orderId: null, openedAt: now }), 'ticket-opened', ['Chá <frio>', 'alta']],
      [await h.publish(TicketStatusChanged, { __typename: 'Ticket', id: ticketId, requesterId: user.userId, assigneeId: null, subject: 'Caneca trincada', from: 'OPEN', to: 'RESOLVED', changedAt: now }), 'ticket-status-changed', ['resolvido', 'Caneca trincada']],
      [await h.publish(TicketCommented, { ticketId, commentId: randomUUID(), requesterId: user.userId, authorId: randomUUID(), byStaff: true }), 'ticket-answered', ['respondeu']],
      [await h.publish(OrderPlaced, { orderId, customerId: user.userId, totalCents: 4_990, currency: 'BRL', items: [{ productId: randomUUID(), name: 'Chá verde', quantity: 2, unitPriceCents: 2_495 }], placedAt: now }), 'order-placed', ['R$\u00a049,90', 'Chá verde']],
      [await h.publish(PaymentSucceeded, { ...payment, settledAt: now }), 'payment-receipt', ['Recibo', 'R$\u00a049,90']],
      [await h.publish(OrderStatusChanged, { __typename: 'Order', id: orderId, customerId: user.userId, from: 'PAID', to: 'CANCELLED', totalCents: 4_990, currency: 'BRL', refundDue: true, changedAt: now }), 'order-status-changed', ['cancelado', 'reembolsado']],
      [await h.publish(PaymentRefunded, { ...payment, refundedAt: now }), 'refund', ['Reembolso', 'R$\u00a049,90']],
    ] as const;
    for (const [event, kind, mentions] of events) {
      const mail = await exactlyOnce(`<${event.id}.${kind}@desk>`);
      expect(mail).toMatchObject({ to: user.email, language: 'pt-BR' });
      expect(mail.text).toContain('Olá, Bia,');
      for (const m of mentions) expect(`${mail.subject}\n${mail.text}`).toContain(m);
    }
    expect(mailsTo(user.email!).length).toBe(1 + events.length);
  });

  test('then the requester\'s own comment mails no one', async () => {
    const user = await registered();
    const event = await h.publish(TicketCommented, { ticketId: randomUUID(), commentId: randomUUID(), requesterId: user.userId, authorId: user.userId, byStaff: false });
    await arrived(`<${user.event.id}.welcome@desk>`);
    await consumerSettled(h);
    expect(mailsTo(user.email!).map((m) => m.messageId)).toEqual([`<${user.event.id}.welcome@desk>`]);
    expect(await ledger(h, event.id)).toEqual([]);
  });

  test('then a changed profile language changes the language of the next mails', async () => {
    const user = await registered({ locale: 'en' });
    await h.publish(UserProfileUpdated, { userId: user.userId, name: 'Ann Lee-Souza', locale: 'pt-BR', phone: null });
    await consumerSettled(h);
    const event = await h.publish(TicketCommented, { ticketId: randomUUID(), commentId: randomUUID(), requesterId: user.userId, authorId: randomUUID(), byStaff: true });
    const mail = await exactlyOnce(`<${event.id}.ticket-answered@desk>`);
    expect(mail.language).toBe('pt-BR');
    expect(mail.text).toContain('Olá, Ann Lee-Souza,');
  });

  test('then an older profile change that arrives after a newer one leaves the newer name and language', async () => {
    const user = await registered({ locale: 'en' });
    await h.publish(UserProfileUpdated, { userId: user.userId, name: 'Newest Name', locale: 'pt-BR', phone: null, version: 3 });
    await consumerSettled(h);
    await h.publish(UserProfileUpdated, { userId: user.userId, name: 'Older Name', locale: 'en', phone: null, version: 2 });
    await consumerSettled(h);
    const event = await h.publish(TicketCommented, { ticketId: randomUUID(), commentId: randomUUID(), requesterId: user.userId, authorId: randomUUID(), byStaff: true });
    const mail = await exactlyOnce(`<${event.id}.ticket-answered@desk>`);
    expect(mail.language).toBe('pt-BR');
    expect(mail.text).toContain('Olá, Newest Name,');
  });

  test('then an event that arrives before the user\'s registration is mailed once the registration arrives', async () => {
    const userId = randomUUID();
    const early = await h.publish(TicketCommented, { ticketId: randomUUID(), commentId: randomUUID(), requesterId: userId, authorId: randomUUID(), byStaff: true });
    // The first tries fail while the recipient is unknown: the event is redelivered.
    await eventually(async () => (await consumerInfo()).num_redelivered > 0, 10_000, 'a failed try');
    expect(sink.mails.find((m) => m.messageId === `<${early.id}.ticket-answered@desk>`)).toBeUndefined();
    const user = await registered({ userId });
    const mail = await exactlyOnce(`<${early.id}.ticket-answered@desk>`);
    expect(mail.to).toBe(user.email);
  });
});

describe('when the same event is delivered twice', () => {
  test('then a second copy under another message id sends no second mail', async () => {
    const user = await registered();
    await arrived(`<${user.event.id}.welcome@desk>`);
    const envelope = createEnvelope(TicketCommented, { ticketId: randomUUID(), commentId: randomUUID(), requesterId: user.userId, authorId: randomUUID(), byStaff: true }, { correlationId: randomUUID() });
    const js = jetstream(h.nats.nc);
    const subject = subjects(h.nats.prefix).event(TicketCommented.type);
    // Different Nats-Msg-Ids get past the stream's duplicate window: only the worker's ledger stops the copy.
    await js.publish(subject, JSON.stringify(envelope), { msgID: `first-${envelope.id}` });
    await js.publish(subject, JSON.stringify(envelope), { msgID: `second-${envelope.id}` });
    await exactlyOnce(`<${envelope.id}.ticket-answered@desk>`);
    // And again later, after the first copy was certainly handled.
    await js.publish(subject, JSON.stringify(envelope), { msgID: `third-${envelope.id}` });
    await consumerSettled(h);
    expect(sink.countById().get(`<${envelope.id}.ticket-answered@desk>`)).toBe(1);
    expect((await ledger(h, envelope.id)).map((r) => r.status)).toEqual(['sent']);
  });
});

describe('when the mail server refuses a recipient', () => {
  test('then that mail is recorded as rejected, not retried, and other mails still go out', async () => {
    const refused = registration();
    sink.refuse.add(refused.email!.toLowerCase());
    const bad = await h.publish(UserRegistered, refused);
    const good = await registered();
    await exactlyOnce(`<${good.event.id}.welcome@desk>`);
    await consumerSettled(h);
    const rows = await ledger(h, bad.id);
    expect(rows).toEqual([expect.objectContaining({ kind: 'welcome', status: 'rejected', recipient: refused.email })]);
    expect(rows[0].error).toContain('550');
    expect(mailsTo(refused.email!)).toEqual([]);
    // Nothing went to the dead-letter subject: the refusal is a final answer, not a failure.
    const dead = await h.nats.nc.request(`$JS.API.STREAM.INFO.${subjects(h.nats.prefix).streams.deadLetters}`).then((m) => m.json<{ state: { messages: number } }>());
    expect(dead.state.messages).toBe(0);
  });
});

describe('when the worker is asked about its health', () => {
  test('then /health and /ready answer, and there is no mail catcher with a real SMTP server', async () => {
    const base = h.service.url;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(await (await fetch(`${base}/ready`)).json()).toEqual({ status: 'ready', service: 'email' });
    expect((await fetch(`${base}/mails.json`)).status).toBe(404);
  });
});
