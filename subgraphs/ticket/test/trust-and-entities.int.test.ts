// The ticket subgraph only answers the gateway; it resolves Ticket, User and Order representations
// under the same visibility rules as its queries, in a number of SQL statements that does not grow
// with the page; and it applies each projected event once.
import { randomUUID } from 'node:crypto';
import { OrderPlaced, importInternalPrivateKey, signInternalToken } from '@desk/shared';
import { eventually, generateInternalKeyPair, testViewer } from '@desk/shared/testing';
import { COMMENT, openTicket, placeOrder, registerUser, startHarness, type Harness, type TestUser } from './harness';

let h: Harness;
let ana: TestUser;
let bob: TestUser;
let agent: TestUser;
beforeAll(async () => {
  h = await startHarness();
  [ana, bob, agent] = await Promise.all([registerUser(h), registerUser(h), registerUser(h, ['AGENT'])]);
});
afterAll(() => h?.stop());

const path = () => new URL(h.service.url).pathname;
const TICKET_ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Ticket { id subject status requester { id } } } }';
const ORDER_ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id tickets { id requester { id } } } } }';

describe('when a request does not come from the gateway', () => {
  const bodies = [
    ['_service', { query: '{ _service { sdl } }' }],
    ['_entities', { query: TICKET_ENTITIES, variables: { r: [{ __typename: 'Ticket', id: randomUUID() }] } }],
    ['tickets', { query: '{ tickets { totalCount } }' }],
  ] as const;

  test.each(bodies)('then %s without a token is refused with 401', async (_name, body) => {
    const response = await h.post(path(), body);
    expect(response.status).toBe(401);
    expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  test.each(bodies)('then %s with a token signed by another key or for another subgraph is refused with 401', async (_name, body) => {
    const forger = await importInternalPrivateKey(generateInternalKeyPair().privateKey);
    const forged = await signInternalToken(forger, agent.viewer, 'ticket');
    expect((await h.post(path(), body, { 'x-internal-identity': forged })).status).toBe(401);
    const elsewhere = await signInternalToken(forger, agent.viewer, 'user');
    expect((await h.post(path(), body, { 'x-internal-identity': elsewhere })).status).toBe(401);
  });

  test('then the same _service request signed by the gateway gets the schema with its entity contracts', async () => {
    const response = await h.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(response.status).toBe(200);
    const sdl = response.data?._service.sdl ?? '';
    expect(sdl).toMatch(/type Ticket\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Order\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type PageInfo\s+@shareable/);
  });
});

describe('when the gateway resolves Ticket references', () => {
  test('then the requester and staff get the ticket, another customer and anonymous get null', async () => {
    const id = await openTicket(h, ana.viewer, { subject: 'Entity' });
    const r = [{ __typename: 'Ticket', id }, { __typename: 'Ticket', id: randomUUID() }, { __typename: 'Ticket', id: 'nope' }];
    const expected = { id, subject: 'Entity', status: 'OPEN', requester: { id: ana.id } };
    for (const [viewer, first] of [[ana.viewer, expected], [agent.viewer, expected], [bob.viewer, null], [testViewer(null, []), null]] as const) {
      const response = await h.gql(TICKET_ENTITIES, { r }, viewer);
      expect(response.errors).toBeUndefined();
      expect(response.data?._entities).toEqual([first, null, null]);
    }
  });

  test('then thirty references are loaded with one SELECT on tickets', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await openTicket(h, ana.viewer));
    h.queries.length = 0;
    const response = await h.gql(TICKET_ENTITIES, { r: ids.map((id) => ({ __typename: 'Ticket', id })) }, agent.viewer);
    expect(response.errors).toBeUndefined();
    expect(response.data?._entities.map((t: { id: string }) => t.id)).toEqual(ids);
    const selects = h.queries.filter((sql) => /^\s*SELECT/i.test(sql) && /\btickets\b/.test(sql) && !/outbox|inbox/.test(sql));
    expect(selects).toHaveLength(1);
    expect(selects[0]).toMatch(/= ANY\(/);
  });
});

describe('when the gateway resolves Order references for their tickets', () => {
  test('then staff see every ticket about the order and a customer only the ones they opened', async () => {
    const order = await placeOrder(h, ana.id);
    const anas = await openTicket(h, ana.viewer, { orderId: order });
    const agents = await openTicket(h, agent.viewer, { orderId: order });
    const r = [{ __typename: 'Order', id: order }, { __typename: 'Order', id: randomUUID() }];

    const staff = await h.gql(ORDER_ENTITIES, { r }, agent.viewer);
    expect(staff.errors).toBeUndefined();
    expect(staff.data?._entities).toEqual([
      { id: order, tickets: [{ id: agents, requester: { id: agent.id } }, { id: anas, requester: { id: ana.id } }] },
      { id: r[1].id, tickets: [] },
    ]);
    expect((await h.gql(ORDER_ENTITIES, { r }, ana.viewer)).data?._entities[0].tickets).toEqual([{ id: anas, requester: { id: ana.id } }]);
    expect((await h.gql(ORDER_ENTITIES, { r }, bob.viewer)).data?._entities[0].tickets).toEqual([]);
  });

  test('then the tickets of many orders come from one SELECT', async () => {
    const orders = await Promise.all([1, 2, 3, 4, 5].map(() => placeOrder(h, ana.id)));
    for (const orderId of orders) await openTicket(h, ana.viewer, { orderId });
    h.queries.length = 0;
    const response = await h.gql(ORDER_ENTITIES, { r: orders.map((id) => ({ __typename: 'Order', id })) }, agent.viewer);
    expect(response.errors).toBeUndefined();
    expect(response.data?._entities.map((o: { tickets: unknown[] }) => o.tickets.length)).toEqual([1, 1, 1, 1, 1]);
    expect(h.queries.filter((sql) => /^\s*SELECT/i.test(sql) && /\btickets\b/.test(sql) && !/outbox|inbox/.test(sql))).toHaveLength(1);
  });
});

describe('when the gateway resolves User references for their tickets', () => {
  test('then the user and staff see the user\'s tickets, another customer an empty connection', async () => {
    const fay = await registerUser(h);
    const first = await openTicket(h, fay.viewer);
    const second = await openTicket(h, fay.viewer);
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id tickets { totalCount edges { node { id } } } } } }';
    const r = [{ __typename: 'User', id: fay.id }];
    const expected = { id: fay.id, tickets: { totalCount: 2, edges: [{ node: { id: second } }, { node: { id: first } }] } };
    expect((await h.gql(query, { r }, fay.viewer)).data?._entities).toEqual([expected]);
    expect((await h.gql(query, { r }, agent.viewer)).data?._entities).toEqual([expected]);
    expect((await h.gql(query, { r }, bob.viewer)).data?._entities).toEqual([{ id: fay.id, tickets: { totalCount: 0, edges: [] } }]);
  });

  test('then many users in one call are judged each alone, and their pages come from one SELECT', async () => {
    const [fay, gus, hal] = await Promise.all([registerUser(h), registerUser(h), registerUser(h)]);
    const fays = [await openTicket(h, fay.viewer), await openTicket(h, fay.viewer), await openTicket(h, fay.viewer)];
    const gus1 = await openTicket(h, gus.viewer);
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id tickets(first: 2) { totalCount edges { node { id } } pageInfo { hasNextPage } } } } }';
    const r = [fay, gus, hal].map((user) => ({ __typename: 'User', id: user.id }));
    const page = (ids: string[], totalCount: number, hasNextPage: boolean) => ({ totalCount, edges: ids.map((id) => ({ node: { id } })), pageInfo: { hasNextPage } });

    h.queries.length = 0;
    const staff = await h.gql(query, { r }, agent.viewer);
    expect(staff.errors).toBeUndefined();
    expect(staff.data?._entities).toEqual([
      { id: fay.id, tickets: page([fays[2], fays[1]], 3, true) },
      { id: gus.id, tickets: page([gus1], 1, false) },
      { id: hal.id, tickets: page([], 0, false) },
    ]);
    expect(h.queries.filter((sql) => /^\s*SELECT/i.test(sql) && /\btickets\b/.test(sql) && !/outbox|inbox/.test(sql))).toHaveLength(1);

    const own = await h.gql(query, { r }, gus.viewer);
    expect(own.data?._entities).toEqual([
      { id: fay.id, tickets: page([], 0, false) },
      { id: gus.id, tickets: page([gus1], 1, false) },
      { id: hal.id, tickets: page([], 0, false) },
    ]);
  });
});

