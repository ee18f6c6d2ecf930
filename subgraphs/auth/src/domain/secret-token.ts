// Opaque secrets (refresh and reset tokens): 256 random bits for the client, only their SHA-256 stored.
import { createHash, randomBytes } from 'node:crypto';

export function newSecretToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashSecretToken(token) };
}

export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
