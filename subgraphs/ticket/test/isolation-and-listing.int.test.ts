// Who sees which tickets: customers only their own, staff all; and listing with filters, newest
// first, page by page.
import { randomUUID } from 'node:crypto';
import { testViewer, type GqlResponse } from '@desk/shared/testing';
import {
  ASSIGN, CHANGE, COMMENT, code, moveTicket, openTicket, placeOrder, registerUser, startHarness,
  type Harness, type TestUser,
} from './harness';

let h: Harness;
let ana: TestUser;
let bob: TestUser;
let agent: TestUser;
beforeAll(async () => {
  h = await startHarness();
  [ana, bob, agent] = await Promise.all([registerUser(h), registerUser(h), registerUser(h, ['AGENT'])]);
});
afterAll(() => h?.stop());

const READ = 'query($id: ID!) { ticket(id: $id) { id subject } }';
const LIST = `query($f: TicketFilter, $first: Int, $after: String) {
  tickets(filter: $f, first: $first, after: $after) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const ids = (response: GqlResponse): string[] | undefined => response.data?.tickets.edges.map((e: { node: { id: string } }) => e.node.id);

describe('when a second customer reaches for someone else\'s ticket', () => {
  let anasTicket: string;
  beforeAll(async () => { anasTicket = await openTicket(h, ana.viewer, { subject: 'Private matter' }); });

  test('then reading it is FORBIDDEN and its subject does not leak', async () => {
    const response = await h.gql(READ, { id: anasTicket }, bob.viewer);
    expect(code(response)).toBe('FORBIDDEN');
    expect(JSON.stringify(response.data ?? null)).not.toContain('Private matter');
  });

  test('then commenting, moving and assigning it are FORBIDDEN and change nothing', async () => {
    expect(code(await h.gql(COMMENT, { t: anasTicket, b: 'hi' }, bob.viewer))).toBe('FORBIDDEN');
    expect(code(await h.gql(CHANGE, { t: anasTicket, s: 'RESOLVED' }, bob.viewer))).toBe('FORBIDDEN');
    expect(code(await h.gql(ASSIGN, { t: anasTicket, a: agent.id }, bob.viewer))).toBe('FORBIDDEN');
    const [row] = await h.sql('SELECT status, assignee_id FROM tickets.tickets WHERE id = $1', [anasTicket]);
    expect(row).toEqual({ status: 'OPEN', assignee_id: null });
    expect(await h.sql('SELECT 1 FROM tickets.ticket_comments WHERE ticket_id = $1', [anasTicket])).toHaveLength(0);
  });

  test('then their own list, a filter on her, and her User.tickets are empty for them', async () => {
    const own = await h.gql(LIST, {}, bob.viewer);
    expect(own.errors).toBeUndefined();
    expect(ids(own)).not.toContain(anasTicket);
    const filtered = await h.gql(LIST, { f: { requesterId: ana.id } }, bob.viewer);
    expect(filtered.data?.tickets).toMatchObject({ totalCount: 0, edges: [] });
    const entities = await h.gql('query($r: [_Any!]!) { _entities(representations: $r) { ... on User { tickets { totalCount edges { node { id } } } } } }',
      { r: [{ __typename: 'User', id: ana.id }] }, bob.viewer);
    expect(entities.errors).toBeUndefined();
    expect(entities.data?._entities[0].tickets).toEqual({ totalCount: 0, edges: [] });
  });

  test('then staff read it, and an anonymous caller is UNAUTHENTICATED', async () => {
    expect((await h.gql(READ, { id: anasTicket }, agent.viewer)).data?.ticket).toEqual({ id: anasTicket, subject: 'Private matter' });
    expect((await h.gql(READ, { id: anasTicket }, testViewer(randomUUID(), ['ADMIN']))).data?.ticket.id).toBe(anasTicket);
    expect(code(await h.gql(READ, { id: anasTicket }))).toBe('UNAUTHENTICATED');
    expect(code(await h.gql(LIST, {}))).toBe('UNAUTHENTICATED');
  });

  test('then an unknown id is null and a malformed one BAD_USER_INPUT', async () => {
    const unknown = await h.gql(READ, { id: randomUUID() }, agent.viewer);
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data?.ticket).toBeNull();
    expect(code(await h.gql(READ, { id: 'nope' }, agent.viewer))).toBe('BAD_USER_INPUT');
  });
});

describe('when tickets are listed with filters', () => {
  test('then each filter narrows the list, a customer\'s only within their own, and totalCount follows', async () => {
    const carla = await registerUser(h);
    const dan = await registerUser(h);
    const order = await placeOrder(h, carla.id);
    const urgent = await openTicket(h, carla.viewer, { priority: 'URGENT', orderId: order });
    const low = await openTicket(h, carla.viewer, { priority: 'LOW' });
    const dans = await openTicket(h, dan.viewer, { priority: 'URGENT' });
    await moveTicket(h, agent.viewer, low, 'IN_PROGRESS');
    await h.gql(ASSIGN, { t: dans, a: agent.id }, agent.viewer);

    const staff = async (f: object) => {
      const response = await h.gql(LIST, { f }, agent.viewer);
      expect(response.errors).toBeUndefined();
      return { ids: ids(response), total: response.data?.tickets.totalCount };
    };
    expect(await staff({ requesterId: carla.id })).toEqual({ ids: [low, urgent], total: 2 });
    expect(await staff({ requesterId: carla.id, priority: ['URGENT', 'HIGH'] })).toEqual({ ids: [urgent], total: 1 });
    expect(await staff({ requesterId: carla.id, status: ['IN_PROGRESS'] })).toEqual({ ids: [low], total: 1 });
    expect(await staff({ orderId: order })).toEqual({ ids: [urgent], total: 1 });
    expect((await staff({ assigneeId: agent.id })).ids).toContain(dans);
    expect((await staff({ priority: ['URGENT'] })).ids).toEqual(expect.arrayContaining([urgent, dans]));

    const customer = await h.gql(LIST, { f: { priority: ['URGENT'] } }, carla.viewer);
    expect(ids(customer)).toEqual([urgent]);
    expect(customer.data?.tickets.totalCount).toBe(1);
    expect(ids(await h.gql(LIST, {}, carla.viewer))).toEqual([low, urgent]);
  });

  test('then a malformed id in a filter is BAD_USER_INPUT naming it', async () => {
    const response = await h.gql(LIST, { f: { assigneeId: 'x' } }, agent.viewer);
    expect(code(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0].extensions?.field).toBe('filter.assigneeId');
  });
});

describe('when someone pages through tickets', () => {
  test('then pages come newest first, without gaps or repeats, with cursors and a constant totalCount', async () => {
    const erin = await registerUser(h);
    const opened: string[] = [];
    for (let i = 0; i < 7; i++) opened.push(await openTicket(h, erin.viewer));
    // Two tickets sharing an instant: the id must break the tie.
    await h.sql('UPDATE tickets.tickets SET created_at = (SELECT created_at FROM tickets.tickets WHERE id = $1) WHERE id = $2', [opened[3], opened[4]]);
    const expected = (await h.sql<{ id: string }>(
      'SELECT id FROM tickets.tickets WHERE requester_id = $1 ORDER BY created_at DESC, id DESC', [erin.id],
    )).map((r) => r.id);
    expect(new Set(expected)).toEqual(new Set(opened));

    const seen: string[] = [];
    let after: string | null = null;
    const pages: { hasNextPage: boolean; hasPreviousPage: boolean }[] = [];
    for (let page = 0; page < 3; page++) {
      const response: GqlResponse = await h.gql(LIST, { f: { requesterId: erin.id }, first: 3, after }, erin.viewer);
      expect(response.errors).toBeUndefined();
      const connection: { totalCount: number; edges: { cursor: string }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string } } = response.data?.tickets;
      expect(connection.totalCount).toBe(7);
      seen.push(...ids(response)!);
      pages.push({ hasNextPage: connection.pageInfo.hasNextPage, hasPreviousPage: connection.pageInfo.hasPreviousPage });
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor);
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(pages).toEqual([
      { hasNextPage: true, hasPreviousPage: false }, { hasNextPage: true, hasPreviousPage: true }, { hasNextPage: false, hasPreviousPage: true },
    ]);

    const userTickets = await h.gql('query($r: [_Any!]!) { _entities(representations: $r) { ... on User { tickets(first: 2) { totalCount edges { node { id } } pageInfo { hasNextPage } } } } }',
      { r: [{ __typename: 'User', id: erin.id }] }, erin.viewer);
    expect(userTickets.data?._entities[0].tickets).toEqual({
      totalCount: 7, edges: expected.slice(0, 2).map((id) => ({ node: { id } })), pageInfo: { hasNextPage: true },
    });
  });

  test('then a bad cursor or page size is BAD_USER_INPUT', async () => {
    expect(code(await h.gql(LIST, { after: 'garbage' }, agent.viewer))).toBe('BAD_USER_INPUT');
    expect(code(await h.gql(LIST, { first: 0 }, agent.viewer))).toBe('BAD_USER_INPUT');
    expect(code(await h.gql(LIST, { first: 101 }, agent.viewer))).toBe('BAD_USER_INPUT');
  });
});
