// Sessions and users whose access tokens must be refused before they expire. Fed by the auth
// subgraph's SessionRevoked events: on start the list replays the last token lifetime of them, so a
// gateway started after a logout still refuses that session's tokens.
import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import { parseEnvelope, SessionRevoked, subjects, type Logger, type NatsConnection } from '@desk/shared';

export class RevocationList {
  /** session id → when to forget it (ms). */
  private readonly sessions = new Map<string, number>();
  /** user id → tokens carrying an older roles version are refused; and when to forget it. */
  private readonly users = new Map<string, { minRolesVersion: number; forgetAt: number }>();
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly ttlSeconds: number, private readonly log: Logger) {}

  isRevoked(userId: string, sessionId: string, rolesVersion: number): boolean {
    if (this.sessions.has(sessionId)) return true;
    const user = this.users.get(userId);
    return user !== undefined && rolesVersion < user.minRolesVersion;
  }

  /** Calls `listener` after each revocation, so long-lived connections can end at once. */
  onRevoke(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  revoke(event: { userId: string; sessionId: string | null; revokedAt: string; rolesVersion?: number }): void {
    const forgetAt = Date.parse(event.revokedAt) + (this.ttlSeconds + 60) * 1000;
    if (event.sessionId) {
      this.sessions.set(event.sessionId, forgetAt);
    } else if (event.rolesVersion !== undefined) {
      const current = this.users.get(event.userId);
      if (!current || current.minRolesVersion < event.rolesVersion) this.users.set(event.userId, { minRolesVersion: event.rolesVersion, forgetAt });
    }
    for (const listener of this.listeners) listener();
  }

  /** Subscribes to revocations; resolves once the consumer exists, so nothing after start is missed. */
  async start(nc: NatsConnection, prefix: string): Promise<void> {
    const s = subjects(prefix);
    const consumer = await jetstream(nc).consumers.get(s.streams.events, {
      filter_subjects: s.event(SessionRevoked.type),
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(Date.now() - (this.ttlSeconds + 60) * 1000).toISOString(),
    });
    this.messages = await consumer.consume();
    const messages = this.messages;
    this.loop = (async () => {
      for await (const msg of messages) {
        try {
          this.revoke(parseEnvelope(SessionRevoked, msg.json()).payload);
        } catch (error) {
          this.log.error({ err: error, subject: msg.subject }, 'unreadable revocation event');
        }
      }
    })();
    this.pruneTimer = setInterval(() => this.prune(), 60_000);
    this.pruneTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.messages?.close();
    await this.loop?.catch(() => undefined);
  }

  private prune(now = Date.now()): void {
    for (const [id, forgetAt] of this.sessions) if (forgetAt < now) this.sessions.delete(id);
    for (const [id, entry] of this.users) if (entry.forgetAt < now) this.users.delete(id);
  }
}
