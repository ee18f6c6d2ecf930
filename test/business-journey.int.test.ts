// The whole business through the real gateway: an admin builds the catalogue, a customer orders and
// pays through the sandbox webhook, the order becomes PAID, the customer opens a ticket about it and an
// agent resolves it; a paid order that is cancelled is refunded; every step carries one correlation id.
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { subjects } from '@desk/shared';
import { eventually } from '@desk/shared/testing';
import { postSandboxWebhook } from '../scripts/sandbox-settle';
import { ADMIN, SANDBOX_WEBHOOK_SECRET, ops, registerAgent, registerCustomer, startPlatform, type Platform } from './support/platform';

let platform: Platform;
let adminToken: string;
let productId: string;

beforeAll(async () => {
  platform = await startPlatform();
  adminToken = (await platform.gql(ops.login, ADMIN)).data!.login.accessToken;
  const category = await platform.gql('mutation { createCategory(input: { name: "Coffee" }) { id } }', {}, { token: adminToken });
  const product = await platform.gql(
    'mutation($c: ID!) { createProduct(input: { name: "Espresso beans 1 kg", priceCents: 2500, currency: "BRL", categoryId: $c }) { id } }',
    { c: category.data!.createCategory.id }, { token: adminToken },
  );
  productId = product.data!.createProduct.id;
});
afterAll(() => platform?.stop());

const gatewayOrigin = () => new URL(platform.gatewayUrl).origin;

/** Calls the sandbox webhook through the gateway, signed as the sandbox provider signs. */
async function settle(paymentId: string, event: 'succeeded' | 'failed' = 'succeeded', secret = SANDBOX_WEBHOOK_SECRET) {
  return postSandboxWebhook(gatewayOrigin(), paymentId, event, secret);
}

async function placeOrder(token: string, quantity = 2) {
  const result = await platform.gql('mutation($p: ID!, $q: Int!) { placeOrder(input: { items: [{ productId: $p, quantity: $q }] }) { id totalCents currency status } }',
    { p: productId, q: quantity }, { token });
  if (!result.data?.placeOrder) throw new Error(`placeOrder failed: ${JSON.stringify(result.errors)}`);
  return result.data.placeOrder as { id: string; totalCents: number; currency: string; status: string };
}

/** The payment, and the correlation id the gateway filed the request under. */
async function startPayment(token: string, orderId: string) {
  const result = await platform.gql('mutation($o: ID!) { startPayment(orderId: $o) { id amountCents currency status provider qrCode } }',
    { o: orderId }, { token });
  if (!result.data?.startPayment) throw new Error(`startPayment failed: ${JSON.stringify(result.errors)}`);
  const payment = result.data.startPayment as { id: string; amountCents: number; status: string; provider: string; qrCode: string };
  return { payment, correlationId: result.headers.get('x-correlation-id') };
}

const orderStatus = async (token: string, orderId: string) =>
  (await platform.gql<{ order: { status: string } }>('query($o: ID!) { order(id: $o) { status } }', { o: orderId }, { token })).data?.order?.status;

/** Every event in the stream, oldest first. */
async function streamEvents(): Promise<{ type: string; correlationId: string; payload: Record<string, unknown> }[]> {
  const jsm = await jetstreamManager(platform.nats.nc);
  const s = subjects(platform.nats.prefix);
  const info = await jsm.streams.info(s.streams.events);
  const events = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const message = await jsm.streams.getMessage(s.streams.events, { seq }).catch(() => null);
    if (message) events.push(message.json<{ type: string; correlationId: string; payload: Record<string, unknown> }>());
  }
  return events;
}

const makeAgent = () => registerAgent(platform, adminToken);

