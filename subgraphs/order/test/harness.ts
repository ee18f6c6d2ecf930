// Test support for the order subgraph: the running service with its own database and NATS prefix,
// viewers of each role, and a small catalogue built through the API.
import { randomUUID } from 'node:crypto';
import { parseEnv } from '@desk/shared';
import { startSubgraphHarness, testViewer, type SubgraphHarness } from '@desk/shared/testing';
import { startOrderService, type RunningOrderService } from '../src/app';
import { orderEnvSchema } from '../src/env';

export type Harness = SubgraphHarness<RunningOrderService>;

export const startHarness = (): Promise<Harness> =>
  startSubgraphHarness('order', (env, onQuery) => startOrderService(parseEnv(orderEnvSchema, env), { onQuery }));

export const admin = () => testViewer(randomUUID(), ['ADMIN']);
export const agent = () => testViewer(randomUUID(), ['AGENT']);
export const customer = () => testViewer(randomUUID(), ['CUSTOMER']);

/** Creates a product (and its category) as an admin; returns its id. */
export async function createProduct(h: Harness, fields: { priceCents?: number; currency?: string; name?: string } = {}): Promise<string> {
  const result = await h.gql('mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }', {
    i: { name: fields.name ?? `Product ${randomUUID().slice(0, 8)}`, priceCents: fields.priceCents ?? 1_000, currency: fields.currency ?? 'BRL' },
  }, admin());
  if (!result.data?.createProduct) throw new Error(JSON.stringify(result.errors));
  return result.data.createProduct.id;
}

export const PLACE = 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { id status totalCents currency customer { id } items { name quantity unitPriceCents subtotalCents } } }';

export async function placeOrder(h: Harness, viewer: ReturnType<typeof customer>, productId: string, quantity = 1): Promise<{ id: string; totalCents: number }> {
  const result = await h.gql(PLACE, { i: { items: [{ productId, quantity }] } }, viewer);
  if (!result.data?.placeOrder) throw new Error(JSON.stringify(result.errors));
  return result.data.placeOrder;
}
