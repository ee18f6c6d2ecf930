// Assembles the user subgraph: Postgres, NATS, the registration consumer, the outbox relay and the
// GraphQL server. Tests and main start it the same way.
import path from 'node:path';
import {
  OutboxTables1732000000000, entityLoader, openServiceRuntime, serveSubgraph, startWithRuntime, type RunningService,
} from '@desk/shared';
import type { Context } from './context';
import type { UserEnv } from './env';
import { UsersTable1732000000100 } from './migrations/1732000000100-users-table.migration';
import { FactVersions1732000000110 } from './migrations/1732000000110-fact-versions.migration';
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

export type RunningUserService = RunningService;

export async function startUserService(env: UserEnv, hooks: UserServiceHooks = {}): Promise<RunningUserService> {
  const runtime = await openServiceRuntime(env, {
    name: SERVICE_NAME, schema: 'users', entities: [UserEntity], migrations: [OutboxTables1732000000000, UsersTable1732000000100, FactVersions1732000000110], onQuery: hooks.onQuery,
  });
  const { log, dataSource, nc, relay } = runtime;
  return startWithRuntime(runtime, async () => {
    const repository = new UserRepository(dataSource);
    const consumer = await startRegistrationConsumer(nc, env.NATS_PREFIX, { dataSource, repository }, log);
    runtime.onStop(() => consumer.stop());

    const deps = { dataSource, repository, relay };
    return serveSubgraph<Context>(runtime, env, {
      schemaPath: SCHEMA_PATH,
      resolvers,
      context: (viewer, requestLog) => ({
        viewer,
        log: requestLog,
        users: new UserService(deps, viewer, entityLoader((ids) => repository.findByIds(ids)), requestLog),
      }),
    });
  });
}
