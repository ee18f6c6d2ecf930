// A nats-server of a test's own (2.9+ from the PATH), with one user per service as configured by
// scripts/nats-config.ts, JetStream in a temporary directory; `stop()` ends it and removes the directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { testPort } from '@desk/shared/testing';
import { generateNatsPasswords, natsCredentialsFor, natsServerConfig, type NatsPasswords } from '../../scripts/nats-config';
import type { NatsClientName } from '@desk/shared';

export interface AuthenticatedNats {
  url: string;
  prefix: string;
  passwords: NatsPasswords;
  /** `NATS_CREDENTIALS` of one user. */
  credentials(name: NatsClientName): string;
  stop(): Promise<void>;
}

const answers = (port: number): Promise<boolean> => new Promise((resolve) => {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.once('connect', () => { socket.destroy(); resolve(true); });
  socket.once('error', () => resolve(false));
});

export async function startAuthenticatedNats(prefix: string): Promise<AuthenticatedNats> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'desk-nats-'));
  const passwords = generateNatsPasswords();
  const port = await testPort();
  const config = path.join(dir, 'nats.conf');
  writeFileSync(config, natsServerConfig({ host: '127.0.0.1', port, storeDir: path.join(dir, 'jetstream'), prefix, passwords }));
  const child = spawn('nats-server', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) { child.kill('SIGTERM'); await exited; }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nats-server did not start on ${port}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `nats://127.0.0.1:${port}`, prefix, passwords, credentials: (name) => natsCredentialsFor(passwords, name), stop };
}
