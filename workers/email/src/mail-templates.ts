// Every mail the worker sends, in each language: a subject and plain-text paragraphs, rendered to a
// text and an HTML version. Templates never write markup themselves, so every value that reaches the
// HTML (names, ticket subjects, product names) goes through one escaping function.
import type { z } from 'zod';
import type { Locale as LocaleSchema } from '@desk/shared';

export type Locale = z.infer<typeof LocaleSchema>;

export interface Money { cents: number; currency: string }

export interface MailData {
  'welcome': { name: string };
  'password-reset': { name: string; resetUrl: string; expiresAt: string };
  'ticket-opened': { name: string; ticketId: string; subject: string; priority: string };
  'ticket-status-changed': { name: string; ticketId: string; subject: string; from: string; to: string };
  'ticket-answered': { name: string; ticketId: string };
  'order-placed': { name: string; orderId: string; items: { name: string; quantity: number; unitPriceCents: number }[]; total: Money };
  'order-status-changed': { name: string; orderId: string; from: string; to: string; total: Money; refundDue: boolean };
  'payment-receipt': { name: string; orderId: string; paymentId: string; amount: Money; provider: string; settledAt: string };
  'refund': { name: string; orderId: string; paymentId: string; amount: Money; refundedAt: string };
}

export type MailKind = keyof MailData;
export const MAIL_KINDS = ['welcome', 'password-reset', 'ticket-opened', 'ticket-status-changed', 'ticket-answered', 'order-placed', 'order-status-changed', 'payment-receipt', 'refund'] as const satisfies readonly MailKind[];

export interface RenderedMail { subject: string; text: string; html: string }

/** What a template gives: paragraphs of plain text, optionally a list and one call to action. */
interface MailContent { subject: string; greeting: string; paragraphs: string[]; list?: string[]; action?: { label: string; url: string }; footer: string }

export function formatMoney(money: Money, locale: Locale): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }).format(money.cents / 100);
}

export function formatDate(iso: string, locale: Locale): string {
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC`;
}

/** Ids in mails are shortened the way the app shows them. */
export const shortId = (id: string): string => `#${id.slice(0, 8).toUpperCase()}`;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const ticketStatus: Record<Locale, Record<string, string>> = {
  'en': { OPEN: 'open', IN_PROGRESS: 'in progress', WAITING_ON_CUSTOMER: 'waiting for your reply', RESOLVED: 'resolved', CLOSED: 'closed' },
  'pt-BR': { OPEN: 'aberto', IN_PROGRESS: 'em andamento', WAITING_ON_CUSTOMER: 'aguardando sua resposta', RESOLVED: 'resolvido', CLOSED: 'fechado' },
};
const orderStatus: Record<Locale, Record<string, string>> = {
  'en': { PENDING_PAYMENT: 'awaiting payment', PAID: 'paid', PREPARING: 'being prepared', READY: 'ready', DELIVERED: 'delivered', CANCELLED: 'cancelled' },
  'pt-BR': { PENDING_PAYMENT: 'aguardando pagamento', PAID: 'pago', PREPARING: 'em preparação', READY: 'pronto', DELIVERED: 'entregue', CANCELLED: 'cancelado' },
};
const priority: Record<Locale, Record<string, string>> = {
  'en': { LOW: 'low', NORMAL: 'normal', HIGH: 'high', URGENT: 'urgent' },
  'pt-BR': { LOW: 'baixa', NORMAL: 'normal', HIGH: 'alta', URGENT: 'urgente' },
};
const label = (table: Record<string, string>, value: string) => table[value] ?? value;

const signature: Record<Locale, string> = { 'en': 'The Desk team', 'pt-BR': 'Equipe Desk' };
const hello: Record<Locale, (name: string) => string> = { 'en': (n) => `Hello ${n},`, 'pt-BR': (n) => `Olá, ${n},` };

type Templates = { [K in MailKind]: Record<Locale, (data: MailData[K]) => Omit<MailContent, 'greeting' | 'footer'>> };

