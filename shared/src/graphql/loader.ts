// Per-request DataLoaders for entity references: one `WHERE id = ANY($1)` query per batch.
import DataLoader from 'dataloader';

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);
