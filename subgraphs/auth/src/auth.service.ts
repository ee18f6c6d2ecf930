// The auth subgraph's use cases: accounts, sign-in with throttling, sessions with rotating refresh
// tokens, logout, guests and password reset. Every change and the event reporting it commit together.
import { randomUUID } from 'node:crypto';
import {
  AppError, InvalidCredentialsError, InvalidTokenError, PasswordChanged, PasswordResetRequested, RateLimitedError,
  SessionRevoked, UnauthenticatedError, UserRegistered, addressKey, appendEvent,
  type EventCause, type Logger, type OutboxRelay, type Viewer,
} from '@desk/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { AccountRepository } from './account.repository';
import { toAccountUser, type Account, type IssuedSession } from './domain/account';
import { PASSWORD_MAX, checkPassword, looksLikeToken, normalizeEmail, normalizeLocale, normalizeName } from './domain/credentials';
import { hashPassword, verifyPassword } from './domain/password';
import { hashSecretToken, newSecretToken } from './domain/secret-token';
import { retryAfterSeconds, type ThrottlePolicy } from './domain/throttle';
import type { AccessTokenIssuer } from './keys/access-token.issuer';

export const EMAIL_TAKEN = 'EMAIL_TAKEN';
const emailTaken = (): AppError => new AppError(EMAIL_TAKEN, 'An account with this email already exists', { field: 'email' });
const deadResetToken = (): InvalidTokenError => new InvalidTokenError('The reset token is invalid, used or expired');
/** Reset requests beyond this many per account per hour are dropped silently. */
const RESETS_PER_HOUR = 5;

export interface AuthServiceDeps {
  dataSource: DataSource;
  accounts: AccountRepository;
  relay: OutboxRelay;
  tokens: AccessTokenIssuer;
  throttle: ThrottlePolicy;
  refreshTokenTtlDays: number;
  passwordResetTtlMinutes: number;
}

export interface RegisterInput {
  email: string;
  password: string;
  name: string;
  locale?: string | null;
}

/** One per request, bound to the viewer. */
export class AuthService {
  constructor(private readonly deps: AuthServiceDeps, private readonly viewer: Viewer, private readonly log: Logger) {}

  async register(input: RegisterInput): Promise<IssuedSession> {
    const email = normalizeEmail(input.email, 'email');
    const password = checkPassword(input.password, 'password');
    const name = normalizeName(input.name, 'name');
    const locale = normalizeLocale(input.locale, 'locale');
    // The costly hash only for an email that is free; the insert still decides a race.
    if (await this.deps.accounts.findByEmail(email)) throw emailTaken();
    const account: Account = {
      id: randomUUID(), email, passwordHash: await hashPassword(password), name, roles: ['CUSTOMER'], guest: false, locale, createdAt: now(), rolesVersion: 0,
    };
    const session = await this.createAccount(account, emailTaken);
    this.log.info({ userId: account.id }, 'account registered');
    return session;
  }

  async startGuestSession(): Promise<IssuedSession> {
    const account: Account = { id: randomUUID(), email: null, passwordHash: null, name: 'Guest', roles: ['CUSTOMER'], guest: true, locale: 'en', createdAt: now(), rolesVersion: 0 };
    return this.createAccount(account, () => new Error('guest id collision'));
  }

  async login(rawEmail: string, password: string): Promise<IssuedSession> {
    const email = normalizeEmail(rawEmail, 'email');
    const { accounts, throttle } = this.deps;
    const address = this.viewer.ip === null ? null : addressKey(this.viewer.ip);
    // The attempt is recorded before it is judged, so a burst of parallel guesses counts in full.
    const attempt = await accounts.recordAttempt(email, address);
    const failures = await accounts.recentFailures(email, address, new Date(Date.now() - throttle.windowSeconds * 1000), attempt);
    const wait = retryAfterSeconds(throttle, failures, now());
    if (wait > 0) {
      await accounts.forgetAttempt(attempt);
      this.log.warn({ email, ip: this.viewer.ip, address, retryAfterSeconds: wait }, 'sign-in throttled');
      throw new RateLimitedError(`Too many failed sign-ins; try again in ${wait} seconds`, wait);
    }
    const account = await accounts.findByEmail(email);
    const ok = password.length <= PASSWORD_MAX && await verifyPassword(account?.passwordHash ?? null, password);
    if (!ok || !account) throw new InvalidCredentialsError();
    await accounts.clearFailures(email, { ip: address });
    const session = await this.deps.dataSource.transaction((tx) => this.openSession(tx, account));
    this.log.info({ userId: account.id, sessionId: session.sessionId }, 'signed in');
    return this.payload(account, session);
  }

