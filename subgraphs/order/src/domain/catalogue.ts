// The catalogue as the rest of the service sees it, and the rules its inputs must follow.
import { BadUserInputError, isUuid } from '@desk/shared';

export interface CategoryRecord {
  id: string;
  name: string;
  createdAt: Date;
}

export interface ProductRecord {
  id: string;
  name: string;
  description: string | null;
  priceCents: number;
  currency: string;
  categoryId: string | null;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export const NAME_MAX = 200;
export const CATEGORY_NAME_MAX = 100;
export const DESCRIPTION_MAX = 5_000;
/** One million in the currency's major unit: more is a typing mistake, not a price. */
export const PRICE_MAX_CENTS = 100_000_000;

export interface ProductInput {
  name?: string | null;
  description?: string | null;
  priceCents?: number | null;
  currency?: string | null;
  categoryId?: string | null;
  active?: boolean | null;
}

export type ProductChanges = Partial<Pick<ProductRecord, 'name' | 'description' | 'priceCents' | 'currency' | 'categoryId' | 'active'>>;

function text(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > max) throw new BadUserInputError(`${field} must be 1 to ${max} characters`, field);
  return trimmed;
}

export function validateCategoryName(name: string): string {
  return text(name, 'name', CATEGORY_NAME_MAX);
}

/** Checks a product's fields; `required` for creation, where name, price and currency must be given. */
export function validateProductInput(input: ProductInput, required: boolean): ProductChanges {
  const changes: ProductChanges = {};
  if (required || input.name !== undefined) {
    if (input.name === null || input.name === undefined) throw new BadUserInputError('name is required', 'name');
    changes.name = text(input.name, 'name', NAME_MAX);
  }
  if (input.description !== undefined) {
    const description = input.description?.trim() ?? '';
    if (description.length > DESCRIPTION_MAX) throw new BadUserInputError(`description must be at most ${DESCRIPTION_MAX} characters`, 'description');
    changes.description = description === '' ? null : description;
  }
  if (required || input.priceCents !== undefined) {
    const price = input.priceCents;
    if (price === null || price === undefined || !Number.isInteger(price) || price < 1 || price > PRICE_MAX_CENTS) {
      throw new BadUserInputError(`priceCents must be a whole number from 1 to ${PRICE_MAX_CENTS}`, 'priceCents');
    }
    changes.priceCents = price;
  }
  if (required || input.currency !== undefined) {
    if (!input.currency || !/^[A-Z]{3}$/.test(input.currency)) throw new BadUserInputError('currency must be an ISO 4217 code such as BRL', 'currency');
    changes.currency = input.currency;
  }
  if (input.categoryId !== undefined) {
    if (input.categoryId !== null && !isUuid(input.categoryId)) throw new BadUserInputError('categoryId is not a valid id', 'categoryId');
    changes.categoryId = input.categoryId;
  }
  if (input.active !== undefined) {
    if (input.active === null) throw new BadUserInputError('active cannot be null', 'active');
    changes.active = input.active;
  }
  return changes;
}
