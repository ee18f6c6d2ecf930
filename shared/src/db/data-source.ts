// One TypeORM data source per service, confined to that service's own Postgres schema.
import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource, type EntitySchema, type MixedList, type Logger as OrmLogger } from 'typeorm';
import type { Logger } from '../logger';

export interface DataSourceOptions {
  url: string;
  /** The service's schema; its tables, migrations table and search_path all live here. */
  schema: string;
  entities: EntitySchema[];
  migrations: MixedList<Function>;
  logger?: Logger;
  poolSize?: number;
  /** Called with every SQL statement run; tests count statements with it. */
  onQuery?: (sql: string) => void;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** Runs `work` with a connection to the server's `postgres` database, for creating and dropping others. */
async function withServer<T>(url: string, work: (client: Client, name: string) => Promise<T>): Promise<T> {
  const name = databaseName(url);
  if (!IDENTIFIER.test(name)) throw new Error(`unsupported database name ${JSON.stringify(name)}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return await work(client, name);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `url` when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  await withServer(url, async (client, name) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    await client.query(`CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
      if (error.code !== '42P04' && error.code !== '23505') throw error; // created meanwhile by a sibling
    });
  });
}

/** The comment on each service role of a database (see service-roles.ts), by which it goes with the database. */
export const serviceRoleMark = (database: string): string => `desk service role of database ${database}`;

/** Drops the database and the service roles made for it, which own nothing once it is gone. */
export async function dropDatabase(url: string): Promise<void> {
  await withServer(url, async (client, name) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    const { rows } = await client.query<{ rolname: string }>(
      `SELECT r.rolname FROM pg_roles r JOIN pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass WHERE d.description = $1`,
      [serviceRoleMark(name)],
    );
    for (const { rolname } of rows) await client.query(`DROP ROLE IF EXISTS "${rolname.replace(/"/g, '""')}"`);
  });
}

class QueryLogger implements OrmLogger {
  constructor(private readonly logger?: Logger, private readonly onQuery?: (sql: string) => void) {}
  logQuery(query: string) { this.onQuery?.(query); }
  logQueryError(error: string | Error, query: string) { this.logger?.error({ err: error, query }, 'query failed'); }
  logQuerySlow(time: number, query: string) { this.logger?.warn({ time, query }, 'slow query'); }
  logSchemaBuild() {}
  logMigration(message: string) { this.logger?.info(message); }
  log(level: 'log' | 'info' | 'warn', message: unknown) { if (level === 'warn') this.logger?.warn({ message }, 'typeorm'); }
}

/**
 * Makes sure the schema exists. With a service's own role (see service-roles.ts) the setup made it; with
 * a role that may create databases and schemas (development on a local superuser), they are made here.
 */
async function ensureSchema(url: string, schema: string): Promise<void> {
  const connect = async () => {
    const client = new Client({ connectionString: url });
    await client.connect();
    return client;
  };
  const client = await connect().catch(async (error: { code?: string }) => {
    if (error.code !== '3D000') throw error; // invalid_catalog_name: no such database yet
    await ensureDatabase(url);
    return connect();
  });
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (rowCount) return;
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).catch((error: { code?: string; message?: string }) => {
      if (error.code === '42501') {
        throw new Error(`schema ${schema} does not exist and this role may not create it: run the database setup first (npm run db:setup)`);
      }
      if (error.code !== '23505' && error.code !== '42P06') throw error;
    });
  } finally {
    await client.end();
  }
}

/** Connects, creates the schema if needed and runs pending migrations (each in its own transaction). */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  if (!IDENTIFIER.test(options.schema)) throw new Error(`unsupported schema name ${options.schema}`);
  await ensureSchema(options.url, options.schema);
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['query', 'error', 'warn', 'migration'],
    maxQueryExecutionTime: 500,
    logger: new QueryLogger(options.logger, options.onQuery),
    poolSize: options.poolSize ?? 10,
    // Unqualified names in hand-written SQL resolve to the service's own schema.
    extra: { options: `-c search_path=${options.schema}` },
  });
  await dataSource.initialize();
  // Several replicas may start together: one runs the migrations, the others wait on the lock.
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`migrations:${options.schema}`]);
  try {
    await dataSource.runMigrations();
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrations:${options.schema}`]);
    await lock.release();
  }
  return dataSource;
}

/**
 * The rows of an `UPDATE … RETURNING` or `DELETE … RETURNING` run through TypeORM's `query()`, which
 * answers those two commands with `[rows, rowCount]` instead of the rows.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
