// Keyset pages over a table: `limit + 1` rows after a position in a stable order (a sort key, then the
// id), and, when the client asks for it, the count of every row the filter keeps. Page and count are
// one statement, so both come from one snapshot: a row written meanwhile is in both or in neither.
// Filters are collected with numbered parameters; nothing a client sends is ever spliced into the SQL.
// keysetPages reads the same page for many parents (each category's products, each user's tickets)
// in one statement, so that a list of parents costs one read of the table, not one per parent.
import type { NamePosition, Page, PageRequest, TimePosition } from '../graphql/pagination';

/** Collects WHERE clauses and their parameters. */
export class Where {
  readonly clauses: string[];
  readonly params: unknown[] = [];

  /** Starts with `fixed`, clauses that take no parameter. */
  constructor(...fixed: string[]) { this.clauses = ['true', ...fixed]; }

  /** Adds `clause`, given the placeholder (`$n`) of `value`. */
  add(clause: (param: string) => string, value: unknown): this {
    this.params.push(value);
    this.clauses.push(clause(`$${this.params.length}`));
    return this;
  }

  get sql(): string { return this.clauses.join(' AND '); }
}

/** A stable order of a table's rows, and the clause that keeps the rows after a position in it. */
export interface KeysetOrder<P> {
  /** Ends with the id, so that no two rows tie. */
  orderBy: string;
  /** The clause, given `param`, which returns a placeholder for each value it is handed. */
  after(position: P, param: (value: unknown) => string): string;
}

/** Newest first by `timeColumn`, then id. */
export function newestFirstOrder(timeColumn: string): KeysetOrder<TimePosition> {
  return {
    orderBy: `${timeColumn} DESC, id DESC`,
    after: (p, param) => `(${timeColumn}, id) < (CAST(${param(p.at.toISOString())} AS timestamptz), CAST(${param(p.id)} AS uuid))`,
  };
}

/** By `nameColumn` lower-cased, then id. */
export function byNameOrder(nameColumn: string): KeysetOrder<NamePosition> {
  return {
    orderBy: `lower(${nameColumn}), id`,
    after: (p, param) => `(lower(${nameColumn}), id) > (${param(p.name)}, CAST(${param(p.id)} AS uuid))`,
  };
}

/** What a page is read from: the table, the columns of a row, the filter and the order. */
export interface PageSource<P> {
  table: string;
  columns: string;
  /** The total counts every row it keeps. */
  where: Where;
  order: KeysetOrder<P>;
}

/** What runs the SQL: a TypeORM DataSource, or anything else that answers a statement with its rows. */
export interface Queryable { query(sql: string, params: unknown[]): Promise<unknown>; }

/** The page's own columns, named so that they cannot meet a table's. */
interface Counted { page_position: string | null; page_total: number; }

/**
 * One page for `request`, each row turned into a record by `toRecord`; with `request.withTotal`, the
 * total in the same statement. The count is the outer row source, so that a page past the end still
 * brings the total, and the page keeps its order through its row numbers.
 */
export async function keysetPage<R, T, P>(
  db: Queryable, source: PageSource<P>, request: PageRequest<P>, toRecord: (row: R) => T,
): Promise<Page<T>> {
  const { table, columns, where, order } = source;
  const params = [...where.params];
  const param = (value: unknown): string => { params.push(value); return `$${params.length}`; };
  const pageWhere = request.after ? `${where.sql} AND ${order.after(request.after, param)}` : where.sql;
  const limit = param(request.limit + 1);
  if (!request.withTotal) {
    const rows = await db.query(`SELECT ${columns} FROM ${table} WHERE ${pageWhere} ORDER BY ${order.orderBy} LIMIT ${limit}`, params) as R[];
    return { rows: rows.map(toRecord), totalCount: null };
  }
  const rows = await db.query(
    `SELECT page.*, counted.page_total
     FROM (SELECT count(*)::int AS page_total FROM ${table} WHERE ${where.sql}) counted
     LEFT JOIN LATERAL (
       SELECT ${columns}, row_number() OVER (ORDER BY ${order.orderBy}) AS page_position
       FROM ${table} WHERE ${pageWhere} ORDER BY ${order.orderBy} LIMIT ${limit}
     ) page ON true
     ORDER BY page.page_position`, params,
  ) as (R & Counted)[];
  const records: T[] = [];
  for (const row of rows) {
    if (row.page_position === null) continue; // the lone row of an empty page: the total only
    const { page_position: _position, page_total: _total, ...own } = row;
    records.push(toRecord(own as R));
  }
  return { rows: records, totalCount: rows[0].page_total };
}

/** The parents a batch of pages is read for: `column` holds a row's parent id (a uuid). */
export interface PageParents {
  column: string;
  ids: readonly string[];
}

/** The page's parent (its place in the list of ids), named so that it cannot meet a table's column. */
interface Parented { page_index: string; page_position: string | null; page_total?: number; }

/**
 * For each parent, the page `keysetPage` would read with `source.where` narrowed to that parent's rows,
 * and with `request.withTotal` its total; all in one statement whatever the number of parents. Each
 * parent is a row source of its own (a lateral join) so that every page stops at its own limit.
 */
export async function keysetPages<R, T, P>(
  db: Queryable, source: PageSource<P>, parents: PageParents, request: PageRequest<P>, toRecord: (row: R) => T,
): Promise<Map<string, Page<T>>> {
  const ids = [...new Set(parents.ids)];
  // Keyed by the ids as given: Postgres spells a uuid its own way, so rows name their parent by place.
  const pages = new Map<string, Page<T>>(ids.map((id) => [id, { rows: [], totalCount: null }]));
  if (ids.length === 0) return pages;
  const { table, columns, where, order } = source;
  const params = [...where.params];
  const param = (value: unknown): string => { params.push(value); return `$${params.length}`; };
  const parentIds = param(ids);
  const own = `${where.sql} AND ${parents.column} = parent.page_parent`;
  const pageWhere = request.after ? `${own} AND ${order.after(request.after, param)}` : own;
  const limit = param(request.limit + 1);
  const counted = request.withTotal
    ? `CROSS JOIN LATERAL (SELECT count(*)::int AS page_total FROM ${table} WHERE ${own}) counted`
    : '';
  const rows = await db.query(
    `SELECT page.*, parent.page_index${request.withTotal ? ', counted.page_total' : ''}
     FROM unnest(CAST(${parentIds} AS uuid[])) WITH ORDINALITY AS parent(page_parent, page_index)
     ${counted}
     LEFT JOIN LATERAL (
       SELECT ${columns}, row_number() OVER (ORDER BY ${order.orderBy}) AS page_position
       FROM ${table} WHERE ${pageWhere} ORDER BY ${order.orderBy} LIMIT ${limit}
     ) page ON true
     ORDER BY parent.page_index, page.page_position`, params,
  ) as (R & Parented)[];
  for (const row of rows) {
    const { page_index: index, page_position: position, page_total: total, ...fields } = row;
    const page = pages.get(ids[Number(index) - 1])!;
    if (request.withTotal) page.totalCount = total!;
    if (position !== null) page.rows.push(toRecord(fields as R)); // null: the lone row of a parent with an empty page
  }
  return pages;
}
