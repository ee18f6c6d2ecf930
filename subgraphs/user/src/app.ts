// Assembles the user subgraph: Postgres, NATS, the registration consumer, the outbox relay and the
// GraphQL server. Tests and main start it the same way.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  OutboxTables1732000000000, entityLoader, openServiceRuntime, readiness, startSubgraphServer, startWithRuntime,
  type SubgraphServerOptions,
} from '@desk/shared';
import { parse } from 'graphql';
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
  const runtime = await openServiceRuntime(env, {
    name: SERVICE_NAME, schema: 'users', entities: [UserEntity], migrations: [OutboxTables1732000000000, UsersTable1732000000100], onQuery: hooks.onQuery,
  });
  const { log, dataSource, nc, relay } = runtime;
  return startWithRuntime(runtime, async () => {
    const repository = new UserRepository(dataSource);
    const consumer = await startRegistrationConsumer(nc, env.NATS_PREFIX, { dataSource, repository }, log);
    runtime.onStop(() => consumer.stop());

    const deps = { dataSource, repository, relay };
    const server = await startSubgraphServer<Context>({
      name: SERVICE_NAME,
      typeDefs: parse(readFileSync(SCHEMA_PATH, 'utf8')),
      // The generated types check every resolver; Apollo's map type cannot express __resolveReference's
      // (reference, context, info) signature, hence the conversion.
      resolvers: resolvers as unknown as SubgraphServerOptions<Context>['resolvers'],
      internalKey: runtime.internalKey,
      log,
      production: env.NODE_ENV === 'production',
      context: (viewer, requestLog) => ({
        viewer,
        log: requestLog,
        users: new UserService(deps, viewer, entityLoader((ids) => repository.findByIds(ids)), requestLog),
      }),
      ready: readiness(dataSource, nc),
    }, env.PORT, env.HOST);
    runtime.onStop(() => server.stop());
    log.info({ url: server.url }, 'user subgraph ready');
    return { url: server.url, port: server.port, stop: runtime.stop };
  });
}
