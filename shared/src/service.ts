// Process lifecycle shared by every service: readiness of its connections and a clean stop on signals.
import type { DataSource } from 'typeorm';
import type { Logger } from './logger';
import type { NatsConnection } from './nats';

export function readiness(dataSource: DataSource | null, nc: NatsConnection | null): () => Promise<boolean> {
  return async () => {
    if (nc && (nc.isClosed() || nc.isDraining())) return false;
    if (dataSource) {
      if (!dataSource.isInitialized) return false;
      await dataSource.query('SELECT 1');
    }
    return true;
  };
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits; a second signal exits at once. */
export function stopOnSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'stopping');
    const force = setTimeout(() => { log.error('did not stop in time'); process.exit(1); }, 10_000);
    force.unref();
    stop().then(() => process.exit(0), (error) => { log.error({ err: error }, 'error while stopping'); process.exit(1); });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** For a process's main: log a failed start clearly and exit non-zero. */
export function runMain(log: Logger, main: () => Promise<unknown>): void {
  main().catch((error) => {
    log.fatal({ err: error }, 'failed to start');
    process.exit(1);
  });
}