const templates: Templates = {
  'welcome': {
    'en': () => ({ subject: 'Welcome to Desk', paragraphs: ['Your account is ready. You can now open support tickets and place orders.'] }),
    'pt-BR': () => ({ subject: 'Boas-vindas ao Desk', paragraphs: ['Sua conta está pronta. Agora você pode abrir chamados de suporte e fazer pedidos.'] }),
  },
  'password-reset': {
    'en': (d) => ({
      subject: 'Reset your Desk password',
      paragraphs: [`Someone asked to reset the password of your account. The link below works once, until ${formatDate(d.expiresAt, 'en')}.`, 'If it was not you, ignore this mail: your password stays as it is.'],
      action: { label: 'Choose a new password', url: d.resetUrl },
    }),
    'pt-BR': (d) => ({
      subject: 'Redefina sua senha do Desk',
      paragraphs: [`Recebemos um pedido para redefinir a senha da sua conta. O link abaixo funciona uma única vez, até ${formatDate(d.expiresAt, 'pt-BR')}.`, 'Se não foi você, ignore este e-mail: sua senha continua a mesma.'],
      action: { label: 'Escolher uma nova senha', url: d.resetUrl },
    }),
  },
  'ticket-opened': {
    'en': (d) => ({ subject: `Ticket ${shortId(d.ticketId)} received: ${d.subject}`, paragraphs: [`We received your ticket "${d.subject}" (priority ${label(priority.en, d.priority)}). An agent will answer soon.`] }),
    'pt-BR': (d) => ({ subject: `Chamado ${shortId(d.ticketId)} recebido: ${d.subject}`, paragraphs: [`Recebemos seu chamado "${d.subject}" (prioridade ${label(priority['pt-BR'], d.priority)}). Um atendente responderá em breve.`] }),
  },
  'ticket-status-changed': {
    'en': (d) => ({ subject: `Ticket ${shortId(d.ticketId)} is now ${label(ticketStatus.en, d.to)}: ${d.subject}`, paragraphs: [`Your ticket "${d.subject}" (${shortId(d.ticketId)}) went from ${label(ticketStatus.en, d.from)} to ${label(ticketStatus.en, d.to)}.`] }),
    'pt-BR': (d) => ({ subject: `Chamado ${shortId(d.ticketId)} agora está ${label(ticketStatus['pt-BR'], d.to)}: ${d.subject}`, paragraphs: [`Seu chamado "${d.subject}" (${shortId(d.ticketId)}) passou de ${label(ticketStatus['pt-BR'], d.from)} para ${label(ticketStatus['pt-BR'], d.to)}.`] }),
  },
  'ticket-answered': {
    'en': (d) => ({ subject: `New answer on ticket ${shortId(d.ticketId)}`, paragraphs: [`An agent answered your ticket ${shortId(d.ticketId)}. Sign in to read the answer and reply.`] }),
    'pt-BR': (d) => ({ subject: `Nova resposta no chamado ${shortId(d.ticketId)}`, paragraphs: [`Um atendente respondeu seu chamado ${shortId(d.ticketId)}. Entre para ler a resposta e responder.`] }),
  },
  'order-placed': {
    'en': (d) => ({
      subject: `Order ${shortId(d.orderId)} placed`,
      paragraphs: [`Thank you for your order ${shortId(d.orderId)}. Total: ${formatMoney(d.total, 'en')}. It awaits payment.`],
      list: d.items.map((i) => `${i.quantity} × ${i.name}: ${formatMoney({ cents: i.unitPriceCents * i.quantity, currency: d.total.currency }, 'en')}`),
    }),
    'pt-BR': (d) => ({
      subject: `Pedido ${shortId(d.orderId)} recebido`,
      paragraphs: [`Obrigado pelo seu pedido ${shortId(d.orderId)}. Total: ${formatMoney(d.total, 'pt-BR')}. Ele aguarda o pagamento.`],
      list: d.items.map((i) => `${i.quantity} × ${i.name}: ${formatMoney({ cents: i.unitPriceCents * i.quantity, currency: d.total.currency }, 'pt-BR')}`),
    }),
  },
  'order-status-changed': {
    'en': (d) => ({
      subject: `Order ${shortId(d.orderId)} is ${label(orderStatus.en, d.to)}`,
      paragraphs: [`Your order ${shortId(d.orderId)} (${formatMoney(d.total, 'en')}) went from ${label(orderStatus.en, d.from)} to ${label(orderStatus.en, d.to)}.`,
        ...(d.refundDue ? ['It had been paid: the payment will be refunded.'] : [])],
    }),
    'pt-BR': (d) => ({
      subject: `Pedido ${shortId(d.orderId)} está ${label(orderStatus['pt-BR'], d.to)}`,
      paragraphs: [`Seu pedido ${shortId(d.orderId)} (${formatMoney(d.total, 'pt-BR')}) passou de ${label(orderStatus['pt-BR'], d.from)} para ${label(orderStatus['pt-BR'], d.to)}.`,
        ...(d.refundDue ? ['Ele já estava pago: o pagamento será reembolsado.'] : [])],
    }),
  },
  'payment-receipt': {
    'en': (d) => ({ subject: `Receipt for order ${shortId(d.orderId)}`, paragraphs: [`We received your payment of ${formatMoney(d.amount, 'en')} for order ${shortId(d.orderId)} on ${formatDate(d.settledAt, 'en')}.`, `Payment ${shortId(d.paymentId)} via ${d.provider}.`] }),
    'pt-BR': (d) => ({ subject: `Recibo do pedido ${shortId(d.orderId)}`, paragraphs: [`Recebemos seu pagamento de ${formatMoney(d.amount, 'pt-BR')} pelo pedido ${shortId(d.orderId)} em ${formatDate(d.settledAt, 'pt-BR')}.`, `Pagamento ${shortId(d.paymentId)} via ${d.provider}.`] }),
  },
  'refund': {
    'en': (d) => ({ subject: `Refund for order ${shortId(d.orderId)}`, paragraphs: [`We refunded ${formatMoney(d.amount, 'en')} of payment ${shortId(d.paymentId)} (order ${shortId(d.orderId)}) on ${formatDate(d.refundedAt, 'en')}. Your bank may take a few days to show it.`] }),
    'pt-BR': (d) => ({ subject: `Reembolso do pedido ${shortId(d.orderId)}`, paragraphs: [`Reembolsamos ${formatMoney(d.amount, 'pt-BR')} do pagamento ${shortId(d.paymentId)} (pedido ${shortId(d.orderId)}) em ${formatDate(d.refundedAt, 'pt-BR')}. O banco pode levar alguns dias para mostrar o valor.`] }),
  },
};

