// The catalogue's use cases: anyone reads active products; admins write categories and products.
import { randomUUID } from 'node:crypto';
import {
  BadUserInputError, ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError, byName, isUuid,
  type CountedConnection, type NamePosition, type Page, type PageArgs, type PageKey, type PageRequest, type Viewer,
} from '@desk/shared';
import type DataLoader from 'dataloader';
import type { CatalogueRepository } from './catalogue.repository';
import { validateCategoryName, validateProductInput, type CategoryRecord, type ProductInput, type ProductRecord } from './domain/catalogue';
import { can } from './policy';

export const SEARCH_MAX = 100;

export type ProductConnection = CountedConnection<ProductRecord>;

export interface CatalogueLoaders {
  products: DataLoader<string, ProductRecord | null>;
  categories: DataLoader<string, CategoryRecord | null>;
  /** Each category's page of its products. */
  ofCategory: DataLoader<PageKey<CategoryProductsQuery>, Page<ProductRecord>, string>;
}

/** What a category's page of products is read for besides the category. */
export interface CategoryProductsQuery { active: boolean | null; request: PageRequest<NamePosition>; }

/** One per request: bound to the viewer and the request's loaders. */
export class CatalogueService {
  constructor(
    private readonly repository: CatalogueRepository,
    private readonly viewer: Viewer,
    private readonly loaders: CatalogueLoaders,
  ) {}

  /** A product the viewer may see: inactive ones only for staff. */
  async product(id: string): Promise<ProductRecord | null> {
    if (!isUuid(id)) return null;
    const product = await this.loaders.products.load(id);
    return product && (product.active || can(this.viewer, 'catalogue:read-inactive')) ? product : null;
  }

  async category(id: string | null): Promise<CategoryRecord | null> {
    return id ? this.loaders.categories.load(id) : null;
  }

  categories(): Promise<CategoryRecord[]> {
    return this.repository.allCategories();
  }

  async products(args: PageArgs & { filter?: { categoryId?: string | null; search?: string | null; active?: boolean | null } | null }): Promise<ProductConnection> {
    const filter = args.filter ?? {};
    const request = byName.request(args);
    if (filter.categoryId != null && !isUuid(filter.categoryId)) throw new BadUserInputError('categoryId is not a valid id', 'filter.categoryId');
    if (filter.search != null && filter.search.length > SEARCH_MAX) throw new BadUserInputError(`search must be at most ${SEARCH_MAX} characters`, 'filter.search');
    let active: boolean | null = true;
    if (filter.active !== undefined && filter.active !== true) {
      if (!can(this.viewer, 'catalogue:read-inactive')) throw new ForbiddenError('Only staff see inactive products');
      active = filter.active;
    }
    const search = filter.search?.trim().toLowerCase() || null;
    const page = await this.repository.pageProducts({ categoryIds: filter.categoryId ? [filter.categoryId] : null, search, active }, request);
    return this.connection(page, request);
  }

  /**
   * The active products of one category, as `products` lists them; read with every other category's
   * page this request asks for, so that a list of categories costs one statement.
   */
  async productsOf(category: CategoryRecord, args: PageArgs): Promise<ProductConnection> {
    const request = byName.request(args);
    return this.connection(await this.loaders.ofCategory.load({ parentId: category.id, query: { active: true, request } }), request);
  }

  private connection(page: Page<ProductRecord>, request: PageRequest<NamePosition>): ProductConnection {
    for (const row of page.rows) this.loaders.products.prime(row.id, row);
    return byName.connection(page, request, (p) => ({ name: p.name, id: p.id }));
  }

  async createCategory(input: { name: string }): Promise<CategoryRecord> {
    this.assertAdmin();
    const category: CategoryRecord = { id: randomUUID(), name: validateCategoryName(input.name), createdAt: new Date() };
    if (!(await this.repository.insertCategory(category))) throw new ConflictError(`A category named ${category.name} exists`);
    return category;
  }

  async createProduct(input: ProductInput): Promise<ProductRecord> {
    this.assertAdmin();
    const fields = validateProductInput(input, true);
    await this.assertCategoryExists(fields.categoryId);
    const now = new Date();
    const product: ProductRecord = {
      id: randomUUID(), name: fields.name!, description: fields.description ?? null, priceCents: fields.priceCents!, currency: fields.currency!,
      categoryId: fields.categoryId ?? null, active: fields.active ?? true, createdAt: now, updatedAt: now,
    };
    await this.repository.insertProduct(product);
    return product;
  }

  async updateProduct(id: string, input: ProductInput): Promise<ProductRecord> {
    this.assertAdmin();
    if (!isUuid(id)) throw new BadUserInputError('id is not a valid product id', 'id');
    const changes = validateProductInput(input, false);
    await this.assertCategoryExists(changes.categoryId);
    const updated = await this.repository.updateProduct(id, changes, new Date());
    if (!updated) throw new NotFoundError('Product', id);
    this.loaders.products.clear(id).prime(id, updated);
    return updated;
  }

  async deleteProduct(id: string): Promise<boolean> {
    this.assertAdmin();
    if (!isUuid(id)) throw new BadUserInputError('id is not a valid product id', 'id');
    if (!(await this.repository.deleteProduct(id, new Date()))) throw new NotFoundError('Product', id);
    this.loaders.products.clear(id);
    return true;
  }

  private assertAdmin(): void {
    if (!this.viewer.userId) throw new UnauthenticatedError();
    if (!can(this.viewer, 'catalogue:write')) throw new ForbiddenError('Only admins may change the catalogue');
  }

  private async assertCategoryExists(categoryId: string | null | undefined): Promise<void> {
    if (categoryId && !(await this.loaders.categories.load(categoryId))) throw new BadUserInputError(`Category ${categoryId} does not exist`, 'categoryId');
  }
}
