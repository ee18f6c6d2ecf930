// The providers' callbacks on `POST /webhooks/:provider` and the payment side of the order saga:
// signed notifications change a payment once, in a sensible order, with their events; refunds follow
// the order subgraph's events.
import { randomUUID } from 'node:crypto';
import { OrderPaymentRejected } from '@desk/shared';
import { collectEvents, eventually } from '@desk/shared/testing';
import {
  SANDBOX_SECRET, changeOrderStatus, customer, paymentRow, placeOrder, sandboxWebhook, startHarness, startPayment, type Harness,
} from './harness';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(() => h?.stop());

async function pendingPayment() {
  const ana = customer();
  const order = await placeOrder(h, ana);
  const payment = await startPayment(h, ana, order.id);
  return { ana, order, payment };
}

const outboxOf = (paymentId: string) =>
  h.sql<{ type: string; envelope: { correlationId: string; payload: Record<string, unknown> } }>(
    "SELECT type, envelope FROM payments.outbox WHERE envelope->'payload'->>'paymentId' = $1 ORDER BY created_at", [paymentId],
  );

describe('when the sandbox reports a payment', () => {
  test('then a success makes it SUCCEEDED and PaymentSucceeded carries the correlation id of the start', async () => {
    const { ana, order, payment } = await pendingPayment();
    const events = collectEvents(h.nats, 'payment.succeeded');
    const response = await sandboxWebhook(h, payment.id, 'payment.succeeded');
    expect(response.status).toBe(200);
    expect((await paymentRow(h, payment.id))?.status).toBe('SUCCEEDED');
    const event = await eventually(() => events.events.find((e) => (e.payload as { paymentId: string }).paymentId === payment.id), 5000, 'PaymentSucceeded');
    events.stop();
    expect(event.correlationId).toBe(ana.correlationId);
    expect(event.payload).toMatchObject({ paymentId: payment.id, orderId: order.id, customerId: ana.userId, amountCents: order.totalCents, settledAt: expect.any(String) });
  });

  test('then a failure makes it FAILED with a reason and PaymentFailed', async () => {
    const { payment } = await pendingPayment();
    expect((await sandboxWebhook(h, payment.id, 'payment.failed')).status).toBe(200);
    const row = await paymentRow(h, payment.id);
    expect(row).toMatchObject({ status: 'FAILED', failure_reason: expect.any(String) });
    expect((await outboxOf(payment.id)).map((e) => e.type)).toEqual(['payment.started', 'payment.failed']);
  });

  test('then the same signed request replayed changes nothing twice', async () => {
    const { payment } = await pendingPayment();
    const body = JSON.stringify({ paymentId: payment.id, event: 'payment.failed' });
    const t = Math.floor(Date.now() / 1000);
    const { signSandboxWebhook } = await import('../src/providers/sandbox.provider');
    const headers = { 'sandbox-signature': signSandboxWebhook(SANDBOX_SECRET, body, t) };
    expect((await h.post('/webhooks/sandbox', body, headers)).status).toBe(200);
    // Another notification moves it on; the replay of the first must not move it back.
    expect((await sandboxWebhook(h, payment.id, 'payment.succeeded', { timestamp: t - 1 })).status).toBe(200);
    const replay = await h.post('/webhooks/sandbox', body, headers);
    expect(replay.status).toBe(200);
    expect(replay.body.result).toBe('replay');
    expect((await paymentRow(h, payment.id))?.status).toBe('SUCCEEDED');
    expect((await outboxOf(payment.id)).map((e) => e.type)).toEqual(['payment.started', 'payment.failed', 'payment.succeeded']);
    expect(await h.sql('SELECT event_key FROM payments.webhook_events WHERE payment_id = $1', [payment.id])).toHaveLength(2);
  });

  test.each([
    ['no signature', { headers: {} }],
    ['a signature made with another secret', { secret: 'not-the-sandbox-secret-at-all' }],
    ['a signature six minutes old', { timestamp: Math.floor(Date.now() / 1000) - 360 }],
    ['a garbled signature', { headers: { 'sandbox-signature': 't=1,v1=nothex' } }],
  ])('then %s is refused with 401 and changes nothing', async (_case, options) => {
    const { payment } = await pendingPayment();
    const response = await sandboxWebhook(h, payment.id, 'payment.succeeded', options);
    expect(response.status).toBe(401);
    expect((await paymentRow(h, payment.id))?.status).toBe('PENDING');
    expect((await outboxOf(payment.id)).map((e) => e.type)).toEqual(['payment.started']);
    expect(await h.sql('SELECT 1 FROM payments.webhook_events WHERE payment_id = $1', [payment.id])).toHaveLength(0);
  });

  test('then a signed body that was tampered with is refused with 401', async () => {
    const { payment } = await pendingPayment();
    const { signSandboxWebhook } = await import('../src/providers/sandbox.provider');
    const signed = JSON.stringify({ paymentId: payment.id, event: 'payment.failed' });
    const sent = JSON.stringify({ paymentId: payment.id, event: 'payment.succeeded' });
    expect((await h.post('/webhooks/sandbox', sent, { 'sandbox-signature': signSandboxWebhook(SANDBOX_SECRET, signed) })).status).toBe(401);
    expect((await paymentRow(h, payment.id))?.status).toBe('PENDING');
  });

  test('then an unknown provider is 404 and an unconfigured one too', async () => {
    expect((await h.post('/webhooks/paypal', '{}')).status).toBe(404);
    expect((await h.post('/webhooks/stripe', '{}')).status).toBe(404);
  });

  test('then a genuine notification about an unknown payment is answered 200 and changes nothing', async () => {
    const response = await sandboxWebhook(h, randomUUID(), 'payment.succeeded');
    expect(response.status).toBe(200);
    expect(response.body.result).toBe('unknown-payment');
  });
});