export function renderMail<K extends MailKind>(kind: K, locale: Locale, data: MailData[K]): RenderedMail {
  const body = (templates[kind][locale] as (d: MailData[K]) => Omit<MailContent, 'greeting' | 'footer'>)(data);
  const content: MailContent = { ...body, greeting: hello[locale](data.name), footer: signature[locale] };
  return { subject: content.subject, text: toText(content), html: toHtml(content) };
}

function toText(c: MailContent): string {
  const blocks = [c.greeting, ...c.paragraphs];
  if (c.list) blocks.push(c.list.map((line) => `- ${line}`).join('\n'));
  if (c.action) blocks.push(`${c.action.label}: ${c.action.url}`);
  blocks.push(c.footer);
  return `${blocks.join('\n\n')}\n`;
}

function toHtml(c: MailContent): string {
  const e = escapeHtml;
  const parts = [`<p>${e(c.greeting)}</p>`, ...c.paragraphs.map((p) => `<p>${e(p)}</p>`)];
  if (c.list) parts.push(`<ul>${c.list.map((line) => `<li>${e(line)}</li>`).join('')}</ul>`);
  if (c.action) parts.push(`<p><a href="${e(c.action.url)}">${e(c.action.label)}</a></p>`);
  parts.push(`<p>${e(c.footer)}</p>`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${e(c.subject)}</title></head><body style="font-family:sans-serif;line-height:1.5">${parts.join('')}</body></html>`;
}
