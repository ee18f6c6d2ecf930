// A ticket's life through the API: opening (with its checks), comments, assignment and status moves,
// each with its history and event, and refused moves that change nothing.
import { randomUUID } from 'node:crypto';
import { TicketAssigned, TicketCommented, TicketOpened, TicketStatusChanged, UserRolesChanged } from '@desk/shared';
import { collectEvents, eventually, testViewer } from '@desk/shared/testing';
import {
  ASSIGN, CHANGE, COMMENT, OPEN, TICKET_FIELDS, code, moveTicket, openTicket, placeOrder, registerUser, startHarness,
  type Harness, type TestUser,
} from './harness';

let h: Harness;
let ana: TestUser;
let bob: TestUser;
let agent: TestUser;
let admin: TestUser;
beforeAll(async () => {
  h = await startHarness();
  [ana, bob, agent, admin] = await Promise.all([
    registerUser(h), registerUser(h), registerUser(h, ['AGENT']), registerUser(h, ['ADMIN']),
  ]);
});
afterAll(() => h?.stop());

const READ = `query($id: ID!) { ticket(id: $id) { ${TICKET_FIELDS} } }`;
const read = async (id: string, viewer = agent.viewer) => (await h.gql(READ, { id }, viewer)).data?.ticket;
const history = (id: string) => h.sql<{ from_status: string | null; to_status: string; actor_id: string }>(
  'SELECT from_status, to_status, actor_id FROM tickets.ticket_status_changes WHERE ticket_id = $1 ORDER BY id', [id],
);

describe('when a customer opens a ticket', () => {
  test('then it is OPEN with trimmed text, NORMAL priority, the customer as requester, and TicketOpened is published', async () => {
    const opened = collectEvents(h.nats, TicketOpened.type);
    const viewer = { ...ana.viewer, correlationId: randomUUID() };
    const result = await h.gql(OPEN, { i: { subject: '  Lid cracked ', description: ' It arrived broken. ' } }, viewer);
    expect(result.errors).toBeUndefined();
    const ticket = result.data?.openTicket;
    expect(ticket).toMatchObject({
      subject: 'Lid cracked', description: 'It arrived broken.', status: 'OPEN', priority: 'NORMAL',
      requester: { id: ana.id }, assignee: null, order: null, comments: [],
    });
    expect(ticket.createdAt).toBe(ticket.updatedAt);
    expect(await history(ticket.id)).toEqual([{ from_status: null, to_status: 'OPEN', actor_id: ana.id }]);
    const event = await eventually(() => opened.events.find((e) => (e.payload as { ticketId: string }).ticketId === ticket.id), 5000, 'TicketOpened');
    opened.stop();
    expect(event.payload).toMatchObject({ requesterId: ana.id, subject: 'Lid cracked', priority: 'NORMAL', orderId: null });
    expect(event).toMatchObject({ correlationId: viewer.correlationId, actorId: ana.id });
  });

  test.each([
    ['a blank subject', { subject: '  ', description: 'x' }, 'subject'],
    ['a subject of 201 characters', { subject: 'x'.repeat(201), description: 'x' }, 'subject'],
    ['an empty description', { subject: 'x', description: '' }, 'description'],
    ['a description of 10001 characters', { subject: 'x', description: 'y'.repeat(10_001) }, 'description'],
    ['an order id that is not a uuid', { subject: 'x', description: 'y', orderId: 'nope' }, 'orderId'],
  ])('then %s is BAD_USER_INPUT naming the field and nothing is stored', async (_case, input, field) => {
    const before = await h.sql<{ n: number }>('SELECT count(*)::int AS n FROM tickets.tickets');
    const result = await h.gql(OPEN, { i: input }, ana.viewer);
    expect(code(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0].extensions?.field).toBe(field);
    expect(await h.sql('SELECT count(*)::int AS n FROM tickets.tickets')).toEqual(before);
  });

  test('then an anonymous caller is UNAUTHENTICATED', async () => {
    expect(code(await h.gql(OPEN, { i: { subject: 'x', description: 'y' } }))).toBe('UNAUTHENTICATED');
  });

  test('then about their own order it links the order', async () => {
    const orderId = await placeOrder(h, ana.id);
    const result = await h.gql(OPEN, { i: { subject: 'Late', description: 'Where is it?', orderId, priority: 'HIGH' } }, ana.viewer);
    expect(result.errors).toBeUndefined();
    expect(result.data?.openTicket).toMatchObject({ order: { id: orderId }, priority: 'HIGH' });
  });

  test('then about an order placed a moment ago whose event is still on its way, it waits for it', async () => {
    const orderId = randomUUID();
    const lookups = () => h.queries.filter((sql) => sql.includes('FROM known_orders WHERE id')).length;
    const before = lookups();
    const opening = h.gql(OPEN, { i: { subject: 'Just ordered', description: 'Wrong size', orderId } }, ana.viewer);
    // The service looks again only after a look that found nothing: the order becomes known after that.
    await eventually(() => lookups() >= before + 2, 5000, 'a second look for the order');
    await h.sql('INSERT INTO tickets.known_orders (id, customer_id) VALUES ($1, $2)', [orderId, ana.id]);
    const result = await opening;
    expect(result.errors).toBeUndefined();
    expect(result.data?.openTicket.order).toEqual({ id: orderId });
  });

  test('then about another customer\'s order it is FORBIDDEN, and about an unknown order NOT_FOUND', async () => {
    const bobsOrder = await placeOrder(h, bob.id);
    expect(code(await h.gql(OPEN, { i: { subject: 'x', description: 'y', orderId: bobsOrder } }, ana.viewer))).toBe('FORBIDDEN');
    const started = Date.now();
    expect(code(await h.gql(OPEN, { i: { subject: 'x', description: 'y', orderId: randomUUID() } }, ana.viewer))).toBe('NOT_FOUND');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
  });

  test('then staff may open one about any order, as its requester themself', async () => {
    const anasOrder = await placeOrder(h, ana.id);
    const result = await h.gql(OPEN, { i: { subject: 'Follow-up', description: 'Checking', orderId: anasOrder } }, agent.viewer);
    expect(result.errors).toBeUndefined();
    expect(result.data?.openTicket).toMatchObject({ requester: { id: agent.id }, order: { id: anasOrder } });
  });
});

