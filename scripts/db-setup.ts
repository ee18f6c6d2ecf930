// `npm run db:setup`: the one step that needs a Postgres administrator. Creates the database if needed
// and, for each service, the login role its URL names (with that password), owning the service's
// schema and nothing else; safe to run again (after a password change, or on a database from before).
// Each service then runs with its own URL as DATABASE_URL and migrates its schema itself.
//   DATABASE_ADMIN_URL=postgres://admin:…@db:5432/desk \
//   AUTH_DATABASE_URL=postgres://desk_auth:…@db:5432/desk USER_DATABASE_URL=… … npm run db:setup
import { z } from 'zod';
import { DATA_SERVICES, loadEnv, setUpServiceRoles, type DataService } from '@desk/shared';

/** The variable holding a service's own URL: AUTH_DATABASE_URL, USER_DATABASE_URL, … */
export const serviceUrlVariable = (service: DataService): string => `${service.toUpperCase()}_DATABASE_URL`;

const postgresUrl = z.string().url().refine((url) => /^postgres(ql)?:$/.test(new URL(url).protocol), 'a postgres:// URL');
const dbSetupEnvSchema = z.object({
  DATABASE_ADMIN_URL: postgresUrl,
  ...Object.fromEntries(DATA_SERVICES.map((service) => [serviceUrlVariable(service), postgresUrl.refine(
    (url) => new URL(url).username !== '', 'names the service\'s role as its user',
  )])),
});

async function main(): Promise<void> {
  const env = loadEnv(dbSetupEnvSchema) as Record<string, string>;
  const urls = Object.fromEntries(DATA_SERVICES.map((service) => [service, env[serviceUrlVariable(service)]])) as Record<DataService, string>;
  await setUpServiceRoles(env.DATABASE_ADMIN_URL, urls);
  for (const service of DATA_SERVICES) {
    process.stdout.write(`${service}: role ${decodeURIComponent(new URL(urls[service]).username)} owns its schema\n`);
  }
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`${(error as Error)?.message ?? String(error)}\n`);
    process.exit(1);
  });
}
