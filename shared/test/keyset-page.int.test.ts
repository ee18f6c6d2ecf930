// Keyset pages against a real table: rows in a stable order after a cursor's position, and the total,
// when asked for, read by the same statement as the page, so that a row written meanwhile is in both
// or in neither.
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { Where, byNameOrder, keysetPage, keysetPages, newestFirstOrder } from '../src/db/keyset-page';
import type { NamePosition, Page, PageRequest, TimePosition } from '../src/graphql/pagination';
import { createTestDatabase, type TestDatabase } from '../src/testing';

interface Item { id: string; name: string; tag: string; at: Date; }

let db: TestDatabase;
let pool: Pool;
/** Every statement keysetPage sent, in order. */
const statements: string[] = [];
/** Runs, and is awaited, before each statement keysetPage sends. */
let beforeStatement: (sql: string) => Promise<void> = async () => {};
const watched = {
  async query(sql: string, params: unknown[]): Promise<unknown> {
    statements.push(sql);
    await beforeStatement(sql);
    return (await pool.query(sql, params)).rows;
  },
};

beforeAll(async () => {
  db = await createTestDatabase('keyset_page_test');
  pool = new Pool({ connectionString: db.url, max: 2 });
  await pool.query('CREATE TABLE items (id uuid PRIMARY KEY, name text NOT NULL, tag text NOT NULL, at timestamptz(3) NOT NULL)');
  await pool.query('CREATE TABLE owned_items (id uuid PRIMARY KEY, owner_id uuid NOT NULL, name text NOT NULL, hidden boolean NOT NULL)');
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});
beforeEach(() => {
  statements.length = 0;
  beforeStatement = async () => {};
});

async function store(tag: string, fields: Partial<Omit<Item, 'tag'>> = {}): Promise<Item> {
  const item: Item = { id: randomUUID(), name: 'item', tag, at: new Date(), ...fields };
  await pool.query('INSERT INTO items (id, name, tag, at) VALUES ($1, $2, $3, $4)', [item.id, item.name, item.tag, item.at]);
  return item;
}

const COLUMNS = 'id, name, tag, at';
const tagged = (tag: string) => new Where().add((p) => `tag = ${p}`, tag);
const newest = (tag: string) => ({ table: 'items', columns: COLUMNS, where: tagged(tag), order: newestFirstOrder('at') });
const byName = (tag: string) => ({ table: 'items', columns: COLUMNS, where: tagged(tag), order: byNameOrder('name') });
const asItem = (row: Item): Item => row;

describe('a newest-first page', () => {
  test('starts after the position, breaks ties by id, and comes with its total in one statement', async () => {
    const tag = randomUUID();
    const base = Date.now() - 60_000;
    const items = [
      ...await Promise.all([0, 1, 2, 3].map((i) => store(tag, { at: new Date(base + i * 1_000) }))),
      ...await Promise.all([0, 1].map(() => store(tag, { at: new Date(base + 10_000) }))),
    ];
    await store(randomUUID());
    const expected = [...items].sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1)).map((i) => i.id);

    const seen: string[] = [];
    let after: TimePosition | null = null;
    for (;;) {
      statements.length = 0;
      const page: Page<Item> = await keysetPage(watched, newest(tag), { limit: 2, after, withTotal: true }, asItem);
      expect(statements).toHaveLength(1);
      expect(page.totalCount).toBe(6);
      const shown = page.rows.slice(0, 2);
      seen.push(...shown.map((i) => i.id));
      if (page.rows.length <= 2) break;
      const last = shown[shown.length - 1];
      after = { at: last.at, id: last.id };
    }
    expect(seen).toEqual(expected);
  });

  test('past the last row is empty and still has the total', async () => {
    const tag = randomUUID();
    const only = await store(tag);
    const page = await keysetPage(watched, newest(tag), { limit: 5, after: { at: only.at, id: only.id }, withTotal: true }, asItem);
    expect(page).toEqual({ rows: [], totalCount: 1 });
  });

  test('without the total asked for, counts nothing', async () => {
    const tag = randomUUID();
    const stored = await store(tag);
    const page = await keysetPage(watched, newest(tag), { limit: 5, after: null, withTotal: false }, asItem);
    expect(page).toEqual({ rows: [{ id: stored.id, name: 'item', tag, at: stored.at }], totalCount: null });
    expect(statements).toHaveLength(1);
    expect(statements.filter((sql) => /count\(/i.test(sql))).toEqual([]);
  });

  test('when a row is written just before the total is counted, then the page has it too', async () => {
    const tag = randomUUID();
    await store(tag);
    let written = false;
    beforeStatement = async (sql) => {
      if (!written && /count\(/i.test(sql)) { written = true; await store(tag); }
    };
    const request: PageRequest<TimePosition> = { limit: 100, after: null, withTotal: true };
    const page = await keysetPage(watched, newest(tag), request, asItem);
    expect(written).toBe(true);
    expect({ rows: page.rows.length, totalCount: page.totalCount }).toEqual({ rows: 2, totalCount: 2 });
  });
});

