// Who may see what through the auth subgraph's fields: every authorization decision of a read is made here.
import { isAdmin, type Viewer } from '@desk/shared';

export type Action =
  /** List an account's open sessions. */
  | 'session:list';

export interface SessionOwner { accountId: string; }

export function can(viewer: Viewer, action: Action, resource: SessionOwner): boolean {
  switch (action) {
    case 'session:list':
      return (viewer.userId !== null && viewer.userId === resource.accountId) || isAdmin(viewer);
  }
}
