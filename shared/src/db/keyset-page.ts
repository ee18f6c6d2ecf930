// Newest-first pages over a table, by (time, id) so that rows with the same instant keep one order, and
// the total under the same filter, counted only if a client asks for it. Filters are collected with
// numbered parameters; nothing a client sends is ever spliced into the SQL.
import type { DataSource } from 'typeorm';
import { lazyCount, type LazyCount } from '../graphql/pagination';

/** Where a page starts: after the row with this time and id. */
export interface PagePosition { at: Date; id: string; }

/** Collects WHERE clauses and their parameters. */
export class Where {
  readonly clauses: string[] = ['true'];
  readonly params: unknown[] = [];

  /** Adds `clause`, given the placeholder (`$n`) of `value`. */
  add(clause: (param: string) => string, value: unknown): this {
    this.params.push(value);
    this.clauses.push(clause(`$${this.params.length}`));
    return this;
  }

  get sql(): string { return this.clauses.join(' AND '); }
}

/** One page newest first by (`timeColumn`, id) descending, `limit + 1` rows when there are more, and the total. */
export async function newestFirstPage<R>(
  dataSource: DataSource, table: string, columns: string, timeColumn: string, where: Where, limit: number, after: PagePosition | null,
): Promise<{ rows: R[]; totalCount: LazyCount }> {
  const params = [...where.params];
  let pageWhere = where.sql;
  if (after) {
    params.push(after.at.toISOString(), after.id);
    pageWhere += ` AND (${timeColumn}, id) < (CAST($${params.length - 1} AS timestamptz), CAST($${params.length} AS uuid))`;
  }
  params.push(limit + 1);
  const rows = await dataSource.query(`SELECT ${columns} FROM ${table} WHERE ${pageWhere} ORDER BY ${timeColumn} DESC, id DESC LIMIT $${params.length}`, params) as R[];
  const totalCount = lazyCount(async () => {
    const [count] = await dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where.sql}`, where.params) as { n: number }[];
    return count.n;
  });
  return { rows, totalCount };
}
