// SQL building blocks the two log repositories share: multi-row VALUES lists, LIKE prefixes and the
// retention sweep (filters and pages come from @desk/shared).
import type { DataSource } from 'typeorm';

/** `($1, $2), ($3, $4)` for rows of `width` values, with optional casts per column. */
export function valuesList(rows: number, casts: readonly string[]): string {
  const width = casts.length;
  const groups: string[] = [];
  for (let r = 0; r < rows; r++) {
    groups.push(`(${casts.map((cast, c) => `$${r * width + c + 1}${cast}`).join(', ')})`);
  }
  return groups.join(', ');
}

/** Escapes LIKE's wildcards so a user's text matches only itself. */
export const likePrefix = (text: string): string => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

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