describe('when a ticket is worked on from open to closed', () => {
  test('then comments, assignment and each move are stored with their history and events', async () => {
    const statusEvents = collectEvents(h.nats, TicketStatusChanged.type);
    const commentEvents = collectEvents(h.nats, TicketCommented.type);
    const assignEvents = collectEvents(h.nats, TicketAssigned.type);
    const id = await openTicket(h, ana.viewer);

    const assigned = await h.gql(ASSIGN, { t: id, a: agent.id }, admin.viewer);
    expect(assigned.errors).toBeUndefined();
    expect(assigned.data?.assignTicket.assignee).toEqual({ id: agent.id });

    await moveTicket(h, agent.viewer, id, 'IN_PROGRESS');
    await moveTicket(h, agent.viewer, id, 'WAITING_ON_CUSTOMER');

    // Staff writing on a ticket that waits on the customer leaves it waiting.
    const staffComment = await h.gql(COMMENT, { t: id, b: 'Which size did you order?' }, agent.viewer);
    expect(staffComment.errors).toBeUndefined();
    expect(staffComment.data?.addTicketComment).toMatchObject({ body: 'Which size did you order?', author: { id: agent.id } });
    expect((await read(id)).status).toBe('WAITING_ON_CUSTOMER');

    // The requester's answer puts it back in progress.
    const answer = await h.gql(COMMENT, { t: id, b: '  Size M  ' }, ana.viewer);
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.addTicketComment.body).toBe('Size M');
    const afterAnswer = await read(id, ana.viewer);
    expect(afterAnswer.status).toBe('IN_PROGRESS');
    expect(afterAnswer.comments.map((c: { body: string; author: { id: string } }) => [c.body, c.author.id]))
      .toEqual([['Which size did you order?', agent.id], ['Size M', ana.id]]);

    await moveTicket(h, agent.viewer, id, 'RESOLVED');
    await moveTicket(h, ana.viewer, id, 'OPEN');
    await moveTicket(h, ana.viewer, id, 'RESOLVED');
    await moveTicket(h, ana.viewer, id, 'CLOSED');
    expect((await read(id)).status).toBe('CLOSED');

    const expectedMoves = [
      [null, 'OPEN', ana.id], ['OPEN', 'IN_PROGRESS', agent.id], ['IN_PROGRESS', 'WAITING_ON_CUSTOMER', agent.id],
      ['WAITING_ON_CUSTOMER', 'IN_PROGRESS', ana.id], ['IN_PROGRESS', 'RESOLVED', agent.id], ['RESOLVED', 'OPEN', ana.id],
      ['OPEN', 'RESOLVED', ana.id], ['RESOLVED', 'CLOSED', ana.id],
    ];
    expect((await history(id)).map((r) => [r.from_status, r.to_status, r.actor_id])).toEqual(expectedMoves);

    const mine = (events: { payload: unknown }[], key: 'id' | 'ticketId') => events.filter((e) => (e.payload as Record<string, string>)[key] === id);
    const moves = await eventually(() => { const m = mine(statusEvents.events, 'id'); return m.length === 7 && m; }, 5000, 'seven status events');
    expect(moves.map((e) => [(e.payload as { from: string }).from, (e.payload as { to: string }).to])).toEqual(expectedMoves.slice(1).map(([f, t]) => [f, t]));
    expect(moves[0].payload).toMatchObject({ __typename: 'Ticket', requesterId: ana.id, assigneeId: agent.id });
    expect(moves[0]).toMatchObject({ actorId: agent.id, correlationId: expect.any(String) });
    const comments = await eventually(() => { const c = mine(commentEvents.events, 'ticketId'); return c.length === 2 && c; }, 5000, 'two comment events');
    expect(comments.map((e) => (e.payload as { byStaff: boolean }).byStaff)).toEqual([true, false]);
    const assigns = await eventually(() => { const a = mine(assignEvents.events, 'ticketId'); return a.length === 1 && a; }, 5000, 'the assign event');
    expect(assigns[0].payload).toEqual({ ticketId: id, requesterId: ana.id, assigneeId: agent.id });
    for (const c of [statusEvents, commentEvents, assignEvents]) c.stop();
  });

  test('then an agent unassigns with a null assignee', async () => {
    const id = await openTicket(h, ana.viewer);
    await h.gql(ASSIGN, { t: id, a: admin.id }, agent.viewer);
    const result = await h.gql(ASSIGN, { t: id, a: null }, agent.viewer);
    expect(result.errors).toBeUndefined();
    expect(result.data?.assignTicket.assignee).toBeNull();
  });
});

