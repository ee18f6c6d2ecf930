// `npm start` with no NATS on 127.0.0.1:4222 runs its own nats-server: with one user per service,
// their passwords made once and kept in the data directory, and nobody let in without one.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectNats } from '@desk/shared';
import { privateNats } from '../scripts/start';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'desk-start-nats-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('when npm start runs its own nats-server', () => {
  test('then a client without credentials is refused, each service connects as itself, and the passwords are kept', async () => {
    const first = await privateNats(dataDir);
    try {
      expect(first?.natsPasswords).toBeDefined();
      await expect(connectNats(first!.url, 'anonymous')).rejects.toThrow(/authorization/i);
      await expect(connectNats(first!.url, 'wrong', { user: 'ticket', password: 'not-its-password' })).rejects.toThrow(/authorization/i);
      const nc = await connectNats(first!.url, 'ticket', { user: 'ticket', password: first!.natsPasswords!.ticket });
      await nc.close();
    } finally {
      await first?.stop?.();
    }
    const file = path.join(dataDir, 'nats-passwords.json');
    expect(statSync(file).mode & 0o077).toBe(0);
    const again = await privateNats(dataDir);
    try {
      expect(again?.natsPasswords).toEqual(first?.natsPasswords);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(first?.natsPasswords);
    } finally {
      await again?.stop?.();
    }
  });
});
