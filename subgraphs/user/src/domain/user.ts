// The user as the rest of the service sees it: a plain value, whatever the storage.
import type { Role } from '@desk/shared';

export const LOCALES = ['pt-BR', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export interface UserRecord {
  id: string;
  email: string | null;
  name: string;
  roles: Role[];
  document: string | null;
  phone: string | null;
  locale: Locale;
  guest: boolean;
  createdAt: Date;
  updatedAt: Date;
}
