// The policy table: who may do what to which user.
import { anonymousViewer, type Role, type Viewer } from '@desk/shared';
import { can, type Action } from '../src/policy';

const ME = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const viewer = (roles: Role[], userId: string | null = ME): Viewer => ({ ...anonymousViewer('test'), userId, roles });

const anonymous = anonymousViewer('test');
const customer = viewer(['CUSTOMER']);
const agent = viewer(['AGENT']);
const admin = viewer(['ADMIN']);

describe('when the policy decides', () => {
  test.each<[string, Viewer, Action, string | undefined, boolean]>([
    ['anonymous reads a user', anonymous, 'user:read', OTHER, false],
    ['a customer reads themself', customer, 'user:read', ME, true],
    ['a customer reads another', customer, 'user:read', OTHER, false],
    ['an agent reads another', agent, 'user:read', OTHER, true],
    ['an admin reads another', admin, 'user:read', OTHER, true],
    ['anonymous sees private fields', anonymous, 'user:read-private', OTHER, false],
    ['a customer sees their own private fields', customer, 'user:read-private', ME, true],
    ['a customer sees another\'s private fields', customer, 'user:read-private', OTHER, false],
    ['an agent sees another\'s private fields', agent, 'user:read-private', OTHER, true],
    ['anonymous lists users', anonymous, 'user:list', undefined, false],
    ['a customer lists users', customer, 'user:list', undefined, false],
    ['an agent lists users', agent, 'user:list', undefined, true],
    ['an admin lists users', admin, 'user:list', undefined, true],
    ['a customer updates their profile', customer, 'user:update-profile', ME, true],
    ['a customer updates another profile', customer, 'user:update-profile', OTHER, false],
    ['an admin updates another profile', admin, 'user:update-profile', OTHER, false],
    ['anonymous updates a profile', anonymous, 'user:update-profile', ME, false],
    ['a customer sets roles', customer, 'user:set-roles', ME, false],
    ['an agent sets roles', agent, 'user:set-roles', OTHER, false],
    ['an admin sets roles', admin, 'user:set-roles', OTHER, true],
    ['anonymous sets roles', anonymous, 'user:set-roles', OTHER, false],
  ])('then %s', (_case, who, action, id, expected) => {
    expect(can(who, action, id ? { id } : undefined)).toBe(expected);
  });
});
