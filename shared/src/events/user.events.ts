// Events published by the user subgraph.
import { z } from 'zod';
import { Role } from '../viewer';
import { defineEvent } from './define-event';
import { Locale } from './auth.events';

export const UserRolesChanged = defineEvent({
  type: 'user.roles-changed',
  version: 1,
  schema: z.object({ userId: z.string().uuid(), roles: z.array(Role).min(1), previousRoles: z.array(Role) }),
});

export const UserProfileUpdated = defineEvent({
  type: 'user.profile-updated',
  version: 1,
  schema: z.object({ userId: z.string().uuid(), name: z.string(), locale: Locale.nullable(), phone: z.string().nullable() }),
});
