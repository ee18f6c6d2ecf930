// Starting, reading and refunding payments through the API: amounts from the order projection, one
// pending payment per order, the policy, the entities, and only the gateway may call.
import { randomUUID } from 'node:crypto';
import { importInternalPrivateKey, signInternalToken } from '@desk/shared';
import { collectEvents, eventually, generateInternalKeyPair, testViewer } from '@desk/shared/testing';
import {
  START, admin, agent, changeOrderStatus, code, customer, paymentRow, placeOrder, sandboxWebhook, startHarness, startPayment, type Harness,
} from './harness';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(() => h?.stop());

describe('when a customer starts paying their order', () => {
  test('then the payment is PENDING for the order\'s total with a PIX code, and PaymentStarted carries the request\'s correlation id', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana, { totalCents: 4_250, currency: 'BRL' });
    const events = collectEvents(h.nats, 'payment.started');
    const response = await h.gql(START, { orderId: order.id }, ana);
    expect(response.errors).toBeUndefined();
    const payment = response.data?.startPayment;
    expect(payment).toMatchObject({ status: 'PENDING', provider: 'SANDBOX', amountCents: 4_250, currency: 'BRL', order: { id: order.id }, checkoutUrl: null, failureReason: null });
    expect(payment.qrCode).toMatch(/^000201.*br\.gov\.bcb\.pix.*540542\.50.*6304[0-9A-F]{4}$/);
    expect(payment.qrCodeImage).toMatch(/^data:image\/png;base64,/);
    expect(await paymentRow(h, payment.id)).toMatchObject({ order_id: order.id, customer_id: ana.userId, amount_cents: 4_250, correlation_id: ana.correlationId });

    const event = await eventually(() => events.events.find((e) => (e.payload as { paymentId: string }).paymentId === payment.id), 5000, 'PaymentStarted');
    events.stop();
    expect(event.payload).toEqual({ paymentId: payment.id, orderId: order.id, customerId: ana.userId, amountCents: 4_250, currency: 'BRL', provider: 'SANDBOX' });
    expect(event.correlationId).toBe(ana.correlationId);
    expect(event.actorId).toBe(ana.userId);
  });

  test('then starting twice, even at once, gives the same pending payment', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana);
    const first = await startPayment(h, ana, order.id);
    expect((await startPayment(h, ana, order.id)).id).toBe(first.id);

    const other = await placeOrder(h, ana);
    const together = await Promise.all(Array.from({ length: 5 }, () => startPayment(h, ana, other.id)));
    expect(new Set(together.map((p) => p.id)).size).toBe(1);
    expect(await h.sql('SELECT id FROM payments.payments WHERE order_id = $1', [other.id])).toHaveLength(1);
  });

  test('then after a failed payment a new start makes a new payment', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana);
    const first = await startPayment(h, ana, order.id);
    expect((await sandboxWebhook(h, first.id, 'payment.failed')).status).toBe(200);
    const second = await startPayment(h, ana, order.id);
    expect(second.id).not.toBe(first.id);
    expect(second.status).toBe('PENDING');
  });

  test('then an order placed a moment after the call is waited for', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana, { wait: false });
    const payment = await startPayment(h, ana, order.id);
    expect(payment.amountCents).toBe(order.totalCents);
  });

  test('then an order that no longer awaits payment is PAYMENT_INVALID_STATE', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana);
    await changeOrderStatus(h, order, 'PENDING_PAYMENT', 'CANCELLED');
    await eventually(async () => (await h.sql('SELECT status FROM payments.known_orders WHERE id = $1', [order.id]))[0]?.status === 'CANCELLED', 5000, 'the cancellation');
    const response = await h.gql(START, { orderId: order.id }, ana);
    expect(code(response)).toBe('PAYMENT_INVALID_STATE');
    expect(await h.sql('SELECT id FROM payments.payments WHERE order_id = $1', [order.id])).toHaveLength(0);
  });

  test('then another customer\'s order is FORBIDDEN and an anonymous caller is UNAUTHENTICATED', async () => {
    const order = await placeOrder(h, customer());
    expect(code(await h.gql(START, { orderId: order.id }, customer()))).toBe('FORBIDDEN');
    expect(code(await h.gql(START, { orderId: order.id }, testViewer(null, [])))).toBe('UNAUTHENTICATED');
    expect(await h.sql('SELECT id FROM payments.payments WHERE order_id = $1', [order.id])).toHaveLength(0);
  });

  test('then an unknown order is NOT_FOUND, a bad id BAD_USER_INPUT, and an unconfigured provider BAD_USER_INPUT', async () => {
    const ana = customer();
    expect(code(await h.gql(START, { orderId: randomUUID() }, ana))).toBe('NOT_FOUND');
    expect(code(await h.gql(START, { orderId: 'nope' }, ana))).toBe('BAD_USER_INPUT');
    const order = await placeOrder(h, ana);
    const stripe = await h.gql(START, { orderId: order.id, provider: 'STRIPE' }, ana);
    expect(stripe.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'provider' });
  });
});

