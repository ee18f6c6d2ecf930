// Redaction of event payloads before they are stored: sensitive keys anywhere, nothing else touched.
import { REDACTED, redact } from '../src/events/redaction';

describe('when a payload carries sensitive keys', () => {
  test('then each is replaced at any depth, in objects and arrays, and the rest is kept as it was', () => {
    const payload = {
      userId: 'u1', resetToken: 'abc', expiresAt: '2026-01-01T00:00:00Z',
      nested: { password: { hash: 'x' }, list: [{ token: 't', keep: 1 }, 'token', null] },
    };
    expect(redact(payload)).toEqual({
      userId: 'u1', resetToken: REDACTED, expiresAt: '2026-01-01T00:00:00Z',
      nested: { password: REDACTED, list: [{ token: REDACTED, keep: 1 }, 'token', null] },
    });
    expect(payload.resetToken).toBe('abc');
  });

  test('then values that are not objects pass through', () => {
    expect(redact('token')).toBe('token');
    expect(redact(null)).toBeNull();
    expect(redact([1, 2])).toEqual([1, 2]);
  });
});
