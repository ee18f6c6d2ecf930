// Who may do what in the payment subgraph: every authorization decision of the service is made here.
import { isStaff, type Viewer } from '@desk/shared';

export type Action =
  /** See a payment, or the payments of an order. */
  | 'payment:read'
  /** Start paying an order. */
  | 'payment:start'
  /** Give back the money of a settled payment. */
  | 'payment:refund';

/** The customer who owns the order (and so its payments). */
export interface PaymentResource { customerId: string; }

const isOwner = (viewer: Viewer, resource?: PaymentResource): boolean =>
  viewer.userId !== null && resource !== undefined && viewer.userId === resource.customerId;

export function can(viewer: Viewer, action: Action, resource?: PaymentResource): boolean {
  switch (action) {
    case 'payment:read':
    case 'payment:start':
      return isOwner(viewer, resource) || isStaff(viewer);
    case 'payment:refund':
      return isStaff(viewer);
  }
}
