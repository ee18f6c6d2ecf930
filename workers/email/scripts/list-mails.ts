// `npm run mails [N]`: prints the latest N mails of the development catcher (default 10), newest first.
import { OutboxTables1732000000000, baseEnvShape, openDataSource, parseEnv } from '@desk/shared';
import { z } from 'zod';
import { latestCaughtMails } from '../src/caught-mail.repository';
import { EmailTables1732000000600 } from '../src/migrations/1732000000600-email-tables.migration';

async function main(): Promise<void> {
  const env = parseEnv(z.object({ DATABASE_URL: baseEnvShape.DATABASE_URL }));
  const limit = Math.max(1, Number.parseInt(process.argv[2] ?? '10', 10) || 10);
  const db = await openDataSource({ url: env.DATABASE_URL, schema: 'email', entities: [], migrations: [OutboxTables1732000000000, EmailTables1732000000600], poolSize: 2 });
  try {
    const mails = await latestCaughtMails(db, limit);
    if (mails.length === 0) process.stdout.write('no caught mails\n');
    for (const mail of mails) {
      process.stdout.write(`── #${mail.id} ${new Date(mail.sentAt).toISOString()} to ${mail.to}\n   ${mail.subject}\n\n${mail.text.replace(/^/gm, '   ')}\n`);
    }
  } finally {
    await db.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
