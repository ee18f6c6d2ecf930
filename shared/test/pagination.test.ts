import { decodeCursor, encodeCursor, pageRequest, toConnection } from '../src/graphql/pagination';

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
