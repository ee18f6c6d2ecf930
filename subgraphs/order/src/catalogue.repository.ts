// Storage of categories and products in Postgres (schema `orders`). Everything it returns is a plain
// record; write methods take the caller's transaction. Deleted products are never returned.
import { Where, byNameOrder, keysetPage, keysetPages, returnedRows, type NamePosition, type Page, type PageRequest, type PageSource } from '@desk/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { CategoryRecord, ProductChanges, ProductRecord } from './domain/catalogue';

const PRODUCT_COLUMNS = 'id, name, description, price_cents, currency, category_id, active, created_at, updated_at';

interface ProductRow {
  id: string; name: string; description: string | null; price_cents: number; currency: string;
  category_id: string | null; active: boolean; created_at: Date; updated_at: Date;
}

const toProduct = (row: ProductRow): ProductRecord => ({
  id: row.id,
  name: row.name,
  description: row.description,
  priceCents: row.price_cents,
  currency: row.currency,
  categoryId: row.category_id,
  active: row.active,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toCategory = (row: { id: string; name: string; created_at: Date }): CategoryRecord => ({ id: row.id, name: row.name, createdAt: row.created_at });

const COLUMN_OF: Record<keyof ProductChanges, string> = {
  name: 'name', description: 'description', priceCents: 'price_cents', currency: 'currency', categoryId: 'category_id', active: 'active',
};

export interface ProductFilterQuery {
  categoryIds: string[] | null;
  /** Already lower-cased and trimmed. */
  search: string | null;
  /** null: active and inactive. */
  active: boolean | null;
}

/** `%`, `_` and the escape character itself are literal in a search text. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function productSource(query: ProductFilterQuery): PageSource<NamePosition> {
  const where = new Where('deleted_at IS NULL');
  if (query.active !== null) where.add((p) => `active = ${p}`, query.active);
  if (query.categoryIds) where.add((p) => `category_id = ANY(${p})`, query.categoryIds);
  if (query.search) where.add((p) => `(lower(name) LIKE ${p} OR lower(coalesce(description, '')) LIKE ${p})`, likePattern(query.search));
  return { table: 'products', columns: PRODUCT_COLUMNS, where, order: byNameOrder('name') };
}

export class CatalogueRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findProductsByIds(ids: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<ProductRecord[]> {
    if (ids.length === 0) return [];
    const rows: ProductRow[] = await manager.query(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ANY($1) AND deleted_at IS NULL`, [[...ids]]);
    return rows.map(toProduct);
  }

  /** The products about to be ordered, locked against changes until the order is stored. */
  async findProductsForOrder(manager: EntityManager, ids: readonly string[]): Promise<ProductRecord[]> {
    const rows: ProductRow[] = await manager.query(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ANY($1) AND deleted_at IS NULL FOR SHARE`, [[...ids]]);
    return rows.map(toProduct);
  }

  async findCategoriesByIds(ids: readonly string[]): Promise<CategoryRecord[]> {
    if (ids.length === 0) return [];
    return (await this.dataSource.query('SELECT id, name, created_at FROM categories WHERE id = ANY($1)', [[...ids]])).map(toCategory);
  }

  async allCategories(): Promise<CategoryRecord[]> {
    return (await this.dataSource.query('SELECT id, name, created_at FROM categories ORDER BY lower(name), id')).map(toCategory);
  }

  /** By name whatever its case, then id; `limit + 1` rows when there are more, and the total when asked for. */
  pageProducts(query: ProductFilterQuery, request: PageRequest<NamePosition>): Promise<Page<ProductRecord>> {
    return keysetPage(this.dataSource, productSource(query), request, toProduct);
  }

  /** Each category's page of its products under `query` (its categories aside), as `pageProducts` reads one, all in one statement. */
  pagesOfCategories(categoryIds: readonly string[], query: Omit<ProductFilterQuery, 'categoryIds'>, request: PageRequest<NamePosition>): Promise<Map<string, Page<ProductRecord>>> {
    return keysetPages(this.dataSource, productSource({ ...query, categoryIds: null }), { column: 'category_id', ids: categoryIds }, request, toProduct);
  }

  /** Inserts a category; false when one of that name (in any case) exists. */
  async insertCategory(category: CategoryRecord): Promise<boolean> {
    const rows = await this.dataSource.query(
      'INSERT INTO categories (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id',
      [category.id, category.name, category.createdAt],
    );
    return rows.length === 1;
  }

  async insertProduct(product: ProductRecord): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO products (${PRODUCT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
      [product.id, product.name, product.description, product.priceCents, product.currency, product.categoryId, product.active, product.createdAt],
    );
  }

  /** Applies the changes; null when there is no such product. */
  async updateProduct(id: string, changes: ProductChanges, at: Date): Promise<ProductRecord | null> {
    const entries = Object.entries(changes) as [keyof ProductChanges, unknown][];
    const params: unknown[] = [id, at, ...entries.map(([, value]) => value)];
    const sets = ['updated_at = $2', ...entries.map(([key], i) => `${COLUMN_OF[key]} = $${i + 3}`)];
    const rows: ProductRow[] = await this.dataSource.query(
      `UPDATE products SET ${sets.join(', ')} WHERE id = $1 AND deleted_at IS NULL RETURNING ${PRODUCT_COLUMNS}`, params,
    ).then((result) => returnedRows<ProductRow>(result));
    return rows[0] ? toProduct(rows[0]) : null;
  }

  /** Marks a product deleted; orders keep their lines. False when there was none. */
  async deleteProduct(id: string, at: Date): Promise<boolean> {
    const rows = returnedRows(await this.dataSource.query(
      'UPDATE products SET deleted_at = $2, active = false, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING id', [id, at],
    ));
    return rows.length === 1;
  }
}
