// How much one account or one client address may hold open for live results, through the real gateway
// over graphql-ws and HTTP multipart: subscriptions per account and per address (counted the same over
// both transports), WebSockets per address and per account, and distinct live queries per account.
// Each client speaks from its own loopback address (127.0.1.x), as if from its own machine.
import { createClient, type Client } from 'graphql-ws';
import { Agent, fetch } from 'undici';
import WebSocket from 'ws';
import { eventually } from '@desk/shared/testing';
import { registerCustomer, startPlatform, type Platform } from './support/platform';

let platform: Platform;
const clients: Client[] = [];
const sockets: WebSocket[] = [];
const streams: AbortController[] = [];

beforeAll(async () => {
  platform = await startPlatform({
    gatewayEnv: {
      MAX_SUBSCRIPTIONS_PER_CONNECTION: '2', MAX_SUBSCRIPTIONS_PER_USER: '4', MAX_SUBSCRIPTIONS_PER_ADDRESS: '6',
      MAX_CONNECTIONS_PER_ADDRESS: '5', MAX_CONNECTIONS_PER_USER: '3', MAX_LIVE_GROUPS_PER_USER: '3',
    },
  });
});
// Every test starts with nothing held: what a client that went away held is given back.
afterEach(async () => {
  for (const controller of streams.splice(0)) controller.abort();
  for (const socket of sockets.splice(0)) socket.terminate();
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  const empty = { subscriptions: 0, accountSubscriptions: 0, connections: 0, accountConnections: 0, groups: 0 };
  await eventually(() => JSON.stringify(platform.gateway.quota.usage) === JSON.stringify(empty), 5000, 'everything to be given back');
});
afterAll(() => platform?.stop());

const wsUrl = () => platform.gatewayUrl.replace(/^http/, 'ws');

/** ws's WebSocket, bound to a local address. */
const socketFrom = (from: string) => class extends WebSocket {
  constructor(url: string, protocols?: string | string[]) { super(url, protocols, { localAddress: from }); }
};

function connect(token: string | undefined, from: string) {
  const closes: { code: number; reason: string }[] = [];
  let connected = false;
  const client = createClient({
    url: wsUrl(), webSocketImpl: socketFrom(from), retryAttempts: 0, lazy: false, onNonLazyError: () => undefined,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: {
      connected: () => { connected = true; },
      closed: (event) => { const e = event as { code: number; reason: string }; closes.push({ code: e.code, reason: e.reason }); },
    },
  });
  clients.push(client);
  return { client, closes, isConnected: () => connected };
}

interface Stream { results: any[]; errors: any[]; dispose(): void; }

/** Subscribes and waits until the gateway has the subscriber or refused it. */
async function subscribe(client: Client, query = 'subscription { orderStatusChanged { id } }'): Promise<Stream> {
  const before = platform.gateway.live.stats.subscribers;
  const stream: Stream = { results: [], errors: [], dispose: () => undefined };
  stream.dispose = client.subscribe({ query }, {
    next: (result) => { stream.results.push(result); },
    error: (error) => { stream.errors.push(...(Array.isArray(error) ? error : [error])); },
    complete: () => undefined,
  });
  await eventually(() => platform.gateway.live.stats.subscribers > before || stream.errors.length > 0, 5000, 'the subscription');
  return stream;
}

/** 'open', or the refusal's code and the cap it names. */
const outcome = (stream: Stream) => (stream.errors.length === 0 ? 'open' : `${stream.errors[0].extensions?.code} ${stream.errors[0].extensions?.limit ?? ''}`.trim());

const dispatchers = new Map<string, Agent>();
/** A multipart subscription from `from`: open (the stream kept until the test ends), or the refusal's status and errors. */
async function subscribeOverHttp(token: string, from: string, query = 'subscription { orderStatusChanged { id } }') {
  const dispatcher = dispatchers.get(from) ?? new Agent({ localAddress: from });
  dispatchers.set(from, dispatcher);
  const controller = new AbortController();
  const response = await fetch(platform.gatewayUrl, {
    method: 'POST', dispatcher, signal: controller.signal,
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0", application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  // The gateway answers 200 with a multipart stream only once the subscription is open.
  if (/^multipart\/mixed/.test(response.headers.get('content-type') ?? '')) {
    streams.push(controller);
    return { outcome: 'open', status: response.status, close: () => controller.abort() };
  }
  const body = await response.json() as { errors: { extensions: Record<string, unknown> }[] };
  return { outcome: `${body.errors[0].extensions.code} ${body.errors[0].extensions.limit ?? ''}`.trim(), status: response.status, close: () => undefined };
}

/** A bare graphql-transport-ws connection from `from`, acknowledged; or how its upgrade was refused. */
async function openSocket(from: string): Promise<{ socket: WebSocket } | { status: number; body: any }> {
  const socket = new (socketFrom(from))(wsUrl(), 'graphql-transport-ws');
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    socket.once('error', (error) => { if (!String(error).includes('Unexpected server response')) reject(error); });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (data) => { if (JSON.parse(String(data)).type === 'connection_ack') resolve({ socket }); });
  });
}

