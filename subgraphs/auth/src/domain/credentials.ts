// Rules for what a client may send as credentials: one place, so every mutation refuses the same way.
import { BadUserInputError } from '@desk/shared';
import { z } from 'zod';
import type { Locale } from './account';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
export const NAME_MAX = 100;
export const EMAIL_MAX = 254;

const emailSchema = z.string().email();

/** Trimmed and lower-cased; BAD_USER_INPUT on `field` when it is not an address. */
export function normalizeEmail(raw: string, field = 'email'): string {
  const email = raw.trim().toLowerCase();
  if (email.length > EMAIL_MAX || !emailSchema.safeParse(email).success) {
    throw new BadUserInputError('email is not a valid address', field);
  }
  return email;
}

export function checkPassword(password: string, field = 'password'): string {
  if (password.length < PASSWORD_MIN) throw new BadUserInputError(`password must have at least ${PASSWORD_MIN} characters`, field);
  if (password.length > PASSWORD_MAX) throw new BadUserInputError(`password must have at most ${PASSWORD_MAX} characters`, field);
  return password;
}

export function normalizeName(raw: string, field = 'name'): string {
  const name = raw.trim().replace(/\s+/g, ' ');
  if (name.length === 0) throw new BadUserInputError('name must not be empty', field);
  if (name.length > NAME_MAX) throw new BadUserInputError(`name must have at most ${NAME_MAX} characters`, field);
  return name;
}

export function normalizeLocale(raw: string | null | undefined, field = 'locale'): Locale {
  if (raw === null || raw === undefined) return 'en';
  if (raw === 'pt-BR' || raw === 'en') return raw;
  throw new BadUserInputError('locale must be pt-BR or en', field);
}

/**
 * What a lookup key may look like before it touches the database: anything longer or shorter than a
 * token we issue cannot be one, so it is refused without a query.
 */
export function looksLikeToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
