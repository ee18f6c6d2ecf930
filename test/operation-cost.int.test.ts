// The cost limit through the real gateway: an operation whose lists multiply past the limit (a page
// of products for every category) is refused as a query, a mutation or a subscription, over HTTP,
// graphql-ws and multipart, before the gateway calls any subgraph; the same document with a small
// page goes through. The gateway under test reaches the subgraphs through a proxy that counts calls.
import http from 'node:http';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { eventually, listenOnTestPort } from '@desk/shared/testing';
import { ADMIN, ops, postGraphQL, registerCustomer, startExtraGateway, startPlatform, type Platform } from './support/platform';

let platform: Platform;
let gateway: Awaited<ReturnType<typeof startExtraGateway>>;
let proxy: http.Server;
let subgraphCalls = 0;
let customerToken: string;
let orderId: string;

/** Forwards `/<subgraph>` to that subgraph, counting every call the gateway makes. */
async function countingProxy(targets: Record<string, string>): Promise<{ server: http.Server; urls: Record<string, string> }> {
  const server = http.createServer((req, res) => {
    subgraphCalls += 1;
    const target = new URL(targets[req.url!.slice(1)]);
    const upstream = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const origin = await listenOnTestPort(server);
  return { server, urls: Object.fromEntries(Object.keys(targets).map((name) => [name, `${origin}/${name}`])) };
}

beforeAll(async () => {
  platform = await startPlatform();
  const counted = await countingProxy(platform.urls);
  proxy = counted.server;
  gateway = await startExtraGateway(platform, { SUBGRAPH_URLS: JSON.stringify(counted.urls) });
  // Set up through the platform's own gateway: the proxy counts only what the tests send.
  const admin = (await platform.gql(ops.login, ADMIN)).data!.login.accessToken as string;
  const category = await platform.gql('mutation { createCategory(input: { name: "Tea" }) { id } }', {}, { token: admin });
  const product = await platform.gql('mutation($c: ID) { createProduct(input: { name: "Green tea", priceCents: 900, currency: "BRL", categoryId: $c }) { id } }', { c: category.data!.createCategory.id }, { token: admin });
  customerToken = (await registerCustomer(platform)).accessToken;
  const order = await platform.gql('mutation($p: ID!) { placeOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id } }', { p: product.data!.createProduct.id }, { token: customerToken });
  orderId = order.data!.placeOrder.id;
});
afterAll(async () => {
  await gateway?.stop();
  await new Promise((resolve) => proxy?.close(resolve));
  await platform?.stop();
});

const CATALOGUE = 'query($n: Int) { categories { products(first: $n) { edges { node { id name } } } } }';
const GUEST_HISTORY = 'mutation($n: Int) { startGuestSession { user { orders(first: $n) { edges { node { payments { id } tickets { comments { id } } } } } } } }';
const LIVE_CATALOGUE = `subscription($o: ID, $n: Int) {
  orderStatusChanged(orderId: $o) { items { product { category { products(first: $n) { edges { node { id name description priceCents } } } } } } }
}`;

const expectCostRefusal = (errors: { message: string; extensions?: Record<string, unknown> }[] | undefined) => {
  expect(errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(errors?.[0]?.message).toMatch(/estimated cost is \d+, over the limit of 30000/);
};

type WsAnswer = { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[]; subscribed?: true };

/** Sends one operation over graphql-ws; the errors it ends with, its first result, or `subscribed` once the gateway holds it. */
async function overWebSocket(query: string, variables: Record<string, unknown>, token?: string) {
  const client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: token ? { authorization: `Bearer ${token}` } : {} });
  const subscribers = gateway.live.stats.subscribers;
  try {
    return await new Promise<WsAnswer>((resolve) => {
      let answered = false;
      const answer = (value: WsAnswer) => { answered = true; resolve(value); };
      client.subscribe({ query, variables }, {
        next: (result) => answer(result as never),
        error: (errors) => answer({ errors: errors as never }),
        complete: () => answer({}),
      });
      void eventually(() => answered || gateway.live.stats.subscribers > subscribers, 10_000, 'an answer').then(() => answer({ subscribed: true }), () => undefined);
    });
  } finally {
    await client.dispose();
  }
}

/** POSTs a subscription as Apollo Client does over HTTP; the status and, for a refusal, its body. */
async function overMultipart(query: string, variables: Record<string, unknown>) {
  const controller = new AbortController();
  const response = await fetch(gateway.url, {
    method: 'POST', signal: controller.signal,
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0", application/json', authorization: `Bearer ${customerToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = response.status === 200 ? null : await response.json() as { errors: { message: string; extensions?: Record<string, unknown> }[] };
  controller.abort();
  return { status: response.status, body };
}

describe('when an anonymous client asks for a page of products in every category', () => {
  test('then over HTTP the query is refused before any subgraph is called, and a small page goes through', async () => {
    const before = subgraphCalls;
    const refused = await postGraphQL(gateway.url, CATALOGUE, { n: 100 });
    expect(refused.status).toBe(400);
    expectCostRefusal(refused.errors);
    expect(subgraphCalls).toBe(before);

    const small = await postGraphQL<{ categories: unknown[] }>(gateway.url, CATALOGUE, { n: 5 });
    expect(small.errors).toBeUndefined();
    expect(small.data?.categories.length).toBeGreaterThan(0);
    expect(subgraphCalls).toBeGreaterThan(before);
  });

  test('then over graphql-ws the query is refused too', async () => {
    const before = subgraphCalls;
    expectCostRefusal((await overWebSocket(CATALOGUE, { n: 100 })).errors);
    expect(subgraphCalls).toBe(before);
  });
});

describe('when a mutation selects lists within lists', () => {
  test('then it is refused before it runs: no guest session is started', async () => {
    const before = subgraphCalls;
    const refused = await postGraphQL(gateway.url, GUEST_HISTORY, { n: 100 });
    expect(refused.status).toBe(400);
    expectCostRefusal(refused.errors);
    expectCostRefusal((await overWebSocket(GUEST_HISTORY, { n: 100 })).errors);
    expect(subgraphCalls).toBe(before);
  });
});

describe('when a subscription selects a page of products for every line of an order', () => {
  test('then over graphql-ws it is refused before its order is looked up, and a small page is accepted', async () => {
    const before = subgraphCalls;
    expectCostRefusal((await overWebSocket(LIVE_CATALOGUE, { o: orderId, n: 100 }, customerToken)).errors);
    expect(subgraphCalls).toBe(before);

    // Accepted, the subscription checks that its subscriber may see the order: a call to the order subgraph.
    expect(await overWebSocket(LIVE_CATALOGUE, { o: orderId, n: 2 }, customerToken)).toEqual({ subscribed: true });
    expect(subgraphCalls).toBeGreaterThan(before);
  });

  test('then over multipart it is refused with a 400 before its order is looked up, and a small page is accepted', async () => {
    const before = subgraphCalls;
    const refused = await overMultipart(LIVE_CATALOGUE, { o: orderId, n: 100 });
    expect(refused.status).toBe(400);
    expectCostRefusal(refused.body?.errors);
    expect(subgraphCalls).toBe(before);

    expect((await overMultipart(LIVE_CATALOGUE, { o: orderId, n: 2 })).status).toBe(200);
    expect(subgraphCalls).toBeGreaterThan(before);
  });
});
