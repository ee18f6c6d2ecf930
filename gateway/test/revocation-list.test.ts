import { createLogger } from '@desk/shared';
import { RevocationList } from '../src/auth/revocation.list';

const log = createLogger('test', 'silent');
const user = '6f1c7c1e-6a43-4a55-9a7e-0d8a3f3c2b11';

describe('the revocation list', () => {
  test('a revoked session refuses every token of that session and no other', () => {
    const list = new RevocationList(900, log);
    list.revoke({ userId: user, sessionId: 's1', revokedAt: new Date().toISOString() });
    expect(list.isRevoked(user, 's1', 0)).toBe(true);
    expect(list.isRevoked(user, 's2', 0)).toBe(false);
  });

  test('a change of roles refuses the tokens made with older roles, and not those made with the new ones', () => {
    const list = new RevocationList(900, log);
    list.revoke({ userId: user, sessionId: null, revokedAt: new Date().toISOString(), rolesVersion: 2 });
    expect(list.isRevoked(user, 's1', 0)).toBe(true);
    expect(list.isRevoked(user, 's1', 1)).toBe(true);
    expect(list.isRevoked(user, 's1', 2)).toBe(false);
    expect(list.isRevoked('someone-else', 's1', 0)).toBe(false);
  });

  test('an older change of roles arriving late does not undo a newer one', () => {
    const list = new RevocationList(900, log);
    list.revoke({ userId: user, sessionId: null, revokedAt: new Date().toISOString(), rolesVersion: 3 });
    list.revoke({ userId: user, sessionId: null, revokedAt: new Date().toISOString(), rolesVersion: 2 });
    expect(list.isRevoked(user, 's', 2)).toBe(true);
  });

  test('each revocation is announced to listeners, which long-lived connections use to end at once', () => {
    const list = new RevocationList(900, log);
    let calls = 0;
    const stop = list.onRevoke(() => { calls += 1; });
    list.revoke({ userId: user, sessionId: 's1', revokedAt: new Date().toISOString() });
    stop();
    list.revoke({ userId: user, sessionId: 's2', revokedAt: new Date().toISOString() });
    expect(calls).toBe(1);
  });
});
