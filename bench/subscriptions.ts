// Live subscriptions under load: N concurrent graphql-ws subscribers on one gateway process (its own
// process, so that its CPU and memory are its own), half of them staff following every order (one
// shared resolution per event), half customers each following their own order (one resolution each).
// Status changes are then pushed through the real subgraphs, and for each subscriber count:
//   - event-to-client latency p50 / p99 under a steady stream of changes (from the mutation that
//     changes the status to the client's receipt),
//   - deliveries per second during a burst of changes,
//   - gateway CPU milliseconds per 1,000 deliveries (utime + stime from /proc),
//   - gateway memory per idle subscribed connection: what the second half of the connections adds, to
//     RSS and to the live JavaScript heap after a full collection (through the inspector protocol).
// Then slow readers: staff subscribers, half over graphql-ws and half over HTTP multipart, that never
// read a byte while large results (an order of 20 lines, each with a 5,000-character description) are
// pushed to them and to one subscriber that reads. Gateway RSS and live heap before they subscribe,
// while they hold the stream stalled, and after the slow-reader timeout; how many were cut off.
//   npm run bench:subscriptions   (BENCH_SUBSCRIBERS=1000,5000 BENCH_STEADY_EVENTS=20 BENCH_INTERVAL_MS=200 BENCH_BURST_EVENTS=50
//                                  BENCH_SLOW_READERS=10 BENCH_SLOW_EVENTS=100 BENCH_SLOW_READER_TIMEOUT_MS=10000; 0 or '' skips a part)
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import { SignJWT, importJWK } from 'jose';
import WebSocket from 'ws';
import { ADMIN, AUDIENCE, ISSUER, ops, postGraphQL, spawnGateway, startPlatform, type Platform } from '../test/support/platform';

const CLOCK_TICKS = 100; // USER_HZ on Linux

function processStats(pid: number): { cpuMs: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000;
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  return { cpuMs, rssBytes: Number(rss) * 1024 };
}

/**
 * The gateway's live JavaScript heap after a full garbage collection, read through the inspector
 * protocol: RSS alone also counts garbage not yet collected and memory V8 keeps for later.
 */
class HeapProbe {
  private constructor(private readonly url: string) {}

  static async connect(child: ChildProcess): Promise<HeapProbe> {
    const url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /Debugger listening on (ws:\/\/\S+)/.exec(seen);
        if (match) resolve(match[1]);
      });
      child.once('exit', () => reject(new Error(`the gateway exited: ${seen}`)));
    });
    return new HeapProbe(url);
  }

  /** Connects only for the measurement: an attached inspector session would slow the gateway down. */
  async liveHeapBytes(): Promise<number> {
    const socket = new WebSocket(this.url);
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
    let next = 1;
    const call = (method: string) => new Promise<Record<string, number>>((resolve) => {
      const id = next++;
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(data.toString());
        if (message.id !== id) return;
        socket.off('message', onMessage);
        resolve(message.result);
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id, method }));
    });
    try {
      await call('HeapProfiler.collectGarbage');
      return (await call('Runtime.getHeapUsage')).usedSize;
    } finally {
      socket.close();
    }
  }
}

async function startGatewayProcess(platform: Platform, slowReaderTimeoutMs: number): Promise<{ child: ChildProcess; url: string; heap: HeapProbe }> {
  const env = {
    NODE_ENV: 'production', LOG_LEVEL: 'warn',
    // Every client of the benchmark comes from 127.0.0.1; each subscriber is an account of its own.
    MAX_SUBSCRIPTIONS_PER_ADDRESS: '1000000', MAX_CONNECTIONS_PER_ADDRESS: '1000000',
    WS_SLOW_READER_TIMEOUT_MS: String(slowReaderTimeoutMs), MULTIPART_SLOW_READER_TIMEOUT_MS: String(slowReaderTimeoutMs),
  };
  // The inspector's address waits on the piped stderr until the probe reads it.
  const { child, origin } = await spawnGateway(platform, { env, nodeArgs: ['--inspect=127.0.0.1:0'], stderr: 'pipe' });
  return { child, url: origin, heap: await HeapProbe.connect(child) };
}

