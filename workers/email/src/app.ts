// Assembles the email worker: Postgres (schema `email`), NATS, the mail transport, the consumer and the
// HTTP server. Tests, the benchmark and main start it the same way.
import { OutboxTables1732000000000, openServiceRuntime, readiness, startWithRuntime } from '@desk/shared';
import type { EmailEnv } from './env';
import { startEmailConsumer } from './email.consumer';
import { startHttpServer } from './http';
import { MailLedger } from './mail-ledger';
import { catcherTransport, smtpTransport } from './mail-transport';
import { EmailTables1732000000600 } from './migrations/1732000000600-email-tables.migration';
import { RecipientProfileVersion1732000000610 } from './migrations/1732000000610-recipient-profile-version.migration';
import { RecipientRepository } from './recipient.repository';

export const SERVICE_NAME = 'email';

export interface EmailWorkerHooks {
  /** Delays between tries of a failing event (tests shorten them). */
  backoffMs?: number[];
  onQuery?: (sql: string) => void;
}

export interface RunningEmailWorker { url: string; port: number; stop(): Promise<void> }

export async function startEmailWorker(env: EmailEnv, hooks: EmailWorkerHooks = {}): Promise<RunningEmailWorker> {
  const runtime = await openServiceRuntime(env, {
    name: SERVICE_NAME, schema: 'email', migrations: [OutboxTables1732000000000, EmailTables1732000000600, RecipientProfileVersion1732000000610], onQuery: hooks.onQuery,
  });
  const { log, dataSource, nc } = runtime;
  return startWithRuntime(runtime, async () => {
    const transport = env.SMTP_URL
      ? smtpTransport({ url: env.SMTP_URL, from: env.MAIL_FROM, timeoutMs: env.SMTP_TIMEOUT_MS })
      : catcherTransport();
    runtime.onStop(() => transport.close());
    if (transport.mode === 'catcher') log.warn('no SMTP_URL: mails are caught in the database, see GET /mails');

    const consumer = await startEmailConsumer(nc, env.NATS_PREFIX, {
      ledger: new MailLedger(dataSource, transport), recipients: new RecipientRepository(), appUrl: env.APP_URL, backoffMs: hooks.backoffMs,
    }, log);
    runtime.onStop(() => consumer.stop());

    const http = await startHttpServer({
      name: SERVICE_NAME, ready: readiness(dataSource, nc), catcher: transport.mode === 'catcher' ? dataSource : null,
    }, env.PORT, env.HOST);
    runtime.onStop(() => http.stop());
    log.info({ url: http.url, transport: transport.mode }, 'email worker ready');
    return { url: http.url, port: http.port, stop: runtime.stop };
  });
}
