// Verifies clients' access tokens against the auth subgraph's JWKS, with every check pinned: algorithm,
// type, issuer, audience, expiry, not-before, issued-at, age, and the session not being revoked.
// A client sends the same token for minutes, and checking its signature is the costliest step of a small
// request, so a verified token is remembered (by the whole token, signature included) for at most a
// minute; its expiry, age and revocation are checked again on every use.
import { createRemoteJWKSet, jwtVerify, errors as joseErrors } from 'jose';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { Role, UnauthenticatedError, type Viewer } from '@desk/shared';
import type { RevocationList } from './revocation.list';

export const ACCESS_TOKEN_ALGORITHMS = ['ES256'];

const claimsSchema = z.object({
  sub: z.string().uuid(),
  sid: z.string().uuid(),
  roles: z.array(Role),
  guest: z.boolean().default(false),
  iat: z.number(),
  exp: z.number(),
  /** The account's roles version when the token was made (tokens made before it existed count as 0). */
  rv: z.number().int().nonnegative().default(0),
});

type Claims = z.infer<typeof claimsSchema>;

/** A verified token: who it is for, and from when to when it holds (unix seconds). */
export interface VerifiedToken { viewer: Viewer; rolesVersion: number; expiresAt: number; }

export interface VerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  clockToleranceSeconds: number;
  /** The time in milliseconds since 1970, for every time check; Date.now unless a test sets the clock. */
  now?: () => number;
}

export interface VerifiedCacheOptions {
  /** Tokens remembered at most (the least recently used go first). */
  capacity?: number;
  /** How long a signature check holds, so that a key withdrawn from the JWKS stops working soon. */
  maxAgeMs?: number;
}

export class AccessTokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private readonly verified: LRUCache<string, Claims>;
  private readonly now: () => number;

  constructor(private readonly options: VerifierOptions, private readonly revocations: RevocationList, cache: VerifiedCacheOptions = {}) {
    this.now = options.now ?? Date.now;
    // Cached; an unknown `kid` triggers a refetch (at most every 30 s), which is how rotation reaches us.
    this.jwks = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });
    this.verified = new LRUCache({
      max: cache.capacity ?? 10_000,
      ttl: cache.maxAgeMs ?? 60_000,
      // A set clock ages the remembered checks too, read afresh on each use; without one the cache keeps
      // its own monotonic clock, which no change of the system time moves.
      ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}),
    });
  }

  /** The viewer for a bearer token; throws UnauthenticatedError for any token that is not good. */
  async verify(token: string, context: { ip: string | null; correlationId: string }): Promise<Viewer> {
    return (await this.check(token, context)).viewer;
  }

  /** As verify, with the token's lifetime: long-lived connections end when it does. */
  async check(token: string, context: { ip: string | null; correlationId: string }): Promise<VerifiedToken> {
    let claims = this.verified.get(token);
    if (!claims || !this.stillValid(claims)) {
      claims = await this.verifyToken(token);
      this.verified.set(token, claims);
    }
    const { sub, sid, roles, guest, rv, exp } = claims;
    if (this.revocations.isRevoked(sub, sid, rv)) throw new UnauthenticatedError('The session has ended');
    return { viewer: { userId: sub, roles, sessionId: sid, guest, ip: context.ip, correlationId: context.correlationId }, rolesVersion: rv, expiresAt: exp };
  }

  /** The time checks jwtVerify made, made again now: expiry, and age (against the token lifetime). */
  private stillValid(claims: Claims): boolean {
    const now = this.now() / 1000;
    const tolerance = this.options.clockToleranceSeconds;
    return claims.exp > now - tolerance && now - claims.iat - tolerance <= this.options.ttlSeconds + tolerance;
  }

  private async verifyToken(token: string): Promise<Claims> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        issuer: this.options.issuer,
        audience: this.options.audience,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'iat', 'nbf', 'sub', 'sid', 'jti'],
        maxTokenAge: `${this.options.ttlSeconds + this.options.clockToleranceSeconds}s`,
        clockTolerance: this.options.clockToleranceSeconds,
        // Without a set clock jose reads the system time itself, once the signature has been checked.
        ...(this.options.now ? { currentDate: new Date(this.options.now()) } : {}),
      }));
    } catch (error) {
      throw new UnauthenticatedError(error instanceof joseErrors.JWTExpired ? 'The access token has expired' : 'The access token is invalid');
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new UnauthenticatedError('The access token is invalid');
    // Shared by every request that presents the token: nothing may change it.
    Object.freeze(claims.data.roles);
    return Object.freeze(claims.data);
  }
}