describe('when one account opens subscriptions over many WebSockets', () => {
  test('then past its cap they are refused, whichever socket they come on, while another account elsewhere is served', async () => {
    const [hoarder, neighbour] = await Promise.all([registerCustomer(platform), registerCustomer(platform)]);
    const results: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { client } = connect(hoarder.accessToken, '127.0.1.1');
      for (let j = 0; j < 2; j++) results.push(outcome(await subscribe(client)));
    }
    expect(results).toEqual(['open', 'open', 'open', 'open', 'TOO_MANY_SUBSCRIPTIONS subscriptionsPerUser', 'TOO_MANY_SUBSCRIPTIONS subscriptionsPerUser']);
    expect(outcome(await subscribe(connect(neighbour.accessToken, '127.0.1.2').client))).toBe('open');
  });

  test('then past its cap on sockets the next one is closed with 4429, and one closed makes room', async () => {
    const customer = await registerCustomer(platform);
    const first = connect(customer.accessToken, '127.0.1.3');
    const others = [connect(customer.accessToken, '127.0.1.3'), connect(customer.accessToken, '127.0.1.3')];
    await eventually(() => first.isConnected() && others.every((c) => c.isConnected()), 5000, 'three connections');
    const fourth = connect(customer.accessToken, '127.0.1.4');
    await eventually(() => fourth.closes[0], 5000, 'the refusal');
    expect(fourth.closes[0]).toEqual({ code: 4429, reason: 'At most 3 open connections per account' });

    await first.client.dispose();
    await eventually(() => platform.gateway.quota.usage.accountConnections === 2, 5000, 'the closed connection to be given back');
    const again = connect(customer.accessToken, '127.0.1.4');
    await eventually(() => again.isConnected(), 5000, 'the new connection');
  });
});

describe('when one address opens many WebSockets', () => {
  test('then past its cap the upgrade is refused with 429, another address is served, and one closed makes room', async () => {
    const opened = [];
    for (let i = 0; i < 5; i++) opened.push(await openSocket('127.0.1.5'));
    expect(opened.every((o) => 'socket' in o)).toBe(true);
    const refused = await openSocket('127.0.1.5');
    expect(refused).toEqual({ status: 429, body: { errors: [{ message: 'At most 5 open connections per client address', extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 'connectionsPerAddress' } }] } });
    expect('socket' in await openSocket('127.0.1.6')).toBe(true);

    (opened[0] as { socket: WebSocket }).socket.close();
    await eventually(() => platform.gateway.quota.usage.connections === 5, 5000, 'the closed connection to be given back');
    expect('socket' in await openSocket('127.0.1.5')).toBe(true);
  });
});

describe('when subscriptions come over both transports', () => {
  test('then an account\'s cap counts them together, and one that ends makes room on the other transport', async () => {
    const customer = await registerCustomer(platform);
    const overHttp = [await subscribeOverHttp(customer.accessToken, '127.0.1.7'), await subscribeOverHttp(customer.accessToken, '127.0.1.7')];
    const { client } = connect(customer.accessToken, '127.0.1.7');
    const overWs = [outcome(await subscribe(client)), outcome(await subscribe(client))];
    expect([...overHttp.map((s) => s.outcome), ...overWs]).toEqual(['open', 'open', 'open', 'open']);

    const fifth = await subscribeOverHttp(customer.accessToken, '127.0.1.7');
    expect(fifth).toMatchObject({ status: 429, outcome: 'TOO_MANY_SUBSCRIPTIONS subscriptionsPerUser' });
    const second = connect(customer.accessToken, '127.0.1.7').client;
    expect(outcome(await subscribe(second))).toBe('TOO_MANY_SUBSCRIPTIONS subscriptionsPerUser');

    overHttp[0].close();
    await eventually(() => platform.gateway.quota.usage.accountSubscriptions === 3, 5000, 'the closed stream to be given back');
    expect(outcome(await subscribe(second))).toBe('open');
  });

  test('then an address\'s cap counts every account\'s subscriptions there together', async () => {
    const [one, two, three] = await Promise.all([registerCustomer(platform), registerCustomer(platform), registerCustomer(platform)]);
    const from = '127.0.1.8';
    const results = [
      (await subscribeOverHttp(one.accessToken, from)).outcome, (await subscribeOverHttp(one.accessToken, from)).outcome,
    ];
    const twoClient = connect(two.accessToken, from).client;
    results.push(outcome(await subscribe(twoClient)), outcome(await subscribe(twoClient)));
    const threeClient = connect(three.accessToken, from).client;
    results.push(outcome(await subscribe(threeClient)), outcome(await subscribe(threeClient)));
    results.push(outcome(await subscribe(connect(three.accessToken, from).client)));
    expect(results).toEqual(['open', 'open', 'open', 'open', 'open', 'open', 'TOO_MANY_SUBSCRIPTIONS subscriptionsPerAddress']);
  });
});

describe('when an account\'s subscriptions are each a different live query', () => {
  test('then past its cap of distinct ones the next is refused, one it already holds is not, and one that ends makes room', async () => {
    const customer = await registerCustomer(platform);
    const query = (selection: string) => `subscription { orderStatusChanged { ${selection} } }`;
    const first = connect(customer.accessToken, '127.0.1.9').client;
    const second = connect(customer.accessToken, '127.0.1.9').client;
    const held = [await subscribe(first, query('id')), await subscribe(first, query('status'))];
    expect(outcome(await subscribe(second, query('totalCents')))).toBe('open');
    expect(outcome(await subscribe(second, query('currency')))).toBe('TOO_MANY_SUBSCRIPTIONS groupsPerUser');
    expect(outcome(await subscribe(second, query('id')))).toBe('open');
    expect(held.map(outcome)).toEqual(['open', 'open']);

    held[1].dispose();
    await eventually(() => platform.gateway.quota.usage.groups === 2, 5000, 'the ended query\'s group to be given back');
    expect(outcome(await subscribe(first, query('currency')))).toBe('open');
  });
});
