// The worker when mail cannot go out at once: with the SMTP server down nothing is lost (the event is
// retried until the server is back, and dead-lettered if it never is), and without SMTP_URL the
// development catcher keeps the mails.
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { TicketOpened, UserRegistered, subjects } from '@desk/shared';
import { eventually, testPort } from '@desk/shared/testing';
import { consumerSettled, ledger, registration, startHarness, type Harness } from './harness';
import { EMAIL_CONSUMER } from '../src/email.consumer';
import { createSmtpSink, type SmtpSink } from './smtp-sink';

describe('when the SMTP server is down', () => {
  let sink: SmtpSink;
  let h: Harness;
  beforeAll(async () => {
    sink = await createSmtpSink(); // created, not listening yet
    h = await startHarness({ SMTP_URL: sink.url, SMTP_TIMEOUT_MS: '2000' });
  });
  afterAll(async () => {
    await h?.stop();
    await sink?.stop();
  });

  test('then the mail is retried and arrives once the server is up, exactly once', async () => {
    const user = registration();
    const event = await h.publish(UserRegistered, user);
    const messageId = `<${event.id}.welcome@desk>`;
    // Tries fail meanwhile. The event comes again only after a try failed and rolled back: by then the
    // recipient is known, and the ledger keeps no half-sent row.
    const jsm = await jetstreamManager(h.nats.nc);
    await eventually(async () => (await jsm.consumers.info(subjects(h.nats.prefix).streams.events, EMAIL_CONSUMER)).delivered.consumer_seq >= 2, 10_000, 'a second try');
    expect(await h.sql('SELECT 1 FROM email.recipients WHERE id = $1', [user.userId])).toHaveLength(1);
    expect(await ledger(h, event.id)).toEqual([]);

    await sink.start();
    await eventually(() => sink.mails.find((m) => m.messageId === messageId), 20_000, 'the retried mail');
    await consumerSettled(h);
    expect(sink.countById().get(messageId)).toBe(1);
    expect(sink.mails[0].to).toBe(user.email);
    expect((await ledger(h, event.id)).map((r) => r.status)).toEqual(['sent']);
  });
});

describe('when no SMTP_URL is set (development)', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({}); });
  afterAll(() => h?.stop());

  test('then mails are caught in caught_mails and listed newest first at /mails.json and /mails', async () => {
    const user = registration({ name: 'Zé <b>', locale: 'pt-BR' });
    const welcome = await h.publish(UserRegistered, user);
    await eventually(async () => (await h.sql('SELECT 1 FROM email.caught_mails WHERE event_id = $1', [welcome.id])).length === 1, 10_000, 'the caught welcome');
    const opened = await h.publish(TicketOpened, { ticketId: randomUUID(), requesterId: user.userId, subject: 'Pedido atrasado', priority: 'NORMAL', orderId: null, openedAt: new Date().toISOString() });
    await eventually(async () => (await h.sql('SELECT 1 FROM email.caught_mails WHERE event_id = $1', [opened.id])).length === 1, 10_000, 'the caught ticket mail');
    // A redelivered event adds nothing: the caught mail and its ledger row commit together.
    await jetstream(h.nats.nc).publish(subjects(h.nats.prefix).event(UserRegistered.type), JSON.stringify(welcome), { msgID: `again-${welcome.id}` });
    await consumerSettled(h);

    const listed = await (await fetch(`${h.service.url}/mails.json`)).json() as { id: string; eventId: string; to: string; subject: string; text: string; html: string }[];
    expect(listed.map((m) => m.eventId)).toEqual([opened.id, welcome.id]);
    expect(listed[1]).toMatchObject({ to: user.email, subject: 'Boas-vindas ao Desk' });
    expect(listed[1].html).toContain('Zé &lt;b&gt;');
    expect((await ledger(h, welcome.id)).map((r) => r.status)).toEqual(['sent']);

    const page = await fetch(`${h.service.url}/mails`);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('Pedido atrasado');
    expect(html).not.toContain('Zé <b>');
    expect(html.indexOf('Pedido atrasado')).toBeLessThan(html.indexOf('Boas-vindas ao Desk'));

    const one = await fetch(`${h.service.url}/mails/${listed[1].id}`);
    expect(one.headers.get('content-security-policy')).toBe('sandbox');
    expect(await one.text()).toBe(listed[1].html);
    expect((await fetch(`${h.service.url}/mails/999999`)).status).toBe(404);
  });
});

describe('when the SMTP server stays down past the last try', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ SMTP_URL: `smtp://127.0.0.1:${await testPort()}` }, { backoffMs: [50, 50] }); });
  afterAll(() => h?.stop());

  test('then the event goes to the dead-letter subject and no ledger row claims it was sent', async () => {
    const event = await h.publish(UserRegistered, registration());
    const deadLetters = subjects(h.nats.prefix).streams.deadLetters;
    const jsm = await jetstreamManager(h.nats.nc);
    await eventually(async () => (await jsm.streams.info(deadLetters)).state.messages === 1, 15_000, 'the dead letter');
    const dead = await jsm.streams.getMessage(deadLetters, { seq: 1 });
    expect(dead!.subject).toBe(subjects(h.nats.prefix).deadLetter(EMAIL_CONSUMER));
    expect(dead!.json<{ id: string }>().id).toBe(event.id);
    expect(await ledger(h, event.id)).toEqual([]);
  });
});
