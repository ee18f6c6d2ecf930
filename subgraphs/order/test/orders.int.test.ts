// The order subgraph over HTTP as the gateway calls it: the catalogue, placing orders from catalogue
// prices, who sees what, fulfilment and cancellation, and its side of the payment saga over NATS.
import { randomUUID } from 'node:crypto';
import { OrderPaymentRejected, OrderPlaced, OrderStatusChanged, PaymentRefunded, PaymentSucceeded, type PayloadOf } from '@desk/shared';
import { collectEvents, eventually } from '@desk/shared/testing';
import { PLACE, admin, agent, createProduct, customer, placeOrder, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(() => h?.stop());

const code = (r: { errors?: { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions?.code;
const orderCount = async () => Number((await h.sql<{ n: string }>('SELECT count(*) AS n FROM orders.orders'))[0].n);

function settled(order: { id: string; totalCents: number }, customerId: string, paymentId = randomUUID()): PayloadOf<typeof PaymentSucceeded> {
  return { paymentId, orderId: order.id, customerId, amountCents: order.totalCents, currency: 'BRL', provider: 'SANDBOX', settledAt: new Date().toISOString() };
}

const statusOf = async (orderId: string) => (await h.sql<{ status: string }>('SELECT status FROM orders.orders WHERE id = $1', [orderId]))[0]?.status;

describe('when the catalogue is written', () => {
  test('then only admins may write it, and customers see active products only', async () => {
    const category = await h.gql('mutation { createCategory(input: { name: "Tea" }) { id name } }', {}, admin());
    expect(category.data?.createCategory.name).toBe('Tea');
    expect(code(await h.gql('mutation { createCategory(input: { name: "tea" }) { id } }', {}, admin()))).toBe('CONFLICT');
    expect(code(await h.gql('mutation { createCategory(input: { name: "Coffee" }) { id } }', {}, agent()))).toBe('FORBIDDEN');
    expect(code(await h.gql('mutation { createCategory(input: { name: "Coffee" }) { id } }', {}, null))).toBe('UNAUTHENTICATED');

    const c = category.data!.createCategory.id;
    const create = 'mutation($i: CreateProductInput!) { createProduct(input: $i) { id name priceCents currency active category { name } } }';
    const green = await h.gql(create, { i: { name: 'Green tea', priceCents: 1_200, currency: 'BRL', categoryId: c } }, admin());
    expect(green.data?.createProduct).toMatchObject({ name: 'Green tea', priceCents: 1_200, active: true, category: { name: 'Tea' } });
    expect(code(await h.gql(create, { i: { name: 'Black tea', priceCents: 900, currency: 'BRL', categoryId: randomUUID() } }, admin()))).toBe('BAD_USER_INPUT');
    expect(code(await h.gql(create, { i: { name: 'Black tea', priceCents: 900, currency: 'BRL' } }, customer()))).toBe('FORBIDDEN');

    const black = await h.gql(create, { i: { name: 'Black tea', priceCents: 900, currency: 'BRL', categoryId: c } }, admin());
    const hidden = await h.gql('mutation($id: ID!) { updateProduct(id: $id, input: { active: false }) { active } }', { id: black.data!.createProduct.id }, admin());
    expect(hidden.data?.updateProduct.active).toBe(false);

    const list = `query($c: ID!) { products(filter: { categoryId: $c }) { totalCount edges { node { name } } } categories { name products { totalCount } } }`;
    const seen = await h.gql(list, { c }, customer());
    expect(seen.data?.products).toEqual({ totalCount: 1, edges: [{ node: { name: 'Green tea' } }] });
    expect(code(await h.gql('query($c: ID!) { products(filter: { categoryId: $c, active: false }) { totalCount } }', { c }, customer()))).toBe('FORBIDDEN');
    expect((await h.gql('query($c: ID!) { products(filter: { categoryId: $c, active: null }) { totalCount } }', { c }, agent())).data?.products.totalCount).toBe(2);
    expect((await h.gql('query($id: ID!) { product(id: $id) { id } }', { id: black.data!.createProduct.id }, customer())).data?.product).toBeNull();

    expect((await h.gql('mutation($id: ID!) { deleteProduct(id: $id) }', { id: black.data!.createProduct.id }, admin())).data?.deleteProduct).toBe(true);
    expect(code(await h.gql('mutation($id: ID!) { deleteProduct(id: $id) }', { id: black.data!.createProduct.id }, admin()))).toBe('NOT_FOUND');
  });

  test('then products page by name with cursors that cannot be forged into SQL', async () => {
    const tag = randomUUID().slice(0, 6);
    for (const n of ['c', 'a', 'b']) await createProduct(h, { name: `Page ${tag} ${n}` });
    const page = 'query($s: String, $after: String) { products(filter: { search: $s }, first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } }';
    const first = await h.gql(page, { s: tag }, customer());
    expect(first.data?.products.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual([`Page ${tag} a`, `Page ${tag} b`]);
    const second = await h.gql(page, { s: tag, after: first.data!.products.pageInfo.endCursor }, customer());
    expect(second.data?.products).toEqual({ edges: [{ node: { name: `Page ${tag} c` } }], pageInfo: { hasNextPage: false, endCursor: expect.any(String) } });
    const forged = Buffer.from(JSON.stringify(['x', "1'; DROP TABLE orders.orders; --"])).toString('base64url');
    expect(code(await h.gql(page, { s: tag, after: forged }, customer()))).toBe('BAD_USER_INPUT');
  });
});

describe('when a customer places an order', () => {
  test('then it is priced from the catalogue, recorded with its history, and announced', async () => {
    const productId = await createProduct(h, { priceCents: 2_500 });
    const buyer = customer();
    const placed = collectEvents(h.nats, OrderPlaced.type);
    const result = await h.gql(PLACE, { i: { items: [{ productId, quantity: 2 }] } }, buyer);
    expect(result.data?.placeOrder).toMatchObject({
      status: 'PENDING_PAYMENT', totalCents: 5_000, currency: 'BRL', customer: { id: buyer.userId },
      items: [{ quantity: 2, unitPriceCents: 2_500, subtotalCents: 5_000 }],
    });
    const orderId = result.data!.placeOrder.id;
    await eventually(() => placed.events.find((e) => (e.payload as { orderId: string }).orderId === orderId), 5000, 'order.placed');
    placed.stop();
    expect(placed.events[0]).toMatchObject({ correlationId: buyer.correlationId, actorId: buyer.userId, payload: { customerId: buyer.userId, totalCents: 5_000 } });

    // A later price change does not reprice the order.
    const repriced = await h.gql('mutation($id: ID!) { updateProduct(id: $id, input: { priceCents: 9999 }) { priceCents } }', { id: productId }, admin());
    expect(repriced.data?.updateProduct.priceCents).toBe(9_999);
    const seen = await h.gql('query($o: ID!) { order(id: $o) { totalCents items { unitPriceCents product { priceCents } } statusHistory { from to actor { id } } } }', { o: orderId }, buyer);
    expect(seen.data?.order).toEqual({
      totalCents: 5_000, items: [{ unitPriceCents: 2_500, product: { priceCents: 9_999 } }], statusHistory: [{ from: null, to: 'PENDING_PAYMENT', actor: { id: buyer.userId } }],
    });
  });

  test.each([
    ['an unknown product', () => [{ productId: randomUUID(), quantity: 1 }]],
    ['the same product twice', (p: string) => [{ productId: p, quantity: 1 }, { productId: p, quantity: 1 }]],
    ['an absurd quantity', (p: string) => [{ productId: p, quantity: 1_000_000 }]],
    ['no items', () => []],
  ])('then %s is BAD_USER_INPUT and nothing is stored', async (_case, items) => {
    const productId = await createProduct(h);
    const before = await orderCount();
    expect(code(await h.gql(PLACE, { i: { items: items(productId) } }, customer()))).toBe('BAD_USER_INPUT');
    expect(await orderCount()).toBe(before);
  });

  test('then an anonymous caller cannot order', async () => {
    const productId = await createProduct(h);
    expect(code(await h.gql(PLACE, { i: { items: [{ productId, quantity: 1 }] } }, null))).toBe('UNAUTHENTICATED');
  });
});

describe('when another customer reaches for an order', () => {
  test('then they get FORBIDDEN or nothing, and staff see everything', async () => {
    const productId = await createProduct(h);
    const owner = customer();
    const other = customer();
    const order = await placeOrder(h, owner, productId);
    expect(code(await h.gql('query($o: ID!) { order(id: $o) { id } }', { o: order.id }, other))).toBe('FORBIDDEN');
    expect(code(await h.gql('mutation($o: ID!) { cancelOrder(orderId: $o) { id } }', { o: order.id }, other))).toBe('FORBIDDEN');
    expect(code(await h.gql('query($c: ID!) { orders(filter: { customerId: $c }) { totalCount } }', { c: owner.userId }, other))).toBe('FORBIDDEN');
    expect((await h.gql('{ orders { totalCount } }', {}, other)).data?.orders.totalCount).toBe(0);
    const entities = await h.gql('query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } ... on User { orders { totalCount } } } }',
      { r: [{ __typename: 'Order', id: order.id }, { __typename: 'User', id: owner.userId }] }, other);
    expect(entities.data?._entities).toEqual([null, { orders: { totalCount: 0 } }]);
    expect(await statusOf(order.id)).toBe('PENDING_PAYMENT');

    const staff = await h.gql('query($c: ID!) { orders(filter: { customerId: $c }) { totalCount } }', { c: owner.userId }, agent());
    expect(staff.data?.orders.totalCount).toBe(1);
  });
});

describe('when a payment settles for an order', () => {
  test('then the order becomes PAID once, under the payment\'s correlation id, however often the event comes', async () => {
    const productId = await createProduct(h, { priceCents: 700 });
    const buyer = customer();
    const order = await placeOrder(h, buyer, productId, 3);
    const changes = collectEvents(h.nats, OrderStatusChanged.type);
    const payment = settled(order, buyer.userId!);
    const event = await h.publish(PaymentSucceeded, payment, { correlationId: 'pay-corr-1' });
    const paid = await eventually(() => changes.events.find((e) => (e.payload as { id: string }).id === order.id), 5000, 'the change to PAID');
    changes.stop();
    expect(paid).toMatchObject({ correlationId: 'pay-corr-1', causationId: event.id, payload: { from: 'PENDING_PAYMENT', to: 'PAID', refundDue: false } });
    // The same event again, under a new message id so the stream cannot drop it.
    const again = await h.publish(PaymentSucceeded, payment, { correlationId: 'pay-corr-1' });
    // Its inbox row commits with whatever events it causes: once the row is there, so are they.
    await eventually(async () => (await h.sql('SELECT 1 FROM orders.inbox WHERE event_id = $1', [again.id])).length === 1, 5000, 'the repeat handled');
    const caused = await h.sql<{ type: string }>("SELECT type FROM orders.outbox WHERE envelope->>'causationId' = ANY($1) ORDER BY created_at", [[event.id, again.id]]);
    expect(caused).toEqual([{ type: OrderStatusChanged.type }]);
    const history = await h.gql('query($o: ID!) { order(id: $o) { statusHistory { to actor { id } } } }', { o: order.id }, buyer);
    expect(history.data?.order.statusHistory).toEqual([{ to: 'PENDING_PAYMENT', actor: { id: buyer.userId } }, { to: 'PAID', actor: null }]);
  });

  test('then a payment for a cancelled order is rejected so that it is refunded', async () => {
    const productId = await createProduct(h);
    const buyer = customer();
    const order = await placeOrder(h, buyer, productId);
    expect((await h.gql('mutation($o: ID!) { cancelOrder(orderId: $o) { status } }', { o: order.id }, buyer)).data?.cancelOrder.status).toBe('CANCELLED');
    const rejected = collectEvents(h.nats, OrderPaymentRejected.type);
    const payment = settled(order, buyer.userId!);
    await h.publish(PaymentSucceeded, payment);
    const event = await eventually(() => rejected.events.find((e) => (e.payload as { paymentId: string }).paymentId === payment.paymentId), 5000, 'rejection');
    rejected.stop();
    expect(event.payload).toEqual({ orderId: order.id, paymentId: payment.paymentId, reason: 'order-cancelled' });
    expect(await statusOf(order.id)).toBe('CANCELLED');
  });

  test('then a second payment for a paid order is rejected as already paid', async () => {
    const productId = await createProduct(h);
    const buyer = customer();
    const order = await placeOrder(h, buyer, productId);
    await h.publish(PaymentSucceeded, settled(order, buyer.userId!));
    await eventually(async () => (await statusOf(order.id)) === 'PAID', 5000, 'PAID');
    const rejected = collectEvents(h.nats, OrderPaymentRejected.type);
    const second = settled(order, buyer.userId!);
    await h.publish(PaymentSucceeded, second);
    const event = await eventually(() => rejected.events.find((e) => (e.payload as { paymentId: string }).paymentId === second.paymentId), 5000, 'rejection');
    rejected.stop();
    expect(event.payload).toMatchObject({ reason: 'already-paid' });
  });
});

describe('when a paid order is cancelled or fulfilled', () => {
  async function paidOrder() {
    const productId = await createProduct(h);
    const buyer = customer();
    const order = await placeOrder(h, buyer, productId);
    const payment = settled(order, buyer.userId!);
    await h.publish(PaymentSucceeded, payment);
    await eventually(async () => (await statusOf(order.id)) === 'PAID', 5000, 'PAID');
    return { buyer, order, payment };
  }

  test('then a customer\'s cancellation asks for a refund under the cancelling request\'s correlation id', async () => {
    const { buyer, order } = await paidOrder();
    const changes = collectEvents(h.nats, OrderStatusChanged.type);
    expect((await h.gql('mutation($o: ID!) { cancelOrder(orderId: $o) { status } }', { o: order.id }, buyer)).data?.cancelOrder.status).toBe('CANCELLED');
    const event = await eventually(() => changes.events.find((e) => (e.payload as { id: string; to: string }).id === order.id), 5000, 'the change');
    changes.stop();
    expect(event).toMatchObject({ correlationId: buyer.correlationId, payload: { from: 'PAID', to: 'CANCELLED', refundDue: true } });
  });

  test('then staff move it one step at a time, customers cannot, and a delivered order cannot be cancelled', async () => {
    const { buyer, order } = await paidOrder();
    const advance = 'mutation($o: ID!, $s: OrderStatus!) { advanceOrderStatus(orderId: $o, status: $s) { status } }';
    expect(code(await h.gql(advance, { o: order.id, s: 'PREPARING' }, buyer))).toBe('FORBIDDEN');
    expect(code(await h.gql(advance, { o: order.id, s: 'READY' }, agent()))).toBe('ORDER_INVALID_TRANSITION');
    expect(code(await h.gql(advance, { o: order.id, s: 'PAID' }, agent()))).toBe('ORDER_INVALID_TRANSITION');
    for (const s of ['PREPARING', 'READY', 'DELIVERED']) expect((await h.gql(advance, { o: order.id, s }, agent())).data?.advanceOrderStatus.status).toBe(s);
    expect(code(await h.gql('mutation($o: ID!) { cancelOrder(orderId: $o) { status } }', { o: order.id }, admin()))).toBe('ORDER_INVALID_TRANSITION');
    expect(await statusOf(order.id)).toBe('DELIVERED');
  });

  test('then a refund made by staff cancels the order without asking for a second refund', async () => {
    const { order, payment } = await paidOrder();
    const changes = collectEvents(h.nats, OrderStatusChanged.type);
    await h.publish(PaymentRefunded, { ...payment, refundedAt: new Date().toISOString() });
    await eventually(async () => (await statusOf(order.id)) === 'CANCELLED', 5000, 'CANCELLED');
    const event = await eventually(() => changes.events.find((e) => (e.payload as { id: string }).id === order.id), 5000, 'the change');
    changes.stop();
    expect(event.payload).toMatchObject({ to: 'CANCELLED', refundDue: false });
  });
});

describe('when a page of orders is read with lines and history', () => {
  test('then the SQL it costs does not grow with the page', async () => {
    const productId = await createProduct(h);
    const buyer = customer();
    for (let i = 0; i < 12; i++) await placeOrder(h, buyer, productId);
    const cost = async (n: number) => {
      h.queries.length = 0;
      const result = await h.gql('query($n: Int!) { orders(first: $n) { edges { node { id items { name product { name category { name } } } statusHistory { to } } } } }', { n }, buyer);
      expect(result.data?.orders.edges).toHaveLength(n);
      return h.queries.filter((q) => /^\s*SELECT/i.test(q) && !/outbox|inbox/.test(q)).length;
    };
    expect(await cost(12)).toBe(await cost(3));
  });
});

describe('when a request does not come from the gateway', () => {
  test.each([
    ['_service', '{ _service { sdl } }'],
    ['_entities', `{ _entities(representations: [{ __typename: "Order", id: "${randomUUID()}" }]) { __typename } }`],
  ])('then %s without a token is refused with 401', async (_name, query) => {
    const response = await h.gql(query, {}, null);
    expect(response.status).toBe(401);
  });
});

describe('when other subgraphs reference this one\'s entities', () => {
  test('then Product, Order and User resolve in one call', async () => {
    const productId = await createProduct(h, { priceCents: 4_200 });
    const buyer = customer();
    const order = await placeOrder(h, buyer, productId);
    const result = await h.gql('query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { priceCents } ... on Order { status customer { id } } ... on User { orders { totalCount } } } }', {
      r: [{ __typename: 'Product', id: productId }, { __typename: 'Order', id: order.id }, { __typename: 'User', id: buyer.userId }, { __typename: 'Product', id: 'not-an-id' }],
    }, buyer);
    expect(result.data?._entities).toEqual([{ priceCents: 4_200 }, { status: 'PENDING_PAYMENT', customer: { id: buyer.userId } }, { orders: { totalCount: 1 } }, null]);
  });

  test('then many Users in one call are judged each alone, and their orders come from one SELECT', async () => {
    const productId = await createProduct(h);
    const [ann, ben, cy] = [customer(), customer(), customer()];
    const anns = [await placeOrder(h, ann, productId), await placeOrder(h, ann, productId), await placeOrder(h, ann, productId)].map((o) => o.id);
    const bens = (await placeOrder(h, ben, productId)).id;
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders(first: 2) { totalCount edges { node { id } } pageInfo { hasNextPage } } } } }';
    const r = [ann, ben, cy].map((viewer) => ({ __typename: 'User', id: viewer.userId })).concat({ __typename: 'User', id: 'not-an-id' });
    const page = (ids: string[], totalCount: number, hasNextPage: boolean) => ({ orders: { totalCount, edges: ids.map((id) => ({ node: { id } })), pageInfo: { hasNextPage } } });

    h.queries.length = 0;
    const staff = await h.gql(query, { r }, agent());
    expect(staff.errors).toBeUndefined();
    expect(staff.data?._entities).toEqual([page([anns[2], anns[1]], 3, true), page([bens], 1, false), page([], 0, false), page([], 0, false)]);
    expect(h.queries.filter((sql) => /^\s*SELECT/i.test(sql) && /\borders\b/.test(sql) && !/outbox|inbox/.test(sql))).toHaveLength(1);

    const own = await h.gql(query, { r }, ben);
    expect(own.data?._entities).toEqual([page([], 0, false), page([bens], 1, false), page([], 0, false), page([], 0, false)]);
  });
});
