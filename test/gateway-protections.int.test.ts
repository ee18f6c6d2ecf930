// The gateway's limits and defences, each shown refusing what it must and letting through what it may.
import https from 'node:https';
import { gzipSync } from 'node:zlib';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { subjects } from '@desk/shared';
import { testPort } from '@desk/shared/testing';
import { newCustomer, ops, postGraphQL, registerCustomer, startExtraGateway, startPlatform, type Platform } from './support/platform';

let platform: Platform;
let token: string;
beforeAll(async () => {
  platform = await startPlatform();
  token = (await registerCustomer(platform)).accessToken;
});
afterAll(() => platform?.stop());

const codeOf = (result: { errors?: { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;

describe('when an operation exceeds a limit', () => {
  test('then too deep a query is refused, and one within the depth passes', async () => {
    // Today's schema nests four levels at most (users.edges.node.id), so this gateway allows three.
    const gateway = await startExtraGateway(platform, { MAX_DEPTH: '3' });
    try {
      const deep = await postGraphQL(gateway.url, '{ users(first: 1) { edges { node { id } } } }', {}, { token });
      expect(deep.status).toBe(400);
      expect(deep.errors?.[0]?.message).toMatch(/depth/i);
      const viaFragments = await postGraphQL(gateway.url, '{ users(first: 1) { ...E } } fragment E on UserConnection { edges { node { id } } }', {}, { token });
      expect(viaFragments.status).toBe(400);
      const shallow = await postGraphQL(gateway.url, '{ me { id } }', {}, { token });
      expect(shallow.errors).toBeUndefined();
    } finally {
      await gateway.stop();
    }
  });

  test('then too many aliases are refused, __typename included', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `t${i}: __typename`).join(' ');
    const result = await platform.gql(`{ ${aliases} }`, {}, { token });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.message).toMatch(/alias/i);
    const fine = await platform.gql(`{ ${Array.from({ length: 3 }, (_, i) => `t${i}: __typename`).join(' ')} }`, {}, { token });
    expect(fine.errors).toBeUndefined();
  });

  test('then too many directives are refused', async () => {
    const result = await platform.gql(`{ me { id ${'@include(if: true) '.repeat(11)} } }`, {}, { token });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.message).toMatch(/directive/i);
  });

  test('then too many tokens are refused before parsing completes', async () => {
    const fields = Array.from({ length: 2100 }, () => 'id').join(' ');
    const result = await platform.gql(`{ me { ${fields} } }`, {}, { token });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.message).toMatch(/token/i);
  });

  test('then too costly a query is refused', async () => {
    const gateway = await startExtraGateway(platform, { MAX_COST: '20' });
    try {
      const result = await postGraphQL(gateway.url, '{ users(first: 10) { edges { node { id email name roles createdAt } } } }', {}, { token });
      expect(result.status).toBe(400);
      expect(result.errors?.[0]?.message).toMatch(/cost/i);
      const cheap = await postGraphQL(gateway.url, '{ me { id } }', {}, { token });
      expect(cheap.errors).toBeUndefined();
    } finally {
      await gateway.stop();
    }
  });
});

