// Entity references and lists of references go through DataLoaders: the SQL a page costs does not
// grow with the page. Counted across every subgraph while the gateway resolves a page of tickets with
// their requester, order and the order's payments. A reference a page repeats, which the gateway asks
// a subgraph for once, comes back whole at every place it appears. A connection field on a list of
// parents (each category's products, each user's tickets and orders) reads its table once for all of
// them, and each parent still shows the page it would show alone.
import { randomUUID } from 'node:crypto';
import { ADMIN, newCustomer, ops, registerCustomer, startPlatform, type Platform, type ServiceName } from './support/platform';

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

/** Statements, across every subgraph, that read `table`. */
function tableReads(table: string): number {
  return Object.values(platform.queries).flat().filter((sql) => /^\s*SELECT/i.test(sql) && new RegExp(`FROM ${table}\\b`).test(sql)).length;
}

const PAGE_FIELDS = 'totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }';

test('when a list of categories shows each one\'s products, then their table is read once, whatever the number of categories, and each shows its own page', async () => {
  const admin = (await platform.gql(ops.login, ADMIN)).data!.login.accessToken as string;
  const tag = randomUUID().slice(0, 8);
  /** Makes a category with products of these names (active unless marked `-`), and returns its id. */
  const shelf = async (name: string, products: string[]): Promise<string> => {
    const category = (await platform.gql('mutation($n: String!) { createCategory(input: { name: $n }) { id } }', { n: `${name} ${tag}` }, { token: admin })).data!.createCategory.id as string;
    for (const product of products) {
      const created = await platform.gql('mutation($n: String!, $c: ID!) { createProduct(input: { name: $n, priceCents: 500, currency: "BRL", categoryId: $c }) { id } }',
        { n: product.replace(/^-/, ''), c: category }, { token: admin });
      if (created.errors) throw new Error(JSON.stringify(created.errors));
      if (product.startsWith('-')) await platform.gql('mutation($p: ID!) { updateProduct(id: $p, input: { active: false }) { id } }', { p: created.data!.createProduct.id }, { token: admin });
    }
    return category;
  };
  const list = `query($after: String) { categories { id products(first: 2, after: $after) { ${PAGE_FIELDS} } } }`;
  /** What the top-level list answers for one category: the page each category must show. */
  const alone = (category: string, after: string | null = null) =>
    platform.gql(`query($c: ID!, $after: String) { products(first: 2, after: $after, filter: { categoryId: $c }) { ${PAGE_FIELDS} } }`, { c: category, after }, { token: admin });
  const read = async (after: string | null = null) => {
    resetCounts();
    const answer = await platform.gql(list, { after }, { token: admin });
    expect(answer.errors).toBeUndefined();
    return { categories: answer.data!.categories as { id: string; products: any }[], reads: tableReads('products') };
  };

  const shelves = [await shelf('Shelf A', ['cherry', 'Apple', 'banana', '-almond']), await shelf('Shelf B', ['date'])];
  const few = await read();
  shelves.push(await shelf('Shelf C', []), await shelf('Shelf D', ['fig', 'grape']), await shelf('Shelf E', ['kiwi', 'lime', 'mango']), await shelf('Shelf F', ['-nut']));
  const many = await read();
  expect(many.categories.length).toBe(few.categories.length + 4);
  expect({ few: few.reads, many: many.reads }).toEqual({ few: 1, many: 1 });

  const shown = new Map(many.categories.map((category) => [category.id, category.products]));
  const names = async (page: any) => {
    const ids = page.edges.map((edge: { node: { id: string } }) => edge.node.id);
    const answers = await Promise.all(ids.map((id: string) => platform.gql('query($p: ID!) { product(id: $p) { name } }', { p: id }, { token: admin })));
    return answers.map((answer) => answer.data!.product.name);
  };
  expect(await Promise.all(shelves.map(async (id) => [shown.get(id).totalCount, shown.get(id).pageInfo.hasNextPage, await names(shown.get(id))]))).toEqual([
    [3, true, ['Apple', 'banana']], [1, false, ['date']], [0, false, []], [2, false, ['fig', 'grape']], [3, true, ['kiwi', 'lime']], [0, false, []],
  ]);
  for (const id of shelves) expect(shown.get(id)).toEqual((await alone(id)).data!.products);

  // The next page of shelf A, asked of every category at once: A's continues, the rest end before it.
  const cursor = shown.get(shelves[0]).pageInfo.endCursor as string;
  const next = await read(cursor);
  expect(next.reads).toBe(1);
  const after = new Map(next.categories.map((category) => [category.id, category.products]));
  expect(await names(after.get(shelves[0]))).toEqual(['cherry']);
  expect(after.get(shelves[0]).pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  for (const id of shelves) expect(after.get(id)).toEqual((await alone(id, cursor)).data!.products);
}, 120_000);

test('when staff list users with their tickets and orders, then each table is read once, whatever the number of users, and each user shows their own pages', async () => {
  const admin = (await platform.gql(ops.login, ADMIN)).data!.login.accessToken as string;
  const tag = randomUUID().slice(0, 8);
  const category = (await platform.gql('mutation($n: String!) { createCategory(input: { name: $n }) { id } }', { n: `Readers ${tag}` }, { token: admin })).data!.createCategory.id;
  const product = (await platform.gql('mutation($c: ID!) { createProduct(input: { name: "Notebook", priceCents: 900, currency: "BRL", categoryId: $c }) { id } }', { c: category }, { token: admin })).data!.createProduct.id;

  // Six customers, newest listed first: each with its own number of orders and of tickets (the first about an order, if any).
  const plan = [{ orders: 2, tickets: 1 }, { orders: 0, tickets: 2 }, { orders: 3, tickets: 0 }, { orders: 1, tickets: 3 }, { orders: 0, tickets: 0 }, { orders: 2, tickets: 2 }];
  const customers: { id: string; orders: number; tickets: number }[] = [];
  for (const [i, counts] of plan.entries()) {
    const customer = await registerCustomer(platform, newCustomer({ name: `Reader ${tag} ${i}` }));
    const orders: string[] = [];
    for (let n = 0; n < counts.orders; n++) {
      orders.push((await platform.gql('mutation($p: ID!) { placeOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id } }', { p: product }, { token: customer.accessToken })).data!.placeOrder.id);
    }
    for (let n = 0; n < counts.tickets; n++) {
      const opened = await platform.gql('mutation($o: ID) { openTicket(input: { subject: "A question", description: "Which one?", orderId: $o }) { id } }',
        { o: n === 0 ? orders[0] ?? null : null }, { token: customer.accessToken });
      if (opened.errors) throw new Error(JSON.stringify(opened.errors));
    }
    customers.unshift({ id: customer.id, ...counts });
  }

  const list = `query($s: String!, $n: Int!) { users(first: $n, search: $s) { edges { node { id tickets(first: 2) { ${PAGE_FIELDS} } orders(first: 2) { ${PAGE_FIELDS} } } } } }`;
  const read = async (n: number) => {
    resetCounts();
    const answer = await platform.gql(list, { s: `Reader ${tag}`, n }, { token: admin });
    expect(answer.errors).toBeUndefined();
    return { users: answer.data!.users.edges.map((edge: { node: any }) => edge.node), tickets: tableReads('tickets'), orders: tableReads('orders'), all: requestStatements() };
  };
  await read(2); // warm: prepared plans
  const few = await read(2);
  const many = await read(6);
  expect(many.users.map((user: { id: string }) => user.id)).toEqual(customers.map((customer) => customer.id));
  expect({ tickets: few.tickets, orders: few.orders }).toEqual({ tickets: 1, orders: 1 });
  expect({ tickets: many.tickets, orders: many.orders, all: many.all }).toEqual({ tickets: 1, orders: 1, all: few.all });

  for (const [i, user] of many.users.entries()) {
    const { tickets, orders } = customers[i];
    expect([user.tickets.totalCount, user.tickets.edges.length, user.tickets.pageInfo.hasNextPage]).toEqual([tickets, Math.min(tickets, 2), tickets > 2]);
    expect([user.orders.totalCount, user.orders.edges.length, user.orders.pageInfo.hasNextPage]).toEqual([orders, Math.min(orders, 2), orders > 2]);
    // Each user's page is the one the top-level lists give for that user alone, cursors included.
    const alone = await platform.gql(`query($u: ID!) { tickets(first: 2, filter: { requesterId: $u }) { ${PAGE_FIELDS} } orders(first: 2, filter: { customerId: $u }) { ${PAGE_FIELDS} } }`,
      { u: user.id }, { token: admin });
    expect({ tickets: user.tickets, orders: user.orders }).toEqual(alone.data);
  }
}, 180_000);
