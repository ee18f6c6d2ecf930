// Validation of profile changes: each rule names the field it is about, and nothing is written
// unless every given field is valid.
import { BadUserInputError } from '@desk/shared';
import { normalizeCpf } from './cpf';
import { LOCALES, type Locale } from './user';

export const NAME_MAX = 100;

/** What a client asked to change: undefined leaves a field alone; null clears it where allowed. */
export interface ProfileInput {
  name?: string | null;
  document?: string | null;
  phone?: string | null;
  locale?: string | null;
}

/** Checked and normalized changes, ready to store. */
export interface ProfileChanges {
  name?: string;
  document?: string | null;
  phone?: string | null;
  locale?: Locale;
}

export function validateName(value: string): string {
  const name = value.trim();
  if (name.length < 1 || name.length > NAME_MAX) throw new BadUserInputError(`name must be 1 to ${NAME_MAX} characters`, 'name');
  return name;
}

export function validateDocument(value: string): string {
  const cpf = normalizeCpf(value);
  if (!cpf) throw new BadUserInputError('document is not a valid CPF', 'document');
  return cpf;
}

/** E.164-like: a leading + and 8 to 15 digits, once spaces, dashes and parentheses are removed. */
export function validatePhone(value: string): string {
  const phone = value.replace(/[\s\-()]/g, '');
  if (!/^\+\d{8,15}$/.test(phone)) throw new BadUserInputError('phone must be + followed by 8 to 15 digits', 'phone');
  return phone;
}

export function validateLocale(value: string): Locale {
  if (!(LOCALES as readonly string[]).includes(value)) throw new BadUserInputError(`locale must be one of ${LOCALES.join(', ')}`, 'locale');
  return value as Locale;
}

export function validateProfileInput(input: ProfileInput): ProfileChanges {
  const changes: ProfileChanges = {};
  if (input.name !== undefined) {
    if (input.name === null) throw new BadUserInputError('name may not be null', 'name');
    changes.name = validateName(input.name);
  }
  if (input.document !== undefined) changes.document = input.document === null ? null : validateDocument(input.document);
  if (input.phone !== undefined) changes.phone = input.phone === null ? null : validatePhone(input.phone);
  if (input.locale !== undefined) {
    if (input.locale === null) throw new BadUserInputError('locale may not be null', 'locale');
    changes.locale = validateLocale(input.locale);
  }
  return changes;
}
