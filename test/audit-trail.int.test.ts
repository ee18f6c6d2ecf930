// The log worker through the gateway: every request and every domain event, tied together by the
// request's correlation id, readable by admins only.
import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { eventually } from '@desk/shared/testing';
import { ADMIN, ops, registerCustomer, startPlatform, type Platform } from './support/platform';

let platform: Platform;
let adminToken: string;
beforeAll(async () => {
  platform = await startPlatform();
  adminToken = (await platform.gql(ops.login, ADMIN)).data!.login.accessToken;
});
afterAll(() => platform?.stop());

const TRAIL = `query($c: String!) {
  requestLogs(filter: { correlationId: $c }) { totalCount edges { node { operationName operationType outcome userId correlationId clientCorrelationId } } }
  auditEvents(filter: { correlationId: $c }) { edges { node { type actorId correlationId payload } } }
}`;

describe('when a customer does something', () => {
  test('then an admin finds the request and the events it caused under the correlation id the response named', async () => {
    const customer = await registerCustomer(platform);
    const product = await platform.gql('mutation { createProduct(input: { name: "Cocoa", priceCents: 700, currency: "BRL" }) { id } }', {}, { token: adminToken });
    const placed = await platform.gql('mutation PlaceIt($p: ID!) { placeOrder(input: { items: [{ productId: $p, quantity: 1 }] }) { id } }',
      { p: product.data!.createProduct.id }, { token: customer.accessToken });
    const orderId = placed.data!.placeOrder.id;
    const correlationId = placed.headers.get('x-correlation-id')!;

    const trail = await eventually(async () => {
      const result = await platform.gql(TRAIL, { c: correlationId }, { token: adminToken });
      const data = result.data;
      return data && data.requestLogs.totalCount > 0 && data.auditEvents.edges.length > 0 ? data : undefined;
    }, 10_000, 'the trail');
    expect(trail.requestLogs.edges[0].node).toEqual({ operationName: 'PlaceIt', operationType: 'MUTATION', outcome: 'SUCCESS', userId: customer.id, correlationId, clientCorrelationId: null });
    expect(trail.auditEvents.edges.map((e: { node: { type: string } }) => e.node.type)).toContain('order.placed');
    const event = trail.auditEvents.edges.find((e: { node: { type: string } }) => e.node.type === 'order.placed').node;
    expect(event).toMatchObject({ actorId: customer.id, correlationId, payload: { orderId, customerId: customer.id } });
  });

  test('then a correlation id the client made up files nothing under it: the request is under the gateway\'s id, the client\'s beside it', async () => {
    const customer = await registerCustomer(platform);
    const madeUp = `made-up-${randomUUID()}`;
    const sent = await platform.gql('query MadeUp { me { id } }', {}, { token: customer.accessToken, headers: { 'x-correlation-id': madeUp } });
    const correlationId = sent.headers.get('x-correlation-id');
    expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);

    const trail = await eventually(async () => {
      const data = (await platform.gql(TRAIL, { c: correlationId }, { token: adminToken })).data;
      return data && data.requestLogs.totalCount > 0 ? data : undefined;
    }, 10_000, 'the request log');
    expect(trail.requestLogs.edges[0].node).toEqual({ operationName: 'MadeUp', operationType: 'QUERY', outcome: 'SUCCESS', userId: customer.id, correlationId, clientCorrelationId: madeUp });
    // Both lookups go to the same table, and the log under the gateway's id is already there.
    const underMadeUp = (await platform.gql(TRAIL, { c: madeUp }, { token: adminToken })).data;
    expect(underMadeUp).toMatchObject({ requestLogs: { totalCount: 0 }, auditEvents: { edges: [] } });
  });

  test('then a malformed client id is not kept at all', async () => {
    const customer = await registerCustomer(platform);
    const sent = await platform.gql('query Malformed { me { id } }', {}, { token: customer.accessToken, headers: { 'x-correlation-id': 'has spaces; and more' } });
    const correlationId = sent.headers.get('x-correlation-id');
    const trail = await eventually(async () => {
      const data = (await platform.gql(TRAIL, { c: correlationId }, { token: adminToken })).data;
      return data && data.requestLogs.totalCount > 0 ? data : undefined;
    }, 10_000, 'the request log');
    expect(trail.requestLogs.edges[0].node).toMatchObject({ operationName: 'Malformed', correlationId, clientCorrelationId: null });
  });

  test('then nobody but an admin may read the trail', async () => {
    const customer = await registerCustomer(platform);
    const asCustomer = await platform.gql(TRAIL, { c: 'anything-at-all' }, { token: customer.accessToken });
    expect(asCustomer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(asCustomer.data).toBeNull();
    const anonymous = await platform.gql(TRAIL, { c: 'anything-at-all' });
    expect(['FORBIDDEN', 'UNAUTHENTICATED']).toContain(anonymous.errors?.[0]?.extensions?.code);
  });
});

describe('when a customer subscribes', () => {
  test('then the subscription is in the request logs like any other operation', async () => {
    const customer = await registerCustomer(platform);
    const client = createClient({
      url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${customer.accessToken}` },
    });
    try {
      client.subscribe({ query: 'subscription Follow { orderStatusChanged { id } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
      const logs = await eventually(async () => {
        const result = await platform.gql('query($u: ID!) { requestLogs(filter: { userId: $u, operationName: "Follow" }) { edges { node { operationType outcome userId } } } }', { u: customer.id }, { token: adminToken });
        const edges = result.data?.requestLogs.edges;
        return edges?.length ? edges : undefined;
      }, 10_000, 'the subscription\'s request log');
      expect(logs[0].node).toEqual({ operationType: 'SUBSCRIPTION', outcome: 'SUCCESS', userId: customer.id });
    } finally {
      await client.dispose();
    }
  });
});
