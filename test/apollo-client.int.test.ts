// The clients the platform is for: Apollo Client receiving status pushes through the gateway, over
// graphql-ws (GraphQLWsLink) and over HTTP multipart (its HttpLink's own subscription support).
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { eventually } from '@desk/shared/testing';
import { ADMIN, ops, registerCustomer, startPlatform, type Platform } from './support/platform';

let platform: Platform;
let productId: string;
const stops: (() => unknown)[] = [];

beforeAll(async () => {
  platform = await startPlatform();
  const admin = (await platform.gql(ops.login, ADMIN)).data!.login.accessToken;
  productId = (await platform.gql('mutation { createProduct(input: { name: "Mate", priceCents: 1500, currency: "BRL" }) { id } }', {}, { token: admin })).data!.createProduct.id;
});
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await eventually(() => platform.gateway.live.stats.subscribers === 0, 5000, 'the subscribers to be released');
});
afterAll(() => platform?.stop());

const ORDER_STATUS = gql`
  subscription OrderStatus($orderId: ID) { orderStatusChanged(orderId: $orderId) { id status customer { id name } } }
`;
const PLACE = gql`mutation Place($p: ID!) { placeOrder(input: { items: [{ productId: $p, quantity: 2 }] }) { id status totalCents } }`;
const CANCEL = gql`mutation Cancel($o: ID!) { cancelOrder(orderId: $o) { id status } }`;

function apollo(token: string, transport: 'ws' | 'http'): ApolloClient {
  const http = new HttpLink({ uri: platform.gatewayUrl, headers: { authorization: `Bearer ${token}` } });
  let link: ApolloLink = http;
  if (transport === 'ws') {
    const ws = createClient({ url: platform.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });
    stops.push(() => ws.dispose());
    link = ApolloLink.split(({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    }, new GraphQLWsLink(ws), http);
  }
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  stops.push(() => client.stop());
  return client;
}

describe.each(['ws', 'http'] as const)('when Apollo Client subscribes over %s', (transport) => {
  test('then it sees its order change status, with the customer resolved by another subgraph', async () => {
    const customer = await registerCustomer(platform);
    const client = apollo(customer.accessToken, transport);
    const placed = await client.mutate({ mutation: PLACE, variables: { p: productId } });
    const orderId = (placed.data as { placeOrder: { id: string } }).placeOrder.id;

    const seen: unknown[] = [];
    const errors: unknown[] = [];
    const subscription = client.subscribe({ query: ORDER_STATUS, variables: { orderId } }).subscribe({
      next: (result) => { if (result.data) seen.push(result.data); if (result.error) errors.push(result.error); },
      error: (error) => { errors.push(error); },
    });
    stops.push(() => subscription.unsubscribe());
    await eventually(() => platform.gateway.live.stats.subscribers === 1 || errors.length > 0, 5000, 'the subscription');
    expect(errors).toEqual([]);

    await client.mutate({ mutation: CANCEL, variables: { o: orderId } });
    await eventually(() => seen.length > 0 || errors.length > 0, 5000, 'the push');
    expect(errors).toEqual([]);
    expect(seen[0]).toEqual({ orderStatusChanged: { __typename: 'Order', id: orderId, status: 'CANCELLED', customer: { __typename: 'User', id: customer.id, name: customer.name } } });
  });
});
