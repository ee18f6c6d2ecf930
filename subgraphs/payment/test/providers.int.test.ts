// The STRIPE and MERCADOPAGO adapters against a local server answering as their APIs do: charges,
// refunds and signed webhooks, directly and through the running service.
import { randomUUID } from 'node:crypto';
import { collectEvents, eventually } from '@desk/shared/testing';
import Stripe from 'stripe';
import type { PaymentRecord } from '../src/domain/payment';
import { MercadoPagoProvider, mercadoPagoSignature } from '../src/providers/mercadopago.provider';
import { WebhookSignatureError } from '../src/providers/provider';
import { StripeProvider } from '../src/providers/stripe.provider';
import { startFakeProviders, type FakeProviders } from './fake-providers';
import { START, changeOrderStatus, code, customer, paymentRow, placeOrder, startHarness, type Harness } from './harness';

const STRIPE_KEY = 'sk_test_fake_key';
const STRIPE_WEBHOOK_SECRET = 'whsec_fake_secret';
const MP_TOKEN = 'TEST-fake-access-token';
const MP_WEBHOOK_SECRET = 'mp-webhook-secret-for-tests';

let fake: FakeProviders;
let h: Harness;
beforeAll(async () => {
  fake = await startFakeProviders();
  h = await startHarness({
    STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE: fake.url,
    MERCADOPAGO_ACCESS_TOKEN: MP_TOKEN, MERCADOPAGO_WEBHOOK_SECRET: MP_WEBHOOK_SECRET, MERCADOPAGO_API_BASE: fake.url,
  });
});
afterAll(async () => {
  await h?.stop();
  await fake?.stop();
});

const charge = () => ({ id: randomUUID(), orderId: randomUUID(), customerId: randomUUID(), amountCents: 12_345, currency: 'BRL' });
const record = (c: ReturnType<typeof charge>, providerRef: string, provider: PaymentRecord['provider']): PaymentRecord => ({
  ...c, provider, providerRef, status: 'SUCCEEDED', qrCode: null, checkoutUrl: null, correlationId: randomUUID(), failureReason: null, createdAt: new Date(), updatedAt: new Date(),
});

const stripeSigner = new Stripe('sk_test_signer_only');
const stripeEvent = (type: string, intent: Record<string, unknown>) => {
  const payload = JSON.stringify({ id: `evt_${randomUUID()}`, object: 'event', type, data: { object: { object: 'payment_intent', ...intent } } });
  return { payload, header: stripeSigner.webhooks.generateTestHeaderString({ payload, secret: STRIPE_WEBHOOK_SECRET }) };
};

function mpNotification(dataId: string, secret = MP_WEBHOOK_SECRET) {
  const requestId = randomUUID();
  const ts = String(Date.now());
  const body = JSON.stringify({ action: 'payment.updated', type: 'payment', data: { id: dataId } });
  return { body, headers: { 'x-request-id': requestId, 'x-signature': `ts=${ts},v1=${mercadoPagoSignature(secret, dataId, requestId, ts)}` } };
}

