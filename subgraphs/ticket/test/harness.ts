// Test support for the ticket subgraph: the running service on its own database and NATS prefix, calls
// signed as the gateway, and users and orders made known the way production does it (UserRegistered
// and OrderPlaced events on NATS).
import { randomUUID } from 'node:crypto';
import { OrderPlaced, UserRegistered, parseEnv, type Role, type Viewer } from '@desk/shared';
import { eventually, startSubgraphHarness, testViewer, type GqlResponse, type SubgraphHarness } from '@desk/shared/testing';
import { startTicketService, type RunningTicketService } from '../src/app';
import { ticketEnvSchema } from '../src/env';

export type Harness = SubgraphHarness<RunningTicketService>;

export const startHarness = (): Promise<Harness> =>
  startSubgraphHarness('ticket', (env, onQuery) => startTicketService(parseEnv(ticketEnvSchema, env), { onQuery }));

export interface TestUser { id: string; roles: Role[]; viewer: Viewer; }

export const code = (response: GqlResponse): unknown => response.errors?.[0]?.extensions?.code;

/** Registers a user through a UserRegistered event and waits until the projection has them. */
export async function registerUser(h: Harness, roles: Role[] = ['CUSTOMER']): Promise<TestUser> {
  const id = randomUUID();
  await h.publish(UserRegistered, {
    userId: id, email: `person-${id.slice(0, 8)}@example.com`, name: `Person ${id.slice(0, 8)}`, roles, guest: false, locale: 'en',
    registeredAt: new Date().toISOString(),
  });
  await eventually(async () => (await h.sql('SELECT 1 FROM tickets.known_users WHERE id = $1', [id])).length > 0, 5000, `known user ${id}`);
  return { id, roles, viewer: testViewer(id, roles) };
}

/** Publishes an OrderPlaced event for `customerId`; waits for the projection unless told not to. */
export async function placeOrder(h: Harness, customerId: string, wait = true): Promise<string> {
  const orderId = randomUUID();
  await h.publish(OrderPlaced, {
    orderId, customerId, totalCents: 1_000, currency: 'BRL',
    items: [{ productId: randomUUID(), name: 'Mug', quantity: 1, unitPriceCents: 1_000 }], placedAt: new Date().toISOString(),
  });
  if (wait) await eventually(async () => (await h.sql('SELECT 1 FROM tickets.known_orders WHERE id = $1', [orderId])).length > 0, 5000, `known order ${orderId}`);
  return orderId;
}

export const TICKET_FIELDS = 'id subject description status priority requester { id } assignee { id } order { id } comments { id body author { id } createdAt } createdAt updatedAt';

export const OPEN = `mutation($i: OpenTicketInput!) { openTicket(input: $i) { ${TICKET_FIELDS} } }`;

let counter = 0;
/** Opens a ticket as `viewer` through the API; returns its id. */
export async function openTicket(
  h: Harness, viewer: Viewer, input: { subject?: string; description?: string; priority?: string; orderId?: string } = {},
): Promise<string> {
  counter += 1;
  const result = await h.gql(OPEN, { i: { subject: `Ticket ${counter}`, description: 'Something is wrong.', ...input } }, viewer);
  if (!result.data?.openTicket) throw new Error(JSON.stringify(result.errors));
  return result.data.openTicket.id;
}

export const CHANGE = `mutation($t: ID!, $s: TicketStatus!) { changeTicketStatus(ticketId: $t, status: $s) { id status updatedAt } }`;
export const COMMENT = 'mutation($t: ID!, $b: String!) { addTicketComment(ticketId: $t, body: $b) { id body author { id } createdAt } }';
export const ASSIGN = 'mutation($t: ID!, $a: ID) { assignTicket(ticketId: $t, assigneeId: $a) { id assignee { id } updatedAt } }';

/** Moves a ticket through the API, failing the test when it is refused. */
export async function moveTicket(h: Harness, viewer: Viewer, ticketId: string, status: string): Promise<void> {
  const result = await h.gql(CHANGE, { t: ticketId, s: status }, viewer);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
}
