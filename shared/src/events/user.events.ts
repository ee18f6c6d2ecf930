// Events published by the user subgraph.
import { z } from 'zod';
import { Role } from '../viewer';
import { defineEvent } from './define-event';
import { Locale } from './auth.events';

/**
 * Where a fact stands in the user's history: 1 for its first change after registration (which is
 * version 0), one more for each change after. Consumers handle up to many events at once and a
 * retried one comes late, so a projection stores the version it applied and applies only a newer
 * one. Absent only in events published before versions existed: those are applied as they come and
 * leave the stored version as it was. (A new optional field, not a new event version: consumers of
 * either release read both.)
 */
const FactVersion = z.number().int().positive();

/** Carries the user's whole set of roles; `version` counts role changes only. */
export const UserRolesChanged = defineEvent({
  type: 'user.roles-changed',
  version: 1,
  schema: z.object({ userId: z.string().uuid(), roles: z.array(Role).min(1), previousRoles: z.array(Role), version: FactVersion.optional() }),
});

/** Carries the user's whole profile as it now is; `version` counts profile changes only. */
export const UserProfileUpdated = defineEvent({
  type: 'user.profile-updated',
  version: 1,
  schema: z.object({ userId: z.string().uuid(), name: z.string(), locale: Locale.nullable(), phone: z.string().nullable(), version: FactVersion.optional() }),
});