describe('when staff read a page of tickets with their comments', () => {
  const PAGE = `query($f: TicketFilter, $first: Int) { tickets(filter: $f, first: $first) {
    totalCount edges { node { id requester { id } assignee { id } order { id } comments { id body author { id } } } }
  } }`;

  test('then the number of SQL statements is the same for a page of 2 and a page of 12', async () => {
    const gus = await registerUser(h);
    for (let i = 0; i < 12; i++) {
      const id = await openTicket(h, gus.viewer);
      await h.gql(COMMENT, { t: id, b: `first ${i}` }, gus.viewer);
      await h.gql(COMMENT, { t: id, b: `second ${i}` }, agent.viewer);
    }
    const statementsFor = async (first: number) => {
      h.queries.length = 0;
      const response = await h.gql(PAGE, { f: { requesterId: gus.id }, first }, agent.viewer);
      expect(response.errors).toBeUndefined();
      expect(response.data?.tickets.edges).toHaveLength(first);
      for (const edge of response.data?.tickets.edges) expect(edge.node.comments).toHaveLength(2);
      // The outbox relay runs its own transactions meanwhile; only this request's reads are counted.
      return h.queries.filter((sql) => /^\s*SELECT/i.test(sql) && !/outbox|inbox/.test(sql)).length;
    };
    const small = await statementsFor(2);
    const large = await statementsFor(12);
    expect(large).toBe(small);
    expect(small).toBeLessThanOrEqual(3);
  });
});

describe('when an order already known is placed again by another event', () => {
  test('then the known order keeps its first customer', async () => {
    const orderId = randomUUID();
    const payload = {
      orderId, customerId: ana.id, totalCents: 500, currency: 'BRL',
      items: [{ productId: randomUUID(), name: 'Cup', quantity: 1, unitPriceCents: 500 }], placedAt: new Date().toISOString(),
    };
    await h.publish(OrderPlaced, payload);
    await eventually(async () => (await h.sql('SELECT 1 FROM tickets.known_orders WHERE id = $1', [orderId])).length > 0, 5000, 'the order');
    const copy = await h.publish(OrderPlaced, { ...payload, customerId: bob.id });
    await eventually(async () => (await h.sql('SELECT 1 FROM tickets.inbox WHERE event_id = $1', [copy.id])).length > 0, 5000, 'the copy handled');
    expect(await h.sql('SELECT customer_id FROM tickets.known_orders WHERE id = $1', [orderId])).toEqual([{ customer_id: ana.id }]);
  });
});
