// The errors a client may see. Each has a stable `extensions.code`; anything else is masked.
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  /** A cap on open subscriptions, subscription connections or live groups was reached (per account or address). */
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  INVALID_TOKEN: 'INVALID_TOKEN',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode] | (string & {});

export class AppError extends GraphQLError {
  constructor(readonly code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = new.target.name;
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'You must be signed in') { super(ErrorCode.UNAUTHENTICATED, message); }
}
export class ForbiddenError extends AppError {
  constructor(message = 'You may not do this') { super(ErrorCode.FORBIDDEN, message); }
}
export class NotFoundError extends AppError {
  constructor(what: string, id?: string) { super(ErrorCode.NOT_FOUND, id ? `${what} ${id} was not found` : `${what} was not found`); }
}
/** Bad input: names the offending field so clients can show the message beside it. */
export class BadUserInputError extends AppError {
  constructor(message: string, field?: string) { super(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {}); }
}
export class ConflictError extends AppError {
  constructor(message: string) { super(ErrorCode.CONFLICT, message); }
}
export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterSeconds: number) { super(ErrorCode.RATE_LIMITED, message, { retryAfterSeconds }); }
}
export class InvalidCredentialsError extends AppError {
  constructor() { super(ErrorCode.INVALID_CREDENTIALS, 'Email or password is incorrect'); }
}
export class InvalidTokenError extends AppError {
  constructor(message = 'The token is invalid or has expired') { super(ErrorCode.INVALID_TOKEN, message); }
}

/** Codes whose messages were written for clients; every other error is shown as a generic one. */
export function isClientSafe(code: unknown): boolean {
  return typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR && (
    Object.values(ErrorCode).includes(code as never) || /^[A-Z][A-Z_]+$/.test(code)
  );
}
