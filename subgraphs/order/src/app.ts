// Assembles the order subgraph: Postgres, NATS, the payment saga consumer, the outbox relay and the
// GraphQL server. Tests and main start it the same way.
import path from 'node:path';
import {
  OutboxTables1732000000000, entityLoader, groupLoader, openServiceRuntime, pageLoader, serveSubgraph, startWithRuntime, type RunningService,
} from '@desk/shared';
import { CatalogueRepository } from './catalogue.repository';
import { CatalogueService } from './catalogue.service';
import type { Context } from './context';
import type { OrderEnv } from './env';
import { OrderTables1732000000400 } from './migrations/1732000000400-order-tables.migration';
import { OrderRepository } from './order.repository';
import { OrderService } from './order.service';
import { startPaymentSagaConsumer } from './payment-saga.consumer';
import { resolvers } from './resolvers';

export const SERVICE_NAME = 'order';
export const SCHEMA_PATH = path.join(__dirname, '..', 'schema.graphql');

export interface OrderServiceHooks {
  /** Called with every SQL statement the service runs; tests count statements with it. */
  onQuery?: (sql: string) => void;
}

export type RunningOrderService = RunningService;

export async function startOrderService(env: OrderEnv, hooks: OrderServiceHooks = {}): Promise<RunningOrderService> {
  const runtime = await openServiceRuntime(env, {
    name: SERVICE_NAME, schema: 'orders', migrations: [OutboxTables1732000000000, OrderTables1732000000400], onQuery: hooks.onQuery,
  });
  const { log, dataSource, nc, relay } = runtime;
  return startWithRuntime(runtime, async () => {
    const orders = new OrderRepository(dataSource);
    const catalogue = new CatalogueRepository(dataSource);
    const consumer = await startPaymentSagaConsumer(nc, env.NATS_PREFIX, { dataSource, orders, relay }, log);
    runtime.onStop(() => consumer.stop());

    const deps = { dataSource, orders, catalogue, relay };
    return serveSubgraph<Context>(runtime, env, {
      schemaPath: SCHEMA_PATH,
      resolvers,
      context: (viewer, requestLog) => ({
        viewer,
        log: requestLog,
        catalogue: new CatalogueService(catalogue, viewer, {
          products: entityLoader((ids) => catalogue.findProductsByIds(ids)),
          categories: entityLoader((ids) => catalogue.findCategoriesByIds(ids)),
          ofCategory: pageLoader((ids, query) => catalogue.pagesOfCategories(ids, { search: null, active: query.active }, query.request)),
        }),
        orders: new OrderService(deps, viewer, {
          orders: entityLoader((ids) => orders.findByIds(ids)),
          items: groupLoader((ids) => orders.itemsOf(ids), (item) => item.orderId),
          history: groupLoader((ids) => orders.historiesOf(ids), (change) => change.orderId),
          byCustomer: pageLoader((ids, request) => orders.pagesByCustomer(ids, request)),
        }, requestLog),
      }),
    });
  });
}
