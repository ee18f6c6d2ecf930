// Orders as the rest of the service sees them: plain values, the status flow and who may move it,
// and the rules an order's lines must follow before anything is stored.
import { AppError, BadUserInputError, isUuid, type OrderStatus } from '@desk/shared';
import type { ProductRecord } from './catalogue';

export type { OrderStatus };

export interface OrderRecord {
  id: string;
  customerId: string;
  totalCents: number;
  currency: string;
  status: OrderStatus;
  /** The payment that paid it, once one has. */
  paidPaymentId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface OrderItemRecord {
  orderId: string;
  productId: string;
  name: string;
  unitPriceCents: number;
  quantity: number;
}

export interface StatusChangeRecord {
  orderId: string;
  from: OrderStatus | null;
  to: OrderStatus;
  actorId: string | null;
  at: Date;
}

/** A user another subgraph resolves; this one only knows the id. */
export interface UserReference { id: string; }

export const MAX_LINES = 50;
export const MAX_QUANTITY = 1_000;
/** Totals are GraphQL Ints. */
export const MAX_TOTAL_CENTS = 2_147_483_647;

export class InvalidOrderTransitionError extends AppError {
  constructor(from: OrderStatus, to: OrderStatus) {
    super('ORDER_INVALID_TRANSITION', `An order cannot go from ${from} to ${to}`, { from, to });
  }
}

/** The fulfilment steps staff take, one at a time. PAID is reached only through a settled payment. */
const NEXT_STEP: Partial<Record<OrderStatus, OrderStatus>> = { PAID: 'PREPARING', PREPARING: 'READY', READY: 'DELIVERED' };

export function assertFulfilmentStep(from: OrderStatus, to: OrderStatus): void {
  if (NEXT_STEP[from] !== to) throw new InvalidOrderTransitionError(from, to);
}

/** Statuses in which money has been taken: cancelling then means refunding. */
export const PAID_STATES: readonly OrderStatus[] = ['PAID', 'PREPARING', 'READY'];
const CUSTOMER_CANCELLABLE: readonly OrderStatus[] = ['PENDING_PAYMENT', 'PAID'];
const STAFF_CANCELLABLE: readonly OrderStatus[] = ['PENDING_PAYMENT', ...PAID_STATES];

/** Throws unless the order may be cancelled now by this kind of viewer; returns whether a refund is due. */
export function assertCancellable(from: OrderStatus, byStaff: boolean): { refundDue: boolean } {
  const allowed = byStaff ? STAFF_CANCELLABLE : CUSTOMER_CANCELLABLE;
  if (!allowed.includes(from)) throw new InvalidOrderTransitionError(from, 'CANCELLED');
  return { refundDue: PAID_STATES.includes(from) };
}

export interface ItemInput { productId: string; quantity: number; }

/** Checks the shape of the lines (before the catalogue is read). */
export function validateItems(items: readonly ItemInput[]): void {
  if (items.length === 0) throw new BadUserInputError('An order needs at least one item', 'items');
  if (items.length > MAX_LINES) throw new BadUserInputError(`An order has at most ${MAX_LINES} lines`, 'items');
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const field = `items.${index}`;
    if (!isUuid(item.productId)) throw new BadUserInputError('productId is not a valid product id', `${field}.productId`);
    const id = item.productId.toLowerCase();
    if (seen.has(id)) throw new BadUserInputError('Each product may appear once; give its quantity instead', `${field}.productId`);
    seen.add(id);
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_QUANTITY) {
      throw new BadUserInputError(`quantity must be from 1 to ${MAX_QUANTITY}`, `${field}.quantity`);
    }
  });
}

/** Prices the lines from the catalogue: every product must exist, be active and share one currency. */
export function priceItems(items: readonly ItemInput[], products: ReadonlyMap<string, ProductRecord>): { lines: Omit<OrderItemRecord, 'orderId'>[]; totalCents: number; currency: string } {
  let totalCents = 0;
  let currency: string | null = null;
  const lines = items.map((item, index) => {
    const product = products.get(item.productId.toLowerCase());
    if (!product || !product.active) throw new BadUserInputError(`Product ${item.productId} is not on sale`, `items.${index}.productId`);
    if (currency !== null && product.currency !== currency) throw new BadUserInputError('All items of an order must be in one currency', `items.${index}.productId`);
    currency = product.currency;
    totalCents += product.priceCents * item.quantity;
    return { productId: product.id, name: product.name, unitPriceCents: product.priceCents, quantity: item.quantity };
  });
  if (totalCents > MAX_TOTAL_CENTS) throw new BadUserInputError('The order total is too large', 'items');
  return { lines, totalCents, currency: currency! };
}
