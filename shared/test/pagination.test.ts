import { buildSchema, graphql } from 'graphql';
import { decodeCursor, encodeCursor, pageRequest, selectsTotalCount, toConnection } from '../src/graphql/pagination';

describe('cursor pagination', () => {
  test('a cursor round-trips its sort key and id', () => {
    expect(decodeCursor(encodeCursor('2026-01-01T00:00:00.000Z', 'abc'))).toEqual({ key: '2026-01-01T00:00:00.000Z', id: 'abc' });
  });

  test.each(['', 'not base64 at all!', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url')])(
    'a malformed cursor %p is BAD_USER_INPUT', (cursor) => {
      expect(() => pageRequest(10, cursor || 'x')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }) }));
    });

  test.each([0, -1, 101, 1.5])('first = %p is refused', (first) => {
    expect(() => pageRequest(first, null)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'first' }) }));
  });

  test('first defaults to 20 and a page knows whether another follows', () => {
    const request = pageRequest(undefined, null);
    expect(request.limit).toBe(20);
    const rows = Array.from({ length: 3 }, (_, i) => ({ id: String(i), at: `k${i}` }));
    const page = toConnection(rows, { limit: 2, after: null }, (r) => ({ key: r.at, id: r.id }));
    expect(page.edges.map((e) => e.node.id)).toEqual(['0', '1']);
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, endCursor: encodeCursor('k1', '1') });
    const last = toConnection(rows.slice(2), { limit: 2, after: decodeCursor(page.pageInfo.endCursor!) }, (r) => ({ key: r.at, id: r.id }));
    expect(last.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
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
