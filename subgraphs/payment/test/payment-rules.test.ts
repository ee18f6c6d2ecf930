// What a provider's outcome does to a payment in each state, and who may do what with payments.
import { anonymousViewer, type Role, type Viewer } from '@desk/shared';
import { statusAfter, type PaymentOutcome, type PaymentStatus } from '../src/domain/payment';
import { can, type Action } from '../src/policy';

describe('when a provider reports an outcome', () => {
  test.each<[PaymentStatus, PaymentOutcome, PaymentStatus | null]>([
    ['PENDING', 'succeeded', 'SUCCEEDED'],
    ['PENDING', 'failed', 'FAILED'],
    ['FAILED', 'succeeded', 'SUCCEEDED'],
    ['FAILED', 'failed', null],
    ['SUCCEEDED', 'failed', null],
    ['SUCCEEDED', 'succeeded', null],
    ['REFUNDED', 'succeeded', null],
    ['REFUNDED', 'failed', null],
  ])('then a %s payment told %s becomes %s (null: unchanged)', (current, outcome, expected) => {
    expect(statusAfter(current, outcome)).toBe(expected);
  });
});

const OWNER = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const viewer = (roles: Role[], userId: string | null = OWNER): Viewer => ({ ...anonymousViewer('test'), userId, roles });

describe('when the policy decides', () => {
  test.each<[string, Viewer, Action, boolean]>([
    ['the owner reads their payment', viewer(['CUSTOMER']), 'payment:read', true],
    ['a guest owner reads their payment', { ...viewer(['CUSTOMER']), guest: true }, 'payment:read', true],
    ['another customer reads it', viewer(['CUSTOMER'], OTHER), 'payment:read', false],
    ['anonymous reads it', anonymousViewer('test'), 'payment:read', false],
    ['an agent reads it', viewer(['AGENT'], OTHER), 'payment:read', true],
    ['the owner starts paying', viewer(['CUSTOMER']), 'payment:start', true],
    ['another customer starts paying', viewer(['CUSTOMER'], OTHER), 'payment:start', false],
    ['the owner refunds', viewer(['CUSTOMER']), 'payment:refund', false],
    ['an agent refunds', viewer(['AGENT'], OTHER), 'payment:refund', true],
    ['an admin refunds', viewer(['ADMIN'], OTHER), 'payment:refund', true],
  ])('then %s: %s', (_case, who, action, expected) => {
    expect(can(who, action, { customerId: OWNER })).toBe(expected);
  });
});
