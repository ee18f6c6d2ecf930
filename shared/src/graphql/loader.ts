// Per-request DataLoaders for entity references: one `WHERE id = ANY($1)` query per batch; and for
// the pages of a connection field on a list of parents: one statement per batch and page query.
import DataLoader from 'dataloader';
import type { Page } from './pagination';

export function entityLoader<T extends { id: string }>(findByIds: (ids: readonly string[]) => Promise<T[]>): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const found = new Map((await findByIds(ids)).map((row) => [row.id, row]));
    return ids.map((id) => found.get(id) ?? null);
  }, { maxBatchSize: 500 });
}

/** Per-request loader of the rows that point at each key (a list-of-references field): one query per batch. */
export function groupLoader<T>(findByKeys: (keys: readonly string[]) => Promise<T[]>, keyOf: (row: T) => string): DataLoader<string, T[]> {
  return new DataLoader(async (keys) => {
    const groups = new Map<string, T[]>();
    for (const row of await findByKeys(keys)) {
      const key = keyOf(row);
      const group = groups.get(key);
      if (group) group.push(row); else groups.set(key, [row]);
    }
    return keys.map((key) => groups.get(key) ?? []);
  }, { maxBatchSize: 500 });
}

/** One parent's page: the parent's id, and what the page is read for (the request, and any filter). */
export interface PageKey<Q> { parentId: string; query: Q; }

/**
 * Per-request loader of each parent's page of a connection field (a category's products, a user's
 * tickets): the parents asked for with the same query are read together by `readPages`, which
 * answers with a page for every parent it is given. A query is compared by its JSON.
 */
export function pageLoader<Q, T>(readPages: (parentIds: string[], query: Q) => Promise<Map<string, Page<T>>>): DataLoader<PageKey<Q>, Page<T>, string> {
  return new DataLoader<PageKey<Q>, Page<T>, string>(async (keys) => {
    const batches = new Map<string, { query: Q; parentIds: string[] }>();
    for (const { parentId, query } of keys) {
      const id = JSON.stringify(query);
      const batch = batches.get(id);
      if (batch) batch.parentIds.push(parentId); else batches.set(id, { query, parentIds: [parentId] });
    }
    const read = new Map<string, Promise<Map<string, Page<T>>>>();
    for (const [id, batch] of batches) read.set(id, readPages(batch.parentIds, batch.query));
    // A failed read fails only the parents asked for with its query.
    const settled = new Map(await Promise.all([...read].map(async ([id, pages]) => [id, await pages.catch((error: Error) => error)] as const)));
    return keys.map(({ parentId, query }) => {
      const pages = settled.get(JSON.stringify(query))!;
      if (pages instanceof Error) return pages;
      return pages.get(parentId) ?? new Error(`no page was read for ${parentId}`);
    });
  }, { maxBatchSize: 500, cacheKeyFn: (key) => JSON.stringify([key.parentId, key.query]) });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);
