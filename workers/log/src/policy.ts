// Who may read the logs: every authorization decision of the log worker is made here.
import { ForbiddenError, UnauthenticatedError, isAdmin, type Viewer } from '@desk/shared';

export type Action =
  /** Read request logs and the audit trail. */
  'logs:read';

export function can(viewer: Viewer, action: Action): boolean {
  switch (action) {
    case 'logs:read':
      return isAdmin(viewer);
  }
}

/**
 * Throws unless the viewer may act: anonymous callers get UNAUTHENTICATED and signed-in callers
 * without the right FORBIDDEN, as in the other subgraphs.
 */
export function authorize(viewer: Viewer, action: Action): void {
  if (can(viewer, action)) return;
  if (viewer.userId === null) throw new UnauthenticatedError();
  throw new ForbiddenError('Only admins may read the logs');
}
