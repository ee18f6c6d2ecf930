// The keys that sign access tokens. Given by AUTH_SIGNING_KEYS (production: from a secret store) or,
// when not given, generated on first start and kept in Postgres. The newest key signs; every key not
// yet retired stays in the JWKS, so tokens signed before a rotation keep verifying until they expire.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { DataSource } from 'typeorm';
import { z } from 'zod';

export const SIGNING_ALG = 'ES256';

export const privateJwkSchema = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
  kid: z.string().min(1),
}).passthrough();
export type PrivateJwk = z.infer<typeof privateJwkSchema>;

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

const publicPart = (jwk: PrivateJwk): JWK => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: jwk.kid, alg: SIGNING_ALG, use: 'sig' });

async function toSigningKey(jwk: PrivateJwk): Promise<SigningKey> {
  const privateKey = await importJWK({ ...jwk, alg: SIGNING_ALG }, SIGNING_ALG) as CryptoKey;
  return { kid: jwk.kid, privateKey, publicJwk: publicPart(jwk) };
}

export async function generatePrivateJwk(): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return privateJwkSchema.parse({ ...jwk, kid: `${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}` });
}

/** Where the keys come from: a fixed list, or the `signing_keys` table. */
export interface KeySource {
  /** Newest first. */
  load(): Promise<PrivateJwk[]>;
}

export class ConfiguredKeys implements KeySource {
  constructor(private readonly keys: PrivateJwk[]) {
    if (keys.length === 0) throw new Error('AUTH_SIGNING_KEYS must hold at least one key');
  }
  async load(): Promise<PrivateJwk[]> { return this.keys; }
}

export class StoredKeys implements KeySource {
  constructor(private readonly dataSource: DataSource) {}

  async load(): Promise<PrivateJwk[]> {
    const keys = await this.live();
    if (keys.length > 0) return keys;
    // First start: one replica makes the key, the others wait on the lock and then read it.
    return this.dataSource.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('auth:signing-keys'))");
      const again = await this.live(tx);
      if (again.length > 0) return again;
      const jwk = await generatePrivateJwk();
      await tx.query('INSERT INTO signing_keys (kid, private_jwk, public_jwk) VALUES ($1, $2, $3)', [jwk.kid, jwk, publicPart(jwk)]);
      return [jwk];
    });
  }

  /**
   * Adds a new signing key and retires all but the newest `keep` keys (the new one and the one
   * before it, whose tokens are still live). Returns the new key's id.
   */
  async rotate(keep = 2): Promise<string> {
    const jwk = await generatePrivateJwk();
    await this.dataSource.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('auth:signing-keys'))");
      await tx.query('INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at) VALUES ($1, $2, $3, clock_timestamp())', [jwk.kid, jwk, publicPart(jwk)]);
      await tx.query(
        `UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL AND kid NOT IN (
           SELECT kid FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT $1)`, [keep],
      );
    });
    return jwk.kid;
  }

  private async live(manager = this.dataSource.manager): Promise<PrivateJwk[]> {
    const rows: { private_jwk: unknown }[] = await manager.query(
      'SELECT private_jwk FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC',
    );
    return rows.map((row) => privateJwkSchema.parse(row.private_jwk));
  }
}

/** The keys in use, reloaded from their source now and then so a rotation reaches running replicas. */
export class KeyRing {
  private keys: SigningKey[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly source: KeySource) {}

  async start(reloadEveryMs = 60_000): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => { this.reload().catch(() => undefined); }, reloadEveryMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async reload(): Promise<void> {
    const jwks = await this.source.load();
    this.keys = await Promise.all(jwks.map(toSigningKey));
  }

  get active(): SigningKey {
    const key = this.keys[0];
    if (!key) throw new Error('no signing key loaded');
    return key;
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }
}
