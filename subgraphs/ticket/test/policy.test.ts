// The policy table: who may do what to which ticket, and in what capacity they move its status.
import { anonymousViewer, type Role, type Viewer } from '@desk/shared';
import { can, transitionActor, type Action } from '../src/policy';

const ME = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const viewer = (roles: Role[], userId: string | null = ME): Viewer => ({ ...anonymousViewer('test'), userId, roles });

const anonymous = anonymousViewer('test');
const customer = viewer(['CUSTOMER']);
const agent = viewer(['AGENT']);
const admin = viewer(['ADMIN']);

describe('when the policy decides', () => {
  test.each<[string, Viewer, Action, string | undefined, boolean]>([
    ['anonymous reads a ticket', anonymous, 'ticket:read', OTHER, false],
    ['a customer reads their own ticket', customer, 'ticket:read', ME, true],
    ['a customer reads another\'s ticket', customer, 'ticket:read', OTHER, false],
    ['an agent reads another\'s ticket', agent, 'ticket:read', OTHER, true],
    ['an admin reads another\'s ticket', admin, 'ticket:read', OTHER, true],
    ['a customer comments on their own ticket', customer, 'ticket:comment', ME, true],
    ['a customer comments on another\'s ticket', customer, 'ticket:comment', OTHER, false],
    ['an agent comments on another\'s ticket', agent, 'ticket:comment', OTHER, true],
    ['anonymous opens a ticket', anonymous, 'ticket:open', undefined, false],
    ['a customer opens a ticket', customer, 'ticket:open', undefined, true],
    ['a customer lists all tickets', customer, 'ticket:list-all', undefined, false],
    ['an agent lists all tickets', agent, 'ticket:list-all', undefined, true],
    ['a customer assigns a ticket', customer, 'ticket:assign', ME, false],
    ['an agent assigns a ticket', agent, 'ticket:assign', OTHER, true],
    ['an admin assigns a ticket', admin, 'ticket:assign', OTHER, true],
    ['a customer opens a ticket about any order', customer, 'ticket:any-order', undefined, false],
    ['an agent opens a ticket about any order', agent, 'ticket:any-order', undefined, true],
  ])('then %s is %s', (_case, who, action, requesterId, expected) => {
    expect(can(who, action, requesterId ? { requesterId } : undefined)).toBe(expected);
  });

  test('then staff move any ticket as staff, a customer only their own as requester', () => {
    expect(transitionActor(agent, { requesterId: OTHER })).toBe('staff');
    expect(transitionActor(admin, { requesterId: ME })).toBe('staff');
    expect(transitionActor(customer, { requesterId: ME })).toBe('requester');
    expect(transitionActor(customer, { requesterId: OTHER })).toBeNull();
    expect(transitionActor(anonymous, { requesterId: OTHER })).toBeNull();
  });
});
