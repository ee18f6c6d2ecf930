// SQL building blocks the two log repositories share: multi-row VALUES lists, filters with numbered
// parameters, and the newest-first keyset page.
import type { DataSource } from 'typeorm';
import type { PageAfter } from './domain/log';

/** `($1, $2), ($3, $4)` for rows of `width` values, with optional casts per column. */
export function valuesList(rows: number, casts: readonly string[]): string {
  const width = casts.length;
  const groups: string[] = [];
  for (let r = 0; r < rows; r++) {
    groups.push(`(${casts.map((cast, c) => `$${r * width + c + 1}${cast}`).join(', ')})`);
  }
  return groups.join(', ');
}

/** Collects WHERE clauses and their parameters. */
export class Where {
  readonly clauses: string[] = ['true'];
  readonly params: unknown[] = [];

  add(clause: (param: string) => string, value: unknown): this {
    this.params.push(value);
    this.clauses.push(clause(`$${this.params.length}`));
    return this;
  }

  get sql(): string { return this.clauses.join(' AND '); }
}

/** Escapes LIKE's wildcards so a user's text matches only itself. */
export const likePrefix = (text: string): string => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * One page newest first, by (`timeColumn`, id) descending, `limit + 1` rows when there are more,
 * and the total under the same filter.
 */
export async function keysetPage<R>(
  dataSource: DataSource, table: string, columns: string, timeColumn: string, where: Where, limit: number, after: PageAfter | null,
): Promise<{ rows: R[]; totalCount: number }> {
  const params = [...where.params];
  let pageWhere = where.sql;
  if (after) {
    params.push(after.at.toISOString(), after.id);
    pageWhere += ` AND (${timeColumn}, id) < (CAST($${params.length - 1} AS timestamptz), CAST($${params.length} AS uuid))`;
  }
  params.push(limit + 1);
  const [rows, count] = await Promise.all([
    dataSource.query(`SELECT ${columns} FROM ${table} WHERE ${pageWhere} ORDER BY ${timeColumn} DESC, id DESC LIMIT $${params.length}`, params) as Promise<R[]>,
    dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where.sql}`, where.params) as Promise<{ n: number }[]>,
  ]);
  return { rows, totalCount: count[0].n };
}

/**
 * Deletes rows older than `before` in chunks, so a large first sweep does not hold one long
 * transaction over the table; returns how many went.
 */
export async function deleteOlderThan(dataSource: DataSource, table: string, timeColumn: string, before: Date, chunk = 10_000): Promise<number> {
  let total = 0;
  for (;;) {
    const result: unknown = await dataSource.query(
      `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${timeColumn} < $1 LIMIT $2)`, [before.toISOString(), chunk],
    );
    const deleted = Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
    total += deleted;
    if (deleted < chunk) return total;
  }
}
