// A deployment that takes real money: the SANDBOX provider, whose secret lets its holder mark a
// payment paid, exists only where its secret is configured.
import { EnvError, parseEnv } from '@desk/shared';
import { paymentEnvSchema } from '../src/env';
import { startFakeProviders, type FakeProviders } from './fake-providers';
import { START, code, customer, paymentRow, placeOrder, sandboxWebhook, startHarness, type Harness } from './harness';

let fake: FakeProviders;
let h: Harness;
beforeAll(async () => {
  fake = await startFakeProviders();
  h = await startHarness({ SANDBOX_WEBHOOK_SECRET: '', STRIPE_SECRET_KEY: 'sk_test_fake_key', STRIPE_WEBHOOK_SECRET: 'whsec_fake_secret', STRIPE_API_BASE: fake.url });
});
afterAll(async () => {
  await h?.stop();
  await fake?.stop();
});

describe('when the payment service is configured with Stripe and no sandbox secret', () => {
  test('then a payment started without a provider goes through Stripe', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana);
    const started = await h.gql(START, { orderId: order.id }, ana);
    expect(started.errors).toBeUndefined();
    expect(started.data!.startPayment).toMatchObject({ provider: 'STRIPE', status: 'PENDING' });
  });

  test('then asking for SANDBOX is BAD_USER_INPUT and stores nothing', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana);
    const refused = await h.gql(START, { orderId: order.id, provider: 'SANDBOX' }, ana);
    expect(code(refused)).toBe('BAD_USER_INPUT');
    expect(await h.sql('SELECT id FROM payments.payments WHERE order_id = $1', [order.id])).toHaveLength(0);
  });

  test('then a sandbox webhook, however it is signed, is 404 and settles nothing', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana);
    const payment = (await h.gql(START, { orderId: order.id }, ana)).data!.startPayment;
    const response = await sandboxWebhook(h, payment.id, 'payment.succeeded');
    expect(response.status).toBe(404);
    expect((await paymentRow(h, payment.id))?.status).toBe('PENDING');
  });
});

describe('when the payment service is configured with no provider at all', () => {
  test('then it refuses to start, naming the settings that would turn one on', () => {
    const env = { INTERNAL_JWT_PUBLIC_KEY: 'unused', SANDBOX_WEBHOOK_SECRET: '' };
    expect(() => parseEnv(paymentEnvSchema, env)).toThrow(EnvError);
    expect(() => parseEnv(paymentEnvSchema, env)).toThrow(/STRIPE_SECRET_KEY, MERCADOPAGO_ACCESS_TOKEN or .*SANDBOX_WEBHOOK_SECRET/);
  });
});