describe('when a request is not an ordinary single operation', () => {
  test('then a batch is refused', async () => {
    const response = await fetch(platform.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]) });
    expect(response.status).toBe(400);
  });

  test('then a simple cross-site request is refused (CSRF prevention)', async () => {
    const get = await fetch(`${platform.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(400);
    const text = await fetch(platform.gatewayUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(text.status).toBe(400);
    const allowed = await fetch(`${platform.gatewayUrl}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(allowed.status).toBe(200);
  });

  test('then a body over the size limit is refused with 413', async () => {
    const big = await platform.gql('query($s: String) { __typename }', { s: 'x'.repeat(200_000) });
    expect(big.status).toBe(413);
    expect(codeOf(big)).toBe('PAYLOAD_TOO_LARGE');
  });

  test.each([
    ['malformed JSON', '{"query": '],
    ['a JSON value that is not an object', '"{ __typename }"'],
    ['JSON null', 'null'],
    ['an empty body', ''],
  ])('then %s is a 400 with a code', async (_case, body) => {
    const response = await fetch(platform.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(400);
    const answer = await response.json() as { errors: { extensions: { code: string } }[] };
    expect(answer.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  test('then the federation internals are not reachable through the gateway', async () => {
    const result = await platform.gql('{ _entities(representations: [{ __typename: "User", id: "x" }]) { __typename } }', {}, { token });
    expect(codeOf(result)).toBe('GRAPHQL_VALIDATION_FAILED');
    const service = await platform.gql('{ _service { sdl } }', {}, { token });
    expect(codeOf(service)).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('when something fails inside', () => {
  test('then in production the client gets a generic error, with no internals', async () => {
    const port = await testPort();
    const gateway = await startExtraGateway(platform, { NODE_ENV: 'production', SUBGRAPH_URLS: JSON.stringify({ auth: platform.authUrl, user: `http://127.0.0.1:${port}/graphql` }) });
    try {
      const result = await postGraphQL(gateway.url, ops.me, {}, { token });
      expect(result.errors?.[0]).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(result)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|stack|serviceName/);
    } finally {
      await gateway.stop();
    }
  });

  test('then in development the details are shown to help', async () => {
    const port = await testPort();
    const gateway = await startExtraGateway(platform, { NODE_ENV: 'development', SUBGRAPH_URLS: JSON.stringify({ auth: platform.authUrl, user: `http://127.0.0.1:${port}/graphql` }) });
    try {
      const result = await postGraphQL(gateway.url, ops.me, {}, { token });
      expect(JSON.stringify(result.errors)).toMatch(/ECONNREFUSED|connect/);
    } finally {
      await gateway.stop();
    }
  });

  test('then coded errors keep their message and code in production', async () => {
    const gateway = await startExtraGateway(platform, { NODE_ENV: 'production' });
    try {
      const result = await postGraphQL(gateway.url, '{ users(first: 5) { totalCount } }');
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
      expect(result.errors?.[0]?.message).not.toBe('Internal server error');
    } finally {
      await gateway.stop();
    }
  });
});

describe('when the schema is explored', () => {
  const introspection = '{ __schema { queryType { name } } }';

  test('then introspection and the Sandbox page are on in development', async () => {
    expect((await platform.gql(introspection)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const page = await fetch(platform.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
  });

  test('then both are off in production unless configured', async () => {
    const production = await startExtraGateway(platform, { NODE_ENV: 'production' });
    const opened = await startExtraGateway(platform, { NODE_ENV: 'production', INTROSPECTION: 'true' });
    try {
      expect(codeOf(await postGraphQL(production.url, introspection))).toBe('GRAPHQL_VALIDATION_FAILED');
      const page = await fetch(production.url, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/<html/i);
      expect((await postGraphQL(opened.url, introspection)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    } finally {
      await production.stop();
      await opened.stop();
    }
  });
});

describe('when a client probes the schema in production', () => {
  const misspelt = (operation: 'query' | 'subscription') => operation === 'query'
    ? '{ me { nmae } }'
    : 'subscription { ticketStatusChanged { id statsu } }';
  const hints = (result: { errors?: { message: string }[] }) => (result.errors ?? []).filter((e) => /did you mean/i.test(e.message));

  test('then no answer suggests a field: not to a query, nor to a subscription over HTTP or graphql-ws', async () => {
    const gateway = await startExtraGateway(platform, { NODE_ENV: 'production' });
    try {
      const query = await postGraphQL(gateway.url, misspelt('query'), {}, { token });
      expect(codeOf(query)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(hints(query)).toEqual([]);
      const overHttp = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0", application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: misspelt('subscription') }),
      });
      const overHttpBody = await overHttp.json() as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
      expect(codeOf(overHttpBody)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(hints(overHttpBody)).toEqual([]);
      const client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
      try {
        const errors = await new Promise<{ message: string }[]>((resolve) => {
          client.subscribe({ query: misspelt('subscription') }, { next: () => undefined, error: (e) => resolve(e as { message: string }[]), complete: () => resolve([]) });
        });
        expect(errors.length).toBeGreaterThan(0);
        expect(hints({ errors })).toEqual([]);
      } finally {
        await client.dispose();
      }
    } finally {
      await gateway.stop();
    }
  });

  test('then a pile of unknown directives costs one error, not one each', async () => {
    // graphql-cop's "directive overloading": ten repeated unknown directives, each answered with an error.
    const result = await platform.gql(`query cop { __typename ${'@aa'.repeat(10)} }`, {}, { token });
    expect(codeOf(result)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(result.errors?.length).toBeLessThan(10);
  });
});

describe('when an operation runs', () => {
  test('then its request log reaches NATS with who, what, how long and how it ended', async () => {
    const subject = subjects(platform.nats.prefix).requestLog;
    const received: Record<string, unknown>[] = [];
    const sub = platform.nats.nc.subscribe(subject, { callback: (_err, msg) => { received.push(msg.json()); } });
    const customer = await registerCustomer(platform);
    const served = await platform.gql('query WhoAmI { me { id } }', {}, {
      token: customer.accessToken,
      headers: { 'apollographql-client-name': 'web-app', 'apollographql-client-version': '1.2.3', 'x-correlation-id': 'test-correlation-0001' },
    });
    const refused = await platform.gql('query Refused { me { id } }', {}, { token: 'bad.token.here', headers: { 'x-correlation-id': 'test-correlation-0002' } });
    const [servedId, refusedId] = [served.headers.get('x-correlation-id'), refused.headers.get('x-correlation-id')];
    const deadline = Date.now() + 3000;
    const logged = (id: string | null) => received.some((r) => r.correlationId === id);
    while (!(logged(servedId) && logged(refusedId)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sub.unsubscribe();
    const ok = received.find((r) => r.correlationId === servedId);
    expect(ok).toMatchObject({
      operationName: 'WhoAmI', operationType: 'query', outcome: 'success', userId: customer.id, clientName: 'web-app', clientVersion: '1.2.3', errorCodes: [],
      clientCorrelationId: 'test-correlation-0001',
    });
    expect(typeof ok?.durationMs).toBe('number');
    expect(received.find((r) => r.correlationId === refusedId)).toMatchObject({ outcome: 'refused', errorCodes: ['UNAUTHENTICATED'], clientCorrelationId: 'test-correlation-0002' });
  });

  test('then the response names the gateway\'s own correlation id, whatever id the client sent', async () => {
    const result = await platform.gql(ops.me, {}, { headers: { 'x-correlation-id': 'abc-correlation-42' } });
    const id = result.headers.get('x-correlation-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const again = await platform.gql(ops.me, {}, { headers: { 'x-correlation-id': 'abc-correlation-42' } });
    expect(again.headers.get('x-correlation-id')).not.toBe(id);
    const withoutOne = await platform.gql(ops.me, {});
    expect(withoutOne.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('then nothing about the host is reported to Apollo, unless the operator turns it on', async () => {
    const calls = jest.spyOn(https, 'request').mockImplementation((() => { throw new Error('no network here'); }) as never);
    const toApollo = () => calls.mock.calls.filter((call) => JSON.stringify(call).includes('apollographql.com')).length;
    try {
      // The report goes out every hour and once more when the gateway stops.
      await (await startExtraGateway(platform, {})).stop();
      expect(toApollo()).toBe(0);
      await (await startExtraGateway(platform, { APOLLO_TELEMETRY_DISABLED: 'false' })).stop();
      expect(toApollo()).toBeGreaterThan(0);
    } finally {
      calls.mockRestore();
    }
  });

  test('then /health and /ready answer', async () => {
    const base = new URL(platform.gatewayUrl).origin;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
  });
});

// A plain JSON POST to /graphql is served without express's router and body parser; any other form
// still goes through express. Both must answer alike.
describe('when an operation is sent in a less common form', () => {
  const post = (headers: Record<string, string>, body: string | Buffer) => fetch(platform.gatewayUrl, { method: 'POST', headers, body });

  test('then a compressed body, an explicit UTF-8 charset and a mixed-case type are answered as a plain one', async () => {
    const body = JSON.stringify({ query: ops.me });
    const plain = await (await post({ 'content-type': 'application/json', authorization: `Bearer ${token}` }, body)).json();
    expect(plain).toMatchObject({ data: { me: { id: expect.any(String) } } });
    for (const headers of [
      { 'content-type': 'application/json', 'content-encoding': 'gzip' } as Record<string, string>,
      { 'content-type': 'application/json; charset=utf-8' },
      { 'content-type': 'Application/JSON' },
    ]) {
      const response = await post({ ...headers, authorization: `Bearer ${token}` }, headers['content-encoding'] ? gzipSync(body) : body);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(plain);
    }
  });

  test('then a charset JSON cannot be read in is refused, and nothing runs', async () => {
    const unreadable: Record<string, string>[] = [
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-type': 'application/json', 'content-encoding': 'compress' },
    ];
    for (const headers of unreadable) {
      const input = newCustomer();
      const response = await post(headers, JSON.stringify({ query: ops.register, variables: { input } }));
      expect(response.status).toBe(415);
      expect(codeOf(await response.json() as { errors?: { extensions?: Record<string, unknown> }[] })).toBe('UNSUPPORTED_MEDIA_TYPE');
      // Had the registration run, the same email would now be taken.
      expect((await platform.gql(ops.register, { input })).errors).toBeUndefined();
    }
  });

  test('then CORS headers go only to allowed origins, and preflights are answered', async () => {
    const allowed = 'https://studio.apollographql.com';
    const fromAllowed = await post({ 'content-type': 'application/json', origin: allowed }, JSON.stringify({ query: '{ __typename }' }));
    expect(fromAllowed.headers.get('access-control-allow-origin')).toBe(allowed);
    const fromOther = await post({ 'content-type': 'application/json', origin: 'https://evil.example' }, JSON.stringify({ query: '{ __typename }' }));
    expect(fromOther.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(platform.gatewayUrl, { method: 'OPTIONS', headers: { origin: allowed, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(allowed);
  });

  test('then the client address comes from X-Forwarded-For only as far as the trusted proxies go', async () => {
    const customer = await registerCustomer(platform);
    const signInFrom = async (url: string, forwardedFor: string, from = '127.0.0.1') => {
      const headers = { 'x-forwarded-for': forwardedFor };
      const login = await postGraphQL<{ login: { accessToken: string } }>(url, ops.login, { email: customer.email, password: customer.password }, { headers, from });
      const me = await postGraphQL<{ me: { sessions: { ip: string | null; current: boolean }[] } }>(url, '{ me { sessions { ip current } } }', {}, { token: login.data!.login.accessToken, from });
      return me.data!.me.sessions.find((s) => s.current)!.ip;
    };
    expect(await signInFrom(platform.gatewayUrl, '203.0.113.7')).toBe('127.0.0.1');
    // One proxy in front: the address it appended counts; whatever the client wrote before it does not.
    const behindOne = await startExtraGateway(platform, { TRUST_PROXY: '1' });
    // The proxy by its address: only a request from it is believed.
    const behindListed = await startExtraGateway(platform, { TRUST_PROXY: '127.0.0.1/32' });
    try {
      expect(await signInFrom(behindOne.url, '198.51.100.66, 203.0.113.7')).toBe('203.0.113.7');
      expect(await signInFrom(behindOne.url, 'not-an-address')).toBe('127.0.0.1');
      expect(await signInFrom(behindListed.url, '203.0.113.8')).toBe('203.0.113.8');
      expect(await signInFrom(behindListed.url, '203.0.113.8', '127.0.3.9')).toBe('127.0.3.9');
    } finally {
      await behindOne.stop();
      await behindListed.stop();
    }
  });

  test('then TRUST_PROXY=true, which would believe any client, is refused at start', async () => {
    await expect(startExtraGateway(platform, { TRUST_PROXY: 'true' })).rejects.toThrow(/TRUST_PROXY/);
  });
});
