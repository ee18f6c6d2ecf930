// Internal tokens made once and used many times. Signing one (gateway) and checking one (subgraph) are
// the costliest steps of a subgraph call, so a token is made per identity and subgraph, not per request:
// the gateway reuses it while at least half its lifetime is left, and a subgraph remembers the tokens
// it has checked until they expire. Both caches are keyed by everything the token says (the subgraph's
// by the token itself, signature included), so a request can only ever be given its own identity.
import { LRUCache } from 'lru-cache';
import type { CryptoKey } from 'jose';
import { INTERNAL_TTL_SECONDS, signInternalToken, verifyInternalToken, type Identity, type Viewer } from './viewer';

export interface TokenCacheOptions {
  /** Identities (gateway) or tokens (subgraph) remembered at most; the least recently used go first. */
  capacity?: number;
  /** Milliseconds since the epoch; replaced in tests. */
  now?: () => number;
}

const identityKey = (identity: Identity, audience: string): string =>
  JSON.stringify([audience, identity.userId, identity.sessionId, identity.roles, identity.guest, identity.ip]);

/** Gateway side: the token for a viewer and a subgraph, signed at most once per half lifetime. */
export class InternalTokenSigner {
  private readonly tokens: LRUCache<string, Promise<string>>;

  constructor(private readonly key: CryptoKey, options: TokenCacheOptions = {}) {
    this.tokens = new LRUCache({
      max: options.capacity ?? 10_000,
      ttl: (INTERNAL_TTL_SECONDS / 2) * 1000,
      ttlResolution: 0,
      ...(options.now ? { perf: { now: options.now } } : {}),
    });
  }

  tokenFor(viewer: Viewer, audience: string): Promise<string> {
    const key = identityKey(viewer, audience);
    let token = this.tokens.get(key);
    if (!token) {
      token = signInternalToken(this.key, viewer, audience);
      this.tokens.set(key, token);
      token.catch(() => this.tokens.delete(key));
    }
    return token;
  }
}

/** Subgraph side: the viewer an internal token names, checked once per token and trusted until it expires. */
export class InternalTokenVerifier {
  private readonly identities: LRUCache<string, Identity>;
  private readonly now: () => number;

  constructor(private readonly key: CryptoKey, private readonly audience: string, options: TokenCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    this.identities = new LRUCache({ max: options.capacity ?? 10_000, ttl: INTERNAL_TTL_SECONDS * 1000, ttlResolution: 0, perf: { now: this.now } });
  }

  /** The viewer, or null when the token is missing, forged, expired or meant for another subgraph. */
  async viewerFor(token: string | undefined, correlationId: string): Promise<Viewer | null> {
    if (!token) return null;
    let identity = this.identities.get(token);
    if (!identity) {
      const verified = await verifyInternalToken(this.key, token, this.audience);
      if (!verified) return null;
      const left = verified.expiresAt * 1000 - this.now();
      if (left <= 0) return null;
      identity = verified.identity;
      this.identities.set(token, identity, { ttl: left });
    }
    return { ...identity, correlationId };
  }
}
