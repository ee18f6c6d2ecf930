// What a long-lived client connection (a WebSocket, a multipart response) is allowed, and for how long:
// its viewer, its token's expiry and its session. When the token expires or the session is revoked
// (logout, password reset, roles changed), every stream of the connection ends with a clear code.
import { randomUUID } from 'node:crypto';
import { anonymousViewer, type Viewer } from '@desk/shared';
import type { FormattedExecutionResult } from 'graphql';
import type { VerifiedToken } from '../auth/access-token.verifier';
import type { RevocationList } from '../auth/revocation.list';
import type { Mailbox } from './mailbox';

export type EndReason = 'TOKEN_EXPIRED' | 'SESSION_ENDED';

const MESSAGES: Record<EndReason, string> = {
  TOKEN_EXPIRED: 'The access token has expired; reconnect with a fresh one',
  SESSION_ENDED: 'The session has ended',
};

export const endResult = (reason: EndReason): FormattedExecutionResult => ({ errors: [{ message: MESSAGES[reason], extensions: { code: reason } }] });

export class LiveSession {
  readonly mailboxes = new Set<Mailbox>();
  /** Subscriptions being checked and started, not yet open. */
  starting = 0;
  ended: EndReason | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly token: VerifiedToken | null,
    private readonly ip: string | null,
    private readonly onEnd: (reason: EndReason) => void,
    private readonly sessions: LiveSessions,
  ) {
    if (token) {
      // setTimeout holds at most ~24.8 days; access tokens live minutes.
      this.timer = setTimeout(() => this.end('TOKEN_EXPIRED'), Math.max(0, token.expiresAt * 1000 - Date.now()));
      this.timer.unref();
    }
  }

  /** The viewer for one operation of this connection, with its own correlation id. */
  viewer(correlationId: string = randomUUID()): Viewer {
    return this.token ? { ...this.token.viewer, correlationId } : anonymousViewer(correlationId, this.ip);
  }

  add(mailbox: Mailbox): void {
    this.mailboxes.add(mailbox);
  }

  /** Counts the streams still open. */
  get open(): number {
    let n = 0;
    for (const mailbox of this.mailboxes) {
      if (mailbox.closed) this.mailboxes.delete(mailbox); else n += 1;
    }
    return n;
  }

  checkRevoked(revocations: RevocationList): void {
    const t = this.token;
    if (t && t.viewer.userId && t.viewer.sessionId && revocations.isRevoked(t.viewer.userId, t.viewer.sessionId, t.rolesVersion)) this.end('SESSION_ENDED');
  }

  end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = reason;
    this.close();
    for (const mailbox of this.mailboxes) mailbox.finish(endResult(reason));
    this.mailboxes.clear();
    this.onEnd(reason);
  }

  /** The connection went away: forget it without telling anyone. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.sessions.forget(this);
  }
}

/** Every open connection's session, checked against each revocation as it arrives. */
export class LiveSessions {
  private readonly sessions = new Set<LiveSession>();
  private readonly stopListening: () => void;

  constructor(revocations: RevocationList) {
    this.stopListening = revocations.onRevoke(() => {
      for (const session of [...this.sessions]) session.checkRevoked(revocations);
    });
  }

  open(token: VerifiedToken | null, ip: string | null, onEnd: (reason: EndReason) => void): LiveSession {
    const session = new LiveSession(token, ip, onEnd, this);
    if (token) this.sessions.add(session);
    return session;
  }

  forget(session: LiveSession): void {
    this.sessions.delete(session);
  }

  get size(): number {
    return this.sessions.size;
  }

  close(): void {
    this.stopListening();
    for (const session of [...this.sessions]) session.close();
  }
}
