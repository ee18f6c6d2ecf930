// Who may do what in the order subgraph: every authorization decision of the service is made here.
import { isAdmin, isStaff, type Viewer } from '@desk/shared';

export type Action =
  /** See an order, its lines and history. */
  | 'order:read'
  /** Place an order for oneself. */
  | 'order:place'
  /** Cancel an order. */
  | 'order:cancel'
  /** Move an order through fulfilment. */
  | 'order:fulfil'
  /** See every order, and filter by customer. */
  | 'order:list-all'
  /** See inactive products. */
  | 'catalogue:read-inactive'
  /** Create, change and delete categories and products. */
  | 'catalogue:write';

export interface OrderResource { customerId: string; }

const owns = (viewer: Viewer, resource?: OrderResource): boolean =>
  viewer.userId !== null && resource !== undefined && viewer.userId === resource.customerId;

export function can(viewer: Viewer, action: Action, resource?: OrderResource): boolean {
  switch (action) {
    case 'order:read':
    case 'order:cancel':
      return owns(viewer, resource) || isStaff(viewer);
    case 'order:place':
      return viewer.userId !== null;
    case 'order:fulfil':
    case 'order:list-all':
    case 'catalogue:read-inactive':
      return isStaff(viewer);
    case 'catalogue:write':
      return isAdmin(viewer);
  }
}
