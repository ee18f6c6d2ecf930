// The auth subgraph's view of an account: credentials plus the projection of the profile fields it
// needs to answer a sign-in (name and roles are owned by the user subgraph and kept in sync by events).
import type { Role } from '@desk/shared';

export type Locale = 'pt-BR' | 'en';

export interface Account {
  id: string;
  /** Lower-cased; null for guests. */
  email: string | null;
  /** argon2id PHC string; null for guests, who cannot sign in with a password. */
  passwordHash: string | null;
  name: string;
  roles: Role[];
  guest: boolean;
  locale: Locale;
  createdAt: Date;
  /** Counts changes of roles; access tokens carry it (`rv`) so a change ends the tokens made before it. */
  rolesVersion: number;
}

/** The `User` fields this subgraph provides with an AuthPayload. */
export interface AccountUser {
  id: string;
  email: string | null;
  name: string;
  roles: Role[];
  createdAt: Date;
}

/** A User as this subgraph resolves it: a reference carries the key alone; an AccountUser is one too. */
export interface UserReference {
  id: string;
}

/** What a successful sign-in returns. */
export interface IssuedSession {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: AccountUser;
}

export const toAccountUser = (account: Account): AccountUser => ({
  id: account.id, email: account.email, name: account.name, roles: [...account.roles], createdAt: account.createdAt,
});
