// Assembles the ticket subgraph: Postgres, NATS, the projections consumer, the outbox relay and the
// GraphQL server. Tests and main start it the same way.
import path from 'node:path';
import {
  OutboxTables1732000000000, entityLoader, groupLoader, isStaff, openServiceRuntime, pageLoader, serveSubgraph, startWithRuntime, type RunningService,
} from '@desk/shared';
import type { Context } from './context';
import type { TicketEnv } from './env';
import { TicketTables1732000000300 } from './migrations/1732000000300-ticket-tables.migration';
import { KnownUserRolesVersion1732000000310 } from './migrations/1732000000310-known-user-roles-version.migration';
import { startProjectionsConsumer } from './projections.consumer';
import { resolvers } from './resolvers';
import { TicketRepository } from './ticket.repository';
import { TicketService } from './ticket.service';

export const SERVICE_NAME = 'ticket';
export const SCHEMA_PATH = path.join(__dirname, '..', 'schema.graphql');

export interface TicketServiceHooks {
  /** Called with every SQL statement the service runs; tests count statements with it. */
  onQuery?: (sql: string) => void;
}

export type RunningTicketService = RunningService;

export async function startTicketService(env: TicketEnv, hooks: TicketServiceHooks = {}): Promise<RunningTicketService> {
  const runtime = await openServiceRuntime(env, {
    name: SERVICE_NAME, schema: 'tickets', migrations: [OutboxTables1732000000000, TicketTables1732000000300, KnownUserRolesVersion1732000000310], onQuery: hooks.onQuery,
  });
  const { log, dataSource, nc, relay } = runtime;
  return startWithRuntime(runtime, async () => {
    const repository = new TicketRepository(dataSource);
    const consumer = await startProjectionsConsumer(nc, env.NATS_PREFIX, { dataSource, repository }, log);
    runtime.onStop(() => consumer.stop());

    const deps = { dataSource, repository, relay };
    return serveSubgraph<Context>(runtime, env, {
      schemaPath: SCHEMA_PATH,
      resolvers,
      context: (viewer, requestLog) => {
        // A customer's Order.tickets holds only the tickets they opened.
        const ordersOf = isStaff(viewer) ? null : viewer.userId;
        return {
          viewer,
          log: requestLog,
          tickets: new TicketService(deps, viewer, {
            tickets: entityLoader((ids) => repository.findByIds(ids)),
            comments: groupLoader((ids) => repository.commentsOf(ids), (comment) => comment.ticketId),
            byOrder: groupLoader((ids) => repository.ofOrders(ids, ordersOf), (ticket) => ticket.orderId!),
            byRequester: pageLoader((ids, request) => repository.pagesByRequester(ids, request)),
          }, requestLog),
        };
      },
    });
  });
}
