import { createLogger } from '@desk/shared';
import { RevocationList } from '../src/auth/revocation.list';

const log = createLogger('test', 'silent');
const user = '6f1c7c1e-6a43-4a55-9a7e-0d8a3f3c2b11';

describe('the revocation list', () => {
  test('a revoked session refuses every token of that session and no other', () => {
    const list = new RevocationList(900, log);
    list.revoke({ userId: user, sessionId: 's1', revokedAt: new Date().toISOString() });
    expect(list.isRevoked(user, 's1', Math.floor(Date.now() / 1000) + 100)).toBe(true);
    expect(list.isRevoked(user, 's2', Math.floor(Date.now() / 1000))).toBe(false);
  });

  test('a user-wide revocation refuses tokens issued up to then, and not later ones', () => {
    const list = new RevocationList(900, log);
    const at = Date.parse('2026-01-01T00:00:10.500Z');
    list.revoke({ userId: user, sessionId: null, revokedAt: new Date(at).toISOString() });
    expect(list.isRevoked(user, 's1', at / 1000 - 60)).toBe(true);
    expect(list.isRevoked(user, 's1', Math.floor(at / 1000))).toBe(true);
    expect(list.isRevoked(user, 's1', Math.floor(at / 1000) + 1)).toBe(false);
    expect(list.isRevoked('someone-else', 's1', at / 1000 - 60)).toBe(false);
  });

  test('an older user-wide revocation arriving late does not undo a newer one', () => {
    const list = new RevocationList(900, log);
    list.revoke({ userId: user, sessionId: null, revokedAt: '2026-01-01T00:10:00.000Z' });
    list.revoke({ userId: user, sessionId: null, revokedAt: '2026-01-01T00:05:00.000Z' });
    expect(list.isRevoked(user, 's', Date.parse('2026-01-01T00:08:00.000Z') / 1000)).toBe(true);
  });
});
