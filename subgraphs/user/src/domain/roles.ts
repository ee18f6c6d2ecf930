// Rules about a user's set of roles.
import { AppError, BadUserInputError, type Role } from '@desk/shared';

/** Refused because the change would leave the platform with no admin. */
export class LastAdminError extends AppError {
  constructor() { super('LAST_ADMIN', 'This would remove the last admin; make someone else an admin first'); }
}

/** The roles to store: non-empty, each once, in the order given. */
export function normalizeRoles(roles: readonly Role[]): Role[] {
  const unique = [...new Set(roles)];
  if (unique.length === 0) throw new BadUserInputError('roles must not be empty', 'roles');
  return unique;
}
