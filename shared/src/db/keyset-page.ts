// Keyset pages over a table: `limit + 1` rows after a position in a stable order (a sort key, then the
// id), and, when the client asks for it, the count of every row the filter keeps. Page and count are
// one statement, so both come from one snapshot: a row written meanwhile is in both or in neither.
// Filters are collected with numbered parameters; nothing a client sends is ever spliced into the SQL.
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
