// Makes the gateway's internal Ed25519 key pair once: the gateway signs the identity it passes to
// subgraphs with the private key, subgraphs check it with the public one. Used by `npm start` (into
// .data/keys) and by docker-compose.yml's one-shot `keys` service (into a shared volume).
// Usage: tsx scripts/generate-keys.ts [directory]   (default .data/keys; existing keys are kept)
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PRIVATE_KEY_FILE = 'internal.key.pem';
export const PUBLIC_KEY_FILE = 'internal.pub.pem';

export interface KeyFiles {
  privateKeyPath: string;
  publicKeyPath: string;
  created: boolean;
}

/** Writes the key pair into `dir` unless both files are there already. Files are readable by their owner only. */
export function ensureInternalKeys(dir: string): KeyFiles {
  const privateKeyPath = path.resolve(dir, PRIVATE_KEY_FILE);
  const publicKeyPath = path.resolve(dir, PUBLIC_KEY_FILE);
  if (existsSync(privateKeyPath) && existsSync(publicKeyPath)) return { privateKeyPath, publicKeyPath, created: false };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // The public key first: a crash in between leaves no private key without its public half.
  writeFileSync(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }).toString(), { mode: 0o600 });
  writeFileSync(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  chmodSync(publicKeyPath, 0o600);
  chmodSync(privateKeyPath, 0o600);
  return { privateKeyPath, publicKeyPath, created: true };
}

if (require.main === module) {
  const dir = process.argv[2] ?? path.resolve(__dirname, '..', '.data', 'keys');
  const keys = ensureInternalKeys(dir);
  console.log(`${keys.created ? 'created' : 'kept existing'} ${keys.privateKeyPath} and ${keys.publicKeyPath}`);
}
