// Events published by the auth subgraph.
import { z } from 'zod';
import { Role } from '../viewer';
import { defineEvent } from './define-event';

export const Locale = z.enum(['pt-BR', 'en']);

export const UserRegistered = defineEvent({
  type: 'auth.user-registered',
  version: 1,
  schema: z.object({
    userId: z.string().uuid(),
    email: z.string().email().nullable(),
    name: z.string().min(1),
    roles: z.array(Role).min(1),
    guest: z.boolean(),
    locale: Locale,
    registeredAt: z.string().datetime({ offset: true }),
  }),
});

/** Carries the one-time token to the email worker; consumers that store payloads must drop `resetToken`. */
export const PasswordResetRequested = defineEvent({
  type: 'auth.password-reset-requested',
  version: 1,
  schema: z.object({
    userId: z.string().uuid(),
    email: z.string().email(),
    resetToken: z.string().min(32),
    expiresAt: z.string().datetime({ offset: true }),
  }),
});

export const PasswordChanged = defineEvent({
  type: 'auth.password-changed',
  version: 1,
  schema: z.object({ userId: z.string().uuid() }),
});

export const SessionRevoked = defineEvent({
  type: 'auth.session-revoked',
  version: 1,
  schema: z.object({
    userId: z.string().uuid(),
    /** null: every session of the user. */
    sessionId: z.string().uuid().nullable(),
    reason: z.enum(['logout', 'refresh-token-reuse', 'password-reset', 'roles-changed']),
    revokedAt: z.string().datetime({ offset: true }),
    /**
     * For every session of the user (sessionId null): access tokens carrying a roles version (`rv`)
     * below this one stop working; tokens issued with the new roles, even in the same second, do not.
     */
    rolesVersion: z.number().int().positive().optional(),
  }),
});
