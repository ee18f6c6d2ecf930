import { randomUUID } from 'node:crypto';
import { buildSchema, graphql } from 'graphql';
import { byName, decodeCursor, encodeCursor, newestFirst, selectsTotalCount } from '../src/graphql/pagination';

describe('cursor pagination', () => {
  test('a cursor round-trips its sort key and id', () => {
    expect(decodeCursor(encodeCursor('2026-01-01T00:00:00.000Z', 'abc'))).toEqual({ key: '2026-01-01T00:00:00.000Z', id: 'abc' });
  });

  const badAfter = expect.objectContaining({ message: 'after is not a valid cursor', extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }) });

  test.each(['not base64 at all!', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url')])(
    'a malformed cursor %p is BAD_USER_INPUT', (cursor) => {
      expect(() => newestFirst.request({ first: 10, after: cursor })).toThrow(badAfter);
      expect(() => byName.request({ first: 10, after: cursor })).toThrow(badAfter);
    });

  test.each([
    ['a key that is no instant', encodeCursor('yesterday', randomUUID())],
    ['an id that is no uuid', encodeCursor(new Date().toISOString(), 'x')],
  ])('a newest-first cursor with %s is BAD_USER_INPUT', (_what, cursor) => {
    expect(() => newestFirst.request({ after: cursor })).toThrow(badAfter);
  });

  test('a by-name cursor takes any name but only a uuid', () => {
    const id = randomUUID();
    expect(byName.request({ after: encodeCursor('green tea', id) }).after).toEqual({ name: 'green tea', id });
    expect(() => byName.request({ after: encodeCursor('green tea', 'x') })).toThrow(badAfter);
  });

  test.each([0, -1, 101, 1.5])('first = %p is refused', (first) => {
    expect(() => newestFirst.request({ first })).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'first' }) }));
  });

  test('first defaults to 20, the total is left out unless asked for, and an empty cursor is none', () => {
    expect(newestFirst.request({ after: '' })).toEqual({ limit: 20, after: null, withTotal: false });
    expect(newestFirst.request({ first: 5, withTotal: true })).toEqual({ limit: 5, after: null, withTotal: true });
  });

  test('a page knows whether another follows, and its last cursor is where the next starts', () => {
    const rows = Array.from({ length: 3 }, (_, i) => ({ id: randomUUID(), createdAt: new Date(Date.UTC(2026, 0, 3 - i)) }));
    const request = newestFirst.request({ first: 2, withTotal: true });
    const page = newestFirst.connection({ rows, totalCount: 3 }, request, (r) => ({ at: r.createdAt, id: r.id }));
    expect(page.edges.map((e) => e.node.id)).toEqual([rows[0].id, rows[1].id]);
    expect(page).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true, hasPreviousPage: false } });
    const next = newestFirst.request({ first: 2, after: page.pageInfo.endCursor });
    expect(next.after).toEqual({ at: rows[1].createdAt, id: rows[1].id });
    const last = newestFirst.connection({ rows: rows.slice(2), totalCount: null }, next, (r) => ({ at: r.createdAt, id: r.id }));
    expect(last).toMatchObject({ totalCount: null, pageInfo: { hasNextPage: false, hasPreviousPage: true } });
  });

  test('a by-name cursor holds the name lower-cased, as pages by name compare it', () => {
    const id = randomUUID();
    const page = byName.connection({ rows: [{ id, name: 'Green Tea' }], totalCount: null }, byName.request({}), (p) => p);
    expect(decodeCursor(page.edges[0].cursor)).toEqual({ key: 'green tea', id });
  });
});

describe('whether a connection field selects totalCount', () => {
  const schema = buildSchema('type Query { list: Connection } type Connection { totalCount: Int! edges: [Int!]! }');

  /** What the helper says for `list` in `query`, as graphql-js executes it. */
  async function selected(query: string, variables: Record<string, unknown> = {}): Promise<boolean> {
    let answer: boolean | undefined;
    const rootValue = { list: (_args: unknown, _ctx: unknown, info: Parameters<typeof selectsTotalCount>[0]) => {
      answer = selectsTotalCount(info);
      return { totalCount: 0, edges: [] };
    } };
    const result = await graphql({ schema, source: query, rootValue, variableValues: variables });
    expect(result.errors).toBeUndefined();
    return answer!;
  }

  test.each([
    ['directly', '{ list { totalCount } }', true],
    ['under an alias', '{ list { n: totalCount } }', true],
    ['in an inline fragment', '{ list { ... on Connection { totalCount } } }', true],
    ['in a fragment spread', 'query { list { ...C } } fragment C on Connection { edges totalCount }', true],
    ['in a fragment nested in another', 'query { list { ...A } } fragment A on Connection { ... { ...B } } fragment B on Connection { totalCount }', true],
    ['not at all', '{ list { edges } }', false],
    ['in a fragment left out with @skip', '{ list { edges ... @skip(if: true) { totalCount } } }', false],
  ])('%s', async (_how, query, expected) => {
    expect(await selected(query)).toBe(expected);
  });

  test('a field kept or dropped by a variable follows the variable', async () => {
    const query = 'query($count: Boolean!) { list { edges totalCount @include(if: $count) } }';
    expect(await selected(query, { count: true })).toBe(true);
    expect(await selected(query, { count: false })).toBe(false);
  });
});
