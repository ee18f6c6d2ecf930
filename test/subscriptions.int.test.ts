// Live subscriptions through the gateway: graphql-ws and HTTP multipart, payloads resolved through the
// query plan (fields of every subgraph), authorization at subscribe time and for every event, the
// same limits as queries, streams that end with the session, and shared work across subscribers.
import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { SignJWT, importJWK } from 'jose';
import WebSocket from 'ws';
import { eventually } from '@desk/shared/testing';
import {
  ADMIN, AUDIENCE, ISSUER, ops, registerAgent, registerCustomer, spawnGateway, startPlatform, type Platform,
} from './support/platform';

let platform: Platform;
let adminToken: string;
let productId: string;
const clients: Client[] = [];

beforeAll(async () => {
  platform = await startPlatform({ gatewayEnv: { MAX_SUBSCRIPTIONS_PER_CONNECTION: '3', MULTIPART_HEARTBEAT_MS: '200' } });
  adminToken = (await platform.gql(ops.login, ADMIN)).data!.login.accessToken;
  const product = await platform.gql('mutation { createProduct(input: { name: "Tea", priceCents: 900, currency: "BRL" }) { id } }', {}, { token: adminToken });
  productId = product.data!.createProduct.id;
});
// Every test starts with no subscriber: what a client that went away held is released.
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await eventually(() => platform.gateway.live.stats.subscribers === 0, 5000, 'the subscribers to be released');
});
afterAll(() => platform?.stop());

const wsUrl = (httpUrl = platform.gatewayUrl) => httpUrl.replace(/^http/, 'ws');

function connect(token?: string, url = wsUrl()) {
  const closes: { code: number; reason: string }[] = [];
  const client = createClient({
    url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: { closed: (event) => { const e = event as { code: number; reason: string }; closes.push({ code: e.code, reason: e.reason }); } },
  });
  clients.push(client);
  return { client, closes };
}

interface Stream { results: any[]; errors: any[]; completed: boolean; dispose(): void; }

function listen(client: Client, query: string, variables: Record<string, unknown> = {}): Stream {
  const stream: Stream = { results: [], errors: [], completed: false, dispose: () => undefined };
  stream.dispose = client.subscribe({ query, variables }, {
    next: (result) => { stream.results.push(result); },
    error: (error) => { stream.errors.push(...(Array.isArray(error) ? error : [error])); },
    complete: () => { stream.completed = true; },
  });
  return stream;
}

/** Subscribes and waits until the gateway has the subscriber, so that no event can be missed. */
async function subscribe(client: Client, query: string, variables: Record<string, unknown> = {}, gateway = platform.gateway): Promise<Stream> {
  const before = gateway.live.stats.subscribers;
  const stream = listen(client, query, variables);
  await eventually(() => gateway.live.stats.subscribers > before || stream.errors.length > 0 || stream.completed, 5000, 'the subscription');
  return stream;
}

async function placeOrder(token: string): Promise<string> {
  const result = await platform.gql('mutation($p: ID!) { placeOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id } }', { p: productId }, { token });
  if (!result.data?.placeOrder) throw new Error(JSON.stringify(result.errors));
  return result.data.placeOrder.id;
}

const cancel = (token: string, orderId: string) => platform.gql('mutation($o: ID!) { cancelOrder(orderId: $o) { status } }', { o: orderId }, { token });
const quietly = (ms = 400) => new Promise((r) => setTimeout(r, ms));

const ORDER_BY_ID = `subscription($o: ID) {
  orderStatusChanged(orderId: $o) { id status totalCents customer { id name } items { name quantity } payments { status } tickets { subject } }
}`;

