// Assembles the user subgraph: Postgres, NATS, the registration consumer, the outbox relay and the
// GraphQL server. Tests and main start it the same way.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  OutboxRelay, OutboxTables1732000000000, connectNats, createLogger, ensureStreams, entityLoader,
  importInternalPublicKey, openDataSource, readiness, startSubgraphServer, type NatsConnection, type RunningConsumer,
  type SubgraphServerOptions,
} from '@desk/shared';
import { parse } from 'graphql';
import type { DataSource } from 'typeorm';
import type { Context } from './context';
import type { UserEnv } from './env';
import { UsersTable1732000000100 } from './migrations/1732000000100-users-table.migration';
import { startRegistrationConsumer } from './registration.consumer';
import { resolvers } from './resolvers';
import { UserEntity, UserRepository } from './user.repository';
import { UserService } from './user.service';

export const SERVICE_NAME = 'user';
export const SCHEMA_PATH = path.join(__dirname, '..', 'schema.graphql');

export interface UserServiceHooks {
  /** Called with every SQL statement the service runs; tests count statements with it. */
  onQuery?: (sql: string) => void;
}

export interface RunningUserService { url: string; port: number; stop(): Promise<void>; }

export async function startUserService(env: UserEnv, hooks: UserServiceHooks = {}): Promise<RunningUserService> {
  const log = createLogger(SERVICE_NAME, env.LOG_LEVEL);
  const cleanups: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error) => log.warn({ err: error }, 'error while stopping'));
    }
  };
  try {
    const internalKey = await importInternalPublicKey(env.INTERNAL_JWT_PUBLIC_KEY);
    const dataSource: DataSource = await openDataSource({
      url: env.DATABASE_URL,
      schema: 'users',
      entities: [UserEntity],
      migrations: [OutboxTables1732000000000, UsersTable1732000000100],
      logger: log,
      onQuery: hooks.onQuery,
    });
    cleanups.push(() => dataSource.destroy());
    const nc: NatsConnection = await connectNats(env.NATS_URL, `${SERVICE_NAME}-subgraph`);
    cleanups.push(() => nc.drain());
    await ensureStreams(nc, env.NATS_PREFIX);

    const repository = new UserRepository(dataSource);
    const relay = new OutboxRelay(dataSource, nc, env.NATS_PREFIX, log);
    relay.start();
    cleanups.push(() => relay.stop());
    const consumer: RunningConsumer = await startRegistrationConsumer(nc, env.NATS_PREFIX, { dataSource, repository }, log);
    cleanups.push(() => consumer.stop());

    const deps = { dataSource, repository, relay };
    const server = await startSubgraphServer<Context>({
      name: SERVICE_NAME,
      typeDefs: parse(readFileSync(SCHEMA_PATH, 'utf8')),
      // The generated types check every resolver; Apollo's map type cannot express __resolveReference's
      // (reference, context, info) signature, hence the conversion.
      resolvers: resolvers as unknown as SubgraphServerOptions<Context>['resolvers'],
      internalKey,
      log,
      production: env.NODE_ENV === 'production',
      context: (viewer, requestLog) => ({
        viewer,
        log: requestLog,
        users: new UserService(deps, viewer, entityLoader((ids) => repository.findByIds(ids)), requestLog),
      }),
      ready: readiness(dataSource, nc),
    }, env.PORT, env.HOST);
    cleanups.push(() => server.stop());
    log.info({ url: server.url }, 'user subgraph ready');
    return { url: server.url, port: server.port, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
