// The ticket service's copy of who is staff, fed by registrations from auth and role changes from the
// user subgraph. Those come on different subjects, many at a time, a retried one late: whatever the
// order, the copy must hold the newest roles.
import { randomUUID } from 'node:crypto';
import { UserRegistered, UserRolesChanged, type EventDefinition, type PayloadOf } from '@desk/shared';
import { eventually } from '@desk/shared/testing';
import { ASSIGN, code, openTicket, registerUser, startHarness, type Harness, type TestUser } from './harness';

let h: Harness;
let customer: TestUser;
let agent: TestUser;
beforeAll(async () => {
  h = await startHarness();
  [customer, agent] = await Promise.all([registerUser(h), registerUser(h, ['AGENT'])]);
});
afterAll(() => h?.stop());

/** Publishes an event as its owning service's relay would, and waits until its consumer has handled it. */
async function deliver<D extends EventDefinition>(definition: D, payload: PayloadOf<D>): Promise<void> {
  const event = await h.publish(definition, payload);
  await eventually(async () => (await h.sql('SELECT 1 FROM tickets.inbox WHERE event_id = $1', [event.id])).length === 1,
    5000, `${definition.type} handled`);
}

const assign = (ticketId: string, assigneeId: string) => h.gql(ASSIGN, { t: ticketId, a: assigneeId }, agent.viewer);

describe('when role changes reach the ticket service out of order', () => {
  test('then a promotion to ADMIN that comes after its revocation changes nothing, and the user cannot be assigned', async () => {
    const user = await registerUser(h);
    await deliver(UserRolesChanged, { userId: user.id, roles: ['CUSTOMER'], previousRoles: ['ADMIN'], version: 3 });
    await deliver(UserRolesChanged, { userId: user.id, roles: ['ADMIN'], previousRoles: ['CUSTOMER'], version: 2 });

    const ticketId = await openTicket(h, customer.viewer);
    expect(code(await assign(ticketId, user.id))).toBe('BAD_USER_INPUT');
  });

  test('then a newer change after them still applies', async () => {
    const user = await registerUser(h);
    await deliver(UserRolesChanged, { userId: user.id, roles: ['CUSTOMER'], previousRoles: ['AGENT'], version: 2 });
    await deliver(UserRolesChanged, { userId: user.id, roles: ['AGENT'], previousRoles: ['CUSTOMER'], version: 1 });
    await deliver(UserRolesChanged, { userId: user.id, roles: ['AGENT'], previousRoles: ['CUSTOMER'], version: 3 });

    const ticketId = await openTicket(h, customer.viewer);
    expect((await assign(ticketId, user.id)).data?.assignTicket.assignee).toEqual({ id: user.id });
  });
});

describe('when a role change reaches the ticket service before the registration', () => {
  test('then the change is kept and the registration, which is older, does not undo it', async () => {
    const userId = randomUUID();
    await deliver(UserRolesChanged, { userId, roles: ['AGENT'], previousRoles: ['CUSTOMER'], version: 1 });
    await deliver(UserRegistered, {
      userId, email: `person-${userId.slice(0, 8)}@example.com`, name: 'Late Registration', roles: ['CUSTOMER'], guest: false, locale: 'en',
      registeredAt: new Date().toISOString(),
    });

    const ticketId = await openTicket(h, customer.viewer);
    expect((await assign(ticketId, userId)).data?.assignTicket.assignee).toEqual({ id: userId });
  });
});
