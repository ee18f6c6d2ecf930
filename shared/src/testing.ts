// Test support: every test run gets its own database and NATS prefix, removed afterwards, and its
// own keys. Never imported by production code.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { deleteStreams, ensureStreams, connectNats, type NatsConnection } from './nats';
import { dropDatabase, ensureDatabase } from './db/data-source';

export const TEST_POSTGRES = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_NATS = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export const uniqueName = (label: string): string => `${label}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

export interface TestDatabase { url: string; drop(): Promise<void>; }

export async function createTestDatabase(label = 'desk_test'): Promise<TestDatabase> {
  const url = `${TEST_POSTGRES}/${uniqueName(label).toLowerCase()}`;
  await ensureDatabase(url);
  return { url, drop: () => dropDatabase(url) };
}

export interface TestNats { url: string; prefix: string; nc: NatsConnection; cleanup(): Promise<void>; }

export async function createTestNats(label = 'test'): Promise<TestNats> {
  const prefix = uniqueName(label);
  const nc = await connectNats(TEST_NATS, `test-${prefix}`);
  await ensureStreams(nc, prefix);
  return {
    url: TEST_NATS, prefix, nc,
    async cleanup() {
      await deleteStreams(nc, prefix);
      await nc.close();
    },
  };
}

/** An Ed25519 key pair as PEM: the gateway signs internal identity tokens, subgraphs check them. */
export function generateInternalKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) { lastError = error; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