async function tokenFor(platform: Platform, userId: string, roles: string[]): Promise<string> {
  const key = await importJWK(platform.signingKey.privateJwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: randomUUID(), roles, guest: false, rv: 0 })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: platform.signingKey.privateJwk.kid })
    .setIssuer(ISSUER).setAudience(AUDIENCE).setSubject(userId).setIssuedAt(now).setNotBefore(now).setExpirationTime(now + 900).setJti(randomUUID())
    .sign(key);
}

async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...await Promise.all(items.slice(i, i + size).map(work)));
  return out;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

interface Result {
  subscribers: number;
  /** Steady phase: one status change every `intervalMs`. */
  p50: number; p99: number;
  /** Burst phase: `burst` changes at once. */
  burst: number; deliveries: number; perSecond: number; cpuPer1000: number;
  kibPerConnection: number;
  heapKibPerConnection: number;
}

interface Buyer { token: string; orderId: string; }

/** Cancels each buyer's order; returns the receipt latencies (ms) of every delivery of those orders. */
async function push(gql: string, buyers: Buyer[], received: Map<string, number[]>, expectedEach: number, spacingMs: number): Promise<{ latencies: number[]; start: number; end: number }> {
  const sentAt = new Map<string, number>();
  for (const b of buyers) received.set(b.orderId, []);
  const start = performance.now();
  await Promise.all(buyers.map(async (b, i) => {
    if (spacingMs > 0) await new Promise((r) => setTimeout(r, i * spacingMs));
    sentAt.set(b.orderId, performance.now());
    const result = await postGraphQL(gql, 'mutation($o: ID!) { cancelOrder(orderId: $o) { status } }', { o: b.orderId }, { token: b.token });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
  }));
  const expected = buyers.length * expectedEach;
  const count = () => buyers.reduce((n, b) => n + received.get(b.orderId)!.length, 0);
  const deadline = Date.now() + 120_000;
  while (count() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  if (count() < expected) console.error(`only ${count()} of ${expected} deliveries arrived`);
  const latencies = buyers.flatMap((b) => received.get(b.orderId)!.map((t) => t - sentAt.get(b.orderId)!)).sort((x, y) => x - y);
  const end = Math.max(...buyers.flatMap((b) => received.get(b.orderId)!));
  return { latencies, start, end };
}

async function scenario(platform: Platform, gateway: { child: ChildProcess; url: string; heap: HeapProbe }, productId: string, subscribers: number, options: { steady: number; intervalMs: number; burst: number }): Promise<Result> {
  const gql = gateway.url + '/graphql';
  const customers = Math.floor(subscribers / 2);
  const staff = subscribers - customers;
  // Customers, each with an order of their own.
  const buyers: Buyer[] = await inBatches(Array.from({ length: customers }, () => randomUUID()), 25, async (id) => {
    const token = await tokenFor(platform, id, ['CUSTOMER']);
    const placed = await postGraphQL<{ placeOrder: { id: string } }>(gql, 'mutation($p: ID!) { placeOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id } }', { p: productId }, { token });
    if (!placed.data) throw new Error(JSON.stringify(placed.errors));
    return { token, orderId: placed.data.placeOrder.id };
  });
  const staffTokens = await Promise.all(Array.from({ length: staff }, () => tokenFor(platform, randomUUID(), ['AGENT'])));

  const received = new Map<string, number[]>(); // orderId → receipt times
  const clients: Client[] = [];
  const follow = (token: string, query: string, variables: Record<string, unknown>) => new Promise<void>((resolve, reject) => {
    const client = createClient({ url: gql.replace(/^http/, 'ws'), webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` }, onNonLazyError: reject });
    clients.push(client);
    client.on('connected', () => resolve());
    client.subscribe({ query, variables }, {
      next: (result) => {
        const id = (result.data as { orderStatusChanged?: { id: string } } | undefined)?.orderStatusChanged?.id;
        if (id) received.get(id)?.push(performance.now());
      },
      error: (error) => { console.error('subscription error', JSON.stringify(error)); },
      complete: () => undefined,
    });
  });
  const selection = '{ id status totalCents currency }';
  const subscribeHalf = async (half: number) => {
    const s = staffTokens.filter((_, i) => i % 2 === half);
    const b = buyers.filter((_, i) => i % 2 === half);
    await inBatches(s, 200, (token) => follow(token, `subscription { orderStatusChanged ${selection} }`, {}));
    await inBatches(b, 200, (buyer) => follow(buyer.token, `subscription($o: ID) { orderStatusChanged(orderId: $o) ${selection} }`, { o: buyer.orderId }));
    const target = clients.length;
    for (let i = 0; i < 100; i++) {
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      if (Number(/^desk_gateway_subscribers (\d+)/m.exec(metrics)?.[1]) >= target) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 3000));
    const heap = await gateway.heap.liveHeapBytes();
    return { heap, rss: processStats(gateway.child.pid!).rssBytes };
  };
  // Memory: what the second half of the connections adds, so that warm-up costs do not count.
  const firstHalf = await subscribeHalf(0);
  const secondHalf = await subscribeHalf(1);
  const kibPerConnection = (secondHalf.rss - firstHalf.rss) / (clients.length / 2) / 1024;
  const heapKibPerConnection = (secondHalf.heap - firstHalf.heap) / (clients.length / 2) / 1024;

  // Latency under a steady stream of status changes.
  const steady = await push(gql, buyers.slice(0, options.steady), received, staff + 1, options.intervalMs);
  await new Promise((r) => setTimeout(r, 500));
  // Throughput and CPU under a burst.
  const cpuBefore = processStats(gateway.child.pid!).cpuMs;
  const burst = await push(gql, buyers.slice(options.steady, options.steady + options.burst), received, staff + 1, 0);
  const cpuAfter = processStats(gateway.child.pid!).cpuMs;

  await Promise.all(clients.map((c) => c.dispose()));
  await new Promise((r) => setTimeout(r, 1000));
  return {
    subscribers,
    p50: percentile(steady.latencies, 50), p99: percentile(steady.latencies, 99),
    burst: options.burst, deliveries: burst.latencies.length,
    perSecond: burst.latencies.length / ((burst.end - burst.start) / 1000),
    cpuPer1000: ((cpuAfter - cpuBefore) / burst.latencies.length) * 1000,
    kibPerConnection,
    heapKibPerConnection,
  };
}

const subscribersNow = async (gatewayUrl: string): Promise<number> =>
  Number(/^desk_gateway_subscribers (\d+)/m.exec(await (await fetch(`${gatewayUrl}/metrics`)).text())?.[1]);

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

interface SlowResult {
  readers: number; events: number; resultKiB: number; timeoutMs: number;
  before: { rss: number; heap: number }; stalled: { rss: number; heap: number }; after: { rss: number; heap: number };
  cutOff: number; delivered: number; cutOffAfterMs: number;
  /** Slow readers still subscribed when the stalled figures were taken. */
  stillSubscribed: number;
}

/** A graphql-ws subscriber that reads the acknowledgement, sends its subscription, and then reads nothing. */
async function stalledWebSocket(gql: string, token: string, query: string): Promise<WebSocket> {
  const socket = new WebSocket(gql.replace(/^http/, 'ws'), 'graphql-transport-ws');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.once('message', () => {
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
      socket.pause();
      resolve();
    });
  });
  return socket;
}

/** A multipart subscriber on a bare socket that sends its request and never reads the answer. */
async function stalledMultipart(gql: string, token: string, query: string): Promise<net.Socket> {
  const { hostname, port, pathname } = new URL(gql);
  const body = JSON.stringify({ query });
  const socket = net.connect({ host: hostname, port: Number(port) });
  socket.pause();
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`POST ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\naccept: multipart/mixed;subscriptionSpec="1.0"\r\n`
    + `authorization: Bearer ${token}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  return socket;
}

async function slowReaders(platform: Platform, gateway: { child: ChildProcess; url: string; heap: HeapProbe }, admin: string, options: { readers: number; events: number; timeoutMs: number }): Promise<SlowResult> {
  const gql = gateway.url + '/graphql';
  const description = 'd'.repeat(5000);
  const products = await inBatches(Array.from({ length: 20 }, (_, i) => i), 5, async (i) => {
    const created = await postGraphQL<{ createProduct: { id: string } }>(gql, 'mutation($n: String!, $d: String!) { createProduct(input: { name: $n, description: $d, priceCents: 100, currency: "BRL" }) { id } }', { n: `Bulky ${i}`, d: description }, { token: admin });
    if (!created.data) throw new Error(JSON.stringify(created.errors));
    return created.data.createProduct.id;
  });
  const buyers: Buyer[] = await inBatches(Array.from({ length: options.events }, () => randomUUID()), 10, async (id) => {
    const token = await tokenFor(platform, id, ['CUSTOMER']);
    const placed = await postGraphQL<{ placeOrder: { id: string } }>(gql, 'mutation($i: [OrderItemInput!]!) { placeOrder(input: { items: $i }) { id } }', { i: products.map((productId) => ({ productId, quantity: 1 })) }, { token });
    if (!placed.data) throw new Error(JSON.stringify(placed.errors));
    return { token, orderId: placed.data.placeOrder.id };
  });
  const query = 'subscription { orderStatusChanged { id status items { name product { description } } } }';
  const measure = async () => ({ heap: await gateway.heap.liveHeapBytes(), rss: processStats(gateway.child.pid!).rssBytes });

  // One subscriber that reads: it tells when every event has gone out.
  const received: string[] = [];
  let resultBytes = 0;
  const reader = createClient({ url: gql.replace(/^http/, 'ws'), webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, connectionParams: { authorization: `Bearer ${await tokenFor(platform, randomUUID(), ['AGENT'])}` } });
  reader.subscribe({ query }, {
    next: (result) => { resultBytes = JSON.stringify(result).length; received.push((result.data as { orderStatusChanged: { id: string } }).orderStatusChanged.id); },
    error: (error) => { console.error('reader error', JSON.stringify(error)); },
    complete: () => undefined,
  });
  await until(async () => await subscribersNow(gateway.url) === 1, 10_000);
  await new Promise((r) => setTimeout(r, 1000));
  const before = await measure();

  const stalled: (WebSocket | net.Socket)[] = [];
  for (let i = 0; i < options.readers; i++) {
    const token = await tokenFor(platform, randomUUID(), ['AGENT']);
    stalled.push(i % 2 === 0 ? await stalledWebSocket(gql, token, query) : await stalledMultipart(gql, token, query));
  }
  if (!await until(async () => await subscribersNow(gateway.url) === 1 + options.readers, 10_000)) throw new Error('the slow readers did not all subscribe');

  await inBatches(buyers, 10, async (b) => {
    const result = await postGraphQL(gql, 'mutation($o: ID!) { cancelOrder(orderId: $o) { status } }', { o: b.orderId }, { token: b.token });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
  });
  const published = performance.now();
  await until(() => received.length >= options.events, 120_000);
  const stalledMemory = await measure();
  // Read after the measurement: had they been cut off before it, this would tell.
  const stillSubscribed = await subscribersNow(gateway.url) - 1;
  await until(async () => await subscribersNow(gateway.url) === 1, options.timeoutMs * 3);
  const cutOffAfterMs = performance.now() - published;
  const cutOff = 1 + options.readers - await subscribersNow(gateway.url);
  await new Promise((r) => setTimeout(r, 1000));
  const after = await measure();

  for (const socket of stalled) (socket instanceof WebSocket ? socket.terminate() : socket.destroy());
  await reader.dispose();
  return {
    readers: options.readers, events: options.events, resultKiB: resultBytes / 1024, timeoutMs: options.timeoutMs,
    before, stalled: stalledMemory, after, cutOff, delivered: received.length, cutOffAfterMs, stillSubscribed,
  };
}

async function main(): Promise<void> {
  const counts = (process.env.BENCH_SUBSCRIBERS ?? '1000,5000').split(',').filter(Boolean).map(Number);
  const slow = { readers: Number(process.env.BENCH_SLOW_READERS ?? 10), events: Number(process.env.BENCH_SLOW_EVENTS ?? 100), timeoutMs: Number(process.env.BENCH_SLOW_READER_TIMEOUT_MS ?? 10_000) };
  const options = { steady: Number(process.env.BENCH_STEADY_EVENTS ?? 20), intervalMs: Number(process.env.BENCH_INTERVAL_MS ?? 200), burst: Number(process.env.BENCH_BURST_EVENTS ?? 50) };
  process.env.TEST_LOG_LEVEL ??= 'warn';
  const platform = await startPlatform();
  let gateway: { child: ChildProcess; url: string; heap: HeapProbe } | undefined;
  try {
    gateway = await startGatewayProcess(platform, slow.timeoutMs);
    const admin = (await postGraphQL<{ login: { accessToken: string } }>(`${gateway.url}/graphql`, ops.login, ADMIN)).data!.login.accessToken;
    const product = await postGraphQL<{ createProduct: { id: string } }>(`${gateway.url}/graphql`, 'mutation { createProduct(input: { name: "Bench tea", priceCents: 1000, currency: "BRL" }) { id } }', {}, { token: admin });
    const results: Result[] = [];
    for (const n of counts) {
      const result = await scenario(platform, gateway, product.data!.createProduct.id, n, options);
      results.push(result);
      console.error(`${n} subscribers done`);
    }
    if (slow.readers > 0) {
      const r = await slowReaders(platform, gateway, admin, slow);
      const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
      console.log(`slow readers: ${r.readers} staff subscribers (half graphql-ws, half multipart) that never read, ${r.events} results of ${r.resultKiB.toFixed(0)} KiB each pushed to them and to one that reads (it got ${r.delivered}); slow-reader timeout ${r.timeoutMs} ms.`);
      console.log([
        `| gateway | before they subscribe | stalled, every result sent to the reader (${r.stillSubscribed} slow readers still subscribed) | after the timeout |`,
        '|---|---:|---:|---:|',
        `| RSS MiB | ${mib(r.before.rss)} | ${mib(r.stalled.rss)} | ${mib(r.after.rss)} |`,
        `| live heap MiB | ${mib(r.before.heap)} | ${mib(r.stalled.heap)} | ${mib(r.after.heap)} |`,
      ].join('\n'));
      console.log(`cut off: ${r.cutOff} of ${r.readers}, ${(r.cutOffAfterMs / 1000).toFixed(1)} s after the last change was published; unsent results of ${r.readers} readers would be ${mib(r.readers * r.events * r.resultKiB * 1024)} MiB`);
    }
    if (counts.length === 0) return;
    const row = (r: Result) => `| ${r.subscribers} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.burst} → ${r.deliveries} | ${Math.round(r.perSecond)} | ${r.cpuPer1000.toFixed(1)} | ${r.kibPerConnection.toFixed(1)} | ${r.heapKibPerConnection.toFixed(1)} |`;
    console.log(`steady: ${options.steady} status changes, one every ${options.intervalMs} ms; burst: ${options.burst} at once. Half the subscribers are staff following every order, half customers following their own.`);
    console.log([
      '| subscribers | latency p50 (ms) | latency p99 (ms) | burst: changes → deliveries | deliveries/s | gateway CPU ms per 1,000 deliveries | RSS KiB per idle connection | live heap KiB per idle connection |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...results.map(row),
    ].join('\n'));
  } finally {
    gateway?.child.kill('SIGTERM');
    await platform.stop();
  }
}

main().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