describe('when notifications arrive out of order', () => {
  test('then a failure after a success changes nothing', async () => {
    const { payment } = await pendingPayment();
    await sandboxWebhook(h, payment.id, 'payment.succeeded');
    const late = await sandboxWebhook(h, payment.id, 'payment.failed');
    expect(late.status).toBe(200);
    expect(late.body.result).toBe('unchanged');
    expect(await paymentRow(h, payment.id)).toMatchObject({ status: 'SUCCEEDED', failure_reason: null });
    expect((await outboxOf(payment.id)).map((e) => e.type)).toEqual(['payment.started', 'payment.succeeded']);
  });

  test('then a success after a failure makes it SUCCEEDED: the money arrived', async () => {
    const { payment } = await pendingPayment();
    await sandboxWebhook(h, payment.id, 'payment.failed');
    await sandboxWebhook(h, payment.id, 'payment.succeeded');
    expect(await paymentRow(h, payment.id)).toMatchObject({ status: 'SUCCEEDED', failure_reason: null });
    expect((await outboxOf(payment.id)).map((e) => e.type)).toEqual(['payment.started', 'payment.failed', 'payment.succeeded']);
  });

  test('then nothing changes a REFUNDED payment', async () => {
    const { order, payment } = await pendingPayment();
    await sandboxWebhook(h, payment.id, 'payment.succeeded');
    await changeOrderStatus(h, order, 'PAID', 'CANCELLED', true);
    await eventually(async () => (await paymentRow(h, payment.id))?.status === 'REFUNDED', 5000, 'the refund');
    // Fresh notifications (another timestamp than the first success), not replays.
    const t = Math.floor(Date.now() / 1000) - 5;
    for (const event of ['payment.succeeded', 'payment.failed'] as const) {
      expect((await sandboxWebhook(h, payment.id, event, { timestamp: t })).body.result).toBe('unchanged');
    }
    expect((await paymentRow(h, payment.id))?.status).toBe('REFUNDED');
  });
});

describe('when the order subgraph asks for money back', () => {
  test('then a paid order cancelled with refundDue gets its SUCCEEDED payment refunded under the event\'s correlation id', async () => {
    const { order, payment } = await pendingPayment();
    await sandboxWebhook(h, payment.id, 'payment.succeeded');
    const events = collectEvents(h.nats, 'payment.refunded');
    const cancelled = await changeOrderStatus(h, order, 'PAID', 'CANCELLED', true);
    const event = await eventually(() => events.events.find((e) => (e.payload as { paymentId: string }).paymentId === payment.id), 5000, 'PaymentRefunded');
    events.stop();
    expect(event.correlationId).toBe(cancelled.correlationId);
    expect(event.causationId).toBe(cancelled.id);
    expect((await paymentRow(h, payment.id))?.status).toBe('REFUNDED');
    expect((await h.sql('SELECT status FROM payments.known_orders WHERE id = $1', [order.id]))[0].status).toBe('CANCELLED');
  });

  test('then a status change without refundDue refunds nothing', async () => {
    const { order, payment } = await pendingPayment();
    await sandboxWebhook(h, payment.id, 'payment.succeeded');
    await changeOrderStatus(h, order, 'PENDING_PAYMENT', 'PAID');
    await eventually(async () => (await h.sql('SELECT status FROM payments.known_orders WHERE id = $1', [order.id]))[0]?.status === 'PAID', 5000, 'PAID');
    expect((await paymentRow(h, payment.id))?.status).toBe('SUCCEEDED');
  });

  test('then a rejected payment is refunded once, even when the event is delivered twice', async () => {
    const { order, payment } = await pendingPayment();
    await sandboxWebhook(h, payment.id, 'payment.succeeded');
    const envelope = await h.publish(OrderPaymentRejected, { orderId: order.id, paymentId: payment.id, reason: 'already-paid' });
    await eventually(async () => (await paymentRow(h, payment.id))?.status === 'REFUNDED', 5000, 'the refund');
    // A copy under another message id gets past the stream's duplicate window; the inbox stops it.
    const { jetstream } = await import('@nats-io/jetstream');
    const { subjects } = await import('@desk/shared');
    await jetstream(h.nats.nc).publish(subjects(h.nats.prefix).event(OrderPaymentRejected.type), JSON.stringify(envelope), { msgID: randomUUID() });
    const marker = await pendingPayment();
    await changeOrderStatus(h, marker.order, 'PENDING_PAYMENT', 'CANCELLED');
    await eventually(async () => (await h.sql('SELECT status FROM payments.known_orders WHERE id = $1', [marker.order.id]))[0]?.status === 'CANCELLED', 5000, 'the marker');
    expect((await outboxOf(payment.id)).map((e) => e.type)).toEqual(['payment.started', 'payment.succeeded', 'payment.refunded']);
  });
});