describe('when a client connects over graphql-ws', () => {
  test('then a token that does not verify closes the connection with 4403', async () => {
    const { client, closes } = connect('not-a-jwt.at-all.really');
    listen(client, '{ __typename }');
    await eventually(() => closes[0], 5000, 'the close');
    expect(closes[0].code).toBe(4403);
  });

  test('then queries and mutations work over the same connection', async () => {
    const customer = await registerCustomer(platform);
    const { client } = connect(customer.accessToken);
    const stream = listen(client, '{ me { id name } }');
    await eventually(() => stream.completed, 5000, 'the query');
    expect(stream.results).toEqual([{ data: { me: { id: customer.id, name: customer.name } } }]);
  });

  test('then an anonymous subscriber is told to sign in', async () => {
    const { client } = connect();
    const stream = await subscribe(client, ORDER_BY_ID, {});
    expect(stream.errors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('when a customer follows an order', () => {
  test('then each status change arrives with fields from every subgraph', async () => {
    const customer = await registerCustomer(platform);
    const orderId = await placeOrder(customer.accessToken);
    const { client } = connect(customer.accessToken);
    const stream = await subscribe(client, ORDER_BY_ID, { o: orderId });
    expect((await cancel(customer.accessToken, orderId)).data?.cancelOrder.status).toBe('CANCELLED');
    await eventually(() => stream.results.length > 0, 5000, 'the push');
    expect(stream.results[0]).toEqual({ data: { orderStatusChanged: {
      id: orderId, status: 'CANCELLED', totalCents: 900, customer: { id: customer.id, name: customer.name },
      items: [{ name: 'Tea', quantity: 1 }], payments: [], tickets: [],
    } } });
  });

  test('then another customer asking for that order gets FORBIDDEN and nothing else', async () => {
    const owner = await registerCustomer(platform);
    const other = await registerCustomer(platform);
    const orderId = await placeOrder(owner.accessToken);
    const { client } = connect(other.accessToken);
    const stream = await subscribe(client, ORDER_BY_ID, { o: orderId });
    expect(stream.errors[0]?.extensions?.code).toBe('FORBIDDEN');
    await cancel(owner.accessToken, orderId);
    await quietly();
    expect(stream.results).toEqual([]);
  });

  test('then, without an id, each subscriber gets exactly what they may see', async () => {
    const first = await registerCustomer(platform);
    const second = await registerCustomer(platform);
    const agent = await registerAgent(platform, adminToken);
    const streams = await Promise.all([first, second, agent].map(async (who) => subscribe(connect(who.accessToken).client, 'subscription { orderStatusChanged { id status } }')));
    const orderId = await placeOrder(first.accessToken);
    await cancel(first.accessToken, orderId);
    await eventually(() => streams[0].results.length > 0 && streams[2].results.length > 0, 5000, 'the pushes');
    await quietly();
    const mine = (s: Stream) => s.results.filter((r) => r.data?.orderStatusChanged.id === orderId);
    expect(mine(streams[0])).toEqual([{ data: { orderStatusChanged: { id: orderId, status: 'CANCELLED' } } }]);
    expect(mine(streams[2])).toHaveLength(1);
    expect(mine(streams[1])).toEqual([]);
  });
});

describe('when a ticket changes status', () => {
  test('then its requester hears of it', async () => {
    const customer = await registerCustomer(platform);
    const agent = await registerAgent(platform, adminToken);
    const ticket = (await platform.gql('mutation { openTicket(input: { subject: "Late", description: "Where is it?" }) { id } }', {}, { token: customer.accessToken })).data!.openTicket;
    const stream = await subscribe(connect(customer.accessToken).client, 'subscription($t: ID) { ticketStatusChanged(ticketId: $t) { id status requester { name } } }', { t: ticket.id });
    await platform.gql('mutation($t: ID!) { changeTicketStatus(ticketId: $t, status: IN_PROGRESS) { status } }', { t: ticket.id }, { token: agent.accessToken });
    await eventually(() => stream.results.length > 0, 5000, 'the push');
    expect(stream.results[0].data.ticketStatusChanged).toEqual({ id: ticket.id, status: 'IN_PROGRESS', requester: { name: customer.name } });
  });
});

describe('when a selected field depends on who asks, not only on the role', () => {
  async function ticketAssignedTo(assigneeId: string): Promise<string> {
    const customer = await registerCustomer(platform);
    const ticket = (await platform.gql('mutation { openTicket(input: { subject: "Broken", description: "It broke" }) { id } }', {}, { token: customer.accessToken })).data!.openTicket;
    const assigned = await platform.gql('mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, assigneeId: $a) { assignee { id } } }', { t: ticket.id, a: assigneeId }, { token: adminToken });
    expect(assigned.data?.assignTicket.assignee.id).toBe(assigneeId);
    return ticket.id;
  }
  const move = (ticketId: string) => platform.gql('mutation($t: ID!) { changeTicketStatus(ticketId: $t, status: IN_PROGRESS) { status } }', { t: ticketId }, { token: adminToken });
  /** The subscription's selection, asked for by `token` as a query: what its pushes must equal. */
  const asked = async (selection: string, ticketId: string, token: string, fragments = '') =>
    (await platform.gql(`query($t: ID!) { ticket(id: $t) ${selection} } ${fragments}`, { t: ticketId }, { token })).data!.ticket;

  test('then two agents get each their own answer: the assignee\'s sessions for the assignee, none for the other', async () => {
    const [assignee, other] = await Promise.all([registerAgent(platform, adminToken), registerAgent(platform, adminToken)]);
    const ticketId = await ticketAssignedTo(assignee.id);
    const selection = '{ id status assignee { id sessions { id } } }';
    const query = `subscription($t: ID) { ticketStatusChanged(ticketId: $t) ${selection} }`;
    // The assignee subscribes first: a resolution shared by role would run as the assignee for both.
    const first = await subscribe(connect(assignee.accessToken).client, query, { t: ticketId });
    const second = await subscribe(connect(other.accessToken).client, query, { t: ticketId });
    await move(ticketId);
    await eventually(() => first.results.length > 0 && second.results.length > 0, 5000, 'both pushes');
    const own = await asked(selection, ticketId, assignee.accessToken);
    const others = await asked(selection, ticketId, other.accessToken);
    expect(own.assignee.sessions.length).toBeGreaterThan(0);
    expect(others.assignee.sessions).toEqual([]);
    expect(first.results).toEqual([{ data: { ticketStatusChanged: own } }]);
    expect(second.results).toEqual([{ data: { ticketStatusChanged: others } }]);
  });

  test('then two sessions of one user each see their own session as the current one, through fragments', async () => {
    const agent = await registerAgent(platform, adminToken);
    const again = (await platform.gql(ops.login, { email: agent.email, password: agent.password })).data!.login.accessToken as string;
    const ticketId = await ticketAssignedTo(agent.id);
    const selection = '{ ...Work }';
    const fragment = 'fragment Work on Ticket { id assignee { ... on User { ...Sessions } } } fragment Sessions on User { sessions { id current } }';
    const query = `subscription($t: ID) { ticketStatusChanged(ticketId: $t) ${selection} } ${fragment}`;
    const streams = [await subscribe(connect(agent.accessToken).client, query, { t: ticketId }), await subscribe(connect(again).client, query, { t: ticketId })];
    await move(ticketId);
    await eventually(() => streams.every((s) => s.results.length > 0), 5000, 'both pushes');
    const one = await asked(selection, ticketId, agent.accessToken, fragment);
    const two = await asked(selection, ticketId, again, fragment);
    expect(one).not.toEqual(two);
    expect(streams[0].results).toEqual([{ data: { ticketStatusChanged: one } }]);
    expect(streams[1].results).toEqual([{ data: { ticketStatusChanged: two } }]);
  });

  test('then staff of the same role still share one resolution when no such field is selected', async () => {
    const agents = await Promise.all([registerAgent(platform, adminToken), registerAgent(platform, adminToken)]);
    const ticketId = await ticketAssignedTo(agents[0].id);
    const query = 'subscription($t: ID) { ticketStatusChanged(ticketId: $t) { id assignee { id name email tickets { totalCount } orders { totalCount } } } }';
    const streams = await Promise.all(agents.map((a) => subscribe(connect(a.accessToken).client, query, { t: ticketId })));
    const before = platform.gateway.live.stats.resolutions;
    await move(ticketId);
    await eventually(() => streams.every((s) => s.results.length > 0), 5000, 'both pushes');
    expect(platform.gateway.live.stats.resolutions - before).toBe(1);
    expect(streams[1].results).toEqual(streams[0].results);
  });
});

describe('when a subscription is not within the limits', () => {
  test.each([
    ['too deep', 'subscription { orderStatusChanged { customer { orders { edges { node { customer { orders { edges { node { customer { orders { edges { node { id } } } } } } } } } } } } } }'],
    ['too many aliases', `subscription { orderStatusChanged { ${Array.from({ length: 20 }, (_, i) => `a${i}: id`).join(' ')} } }`],
    ['an unknown field', 'subscription { orderStatusChanged { nope } }'],
  ])('then %s is refused before anything runs', async (_case, query) => {
    const customer = await registerCustomer(platform);
    const stream = listen(connect(customer.accessToken).client, query);
    await eventually(() => stream.errors.length > 0, 5000, 'the refusal');
    expect(stream.errors[0].extensions?.code ?? stream.errors[0].message).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test('then a connection may hold only so many subscriptions', async () => {
    const customer = await registerCustomer(platform);
    const { client } = connect(customer.accessToken);
    for (let i = 0; i < 3; i++) await subscribe(client, 'subscription { orderStatusChanged { id } }');
    const fourth = listen(client, 'subscription { orderStatusChanged { id } }');
    await eventually(() => fourth.errors.length > 0, 5000, 'the refusal');
    expect(fourth.errors[0].extensions?.code).toBe('TOO_MANY_SUBSCRIPTIONS');
  });

  test('then subscriptions sent all at once cannot pass the cap together', async () => {
    const customer = await registerCustomer(platform);
    const { client } = connect(customer.accessToken);
    const streams = Array.from({ length: 5 }, () => listen(client, 'subscription { orderStatusChanged { id } }'));
    await eventually(() => streams.filter((s) => s.errors.length > 0).length === 2 && platform.gateway.live.stats.subscribers === 3, 5000, 'three accepted, two refused');
    expect(streams.flatMap((s) => s.errors).map((e) => e.extensions?.code)).toEqual(['TOO_MANY_SUBSCRIPTIONS', 'TOO_MANY_SUBSCRIPTIONS']);
  });
});

describe('when the session behind a subscription ends', () => {
  test('then a logout ends its streams at once with SESSION_ENDED', async () => {
    const customer = await registerCustomer(platform);
    const { client, closes } = connect(customer.accessToken);
    const stream = await subscribe(client, 'subscription { orderStatusChanged { id } }');
    await platform.gql(ops.logout, { token: customer.refreshToken }, { token: customer.accessToken });
    await eventually(() => stream.completed || stream.errors.length > 0 || closes.length > 0, 5000, 'the end');
    await eventually(() => closes.length > 0, 5000, 'the close');
    expect([...stream.results.flatMap((r) => r.errors ?? []), ...stream.errors].map((e) => e.extensions?.code)).toContain('SESSION_ENDED');
    expect(closes[0].code).toBe(4401);
  });

  test('then an access token that expires ends its streams with TOKEN_EXPIRED', async () => {
    const customer = await registerCustomer(platform);
    const now = Math.floor(Date.now() / 1000);
    const key = await importJWK(platform.signingKey.privateJwk, 'ES256');
    const token = await new SignJWT({ sid: randomUUID(), roles: ['CUSTOMER'], guest: false, rv: 0 })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: platform.signingKey.privateJwk.kid })
      .setIssuer(ISSUER).setAudience(AUDIENCE).setSubject(customer.id).setIssuedAt(now).setNotBefore(now).setExpirationTime(now + 2).setJti(randomUUID())
      .sign(key);
    const stream = await subscribe(connect(token).client, 'subscription { orderStatusChanged { id } }');
    await eventually(() => stream.completed || stream.errors.length > 0, 8000, 'the end');
    expect([...stream.results.flatMap((r) => r.errors ?? []), ...stream.errors].map((e) => e.extensions?.code)).toContain('TOKEN_EXPIRED');
  });
});

describe('when many subscribers want the same thing', () => {
  test('then the gateway holds one NATS subscription per subject and resolves each event once per shared plan and scope', async () => {
    const agents = await Promise.all([1, 2, 3].map(() => registerAgent(platform, adminToken)));
    const query = 'subscription { orderStatusChanged { id status customer { id } } }';
    const streams = [await subscribe(connect(agents[0].accessToken).client, query)];
    const subjects = platform.gateway.hub.subscriptionCount;
    streams.push(...await Promise.all(agents.slice(1).map((a) => subscribe(connect(a.accessToken).client, query))));
    expect(platform.gateway.hub.subscriptionCount).toBe(subjects);
    const customer = await registerCustomer(platform);
    const orderId = await placeOrder(customer.accessToken);
    const before = { ...platform.gateway.live.stats };
    await cancel(customer.accessToken, orderId);
    await eventually(() => streams.every((s) => s.results.some((r) => r.data.orderStatusChanged.id === orderId)), 5000, 'every agent');
    // Three agents of the same roles share one resolution.
    expect(platform.gateway.live.stats.resolutions - before.resolutions).toBe(1);
    expect(platform.gateway.live.stats.deliveries - before.deliveries).toBe(3);
  });

  test('then /metrics tells how many subscribers and shared groups there are', async () => {
    const agent = await registerAgent(platform, adminToken);
    await subscribe(connect(agent.accessToken).client, 'subscription { orderStatusChanged { id } }');
    await subscribe(connect(agent.accessToken).client, 'subscription { orderStatusChanged { id } }');
    const text = await (await fetch(`${new URL(platform.gatewayUrl).origin}/metrics`)).text();
    expect(text).toMatch(/^desk_gateway_subscribers 2$/m);
    expect(text).toMatch(/^desk_gateway_subscription_groups 1$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });
});

describe('when a subscription comes over HTTP', () => {
  async function readParts(response: Response, until: (parts: any[]) => boolean): Promise<any[]> {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const parts = () => text.split('\r\n--graphql').slice(1).map((p) => p.slice(p.indexOf('\r\n\r\n') + 4)).filter((p) => p.startsWith('{')).map((p) => JSON.parse(p));
    while (!until(parts())) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    return parts();
  }

  test('then with the multipart Accept header it streams each event as a part', async () => {
    const customer = await registerCustomer(platform);
    const orderId = await placeOrder(customer.accessToken);
    const controller = new AbortController();
    const response = await fetch(platform.gatewayUrl, {
      method: 'POST', signal: controller.signal,
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0", application/json', authorization: `Bearer ${customer.accessToken}` },
      body: JSON.stringify({ query: 'subscription($o: ID) { orderStatusChanged(orderId: $o) { id status customer { name } } }', variables: { o: orderId } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed;boundary="graphql";subscriptionSpec="1.0"/);
    await eventually(() => platform.gateway.live.stats.subscribers === 1, 5000, 'the subscription');
    await cancel(customer.accessToken, orderId);
    const parts = await readParts(response, (p) => p.some((part) => part.payload));
    controller.abort();
    expect(parts.find((p) => p.payload)).toEqual({ payload: { data: { orderStatusChanged: { id: orderId, status: 'CANCELLED', customer: { name: customer.name } } } } });
    // The client went away: its subscriber is gone too.
    await eventually(() => platform.gateway.live.stats.subscribers === 0, 5000, 'the clean-up');
  });

  test('then without it the client is told which transports serve subscriptions', async () => {
    const customer = await registerCustomer(platform);
    const result = await platform.gql('subscription { orderStatusChanged { id } }', {}, { token: customer.accessToken });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions?.code).toBe('SUBSCRIPTION_TRANSPORT_REQUIRED');
  });
});

describe('when two gateway processes run side by side', () => {
  test('then each delivers the event to its own clients', async () => {
    const second = await spawnGateway(platform);
    try {
      const customer = await registerCustomer(platform);
      const orderId = await placeOrder(customer.accessToken);
      const query = 'subscription($o: ID) { orderStatusChanged(orderId: $o) { status } }';
      const one = await subscribe(connect(customer.accessToken).client, query, { o: orderId });
      const two = listen(connect(customer.accessToken, wsUrl(second.url)).client, query, { o: orderId });
      await eventually(async () => /^desk_gateway_subscribers 1$/m.test(await (await fetch(`${second.origin}/metrics`)).text()), 10_000, 'the other gateway\'s subscriber');
      await cancel(customer.accessToken, orderId);
      await eventually(() => one.results.length > 0 && two.results.length > 0, 5000, 'both gateways');
      expect(one.results[0]).toEqual({ data: { orderStatusChanged: { status: 'CANCELLED' } } });
      expect(two.results[0]).toEqual(one.results[0]);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.dispose()));
      await second.stop();
    }
  });
});