describe('when someone reads a payment', () => {
  const READ = 'query($id: ID!) { payment(id: $id) { id status amountCents order { id } } }';

  test('then the owner and staff see it, another customer is FORBIDDEN, anonymous UNAUTHENTICATED', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana);
    const payment = await startPayment(h, ana, order.id);
    expect((await h.gql(READ, { id: payment.id }, ana)).data?.payment).toMatchObject({ id: payment.id, order: { id: order.id } });
    expect((await h.gql(READ, { id: payment.id }, agent())).data?.payment?.id).toBe(payment.id);
    const other = await h.gql(READ, { id: payment.id }, customer());
    expect(code(other)).toBe('FORBIDDEN');
    expect(other.data?.payment ?? null).toBeNull();
    expect(code(await h.gql(READ, { id: payment.id }, testViewer(null, [])))).toBe('UNAUTHENTICATED');
    const unknown = await h.gql(READ, { id: randomUUID() }, ana);
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data?.payment).toBeNull();
  });
});

describe('when the gateway resolves entities', () => {
  const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) {
    ... on Payment { id status amountCents currency provider order { id } }
    ... on Order { id payments { id status amountCents } }
  } }`;

  test('then a Payment resolves for its owner and staff and is null for anyone else', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana, { totalCents: 990 });
    const payment = await startPayment(h, ana, order.id);
    const r = [{ __typename: 'Payment', id: payment.id }, { __typename: 'Payment', id: randomUUID() }];
    const own = await h.gql(ENTITIES, { r }, ana);
    expect(own.errors).toBeUndefined();
    expect(own.data?._entities).toEqual([{ id: payment.id, status: 'PENDING', amountCents: 990, currency: 'BRL', provider: 'SANDBOX', order: { id: order.id } }, null]);
    expect((await h.gql(ENTITIES, { r }, admin())).data?._entities[0]?.id).toBe(payment.id);
    expect((await h.gql(ENTITIES, { r }, customer())).data?._entities).toEqual([null, null]);
  });

  test('then Order.payments lists the order\'s payments oldest first for the owner, none for another customer', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana);
    const first = await startPayment(h, ana, order.id);
    await sandboxWebhook(h, first.id, 'payment.failed');
    const second = await startPayment(h, ana, order.id);
    const r = [{ __typename: 'Order', id: order.id }];
    const own = await h.gql(ENTITIES, { r }, ana);
    expect(own.errors).toBeUndefined();
    expect(own.data?._entities[0].payments.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([[first.id, 'FAILED'], [second.id, 'PENDING']]);
    expect((await h.gql(ENTITIES, { r }, agent())).data?._entities[0].payments).toHaveLength(2);
    expect((await h.gql(ENTITIES, { r }, customer())).data?._entities).toEqual([{ id: order.id, payments: [] }]);
  });

  test('then the payments of twenty orders are read with one query', async () => {
    const ana = customer();
    const orders = await Promise.all(Array.from({ length: 20 }, () => placeOrder(h, ana)));
    for (const order of orders.slice(0, 10)) await startPayment(h, ana, order.id);
    h.queries.length = 0;
    const response = await h.gql(ENTITIES, { r: orders.map((o) => ({ __typename: 'Order', id: o.id })) }, ana);
    expect(response.errors).toBeUndefined();
    expect(response.data?._entities.map((o: { payments: unknown[] }) => o.payments.length)).toEqual([...Array(10).fill(1), ...Array(10).fill(0)]);
    const selects = h.queries.filter((sql) => /^\s*SELECT/i.test(sql) && /\bpayments\b/.test(sql) && !/outbox|inbox/.test(sql));
    expect(selects).toHaveLength(1);
    expect(selects[0]).toMatch(/= ANY\(/);
  });
});

describe('when staff refund a payment', () => {
  const REFUND = 'mutation($id: ID!) { refundPayment(paymentId: $id) { id status } }';

  test('then a SUCCEEDED payment becomes REFUNDED and PaymentRefunded is published', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana);
    const payment = await startPayment(h, ana, order.id);
    await sandboxWebhook(h, payment.id, 'payment.succeeded');
    const events = collectEvents(h.nats, 'payment.refunded');
    const staff = agent();
    const response = await h.gql(REFUND, { id: payment.id }, staff);
    expect(response.errors).toBeUndefined();
    expect(response.data?.refundPayment).toEqual({ id: payment.id, status: 'REFUNDED' });
    const event = await eventually(() => events.events.find((e) => (e.payload as { paymentId: string }).paymentId === payment.id), 5000, 'PaymentRefunded');
    events.stop();
    expect(event.payload).toMatchObject({ paymentId: payment.id, orderId: order.id, amountCents: order.totalCents });
    expect(event.actorId).toBe(staff.userId);
    expect(code(await h.gql(REFUND, { id: payment.id }, staff))).toBe('PAYMENT_INVALID_STATE');
  });

  test('then a customer, even the owner, is FORBIDDEN and a PENDING payment is PAYMENT_INVALID_STATE', async () => {
    const ana = customer();
    const order = await placeOrder(h, ana);
    const payment = await startPayment(h, ana, order.id);
    expect(code(await h.gql(REFUND, { id: payment.id }, ana))).toBe('FORBIDDEN');
    expect(code(await h.gql(REFUND, { id: payment.id }, admin()))).toBe('PAYMENT_INVALID_STATE');
    expect((await paymentRow(h, payment.id))?.status).toBe('PENDING');
    expect(code(await h.gql(REFUND, { id: randomUUID() }, admin()))).toBe('NOT_FOUND');
  });
});

describe('when a request does not come from the gateway', () => {
  const bodies = [
    ['_service', { query: '{ _service { sdl } }' }],
    ['_entities', { query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Payment { id } } }', variables: { r: [{ __typename: 'Payment', id: randomUUID() }] } }],
    ['startPayment', { query: START, variables: { orderId: randomUUID() } }],
  ] as const;

  test.each(bodies)('then %s without a token is refused with 401', async (_name, body) => {
    const response = await h.post('/graphql', body);
    expect(response.status).toBe(401);
    expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  test.each(bodies)('then %s with a token signed by another key is refused with 401', async (_name, body) => {
    const forger = await importInternalPrivateKey(generateInternalKeyPair().privateKey);
    const token = await signInternalToken(forger, customer(), 'payment');
    expect((await h.post('/graphql', body, { 'x-internal-identity': token })).status).toBe(401);
  });

  test('then the schema is served to the gateway', async () => {
    const response = await h.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(response.data?._service.sdl).toContain('type Payment');
  });
});
