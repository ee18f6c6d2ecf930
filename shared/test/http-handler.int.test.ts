// The subgraphs' GraphQL route on Node's own HTTP server: what express did for it still holds.
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { answerError, graphqlHandler, isGraphQLPath } from '../src/graphql/http-handler';
import { listenOnTestPort } from '../src/testing';

let server: http.Server;
let apollo: ApolloServer;
let url: string;

beforeAll(async () => {
  apollo = new ApolloServer({ typeDefs: 'type Query { hello(name: String): String }', resolvers: { Query: { hello: (_: unknown, { name }: { name?: string }) => `hello ${name ?? 'you'}` } } });
  await apollo.start();
  const handle = graphqlHandler(apollo, 1000);
  server = http.createServer((req, res) => {
    if (isGraphQLPath(req.url)) void handle(req, res, async () => ({}));
    else answerError(res, 404, 'NOT_FOUND', 'no such route');
  });
  url = `${await listenOnTestPort(server)}/graphql`;
});
afterAll(async () => {
  await apollo.stop();
  await new Promise((resolve) => server.close(resolve));
});

const codeOf = async (response: Response): Promise<unknown> => ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code;

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(url, { method: 'POST', headers, body });

test('a query is answered as JSON, with a length and no chunking', async () => {
  const response = await post(JSON.stringify({ query: '{ hello(name: "Ana") }' }));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
  expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
  expect(await response.json()).toEqual({ data: { hello: 'hello Ana' } });
});

test('variables and a query string reach Apollo', async () => {
  const variables = await post(JSON.stringify({ query: 'query($n: String) { hello(name: $n) }', variables: { n: 'Bia' } }));
  expect(await variables.json()).toEqual({ data: { hello: 'hello Bia' } });
  const get = await fetch(`${url}?query=${encodeURIComponent('{ hello }')}`, { headers: { 'apollo-require-preflight': 'true' } });
  expect(await get.json()).toEqual({ data: { hello: 'hello you' } });
});

test('a body that is not JSON is a 400 BAD_REQUEST', async () => {
  const response = await post('{"query": ');
  expect(response.status).toBe(400);
  expect(await codeOf(response)).toBe('BAD_REQUEST');
});

test('a body over the limit is a 413, whether its length is declared or not', async () => {
  const big = JSON.stringify({ query: `{ hello(name: "${'x'.repeat(2000)}") }` });
  const declared = await post(big);
  expect(declared.status).toBe(413);
  expect(await codeOf(declared)).toBe('PAYLOAD_TOO_LARGE');
  const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    for (let i = 0; i < 4; i++) req.write(big.slice(i * 600, (i + 1) * 600));
    req.end();
  });
  expect(streamed.status).toBe(413);
  expect(JSON.parse(streamed.body).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
});

test('a POST that is not JSON is refused by Apollo, as a cross-site request would be', async () => {
  const response = await post('query={hello}', { 'content-type': 'application/x-www-form-urlencoded' });
  expect(response.status).toBe(400);
});
