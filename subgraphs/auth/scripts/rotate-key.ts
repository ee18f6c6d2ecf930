// Adds a new access-token signing key to the auth schema and retires all but the two newest.
// Running auth replicas pick it up within a minute; gateways refetch the JWKS on the unknown `kid`.
// Only for keys kept in Postgres: with AUTH_SIGNING_KEYS, put the new key first in that list instead.
import { createLogger, loadEnv, openDataSource } from '@desk/shared';
import { MIGRATIONS } from '../src/app';
import { authEnvSchema } from '../src/env';
import { StoredKeys } from '../src/keys/signing-keys';

async function main() {
  const env = loadEnv(authEnvSchema);
  const log = createLogger('auth-rotate-key', env.LOG_LEVEL);
  if (env.AUTH_SIGNING_KEYS) {
    log.error('AUTH_SIGNING_KEYS is set: rotate by putting a new key first in that list');
    process.exit(1);
  }
  const dataSource = await openDataSource({ url: env.DATABASE_URL, schema: 'auth', entities: [], migrations: MIGRATIONS, logger: log });
  try {
    const kid = await new StoredKeys(dataSource).rotate();
    log.info({ kid }, 'new signing key added');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => { console.error(error); process.exit(1); });
