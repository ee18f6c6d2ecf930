// Test support for the payment subgraph: the running service on its own database and NATS prefix,
// orders made payable the way production makes them (OrderPlaced events), calls signed as the
// gateway, and webhooks signed as the sandbox provider signs them.
import { randomUUID } from 'node:crypto';
import { OrderPlaced, OrderStatusChanged, parseEnv, type OrderStatus, type Viewer } from '@desk/shared';
import { eventually, startSubgraphHarness, testViewer, type SubgraphHarness } from '@desk/shared/testing';
import { startPaymentService, type RunningPaymentService } from '../src/app';
import { paymentEnvSchema } from '../src/env';
import { signSandboxWebhook } from '../src/providers/sandbox.provider';

export const SANDBOX_SECRET = 'sandbox-webhook-secret-for-tests';

export type Harness = SubgraphHarness<RunningPaymentService>;

export const startHarness = (extraEnv: Record<string, string> = {}): Promise<Harness> =>
  startSubgraphHarness('payment', (env, onQuery) => startPaymentService(
    parseEnv(paymentEnvSchema, { SANDBOX_WEBHOOK_SECRET: SANDBOX_SECRET, ...env }),
    // Short retries, so that a refund the provider refused is tried again within a test.
    { onQuery, sagaBackoffMs: [200, 200, 200, 200, 200] },
  ), extraEnv);

export const admin = () => testViewer(randomUUID(), ['ADMIN']);
export const agent = () => testViewer(randomUUID(), ['AGENT']);
export const customer = () => testViewer(randomUUID(), ['CUSTOMER']);

export interface TestOrder { id: string; customerId: string; totalCents: number; currency: string; }

/** Publishes OrderPlaced as the order subgraph would; waits until the projection has it unless told not to. */
export async function placeOrder(h: Harness, owner: Viewer, fields: { totalCents?: number; currency?: string; wait?: boolean } = {}): Promise<TestOrder> {
  const order = { id: randomUUID(), customerId: owner.userId!, totalCents: fields.totalCents ?? 2_590, currency: fields.currency ?? 'BRL' };
  await h.publish(OrderPlaced, {
    orderId: order.id, customerId: order.customerId, totalCents: order.totalCents, currency: order.currency,
    items: [{ productId: randomUUID(), name: 'Coffee', quantity: 1, unitPriceCents: order.totalCents }],
    placedAt: new Date().toISOString(),
  });
  if (fields.wait !== false) await eventually(async () => (await h.sql('SELECT 1 FROM payments.known_orders WHERE id = $1', [order.id])).length > 0, 5000, 'the order');
  return order;
}

/** Publishes OrderStatusChanged as the order subgraph would. */
export async function changeOrderStatus(h: Harness, order: TestOrder, from: OrderStatus, to: OrderStatus, refundDue = false) {
  return h.publish(OrderStatusChanged, {
    __typename: 'Order', id: order.id, customerId: order.customerId, from, to, totalCents: order.totalCents, currency: order.currency,
    refundDue, changedAt: new Date().toISOString(),
  });
}

export const START = `mutation($orderId: ID!, $provider: PaymentProvider) {
  startPayment(orderId: $orderId, provider: $provider) { id status provider amountCents currency qrCode qrCodeImage checkoutUrl failureReason order { id } createdAt updatedAt }
}`;

export async function startPayment(h: Harness, viewer: Viewer, orderId: string): Promise<{ id: string; status: string; amountCents: number }> {
  const result = await h.gql(START, { orderId }, viewer);
  if (!result.data?.startPayment) throw new Error(JSON.stringify(result.errors));
  return result.data.startPayment;
}

/** Posts a sandbox webhook signed with the test secret (or the headers given). */
export function sandboxWebhook(h: Harness, paymentId: string, event: 'payment.succeeded' | 'payment.failed', options: { timestamp?: number; secret?: string; headers?: Record<string, string> } = {}) {
  const body = JSON.stringify({ paymentId, event });
  const signature = signSandboxWebhook(options.secret ?? SANDBOX_SECRET, body, options.timestamp);
  return h.post('/webhooks/sandbox', body, options.headers ?? { 'sandbox-signature': signature });
}

export async function paymentRow(h: Harness, id: string): Promise<Record<string, any> | undefined> {
  return (await h.sql('SELECT * FROM payments.payments WHERE id = $1', [id]))[0];
}

export const code = (response: { errors?: { extensions?: Record<string, unknown> }[] }) => response.errors?.[0]?.extensions?.code;
