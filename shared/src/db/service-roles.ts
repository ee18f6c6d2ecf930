// The database setup that needs an administrator: one login role per service, owning that service's
// schema and nothing else. Each service then connects as its own role and runs its own migrations in its
// schema; it cannot read, write or create anything outside it. Roles are cluster-wide while schemas live
// in one database, so a role is tied to its database by name (`<database>_<service>`) and marked with a
// comment (serviceRoleMark), by which dropDatabase finds and removes it with the database.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { databaseName, ensureDatabase, serviceRoleMark } from './data-source';

/** Each service that keeps data, and its schema (DESIGN.md). */
export const SERVICE_SCHEMAS = {
  auth: 'auth',
  user: 'users',
  ticket: 'tickets',
  order: 'orders',
  payment: 'payments',
  email: 'email',
  log: 'logs',
} as const;
export type DataService = keyof typeof SERVICE_SCHEMAS;
export const DATA_SERVICES = Object.keys(SERVICE_SCHEMAS) as DataService[];

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const DUPLICATE_OBJECT = '42710';
const UNIQUE_VIOLATION = '23505';

/** The role a service connects as by default: named after the database, so databases do not share roles. */
export const serviceRoleName = (database: string, service: DataService): string => `${database}_${service}`;

/** `url` with another user and password (the host and database stay). */
export function withUser(url: string, user: string, password: string | null): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = password === null ? '' : encodeURIComponent(password);
  return parsed.toString();
}

/** Each service's own URL on the database of `adminUrl`: default role names, fresh passwords. */
export function serviceRoleUrls(adminUrl: string): Record<DataService, string> {
  const database = databaseName(adminUrl);
  return Object.fromEntries(DATA_SERVICES.map((service) =>
    [service, withUser(adminUrl, serviceRoleName(database, service), randomBytes(24).toString('base64url'))])) as Record<DataService, string>;
}

const quote = (identifier: string): string => {
  if (!IDENTIFIER.test(identifier)) throw new Error(`unsupported name ${JSON.stringify(identifier)}: lower-case letters, digits and _ only, at most 63`);
  return `"${identifier}"`;
};

/**
 * Connects with `adminUrl` (a superuser, or a role with CREATEROLE that owns the database) and makes, for
 * every service of `urls`, the role its URL names (with that password), owning the service's schema.
 * Safe to run again: roles get their URL's password again, and tables made before (by another owner)
 * pass to the service's role. Creates the database when it does not exist yet.
 */
export async function setUpServiceRoles(adminUrl: string, urls: Partial<Record<DataService, string>>): Promise<void> {
  await ensureDatabase(adminUrl);
  const database = databaseName(adminUrl);
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    // Two setups of one database (replicas of a setup job) take turns; roles of other databases have other names.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`service-roles:${database}`]);
    // Nobody but the roles named here connects; nobody creates anything in `public`.
    await client.query(`REVOKE ALL ON DATABASE ${quote(database)} FROM PUBLIC`);
    await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    for (const [service, url] of Object.entries(urls) as [DataService, string][]) {
      const schema = SERVICE_SCHEMAS[service];
      if (!schema) throw new Error(`unknown service ${service}`);
      const parsed = new URL(url);
      if (databaseName(url) !== database) throw new Error(`the ${service} URL names database ${databaseName(url)}, not ${database}`);
      const role = quote(decodeURIComponent(parsed.username));
      const password = parsed.password ? client.escapeLiteral(decodeURIComponent(parsed.password)) : 'NULL';
      await client.query('SAVEPOINT role');
      await client.query(`CREATE ROLE ${role} LOGIN`).then(
        () => client.query('RELEASE SAVEPOINT role'),
        async (error: { code?: string }) => {
          // Made before, or meanwhile by a setup of the same role elsewhere.
          if (error.code !== DUPLICATE_OBJECT && error.code !== UNIQUE_VIOLATION) throw error;
          await client.query('ROLLBACK TO SAVEPOINT role');
        },
      );
      await client.query(`ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${password}`);
      await client.query(`COMMENT ON ROLE ${role} IS ${client.escapeLiteral(serviceRoleMark(database))}`);
      await client.query(`GRANT CONNECT ON DATABASE ${quote(database)} TO ${role}`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)} AUTHORIZATION ${role}`);
      await client.query(`ALTER SCHEMA ${quote(schema)} OWNER TO ${role}`);
      await client.query(`REVOKE ALL ON SCHEMA ${quote(schema)} FROM PUBLIC`);
      await client.query(`ALTER ROLE ${role} IN DATABASE ${quote(database)} SET search_path = ${quote(schema)}`);
      await handOver(client, schema, role);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/** Gives `role` the tables, views and sequences of `schema` that another role made (a setup from before roles). */
async function handOver(client: Client, schema: string, role: string): Promise<void> {
  const owned = async (kinds: string[]) => (await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = ANY($2) AND c.relowner <> $3::regrole
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))`,
    [schema, kinds, role],
  )).rows.map((row) => row.name);
  // Tables first: their sequences follow them, and only sequences of no table are left to move.
  for (const name of await owned(['r', 'p', 'v', 'm', 'f'])) await client.query(`ALTER TABLE ${name} OWNER TO ${role}`);
  for (const name of await owned(['S'])) await client.query(`ALTER SEQUENCE ${name} OWNER TO ${role}`);
}