describe('when the Stripe adapter talks to Stripe', () => {
  const stripe = () => new StripeProvider({ secretKey: STRIPE_KEY, webhookSecret: STRIPE_WEBHOOK_SECRET, apiBase: fake.url });

  test('then a charge is a PaymentIntent for the amount, the currency in lower case and our id in its metadata', async () => {
    const c = charge();
    const result = await stripe().createCharge(c);
    expect(result.providerRef).toMatch(/^pi_fake/);
    expect(result).toMatchObject({ qrCode: 'STRIPE-PIX-CODE', checkoutUrl: expect.stringContaining(result.providerRef) });
    const sent = fake.requests.filter((r) => r.path === '/v1/payment_intents').pop()!;
    expect(sent.headers.authorization).toBe(`Bearer ${STRIPE_KEY}`);
    const form = new URLSearchParams(sent.body);
    expect([form.get('amount'), form.get('currency'), form.get('metadata[paymentId]')]).toEqual(['12345', 'brl', c.id]);
  });

  test('then a refund names the payment intent', async () => {
    const c = charge();
    await stripe().refund(record(c, 'pi_to_refund', 'STRIPE'));
    const sent = fake.requests.filter((r) => r.path === '/v1/refunds').pop()!;
    expect(new URLSearchParams(sent.body).get('payment_intent')).toBe('pi_to_refund');
  });

  test('then a webhook signed with the endpoint secret is read, another event type ignored, a bad signature refused', async () => {
    const paymentId = randomUUID();
    const ok = stripeEvent('payment_intent.succeeded', { id: 'pi_1', metadata: { paymentId } });
    expect(await stripe().parseWebhook(Buffer.from(ok.payload), { 'stripe-signature': ok.header }))
      .toMatchObject({ paymentId, providerRef: 'pi_1', outcome: 'succeeded' });
    const failed = stripeEvent('payment_intent.payment_failed', { id: 'pi_2', metadata: { paymentId }, last_payment_error: { message: 'Card declined' } });
    expect(await stripe().parseWebhook(Buffer.from(failed.payload), { 'stripe-signature': failed.header })).toMatchObject({ outcome: 'failed', reason: 'Card declined' });
    const other = stripeEvent('payment_intent.created', { id: 'pi_3', metadata: {} });
    expect(await stripe().parseWebhook(Buffer.from(other.payload), { 'stripe-signature': other.header })).toBeNull();
    await expect(stripe().parseWebhook(Buffer.from(`${ok.payload} `), { 'stripe-signature': ok.header })).rejects.toBeInstanceOf(WebhookSignatureError);
    await expect(stripe().parseWebhook(Buffer.from(ok.payload), {})).rejects.toBeInstanceOf(WebhookSignatureError);
  });
});

describe('when the MercadoPago adapter talks to MercadoPago', () => {
  const mp = () => new MercadoPagoProvider({ accessToken: MP_TOKEN, webhookSecret: MP_WEBHOOK_SECRET, apiBase: fake.url });

  test('then a charge is a PIX payment with our id as external_reference, and its QR code and ticket come back', async () => {
    const c = charge();
    const result = await mp().createCharge(c);
    expect(result).toMatchObject({ qrCode: 'MP-PIX-CODE', checkoutUrl: `https://mp.example.test/ticket/${result.providerRef}` });
    const sent = fake.requests.filter((r) => r.path === '/v1/payments' && r.method === 'POST').pop()!;
    expect(sent.headers.authorization).toBe(`Bearer ${MP_TOKEN}`);
    expect(JSON.parse(sent.body)).toMatchObject({ transaction_amount: 123.45, payment_method_id: 'pix', external_reference: c.id });
  });

  test('then a refund goes to the payment\'s refunds', async () => {
    await mp().refund(record(charge(), '777', 'MERCADOPAGO'));
    expect(fake.requests.some((r) => r.method === 'POST' && r.path === '/v1/payments/777/refunds')).toBe(true);
  });

  test('then a signed notification is checked and the payment\'s status fetched; a bad signature is refused', async () => {
    const c = charge();
    const { providerRef } = await mp().createCharge(c);
    const pending = mpNotification(providerRef);
    expect(await mp().parseWebhook(Buffer.from(pending.body), pending.headers)).toBeNull();
    fake.mpPayments.get(providerRef)!.status = 'approved';
    const approved = mpNotification(providerRef);
    expect(await mp().parseWebhook(Buffer.from(approved.body), approved.headers)).toMatchObject({ paymentId: c.id, providerRef, outcome: 'succeeded' });
    const forged = mpNotification(providerRef, 'another-secret');
    await expect(mp().parseWebhook(Buffer.from(forged.body), forged.headers)).rejects.toBeInstanceOf(WebhookSignatureError);
    await expect(mp().parseWebhook(Buffer.from(approved.body), { 'x-request-id': 'x' })).rejects.toBeInstanceOf(WebhookSignatureError);
  });
});

