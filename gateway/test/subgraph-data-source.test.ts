// The gateway's subgraph calls, against a stand-in subgraph on a real socket: an entity fetch sends each
// distinct representation once, and the gateway still sees one entity (and its errors) per position.
import http from 'node:http';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { InternalTokenSigner } from '@desk/shared';
import { listenOnTestPort } from '@desk/shared/testing';
import type { GatewayContext } from '../src/context';
import { SubgraphDataSource } from '../src/subgraph.data-source';

type Representation = { __typename: string; id: string };
interface Answer { data?: { _entities: unknown[] } | null; errors?: { message: string; path?: (string | number)[] }[] }

let received: { variables: { representations?: Representation[] } }[];
let answerFor: (representations: Representation[]) => Answer;
let server: http.Server;
let source: SubgraphDataSource;

const users = (representations: Representation[]): Answer => ({ data: { _entities: representations.map(({ id }) => ({ name: `user ${id}`, address: { city: id } })) } });

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as (typeof received)[number];
      received.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answerFor(body.variables.representations ?? [])));
    });
  });
  source = new SubgraphDataSource('user', `${await listenOnTestPort(server)}/graphql`, {} as InternalTokenSigner);
});
beforeEach(() => { received = []; answerFor = users; });
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const fetchEntities = (representations: Representation[]) => source.process({
  request: { query: 'query($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { name address { city } } } }', variables: { representations } },
  context: {},
} as unknown as GraphQLDataSourceProcessOptions<GatewayContext>) as Promise<Answer>;

const user = (id: string): Representation => ({ __typename: 'User', id });

test('when an entity fetch repeats representations, then each is sent once and answered at every position', async () => {
  const answer = await fetchEntities([user('a'), user('b'), user('a'), user('a'), user('c'), user('b')]);

  expect(received).toHaveLength(1);
  expect(received[0].variables.representations).toEqual([user('a'), user('b'), user('c')]);
  expect(answer.data!._entities.map((entity) => (entity as { name: string }).name)).toEqual(['user a', 'user b', 'user a', 'user a', 'user c', 'user b']);
});

test('when a repeated entity is answered, then each position holds its own copy', async () => {
  const answer = await fetchEntities([user('a'), user('a')]);
  const [first, second] = answer.data!._entities as { name: string; address: { city: string } }[];

  expect(second).toEqual(first);
  expect(second).not.toBe(first);
  expect(second.address).not.toBe(first.address);
  // The gateway merges later fetches into these objects in place: one position's data stays its own.
  first.address.city = 'changed';
  expect(second.address.city).toBe('a');
});

test('when a repeated entity has an error, then the error is reported at each of its positions', async () => {
  answerFor = (representations) => ({
    data: { _entities: representations.map(({ id }) => (id === 'hidden' ? null : { name: `user ${id}` })) },
    errors: [
      { message: 'Not allowed', path: ['_entities', representations.findIndex(({ id }) => id === 'hidden'), 'name'] },
      { message: 'Something about the whole call' },
    ],
  });
  const answer = await fetchEntities([user('hidden'), user('a'), user('hidden')]);

  expect(received[0].variables.representations).toEqual([user('hidden'), user('a')]);
  expect(answer.data!._entities).toEqual([null, { name: 'user a' }, null]);
  expect(answer.errors).toEqual([
    { message: 'Not allowed', path: ['_entities', 0, 'name'] },
    { message: 'Not allowed', path: ['_entities', 2, 'name'] },
    { message: 'Something about the whole call' },
  ]);
});

test('when no representation repeats, then the call and its answer pass as they are', async () => {
  const answer = await fetchEntities([user('a'), user('b')]);

  expect(received[0].variables.representations).toEqual([user('a'), user('b')]);
  expect(answer).toEqual(users([user('a'), user('b')]));
});

test('when the subgraph answers with the wrong number of entities, then the answer reaches the gateway unchanged, for it to refuse', async () => {
  answerFor = () => ({ data: { _entities: [{ name: 'only one' }] } });
  const answer = await fetchEntities([user('a'), user('b'), user('a')]);

  expect(answer).toEqual({ data: { _entities: [{ name: 'only one' }] } });
});
