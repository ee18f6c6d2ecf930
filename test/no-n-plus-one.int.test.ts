// Entity references and lists of references go through DataLoaders: the SQL a page costs does not
// grow with the page. Counted across every subgraph while the gateway resolves a page of tickets with
// their requester, order and the order's payments. A reference a page repeats, which the gateway asks
// a subgraph for once, comes back whole at every place it appears.
import { ADMIN, ops, registerCustomer, startPlatform, type Platform, type ServiceName } from './support/platform';

let platform: Platform;
beforeAll(async () => { platform = await startPlatform(); }, 120_000);
afterAll(() => platform?.stop());

/** Statements a request ran; background work (outbox relay, key reloads) is left out. */
function requestStatements(): number {
  let count = 0;
  for (const name of Object.keys(platform.queries) as ServiceName[]) {
    count += platform.queries[name].filter((sql) => /^\s*SELECT/i.test(sql) && !/outbox|inbox|signing_keys|pg_advisory/i.test(sql)).length;
  }
  return count;
}

function resetCounts() {
  for (const list of Object.values(platform.queries)) list.length = 0;
}

test('when staff read a page of tickets with requester, order and payments, then the SQL count does not grow with the page', async () => {
  const admin = (await platform.gql(ops.login, ADMIN)).data!.login.accessToken as string;
  const category = (await platform.gql('mutation { createCategory(input: { name: "Tea" }) { id } }', {}, { token: admin })).data!.createCategory.id;
  const product = (await platform.gql('mutation($c: ID!) { createProduct(input: { name: "Green tea", priceCents: 1200, currency: "BRL", categoryId: $c }) { id } }', { c: category }, { token: admin })).data!.createProduct.id;

  // 50 customers (so requesters differ), each with an order, a payment and a ticket about the order.
  for (let i = 0; i < 50; i++) {
    const customer = await registerCustomer(platform);
    const order = (await platform.gql('mutation($p: ID!) { placeOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id } }', { p: product }, { token: customer.accessToken })).data!.placeOrder.id;
    await platform.gql('mutation($o: ID!) { startPayment(orderId: $o) { id } }', { o: order }, { token: customer.accessToken });
    const opened = await platform.gql('mutation($o: ID!) { openTicket(input: { subject: "About my order", description: "Where is it?", orderId: $o }) { id } }', { o: order }, { token: customer.accessToken });
    if (opened.errors) throw new Error(JSON.stringify(opened.errors));
  }

  const page = `query($n: Int!) { tickets(first: $n) { edges { node { id subject requester { id name } order { id status payments { id status amountCents } } } } } }`;
  const cost = async (n: number) => {
    resetCounts();
    const result = await platform.gql(page, { n }, { token: admin });
    expect(result.errors).toBeUndefined();
    expect(result.data!.tickets.edges).toHaveLength(n);
    for (const { node } of result.data!.tickets.edges) expect(node.order.payments).toHaveLength(1);
    return requestStatements();
  };
  await cost(5); // warm: prepared plans, JWKS
  const small = await cost(10);
  const large = await cost(50);
  expect(large).toBe(small);
  expect(large).toBeLessThanOrEqual(12);
}, 180_000);

test('when a client does not select totalCount, then no subgraph counts the rows; when it does, the page and its total are one statement', async () => {
  const admin = (await platform.gql(ops.login, ADMIN)).data!.login.accessToken as string;
  const selects = () => Object.values(platform.queries).flat().filter((sql) => /^\s*SELECT/i.test(sql) && !/outbox|inbox|signing_keys|pg_advisory/i.test(sql));
  const counts = () => selects().filter((sql) => /count\(/i.test(sql)).length;
  /** The statements that read the list's table: one, whether or not it is counted as well. */
  const reads = (table: string) => selects().filter((sql) => new RegExp(`FROM ${table}\\b`).test(sql)).length;
  const lists = [
    ['tickets', 'tickets', 'tickets(first: 5) { edges { node { id } } }'],
    ['orders', 'orders', 'orders(first: 5) { edges { node { id } } }'],
    ['users', 'users', 'users(first: 5) { edges { node { id } } }'],
    ['products', 'products', 'products(first: 5) { edges { node { id } } }'],
    ['requestLogs', 'request_logs', 'requestLogs(first: 5) { edges { node { id } } }'],
    ['auditEvents', 'audit_events', 'auditEvents(first: 5) { edges { node { id } } }'],
  ];
  for (const [field, table, selection] of lists) {
    resetCounts();
    const page = await platform.gql(`query { ${selection} }`, {}, { token: admin });
    expect(page.errors).toBeUndefined();
    expect({ field, counts: counts(), reads: reads(table) }).toEqual({ field, counts: 0, reads: 1 });
    resetCounts();
    const counted = await platform.gql(`query { ${field}(first: 5) { totalCount edges { node { id } } } }`, {}, { token: admin });
    expect(counted.errors).toBeUndefined();
    expect(typeof counted.data![field].totalCount).toBe('number');
    expect({ field, counts: counts(), reads: reads(table) }).toEqual({ field, counts: 1, reads: 1 });
  }
});

test('when the tickets on a page share their requester and order, then each ticket shows them whole', async () => {
  const admin = (await platform.gql(ops.login, ADMIN)).data!.login.accessToken as string;
  const category = (await platform.gql('mutation { createCategory(input: { name: "Coffee" }) { id } }', {}, { token: admin })).data!.createCategory.id;
  const product = (await platform.gql('mutation($c: ID!) { createProduct(input: { name: "Beans", priceCents: 3000, currency: "BRL", categoryId: $c }) { id } }', { c: category }, { token: admin })).data!.createProduct.id;
  // Two customers, each with one order and three tickets about it: the gateway's fetches for the
  // requesters, the orders and the orders' customers each carry one entity three times.
  const customers = await Promise.all([registerCustomer(platform), registerCustomer(platform)]);
  const orders: string[] = [];
  for (const customer of customers) {
    const order = (await platform.gql('mutation($p: ID!) { placeOrder(input: { items: [{ productId: $p, quantity: 2 }] }) { id } }', { p: product }, { token: customer.accessToken })).data!.placeOrder.id as string;
    orders.push(order);
    for (let i = 0; i < 3; i++) {
      const opened = await platform.gql('mutation($o: ID!) { openTicket(input: { subject: "About my order", description: "When?", orderId: $o }) { id } }', { o: order }, { token: customer.accessToken });
      if (opened.errors) throw new Error(JSON.stringify(opened.errors));
    }
  }

  const page = '{ me { tickets(first: 10) { edges { node { id requester { id name email } order { id totalCents customer { id name } } } } } } }';
  const answers = await Promise.all(customers.map((customer) => platform.gql(page, {}, { token: customer.accessToken })));
  answers.forEach((answer, i) => {
    expect(answer.errors).toBeUndefined();
    const nodes = answer.data!.me.tickets.edges.map((edge: { node: unknown }) => edge.node);
    expect(nodes).toHaveLength(3);
    const { id, name, email } = customers[i];
    for (const node of nodes) {
      expect(node).toEqual({
        id: expect.any(String),
        requester: { id, name, email },
        order: { id: orders[i], totalCents: 6000, customer: { id, name } },
      });
    }
  });
});
