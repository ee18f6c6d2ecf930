// What every subgraph process opens before it serves: its logger, the gateway's public key, its
// Postgres schema with migrations run, NATS with the streams, and the outbox relay. Everything it
// opened is closed again by `stop()`, newest first, also when starting fails halfway.
import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import { parse } from 'graphql';
import type { CryptoKey } from 'jose';
import type { DataSource, EntitySchema, MixedList } from 'typeorm';
import { openDataSource } from './db/data-source';
import { startSubgraphServer, type ServiceContext, type SubgraphServerOptions } from './graphql/subgraph-server';
import { createLogger, type Logger } from './logger';
import { connectNats, prepareStreams, type NatsConnection, type NatsCredentials } from './nats';
import { OutboxRelay } from './outbox/outbox-relay';
import { readiness } from './service';
import { importInternalPublicKey, type Viewer } from './viewer';

export interface RuntimeEnv {
  LOG_LEVEL: string;
  DATABASE_URL: string;
  NATS_URL: string;
  NATS_PREFIX: string;
  NATS_CREDENTIALS?: NatsCredentials;
  INTERNAL_JWT_PUBLIC_KEY: string;
}

export interface RuntimeOptions {
  /** The service's name: its logger, its NATS connection name. */
  name: string;
  /** Its own Postgres schema. */
  schema: string;
  migrations: MixedList<Function>;
  entities?: EntitySchema[];
  onQuery?: (sql: string) => void;
}

export interface ServiceRuntime {
  name: string;
  log: Logger;
  internalKey: CryptoKey;
  dataSource: DataSource;
  nc: NatsConnection;
  relay: OutboxRelay;
  /** Registers something to close on stop (closed in reverse order of registration). */
  onStop(close: () => unknown): void;
  stop(): Promise<void>;
}

export async function openServiceRuntime(env: RuntimeEnv, options: RuntimeOptions): Promise<ServiceRuntime> {
  const log = createLogger(options.name, env.LOG_LEVEL);
  const closers: (() => unknown)[] = [];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) {
      await Promise.resolve().then(close).catch((error) => log.warn({ err: error }, 'error while stopping'));
    }
  };
  try {
    const internalKey = await importInternalPublicKey(env.INTERNAL_JWT_PUBLIC_KEY);
    const dataSource = await openDataSource({
      url: env.DATABASE_URL, schema: options.schema, entities: options.entities ?? [], migrations: options.migrations, logger: log, onQuery: options.onQuery,
    });
    closers.push(() => dataSource.destroy());
    const nc = await connectNats(env.NATS_URL, `${options.name}-subgraph`, env.NATS_CREDENTIALS);
    closers.push(() => nc.drain());
    await prepareStreams(nc, env.NATS_PREFIX, env.NATS_CREDENTIALS);
    const relay = new OutboxRelay(dataSource, nc, env.NATS_PREFIX, log);
    relay.start();
    closers.push(() => relay.stop());
    return { name: options.name, log, internalKey, dataSource, nc, relay, onStop: (close) => { closers.push(close); }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs `start` with the runtime; if it fails, everything the runtime opened is closed before rethrowing. */
export async function startWithRuntime<T>(runtime: ServiceRuntime, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    await runtime.stop();
    throw error;
  }
}

export interface RunningService { url: string; port: number; stop(): Promise<void>; }

export interface ServeOptions<C extends ServiceContext> {
  /** The subgraph's schema.graphql. */
  schemaPath: string;
  /**
   * The resolvers, typed by the subgraph's generated `Resolvers`. Apollo's map type cannot express
   * __resolveReference's (reference, context, info) signature, hence `unknown` here.
   */
  resolvers: unknown;
  /** Builds the per-request context (services, loaders) for a verified viewer. */
  context(viewer: Viewer, log: Logger): C;
  /** Extra HTTP routes (JWKS, webhooks). */
  routes?(app: Express): void;
}

/** Serves the runtime's subgraph over HTTP; stopping the service stops the server first. */
export async function serveSubgraph<C extends ServiceContext>(
  runtime: ServiceRuntime, env: { NODE_ENV: string; PORT: number; HOST: string }, options: ServeOptions<C>,
): Promise<RunningService> {
  const server = await startSubgraphServer<C>({
    name: runtime.name,
    typeDefs: parse(readFileSync(options.schemaPath, 'utf8')),
    resolvers: options.resolvers as SubgraphServerOptions<C>['resolvers'],
    internalKey: runtime.internalKey,
    log: runtime.log,
    production: env.NODE_ENV === 'production',
    context: options.context,
    ready: readiness(runtime.dataSource, runtime.nc),
    routes: options.routes,
  }, env.PORT, env.HOST);
  runtime.onStop(() => server.stop());
  runtime.log.info({ url: server.url }, `${runtime.name} subgraph ready`);
  return { url: server.url, port: server.port, stop: runtime.stop };
}
