// When sign-ins are throttled, and for how long.
import { DEFAULT_THROTTLE, retryAfterSeconds } from '../src/domain/throttle';

const now = new Date('2026-01-01T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
const times = (n: number, secondsAgo: number) => Array.from({ length: n }, () => ago(secondsAgo));

describe('when failed sign-ins are counted', () => {
  test('then fewer than the limit for the account from one address allow another try', () => {
    expect(retryAfterSeconds(DEFAULT_THROTTLE, { accountAndAddress: times(4, 10), address: [] }, now)).toBe(0);
  });

  test('then the limit for the account from one address blocks until the oldest counted failure leaves the window', () => {
    const account = [ago(600), ago(300), ago(200), ago(100), ago(10)];
    expect(retryAfterSeconds(DEFAULT_THROTTLE, { accountAndAddress: account, address: [] }, now)).toBe(900 - 600);
  });

  test('then the limit per address blocks even for an account with no failures', () => {
    expect(retryAfterSeconds(DEFAULT_THROTTLE, { accountAndAddress: [], address: times(30, 60) }, now)).toBe(840);
    expect(retryAfterSeconds(DEFAULT_THROTTLE, { accountAndAddress: [], address: times(29, 60) }, now)).toBe(0);
  });

  test('then the longer of the two waits applies, and a wait is never shorter than a second', () => {
    const blocked = retryAfterSeconds(DEFAULT_THROTTLE, { accountAndAddress: times(5, 899.9), address: times(30, 100) }, now);
    expect(blocked).toBe(800);
    expect(retryAfterSeconds(DEFAULT_THROTTLE, { accountAndAddress: times(5, 899.9), address: [] }, now)).toBe(1);
  });
});
