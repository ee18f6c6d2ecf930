// Who may do what in the user subgraph: every authorization decision of the service is made here.
import { isAdmin, isStaff, type Viewer } from '@desk/shared';

export type Action =
  /** Read a user through `user(id)`. */
  | 'user:read'
  /** See a user's email, document and phone. */
  | 'user:read-private'
  /** List and search users. */
  | 'user:list'
  /** Change a user's profile. */
  | 'user:update-profile'
  /** Change a user's roles. */
  | 'user:set-roles';

export interface UserResource { id: string; }

const isSelf = (viewer: Viewer, resource?: UserResource): boolean =>
  viewer.userId !== null && resource !== undefined && viewer.userId === resource.id;

export function can(viewer: Viewer, action: Action, resource?: UserResource): boolean {
  switch (action) {
    case 'user:read':
    case 'user:read-private':
      return isSelf(viewer, resource) || isStaff(viewer);
    case 'user:list':
      return isStaff(viewer);
    case 'user:update-profile':
      // Staff change roles, not other people's profiles.
      return isSelf(viewer, resource);
    case 'user:set-roles':
      return isAdmin(viewer);
  }
}