describe('when a customer buys, pays and asks for help', () => {
  test('then the order is paid through the sandbox webhook and an agent resolves the ticket about it', async () => {
    const customer = await registerCustomer(platform);
    const order = await placeOrder(customer.accessToken, 2);
    expect(order).toMatchObject({ totalCents: 5000, currency: 'BRL', status: 'PENDING_PAYMENT' });

    const { payment, correlationId: paymentCorrelationId } = await startPayment(customer.accessToken, order.id);
    expect(payment).toMatchObject({ amountCents: 5000, status: 'PENDING', provider: 'SANDBOX' });
    expect(payment.qrCode).toEqual(expect.any(String));
    expect((await startPayment(customer.accessToken, order.id)).payment.id).toBe(payment.id);

    expect((await settle(payment.id)).status).toBe(200);
    await eventually(async () => (await orderStatus(customer.accessToken, order.id)) === 'PAID', 10_000, 'the order to be PAID');
    // A replayed webhook changes nothing.
    expect((await settle(payment.id)).status).toBe(200);

    const opened = await platform.gql(
      'mutation($o: ID!) { openTicket(input: { subject: "Wrong grind", description: "I asked for whole beans.", priority: HIGH, orderId: $o }) { id status order { id status } requester { id name } } }',
      { o: order.id }, { token: customer.accessToken },
    );
    expect(opened.errors).toBeUndefined();
    const ticket = opened.data!.openTicket;
    expect(ticket).toMatchObject({ status: 'OPEN', order: { id: order.id, status: 'PAID' }, requester: { id: customer.id, name: customer.name } });

    const agent = await makeAgent();
    const assign = await platform.gql('mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, assigneeId: $a) { assignee { id name } } }', { t: ticket.id, a: agent.id }, { token: agent.accessToken });
    expect(assign.errors).toBeUndefined();
    expect(assign.data?.assignTicket.assignee).toEqual({ id: agent.id, name: agent.name });
    const move = 'mutation($t: ID!, $s: TicketStatus!) { changeTicketStatus(ticketId: $t, status: $s) { status } }';
    expect((await platform.gql(move, { t: ticket.id, s: 'CLOSED' }, { token: agent.accessToken })).errors?.[0]?.extensions?.code).toBe('TICKET_INVALID_TRANSITION');
    expect((await platform.gql(move, { t: ticket.id, s: 'IN_PROGRESS' }, { token: agent.accessToken })).data?.changeTicketStatus.status).toBe('IN_PROGRESS');
    const comment = await platform.gql('mutation($t: ID!) { addTicketComment(ticketId: $t, body: "A replacement is on its way.") { id } }', { t: ticket.id }, { token: agent.accessToken });
    expect(comment.errors).toBeUndefined();
    expect((await platform.gql(move, { t: ticket.id, s: 'RESOLVED' }, { token: agent.accessToken })).data?.changeTicketStatus.status).toBe('RESOLVED');

    const seen = await platform.gql(
      `query($o: ID!, $t: ID!) {
        order(id: $o) { status customer { name } payments { status amountCents } tickets { subject status } }
        ticket(id: $t) { status assignee { name } comments { body } }
        me { orders(first: 5) { totalCount } tickets(first: 5) { totalCount } }
      }`,
      { o: order.id, t: ticket.id }, { token: customer.accessToken },
    );
    expect(seen.errors).toBeUndefined();
    expect(seen.data).toEqual({
      order: { status: 'PAID', customer: { name: customer.name }, payments: [{ status: 'SUCCEEDED', amountCents: 5000 }], tickets: [{ subject: 'Wrong grind', status: 'RESOLVED' }] },
      ticket: { status: 'RESOLVED', assignee: { name: agent.name }, comments: [{ body: 'A replacement is on its way.' }] },
      me: { orders: { totalCount: 1 }, tickets: { totalCount: 1 } },
    });

    // The payment's steps share the correlation id of the request that began them.
    const events = await streamEvents();
    const ofPayment = events.filter((e) => e.correlationId === paymentCorrelationId).map((e) => e.type);
    expect(ofPayment).toEqual(expect.arrayContaining(['payment.started', 'payment.succeeded', 'order.status-changed']));
    expect(events.filter((e) => e.type === 'payment.succeeded' && e.payload.paymentId === payment.id)).toHaveLength(1);
  });

  test('then a paid order that is cancelled is refunded, under the cancelling request\'s correlation id', async () => {
    const customer = await registerCustomer(platform);
    const order = await placeOrder(customer.accessToken, 1);
    const { payment } = await startPayment(customer.accessToken, order.id);
    await settle(payment.id);
    await eventually(async () => (await orderStatus(customer.accessToken, order.id)) === 'PAID', 10_000, 'PAID');

    const cancel = await platform.gql('mutation($o: ID!) { cancelOrder(orderId: $o) { status } }', { o: order.id }, { token: customer.accessToken });
    expect(cancel.data?.cancelOrder.status).toBe('CANCELLED');
    const refunded = await eventually(async () => {
      const result = await platform.gql('query($o: ID!) { order(id: $o) { payments { status } } }', { o: order.id }, { token: customer.accessToken });
      return result.data?.order.payments[0]?.status === 'REFUNDED' || undefined;
    }, 10_000, 'the refund');
    expect(refunded).toBe(true);
    const types = (await streamEvents()).filter((e) => e.correlationId === cancel.headers.get('x-correlation-id')).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['order.status-changed', 'payment.refunded']));
  });

  test('then a service that dies mid-flow loses no step and repeats none when it starts again', async () => {
    const customer = await registerCustomer(platform);
    const order = await placeOrder(customer.accessToken, 3);
    const { payment } = await startPayment(customer.accessToken, order.id);
    await platform.stopService('order');
    try {
      expect((await settle(payment.id)).status).toBe(200);
      // The order service is to find the payment's event waiting for it when it starts again.
      await eventually(async () => (await streamEvents()).some((e) => e.type === 'payment.succeeded' && e.payload.paymentId === payment.id), 10_000, 'the payment event on the stream');
    } finally {
      await platform.restartService('order');
    }
    await eventually(async () => (await orderStatus(customer.accessToken, order.id)) === 'PAID', 15_000, 'PAID after the restart');
    await platform.restartService('payment');
    const history = await platform.gql('query($o: ID!) { order(id: $o) { statusHistory { to } payments { status } } }', { o: order.id }, { token: customer.accessToken });
    expect(history.data?.order.statusHistory.map((h: { to: string }) => h.to)).toEqual(['PENDING_PAYMENT', 'PAID']);
    expect(history.data?.order.payments).toEqual([{ status: 'SUCCEEDED' }]);
  });

  test('then a refund asked for while the payment service is down happens once it is back, once', async () => {
    const customer = await registerCustomer(platform);
    const order = await placeOrder(customer.accessToken, 1);
    const { payment } = await startPayment(customer.accessToken, order.id);
    await settle(payment.id);
    await eventually(async () => (await orderStatus(customer.accessToken, order.id)) === 'PAID', 10_000, 'PAID');
    await platform.stopService('payment');
    try {
      const cancel = await platform.gql('mutation($o: ID!) { cancelOrder(orderId: $o) { status } }', { o: order.id }, { token: customer.accessToken });
      expect(cancel.data?.cancelOrder.status).toBe('CANCELLED');
      // The provider's webhook for the same payment, retried while the service is down, is answered 503 to be retried later.
      expect((await settle(payment.id)).status).toBe(503);
    } finally {
      await platform.restartService('payment');
    }
    const payments = async () => (await platform.gql('query($o: ID!) { order(id: $o) { payments { status } } }', { o: order.id }, { token: customer.accessToken })).data?.order.payments;
    await eventually(async () => (await payments())?.[0]?.status === 'REFUNDED', 15_000, 'the refund after the restart');
    await platform.restartService('order');
    expect(await payments()).toEqual([{ status: 'REFUNDED' }]);
    const refunds = (await streamEvents()).filter((e) => e.type === 'payment.refunded' && e.payload.paymentId === payment.id);
    expect(refunds).toHaveLength(1);
  });
});