  async refreshSession(refreshToken: string): Promise<IssuedSession> {
    if (!looksLikeToken(refreshToken)) throw new InvalidTokenError();
    const outcome = await this.deps.dataSource.transaction(async (tx) => {
      const found = await this.deps.accounts.lockRefreshToken(tx, hashSecretToken(refreshToken));
      if (!found || found.session.revokedAt || found.session.expiresAt <= now()) return { kind: 'invalid' as const };
      if (found.usedAt) {
        // A used token came back: someone holds a copy. End the whole family, the thief's and the owner's.
        await this.revoke(tx, found.session.accountId, found.session.id, 'refresh-token-reuse');
        return { kind: 'reuse' as const, sessionId: found.session.id };
      }
      const account = await this.deps.accounts.findById(found.session.accountId, tx);
      if (!account) return { kind: 'invalid' as const };
      await this.deps.accounts.markRefreshTokenUsed(tx, found.tokenHash);
      const next = newSecretToken();
      await this.deps.accounts.insertRefreshToken(tx, found.session.id, next.hash);
      return { kind: 'rotated' as const, account, session: { sessionId: found.session.id, refreshToken: next.token } };
    });
    if (outcome.kind === 'reuse') {
      await this.publishNow();
      this.log.warn({ sessionId: outcome.sessionId }, 'refresh token reused; session revoked');
    }
    if (outcome.kind !== 'rotated') throw new InvalidTokenError();
    return this.payload(outcome.account, outcome.session);
  }

  async logout(refreshToken: string | null | undefined): Promise<boolean> {
    const revoked = await this.deps.dataSource.transaction(async (tx) => {
      let sessionId: string;
      let accountId: string;
      if (refreshToken !== null && refreshToken !== undefined) {
        const found = looksLikeToken(refreshToken) ? await this.deps.accounts.lockRefreshToken(tx, hashSecretToken(refreshToken)) : null;
        // A signed-in caller may only end their own sessions; a foreign token looks like an unknown one.
        if (!found || (this.viewer.userId && found.session.accountId !== this.viewer.userId)) throw new InvalidTokenError();
        ({ id: sessionId, accountId } = found.session);
      } else if (this.viewer.userId && this.viewer.sessionId) {
        sessionId = this.viewer.sessionId;
        accountId = this.viewer.userId;
      } else {
        throw new UnauthenticatedError('Sign in, or give the refresh token of the session to end');
      }
      return this.revoke(tx, accountId, sessionId, 'logout');
    });
    if (revoked) await this.publishNow();
    return true;
  }

  async requestPasswordReset(rawEmail: string): Promise<boolean> {
    const email = normalizeEmail(rawEmail, 'email');
    const account = await this.deps.accounts.findByEmail(email);
    if (!account || account.guest || !account.email) return true;
    const recent = await this.deps.accounts.countRecentResets(account.id, new Date(Date.now() - 60 * 60 * 1000));
    if (recent >= RESETS_PER_HOUR) {
      this.log.warn({ userId: account.id }, 'password reset requests over the hourly limit; ignored');
      return true;
    }
    const secret = newSecretToken();
    const expiresAt = new Date(Date.now() + this.deps.passwordResetTtlMinutes * 60 * 1000);
    const accountEmail = account.email;
    await this.deps.dataSource.transaction(async (tx) => {
      await this.deps.accounts.insertPasswordReset(tx, { tokenHash: secret.hash, accountId: account.id, expiresAt });
      await appendEvent(tx, PasswordResetRequested, { userId: account.id, email: accountEmail, resetToken: secret.token, expiresAt: expiresAt.toISOString() }, this.cause());
    });
    this.deps.relay.kick();
    this.log.info({ userId: account.id }, 'password reset requested');
    return true;
  }

