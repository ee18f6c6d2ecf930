// The loader of each parent's page: parents asked for with the same query in one tick are read by one
// call, a different query is read apart, and a failed read fails only the parents it was for.
import { pageLoader } from '../src/graphql/loader';
import type { Page } from '../src/graphql/pagination';

interface Query { limit: number; }

function recordingLoader(fail: (query: Query) => boolean = () => false) {
  const reads: { parentIds: string[]; query: Query }[] = [];
  const loader = pageLoader<Query, string>(async (parentIds, query) => {
    reads.push({ parentIds, query });
    if (fail(query)) throw new Error('the read failed');
    return new Map<string, Page<string>>(parentIds.map((id) => [id, { rows: [`${id}:${query.limit}`], totalCount: null }]));
  });
  return { loader, reads };
}

test('when many parents are asked for with the same query, then one read brings every page', async () => {
  const { loader, reads } = recordingLoader();
  const pages = await Promise.all(['a', 'b', 'c', 'a'].map((parentId) => loader.load({ parentId, query: { limit: 2 } })));
  expect(pages.map((page) => page.rows)).toEqual([['a:2'], ['b:2'], ['c:2'], ['a:2']]);
  expect(reads).toEqual([{ parentIds: ['a', 'b', 'c'], query: { limit: 2 } }]);
});

test('when two queries are asked for at once, then each is read once, for its own parents', async () => {
  const { loader, reads } = recordingLoader();
  const pages = await Promise.all([
    loader.load({ parentId: 'a', query: { limit: 2 } }),
    loader.load({ parentId: 'b', query: { limit: 5 } }),
    loader.load({ parentId: 'c', query: { limit: 2 } }),
  ]);
  expect(pages.map((page) => page.rows)).toEqual([['a:2'], ['b:5'], ['c:2']]);
  expect(reads).toEqual([{ parentIds: ['a', 'c'], query: { limit: 2 } }, { parentIds: ['b'], query: { limit: 5 } }]);
});

test('when the read of one query fails, then only its parents get the error', async () => {
  const { loader } = recordingLoader((query) => query.limit === 5);
  const [good, bad] = await Promise.allSettled([
    loader.load({ parentId: 'a', query: { limit: 2 } }),
    loader.load({ parentId: 'b', query: { limit: 5 } }),
  ]);
  expect(good).toEqual({ status: 'fulfilled', value: { rows: ['a:2'], totalCount: null } });
  expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'the read failed' } });
});