describe('when a second customer reaches for the first one\'s things', () => {
  test('then they get FORBIDDEN or nothing, and nothing changes', async () => {
    const first = await registerCustomer(platform);
    const second = await registerCustomer(platform);
    const order = await placeOrder(first.accessToken);
    const { payment } = await startPayment(first.accessToken, order.id);
    const ticket = (await platform.gql('mutation { openTicket(input: { subject: "Hello", description: "Mine" }) { id } }', {}, { token: first.accessToken })).data!.openTicket;
    const as = second.accessToken;
    const code = (r: { errors?: { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions?.code;

    expect(code(await platform.gql('query($o: ID!) { order(id: $o) { id } }', { o: order.id }, { token: as }))).toBe('FORBIDDEN');
    expect(code(await platform.gql('query($t: ID!) { ticket(id: $t) { id } }', { t: ticket.id }, { token: as }))).toBe('FORBIDDEN');
    expect(code(await platform.gql('query($p: ID!) { payment(id: $p) { id } }', { p: payment.id }, { token: as }))).toBe('FORBIDDEN');
    expect(code(await platform.gql('mutation($o: ID!) { startPayment(orderId: $o) { id } }', { o: order.id }, { token: as }))).toBe('FORBIDDEN');
    expect(code(await platform.gql('mutation($o: ID!) { cancelOrder(orderId: $o) { id } }', { o: order.id }, { token: as }))).toBe('FORBIDDEN');
    expect(code(await platform.gql('mutation($t: ID!) { addTicketComment(ticketId: $t, body: "hi") { id } }', { t: ticket.id }, { token: as }))).toBe('FORBIDDEN');
    expect(code(await platform.gql('mutation($t: ID!) { changeTicketStatus(ticketId: $t, status: RESOLVED) { id } }', { t: ticket.id }, { token: as }))).toBe('FORBIDDEN');
    const lists = await platform.gql('{ orders(first: 50) { totalCount } tickets(first: 50) { totalCount } me { orders(first: 5) { totalCount } } }', {}, { token: as });
    expect(lists.data).toEqual({ orders: { totalCount: 0 }, tickets: { totalCount: 0 }, me: { orders: { totalCount: 0 } } });
    expect(await orderStatus(first.accessToken, order.id)).toBe('PENDING_PAYMENT');
  });
});

describe('when an order is placed with bad items', () => {
  test.each([
    ['an unknown product', () => [{ productId: randomUUID(), quantity: 1 }]],
    ['a product id that is not an id', () => [{ productId: 'nope', quantity: 1 }]],
    ['the same product twice', () => [{ productId, quantity: 1 }, { productId, quantity: 2 }]],
    ['a zero quantity', () => [{ productId, quantity: 0 }]],
    ['a negative quantity', () => [{ productId, quantity: -3 }]],
    ['an absurd quantity', () => [{ productId, quantity: 1_000_000 }]],
    ['no items at all', () => []],
  ])('then %s is BAD_USER_INPUT and no order exists', async (_case, items) => {
    const customer = await registerCustomer(platform);
    const result = await platform.gql('mutation($i: [OrderItemInput!]!) { placeOrder(input: { items: $i }) { id } }', { i: items() }, { token: customer.accessToken });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await platform.gql('{ orders(first: 5) { totalCount } }', {}, { token: customer.accessToken })).data?.orders.totalCount).toBe(0);
  });

  test('then a client cannot name its own price: the amount is always the catalogue total', async () => {
    const customer = await registerCustomer(platform);
    const forged = await platform.gql('mutation($p: ID!) { placeOrder(input: { items: [{ productId: $p, quantity: 1, priceCents: 1 }] }) { id } }', { p: productId }, { token: customer.accessToken });
    expect(forged.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('when the webhook is not signed by the sandbox', () => {
  test('then it is refused with 401 and the payment stays pending', async () => {
    const customer = await registerCustomer(platform);
    const order = await placeOrder(customer.accessToken);
    const { payment } = await startPayment(customer.accessToken, order.id);
    expect((await settle(payment.id, 'succeeded', 'a guessed secret')).status).toBe(401);
    const unsigned = await fetch(`${gatewayOrigin()}/webhooks/sandbox`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paymentId: payment.id, event: 'payment.succeeded' }) });
    expect(unsigned.status).toBe(401);
    const seen = await platform.gql('query($p: ID!) { payment(id: $p) { status } }', { p: payment.id }, { token: customer.accessToken });
    expect(seen.data?.payment.status).toBe('PENDING');
    expect(await orderStatus(customer.accessToken, order.id)).toBe('PENDING_PAYMENT');
  });
});