  async resetPassword(token: string, newPassword: string): Promise<boolean> {
    const password = checkPassword(newPassword, 'newPassword');
    const tokenHash = hashSecretToken(token);
    // The costly hash only for a token that can still be used; consuming it below still decides.
    if (!looksLikeToken(token) || !await this.deps.accounts.passwordResetIsLive(tokenHash)) throw deadResetToken();
    const passwordHash = await hashPassword(password);
    const account = await this.deps.dataSource.transaction(async (tx) => {
      const accountId = await this.deps.accounts.consumePasswordReset(tx, tokenHash);
      if (!accountId) throw deadResetToken();
      await this.deps.accounts.setPassword(tx, accountId, passwordHash);
      await this.deps.accounts.voidPasswordResets(tx, accountId);
      // Whoever knew the old password may hold a session: every one ends.
      const sessions = await this.deps.accounts.revokeAllSessions(tx, accountId, 'password-reset');
      for (const sessionId of sessions) await this.appendRevocation(tx, accountId, sessionId, 'password-reset');
      await appendEvent(tx, PasswordChanged, { userId: accountId }, this.cause());
      return this.deps.accounts.findById(accountId, tx);
    });
    if (account?.email) await this.deps.accounts.clearFailures(account.email);
    await this.publishNow();
    this.log.info({ userId: account?.id }, 'password reset');
    return true;
  }

  /** Inserts the account with its UserRegistered event and first session, all or nothing. */
  private async createAccount(account: Account, taken: () => Error): Promise<IssuedSession> {
    const session = await this.deps.dataSource.transaction(async (tx) => {
      if (!await this.deps.accounts.insert(tx, account)) throw taken();
      await appendEvent(tx, UserRegistered, {
        userId: account.id, email: account.email, name: account.name, roles: account.roles, guest: account.guest,
        locale: account.locale, registeredAt: account.createdAt.toISOString(),
      }, { ...this.cause(), actorId: account.id });
      return this.openSession(tx, account);
    });
    this.deps.relay.kick();
    return this.payload(account, session);
  }

  private async openSession(tx: EntityManager, account: Account): Promise<{ sessionId: string; refreshToken: string }> {
    const sessionId = randomUUID();
    const secret = newSecretToken();
    const expiresAt = new Date(Date.now() + this.deps.refreshTokenTtlDays * 24 * 60 * 60 * 1000);
    await this.deps.accounts.insertSession(tx, { id: sessionId, accountId: account.id, expiresAt, ip: this.viewer.ip });
    await this.deps.accounts.insertRefreshToken(tx, sessionId, secret.hash);
    return { sessionId, refreshToken: secret.token };
  }

  private async payload(account: Account, session: { sessionId: string; refreshToken: string }): Promise<IssuedSession> {
    return {
      accessToken: await this.deps.tokens.issue(account, session.sessionId),
      refreshToken: session.refreshToken,
      expiresIn: this.deps.tokens.settings.ttlSeconds,
      user: toAccountUser(account),
    };
  }

  /** Revokes a session with its event; false when it had already ended. */
  private async revoke(tx: EntityManager, accountId: string, sessionId: string, reason: 'logout' | 'refresh-token-reuse'): Promise<boolean> {
    if (!await this.deps.accounts.revokeSession(tx, sessionId, reason)) return false;
    await this.appendRevocation(tx, accountId, sessionId, reason);
    return true;
  }

  private async appendRevocation(tx: EntityManager, userId: string, sessionId: string, reason: 'logout' | 'refresh-token-reuse' | 'password-reset') {
    await appendEvent(tx, SessionRevoked, { userId, sessionId, reason, revokedAt: new Date().toISOString() }, this.cause());
  }

  /** Revocations must reach the gateways before the mutation answers; a NATS outage only delays them. */
  private async publishNow(): Promise<void> {
    await this.deps.relay.flush().catch((error) => this.log.warn({ err: error }, 'revocation left in the outbox; the relay will retry'));
  }

  private cause(): EventCause {
    return { correlationId: this.viewer.correlationId, actorId: this.viewer.userId };
  }
}

const now = () => new Date();