describe('a page by name', () => {
  test('orders names whatever their case, then by id, from the position on', async () => {
    const tag = randomUUID();
    const items = await Promise.all(['banana', 'Apple', 'cherry', 'apple'].map((name) => store(tag, { name })));
    const expected = [...items]
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || (a.id < b.id ? -1 : 1))
      .map((i) => i.name);

    const first = await keysetPage(watched, byName(tag), { limit: 2, after: null, withTotal: true }, asItem);
    expect(first.rows.slice(0, 2).map((i) => i.name)).toEqual(expected.slice(0, 2));
    const last = first.rows[1];
    const after: NamePosition = { name: last.name.toLowerCase(), id: last.id };
    const second = await keysetPage(watched, byName(tag), { limit: 2, after, withTotal: false }, asItem);
    expect(second.rows.map((i) => i.name)).toEqual(expected.slice(2));
    expect([first.totalCount, second.totalCount]).toEqual([4, null]);
  });
});

describe('the pages of many parents', () => {
  interface Owned { id: string; owner_id: string; name: string; hidden: boolean; }
  const asOwned = (row: Owned): Owned => row;
  const shown = { table: 'owned_items', columns: 'id, owner_id, name, hidden', where: new Where('NOT hidden'), order: byNameOrder('name') };
  const byOwner = (ids: string[]) => ({ column: 'owner_id', ids });

  async function own(owner: string, name: string, hidden = false): Promise<Owned> {
    const item = { id: randomUUID(), owner_id: owner, name, hidden };
    await pool.query('INSERT INTO owned_items (id, owner_id, name, hidden) VALUES ($1, $2, $3, $4)', [item.id, owner, name, hidden]);
    return item;
  }

  test('when three owners are asked for, then each gets its own page and total from one statement', async () => {
    const [many, one, none] = [randomUUID(), randomUUID(), randomUUID()];
    const cherry = await own(many, 'cherry');
    const apple = await own(many, 'Apple');
    const banana = await own(many, 'banana');
    await own(many, 'aardvark', true);
    const lone = await own(one, 'date');

    const pages = await keysetPages(watched, shown, byOwner([many, one, none]), { limit: 2, after: null, withTotal: true }, asOwned);
    expect(statements).toHaveLength(1);
    expect([...pages]).toEqual([
      [many, { rows: [apple, banana, cherry], totalCount: 3 }],
      [one, { rows: [lone], totalCount: 1 }],
      [none, { rows: [], totalCount: 0 }],
    ]);
  });

  test('when a position is given, then every page starts after it, and the totals stay whole', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    await own(first, 'a');
    const b = await own(first, 'b');
    const c = await own(first, 'c');
    await own(second, 'a');
    const pages = await keysetPages(watched, shown, byOwner([first, second]), { limit: 5, after: { name: 'b', id: b.id }, withTotal: true }, asOwned);
    expect(pages.get(first)).toEqual({ rows: [c], totalCount: 3 });
    expect(pages.get(second)).toEqual({ rows: [], totalCount: 1 });
  });

  test('without the total asked for, counts nothing, and answers for the ids as they were given', async () => {
    const owner = randomUUID();
    const item = await own(owner, 'fig');
    const spelled = owner.toUpperCase();
    const pages = await keysetPages(watched, shown, byOwner([spelled, spelled]), { limit: 5, after: null, withTotal: false }, asOwned);
    expect([...pages]).toEqual([[spelled, { rows: [item], totalCount: null }]]);
    expect(statements).toHaveLength(1);
    expect(statements.filter((sql) => /count\(/i.test(sql))).toEqual([]);
  });

  test('with no parents, runs nothing', async () => {
    expect((await keysetPages(watched, shown, byOwner([]), { limit: 5, after: null, withTotal: true }, asOwned)).size).toBe(0);
    expect(statements).toEqual([]);
  });
});