describe('when a move or an assignment is refused', () => {
  test.each([
    ['OPEN', 'WAITING_ON_CUSTOMER', []],
    ['OPEN', 'CLOSED', []],
    ['OPEN', 'OPEN', []],
    ['IN_PROGRESS', 'OPEN', ['IN_PROGRESS']],
    ['CLOSED', 'OPEN', ['RESOLVED', 'CLOSED']],
  ])('then %s → %s is TICKET_INVALID_TRANSITION and the ticket is unchanged', async (from, to, path) => {
    const id = await openTicket(h, ana.viewer);
    for (const step of path) await moveTicket(h, agent.viewer, id, step);
    const before = await read(id);
    const result = await h.gql(CHANGE, { t: id, s: to }, agent.viewer);
    expect(code(result)).toBe('TICKET_INVALID_TRANSITION');
    expect(result.data).toBeNull();
    expect(await read(id)).toEqual(before);
    expect(before.status).toBe(from);
    expect(await history(id)).toHaveLength(path.length + 1);
  });

  test('then a customer moving their own ticket to IN_PROGRESS is FORBIDDEN, and to RESOLVED is allowed', async () => {
    const id = await openTicket(h, ana.viewer);
    expect(code(await h.gql(CHANGE, { t: id, s: 'IN_PROGRESS' }, ana.viewer))).toBe('FORBIDDEN');
    expect((await read(id)).status).toBe('OPEN');
    expect((await h.gql(CHANGE, { t: id, s: 'RESOLVED' }, ana.viewer)).data?.changeTicketStatus.status).toBe('RESOLVED');
  });

  test('then a customer assigning is FORBIDDEN, and an assignee who is not staff or unknown is BAD_USER_INPUT', async () => {
    const id = await openTicket(h, ana.viewer);
    expect(code(await h.gql(ASSIGN, { t: id, a: agent.id }, ana.viewer))).toBe('FORBIDDEN');
    for (const assignee of [bob.id, randomUUID()]) {
      const result = await h.gql(ASSIGN, { t: id, a: assignee }, agent.viewer);
      expect(code(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0].extensions?.field).toBe('assigneeId');
    }
    expect((await read(id)).assignee).toBeNull();
  });

  test('then a user who became an agent may be assigned once UserRolesChanged arrived', async () => {
    const promoted = await registerUser(h);
    const id = await openTicket(h, ana.viewer);
    expect(code(await h.gql(ASSIGN, { t: id, a: promoted.id }, agent.viewer))).toBe('BAD_USER_INPUT');
    await h.publish(UserRolesChanged, { userId: promoted.id, roles: ['AGENT'], previousRoles: ['CUSTOMER'] });
    await eventually(async () => (await h.sql('SELECT roles FROM tickets.known_users WHERE id = $1', [promoted.id]))[0].roles.includes('AGENT'), 5000, 'the new role');
    expect((await h.gql(ASSIGN, { t: id, a: promoted.id }, agent.viewer)).data?.assignTicket.assignee).toEqual({ id: promoted.id });
  });

  test('then a body that is blank is BAD_USER_INPUT and an unknown ticket is NOT_FOUND', async () => {
    const id = await openTicket(h, ana.viewer);
    const blank = await h.gql(COMMENT, { t: id, b: '   ' }, ana.viewer);
    expect(code(blank)).toBe('BAD_USER_INPUT');
    expect(blank.errors?.[0].extensions?.field).toBe('body');
    expect(code(await h.gql(COMMENT, { t: randomUUID(), b: 'hello' }, agent.viewer))).toBe('NOT_FOUND');
    expect(code(await h.gql(CHANGE, { t: randomUUID(), s: 'RESOLVED' }, agent.viewer))).toBe('NOT_FOUND');
  });
});

describe('when two staff move the same ticket at once', () => {
  test('then the moves are serialized: one wins and the other sees its result', async () => {
    const id = await openTicket(h, ana.viewer);
    const other = testViewer(randomUUID(), ['AGENT']);
    const results = await Promise.all([
      h.gql(CHANGE, { t: id, s: 'IN_PROGRESS' }, agent.viewer),
      h.gql(CHANGE, { t: id, s: 'IN_PROGRESS' }, other),
    ]);
    const codes = results.map((r) => code(r) ?? 'ok').sort();
    expect(codes).toEqual(['TICKET_INVALID_TRANSITION', 'ok']);
    expect(await history(id)).toHaveLength(2);
  });
});
