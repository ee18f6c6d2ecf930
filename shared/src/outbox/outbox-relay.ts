// Publishes what the outbox holds to JetStream, with Nats-Msg-Id = event id so that a repeat after a
// crash is dropped by the stream's duplicate window, then marks it sent. Kicked after each commit and
// polled as a fallback, so events leave within milliseconds and none is left behind.
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { DataSource } from 'typeorm';
import type { Logger } from '../logger';
import { subjects, type NatsConnection } from '../nats';

export interface OutboxRelayOptions {
  pollIntervalMs?: number;
  batchSize?: number;
  /** Published rows older than this are deleted. */
  keepPublishedMs?: number;
}

export class OutboxRelay {
  private readonly js: JetStreamClient;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastCleanup = 0;

  constructor(
    private readonly dataSource: DataSource,
    nc: NatsConnection,
    private readonly prefix: string,
    private readonly log: Logger,
    private readonly options: OutboxRelayOptions = {},
  ) {
    this.js = jetstream(nc);
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.kick();
      this.timer = setTimeout(tick, this.options.pollIntervalMs ?? 1000);
      this.timer.unref();
    };
    tick();
  }

  /** Asks for a drain now; several kicks during one drain cause one more drain, not several. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    this.running = this.drainLoop().finally(() => { this.running = null; });
  }

  /** Resolves once everything committed before the call has been published. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    await this.drainOnce();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async drainLoop(): Promise<void> {
    do {
      this.again = false;
      try {
        while (await this.drainOnce() > 0 && !this.stopped) { /* keep going while there is a backlog */ }
        await this.cleanup();
      } catch (error) {
        this.log.warn({ err: error }, 'outbox relay could not publish; will retry');
      }
    } while (this.again && !this.stopped);
  }

  private async drainOnce(): Promise<number> {
    const s = subjects(this.prefix);
    return this.dataSource.transaction(async (tx) => {
      const rows: { id: string; type: string; envelope: unknown }[] = await tx.query(
        `SELECT id, type, envelope FROM outbox WHERE published_at IS NULL
         ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`, [this.options.batchSize ?? 200],
      );
      if (rows.length === 0) return 0;
      await Promise.all(rows.map((row) => this.js.publish(s.event(row.type), JSON.stringify(row.envelope), { msgID: row.id })));
      await tx.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1)', [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  private async cleanup(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    const keepMs = this.options.keepPublishedMs ?? 24 * 60 * 60 * 1000;
    await this.dataSource.query(`DELETE FROM outbox WHERE published_at < now() - ($1 || ' milliseconds')::interval`, [String(keepMs)]);
  }
}
