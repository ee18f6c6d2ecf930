// The mail templates on their own: each kind in both languages, escaping of user-provided values in
// the HTML version, and money in the recipient's locale.
import { MAIL_KINDS, escapeHtml, formatMoney, renderMail, type MailData, type MailKind } from '../src/mail-templates';

const ticketId = '5f0c6a8e-1111-4222-8333-944455556666';
const orderId = 'a1b2c3d4-1111-4222-8333-944455556666';
const paymentId = 'ffeeddcc-1111-4222-8333-944455556666';

const samples: { [K in MailKind]: MailData[K] } = {
  'welcome': { name: 'Ana' },
  'password-reset': { name: 'Ana', resetUrl: 'http://app.test/reset-password?token=tok123', expiresAt: '2026-11-23T13:00:00Z' },
  'ticket-opened': { name: 'Ana', ticketId, subject: 'Broken kettle', priority: 'HIGH' },
  'ticket-status-changed': { name: 'Ana', ticketId, subject: 'Cracked mug', from: 'OPEN', to: 'RESOLVED' },
  'ticket-answered': { name: 'Ana', ticketId },
  'order-placed': { name: 'Ana', orderId, items: [{ name: 'Green tea', quantity: 2, unitPriceCents: 1_250 }], total: { cents: 2_500, currency: 'BRL' } },
  'order-status-changed': { name: 'Ana', orderId, from: 'PAID', to: 'CANCELLED', total: { cents: 2_500, currency: 'BRL' }, refundDue: true },
  'payment-receipt': { name: 'Ana', orderId, paymentId, amount: { cents: 2_500, currency: 'BRL' }, provider: 'SANDBOX', settledAt: '2026-11-23T13:00:00Z' },
  'refund': { name: 'Ana', orderId, paymentId, amount: { cents: 2_500, currency: 'BRL' }, refundedAt: '2026-11-23T13:00:00Z' },
};

/** What each mail must mention, per language, besides the recipient's name. */
const mentions: { [K in MailKind]: { en: string[]; 'pt-BR': string[] } } = {
  'welcome': { 'en': ['Welcome'], 'pt-BR': ['Boas-vindas'] },
  'password-reset': { 'en': ['Reset', 'token=tok123'], 'pt-BR': ['Redefina', 'token=tok123'] },
  'ticket-opened': { 'en': ['#5F0C6A8E', 'Broken kettle', 'high'], 'pt-BR': ['#5F0C6A8E', 'Broken kettle', 'alta'] },
  'ticket-status-changed': { 'en': ['#5F0C6A8E', 'resolved', 'Cracked mug'], 'pt-BR': ['#5F0C6A8E', 'resolvido', 'Cracked mug'] },
  'ticket-answered': { 'en': ['#5F0C6A8E', 'answer'], 'pt-BR': ['#5F0C6A8E', 'resposta'] },
  'order-placed': { 'en': ['#A1B2C3D4', 'Green tea', 'R$25.00'], 'pt-BR': ['#A1B2C3D4', 'Green tea', 'R$\u00a025,00'] },
  'order-status-changed': { 'en': ['#A1B2C3D4', 'cancelled', 'refunded'], 'pt-BR': ['#A1B2C3D4', 'cancelado', 'reembolsado'] },
  'payment-receipt': { 'en': ['Receipt', '#A1B2C3D4', 'R$25.00'], 'pt-BR': ['Recibo', '#A1B2C3D4', 'R$\u00a025,00'] },
  'refund': { 'en': ['Refund', 'R$25.00'], 'pt-BR': ['Reembolso', 'R$\u00a025,00'] },
};

describe('when a mail is rendered', () => {
  for (const kind of MAIL_KINDS) {
    for (const locale of ['en', 'pt-BR'] as const) {
      test(`then the ${kind} mail in ${locale} greets the recipient and says what happened in text and HTML`, () => {
        const mail = renderMail(kind, locale, samples[kind] as never);
        expect(mail.subject.length).toBeGreaterThan(5);
        expect(mail.text).toContain(locale === 'en' ? 'Hello Ana,' : 'Olá, Ana,');
        for (const expected of mentions[kind][locale]) {
          expect(`${mail.subject}\n${mail.text}`).toContain(expected);
          expect(mail.html).toContain(escapeHtml(expected));
        }
      });
    }
  }

  test('then the two languages differ in subject and body', () => {
    const en = renderMail('ticket-answered', 'en', samples['ticket-answered']);
    const pt = renderMail('ticket-answered', 'pt-BR', samples['ticket-answered']);
    expect(en.subject).not.toBe(pt.subject);
    expect(en.text).not.toBe(pt.text);
  });

  test('then a name or ticket subject holding markup is escaped in the HTML and kept as is in the text', () => {
    const mail = renderMail('ticket-opened', 'en', { ...samples['ticket-opened'], name: '<script>alert(1)</script>', subject: 'a & "b" <img src=x>' });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).toContain('a &amp; &quot;b&quot; &lt;img src=x&gt;');
    expect(mail.text).toContain('<script>alert(1)</script>');
  });

  test('then the reset link is a link in the HTML version', () => {
    const mail = renderMail('password-reset', 'pt-BR', samples['password-reset']);
    expect(mail.html).toContain('<a href="http://app.test/reset-password?token=tok123">');
  });
});

describe('when money is formatted', () => {
  test('then it follows the locale and the currency', () => {
    expect(formatMoney({ cents: 123_456, currency: 'BRL' }, 'pt-BR')).toBe('R$\u00a01.234,56');
    expect(formatMoney({ cents: 123_456, currency: 'BRL' }, 'en')).toBe('R$1,234.56');
    expect(formatMoney({ cents: 999, currency: 'USD' }, 'en')).toBe('$9.99');
    expect(formatMoney({ cents: 999, currency: 'USD' }, 'pt-BR')).toBe('US$\u00a09,99');
    expect(formatMoney({ cents: 5, currency: 'EUR' }, 'pt-BR')).toBe('€\u00a00,05');
  });
});
