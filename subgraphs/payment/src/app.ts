// Assembles the payment subgraph: Postgres, NATS, the saga consumer, the outbox relay, the providers,
// the webhook routes and the GraphQL server. Tests and main start it the same way.
import path from 'node:path';
import {
  OutboxTables1732000000000, entityLoader, groupLoader, openServiceRuntime, serveSubgraph, startWithRuntime, type RunningService,
} from '@desk/shared';
import type { Context } from './context';
import type { PaymentEnv } from './env';
import { PaymentTables1732000000500 } from './migrations/1732000000500-payment-tables.migration';
import { startPaymentSagaConsumer } from './payment-saga.consumer';
import { KnownOrderEntity, PaymentEntity, PaymentRepository } from './payment.repository';
import { PaymentService, type PaymentServiceDeps } from './payment.service';
import { configuredProviders } from './providers';
import { resolvers } from './resolvers';
import { webhookRoutes } from './webhook.routes';

export const SERVICE_NAME = 'payment';
export const SCHEMA_PATH = path.join(__dirname, '..', 'schema.graphql');

export interface PaymentServiceHooks {
  /** Called with every SQL statement the service runs; tests count statements with it. */
  onQuery?: (sql: string) => void;
  /** Delays between the saga consumer's tries; tests shorten them. */
  sagaBackoffMs?: number[];
}

export type RunningPaymentService = RunningService;

export async function startPaymentService(env: PaymentEnv, hooks: PaymentServiceHooks = {}): Promise<RunningPaymentService> {
  const runtime = await openServiceRuntime(env, {
    name: SERVICE_NAME, schema: 'payments', entities: [PaymentEntity, KnownOrderEntity],
    migrations: [OutboxTables1732000000000, PaymentTables1732000000500], onQuery: hooks.onQuery,
  });
  const { log, dataSource, nc, relay } = runtime;
  return startWithRuntime(runtime, async () => {
    const repository = new PaymentRepository(dataSource);
    const deps: PaymentServiceDeps = { dataSource, repository, relay, providers: configuredProviders(env) };
    log.info({ providers: [...deps.providers.keys()] }, 'payment providers');
    const consumer = await startPaymentSagaConsumer(nc, env.NATS_PREFIX, deps, log, hooks.sagaBackoffMs);
    runtime.onStop(() => consumer.stop());

    return serveSubgraph<Context>(runtime, env, {
      schemaPath: SCHEMA_PATH,
      resolvers,
      context: (viewer, requestLog) => ({
        viewer,
        log: requestLog,
        payments: new PaymentService(deps, viewer, {
          payments: entityLoader((ids) => repository.findByIds(ids)),
          byOrder: groupLoader((ids) => repository.findByOrderIds(ids), (payment) => payment.orderId),
        }, requestLog),
      }),
      routes: webhookRoutes(deps, log),
    });
  });
}
