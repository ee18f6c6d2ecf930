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

export async function dropDatabase(url: string): Promise<void> {
  await withServer(url, (client, name) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
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

/** Connects, creates the schema if needed and runs pending migrations (each in its own transaction). */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  if (!IDENTIFIER.test(options.schema)) throw new Error(`unsupported schema name ${options.schema}`);
  await ensureDatabase(options.url);
  const bootstrap = new Client({ connectionString: options.url });
  await bootstrap.connect();
  try {
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`).catch((error: { code?: string }) => {
      if (error.code !== '23505' && error.code !== '42P06') throw error;
    });
  } finally {
    await bootstrap.end();
  }
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