describe('when the service pays through Stripe', () => {
  test('then startPayment makes a PaymentIntent, its webhook settles it, and a refund the provider refused is retried', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana, { totalCents: 7_700 });
    const started = await h.gql(START, { orderId: order.id, provider: 'STRIPE' }, ana);
    expect(started.errors).toBeUndefined();
    const payment = started.data!.startPayment;
    expect(payment).toMatchObject({ provider: 'STRIPE', status: 'PENDING', amountCents: 7_700, qrCode: 'STRIPE-PIX-CODE', checkoutUrl: expect.stringMatching(/^https:/) });
    const ref = (await paymentRow(h, payment.id))!.provider_ref as string;

    const succeeded = stripeEvent('payment_intent.succeeded', { id: ref, metadata: { paymentId: payment.id } });
    const response = await h.post('/webhooks/stripe', succeeded.payload, { 'stripe-signature': succeeded.header });
    expect(response.status).toBe(200);
    expect((await paymentRow(h, payment.id))?.status).toBe('SUCCEEDED');
    expect((await h.post('/webhooks/stripe', succeeded.payload, { 'stripe-signature': 't=1,v1=00' })).status).toBe(401);

    fake.failNext('/v1/refunds', 2);
    const before = fake.requests.filter((r) => r.path === '/v1/refunds').length;
    const events = collectEvents(h.nats, 'payment.refunded');
    await changeOrderStatus(h, order, 'PAID', 'CANCELLED', true);
    await eventually(async () => (await paymentRow(h, payment.id))?.status === 'REFUNDED', 10_000, 'the refund after retries');
    expect(fake.requests.filter((r) => r.path === '/v1/refunds').length - before).toBe(3);
    await eventually(() => events.events.some((e) => (e.payload as { paymentId: string }).paymentId === payment.id), 5000, 'PaymentRefunded');
    events.stop();
  });

  test('then a provider that errors is PROVIDER_UNAVAILABLE and nothing is stored', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana);
    fake.failNext('/v1/payment_intents', 1);
    const events = collectEvents(h.nats, 'payment.started');
    const response = await h.gql(START, { orderId: order.id, provider: 'STRIPE' }, ana);
    expect(code(response)).toBe('PROVIDER_UNAVAILABLE');
    expect(await h.sql('SELECT id FROM payments.payments WHERE order_id = $1', [order.id])).toHaveLength(0);
    // The next try works and is the only payment.
    const retried = await h.gql(START, { orderId: order.id, provider: 'STRIPE' }, ana);
    expect(retried.errors).toBeUndefined();
    await eventually(() => events.events.length > 0, 5000, 'PaymentStarted');
    events.stop();
    expect(events.events.map((e) => (e.payload as { orderId: string }).orderId)).toEqual([order.id]);
  });
});

describe('when the service pays through MercadoPago', () => {
  test('then startPayment makes a PIX payment and a signed notification of its approval settles it', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana, { totalCents: 3_000 });
    const started = await h.gql(START, { orderId: order.id, provider: 'MERCADOPAGO' }, ana);
    expect(started.errors).toBeUndefined();
    const payment = started.data!.startPayment;
    expect(payment).toMatchObject({ provider: 'MERCADOPAGO', qrCode: 'MP-PIX-CODE', checkoutUrl: expect.stringContaining('/ticket/') });
    const ref = (await paymentRow(h, payment.id))!.provider_ref as string;
    fake.mpPayments.get(ref)!.status = 'approved';
    const notification = mpNotification(ref);
    expect((await h.post('/webhooks/mercadopago', notification.body, notification.headers)).status).toBe(200);
    expect((await paymentRow(h, payment.id))?.status).toBe('SUCCEEDED');
    const forged = mpNotification(ref, 'another-secret');
    expect((await h.post('/webhooks/mercadopago', forged.body, forged.headers)).status).toBe(401);
  });
});
