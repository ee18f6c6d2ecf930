// Keeps the logs to LOG_RETENTION_DAYS: a sweep at start and then periodically deletes older rows.
import type { Logger } from '@desk/shared';
import type { AuditEventRepository } from './audit-event.repository';
import type { RequestLogRepository } from './request-log.repository';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RunningRetention { sweep(): Promise<void>; stop(): Promise<void>; }

export function startRetention(
  stores: { requestLogs: RequestLogRepository; auditEvents: AuditEventRepository },
  options: { retentionDays: number; intervalMs: number }, log: Logger,
): RunningRetention {
  let running: Promise<void> = Promise.resolve();
  const sweepOnce = async () => {
    const before = new Date(Date.now() - options.retentionDays * DAY_MS);
    try {
      const [requests, events] = [await stores.requestLogs.deleteOlderThan(before), await stores.auditEvents.deleteOlderThan(before)];
      if (requests + events > 0) log.info({ requests, events, before }, 'retention removed old logs');
    } catch (error) {
      log.error({ err: error }, 'retention sweep failed; will try again');
    }
  };
  // Sweeps never overlap: a slow one delays the next instead of racing it.
  const sweep = () => { running = running.then(sweepOnce); return running; };
  void sweep();
  const timer = setInterval(() => { void sweep(); }, options.intervalMs);
  timer.unref();
  return {
    sweep,
    async stop() { clearInterval(timer); await running; },
  };
}
