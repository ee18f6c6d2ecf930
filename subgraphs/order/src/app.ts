// Assembles the order subgraph: Postgres, NATS, the payment saga consumer, the outbox relay and the
// GraphQL server. Tests and main start it the same way.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  OutboxTables1732000000000, entityLoader, groupLoader, openServiceRuntime, readiness, startSubgraphServer, startWithRuntime,
  type SubgraphServerOptions,
} from '@desk/shared';
import { parse } from 'graphql';
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

export interface RunningOrderService { url: string; port: number; stop(): Promise<void>; }

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
        catalogue: new CatalogueService(catalogue, viewer, {
          products: entityLoader((ids) => catalogue.findProductsByIds(ids)),
          categories: entityLoader((ids) => catalogue.findCategoriesByIds(ids)),
        }),
        orders: new OrderService(deps, viewer, {
          orders: entityLoader((ids) => orders.findByIds(ids)),
          items: groupLoader((ids) => orders.itemsOf(ids), (item) => item.orderId),
          history: groupLoader((ids) => orders.historiesOf(ids), (change) => change.orderId),
        }, requestLog),
      }),
      ready: readiness(dataSource, nc),
    }, env.PORT, env.HOST);
    runtime.onStop(() => server.stop());
    log.info({ url: server.url }, 'order subgraph ready');
    return { url: server.url, port: server.port, stop: runtime.stop };
  });
}
