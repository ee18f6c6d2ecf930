// The order's rules without a database: the fulfilment steps, who may cancel when, and the checks on
// an order's lines before and after the catalogue is read.
import { randomUUID } from 'node:crypto';
import type { OrderStatus } from '@desk/shared';
import { validateProductInput } from '../src/domain/catalogue';
import { assertCancellable, assertFulfilmentStep, priceItems, validateItems, MAX_QUANTITY } from '../src/domain/order';
import type { ProductRecord } from '../src/domain/catalogue';

const STATUSES: OrderStatus[] = ['PENDING_PAYMENT', 'PAID', 'PREPARING', 'READY', 'DELIVERED', 'CANCELLED'];
const code = (fn: () => unknown) => { try { fn(); return null; } catch (error) { return (error as { extensions: { code: string } }).extensions.code; } };

describe('when staff move an order through fulfilment', () => {
  const allowed = new Set(['PAID>PREPARING', 'PREPARING>READY', 'READY>DELIVERED']);
  const table = STATUSES.flatMap((from) => STATUSES.map((to) => [from, to] as const));
  test.each(table)('then %s → %s is allowed only when it is the next step', (from, to) => {
    expect(code(() => assertFulfilmentStep(from, to))).toBe(allowed.has(`${from}>${to}`) ? null : 'ORDER_INVALID_TRANSITION');
  });
});

describe('when an order is cancelled', () => {
  test.each([
    ['PENDING_PAYMENT', false, { refundDue: false }],
    ['PAID', false, { refundDue: true }],
    ['PREPARING', false, 'ORDER_INVALID_TRANSITION'],
    ['PREPARING', true, { refundDue: true }],
    ['READY', true, { refundDue: true }],
    ['DELIVERED', true, 'ORDER_INVALID_TRANSITION'],
    ['CANCELLED', true, 'ORDER_INVALID_TRANSITION'],
  ] as const)('then from %s (by staff: %s) the answer is %j', (from, byStaff, expected) => {
    if (typeof expected === 'string') expect(code(() => assertCancellable(from, byStaff))).toBe(expected);
    else expect(assertCancellable(from, byStaff)).toEqual(expected);
  });
});

const product = (overrides: Partial<ProductRecord> = {}): ProductRecord => ({
  id: randomUUID(), name: 'Tea', description: null, priceCents: 1_000, currency: 'BRL', categoryId: null, active: true, createdAt: new Date(), updatedAt: new Date(), ...overrides,
});

describe('when an order\'s lines are checked', () => {
  const id = randomUUID();
  test.each([
    ['no lines', []],
    ['a product id that is not an id', [{ productId: 'x', quantity: 1 }]],
    ['the same product twice, in any case', [{ productId: id, quantity: 1 }, { productId: id.toUpperCase(), quantity: 1 }]],
    ['a zero quantity', [{ productId: id, quantity: 0 }]],
    ['a negative quantity', [{ productId: id, quantity: -1 }]],
    ['a fractional quantity', [{ productId: id, quantity: 1.5 }]],
    ['a quantity over the maximum', [{ productId: id, quantity: MAX_QUANTITY + 1 }]],
    ['too many lines', Array.from({ length: 51 }, () => ({ productId: randomUUID(), quantity: 1 }))],
  ])('then %s is BAD_USER_INPUT', (_case, items) => {
    expect(code(() => validateItems(items))).toBe('BAD_USER_INPUT');
  });

  test('then prices come from the catalogue and the total is their sum', () => {
    const tea = product({ priceCents: 1_250 });
    const cup = product({ priceCents: 300, name: 'Cup' });
    const priced = priceItems([{ productId: tea.id, quantity: 2 }, { productId: cup.id, quantity: 3 }], new Map([[tea.id, tea], [cup.id, cup]]));
    expect(priced).toEqual({ totalCents: 3_400, currency: 'BRL', lines: [
      { productId: tea.id, name: 'Tea', unitPriceCents: 1_250, quantity: 2 },
      { productId: cup.id, name: 'Cup', unitPriceCents: 300, quantity: 3 },
    ] });
  });

  test.each([
    ['an unknown product', () => new Map<string, ProductRecord>()],
    ['an inactive product', (p: ProductRecord) => new Map([[p.id, { ...p, active: false }]])],
  ])('then %s is BAD_USER_INPUT', (_case, catalogue) => {
    const p = product();
    expect(code(() => priceItems([{ productId: p.id, quantity: 1 }], catalogue(p)))).toBe('BAD_USER_INPUT');
  });

  test('then products in two currencies are BAD_USER_INPUT', () => {
    const a = product();
    const b = product({ currency: 'USD' });
    expect(code(() => priceItems([{ productId: a.id, quantity: 1 }, { productId: b.id, quantity: 1 }], new Map([[a.id, a], [b.id, b]])))).toBe('BAD_USER_INPUT');
  });

  test('then a total beyond what an Int holds is BAD_USER_INPUT', () => {
    const p = product({ priceCents: 100_000_000 });
    expect(code(() => priceItems([{ productId: p.id, quantity: 1_000 }], new Map([[p.id, p]])))).toBe('BAD_USER_INPUT');
  });
});

describe('when a product is created or changed', () => {
  test.each([
    ['an empty name', { name: '  ', priceCents: 100, currency: 'BRL' }],
    ['a zero price', { name: 'A', priceCents: 0, currency: 'BRL' }],
    ['a fractional price', { name: 'A', priceCents: 1.5, currency: 'BRL' }],
    ['an absurd price', { name: 'A', priceCents: 100_000_001, currency: 'BRL' }],
    ['a lower-case currency', { name: 'A', priceCents: 100, currency: 'brl' }],
    ['a category id that is not an id', { name: 'A', priceCents: 100, currency: 'BRL', categoryId: 'x' }],
  ])('then %s is BAD_USER_INPUT', (_case, input) => {
    expect(code(() => validateProductInput(input, true))).toBe('BAD_USER_INPUT');
  });

  test('then only the fields given change, trimmed', () => {
    expect(validateProductInput({ name: ' Green tea ', description: '' }, false)).toEqual({ name: 'Green tea', description: null });
  });
});
