// Who is calling. The gateway verifies the client's access token and hands each subgraph a short-lived
// internal token (EdDSA, audience = that subgraph) carrying the same identity; subgraphs trust nothing else.
import { randomUUID } from 'node:crypto';
import { SignJWT, importPKCS8, importSPKI, jwtVerify, type CryptoKey } from 'jose';
import { z } from 'zod';

export const ROLES = ['CUSTOMER', 'AGENT', 'ADMIN'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export interface Viewer {
  /** null for an anonymous caller. */
  readonly userId: string | null;
  readonly roles: readonly Role[];
  readonly sessionId: string | null;
  readonly guest: boolean;
  /** The client's address as the gateway saw it; used for throttling. */
  readonly ip: string | null;
  readonly correlationId: string;
}

export const anonymousViewer = (correlationId: string = randomUUID(), ip: string | null = null): Viewer =>
  ({ userId: null, roles: [], sessionId: null, guest: false, ip, correlationId });

export const isStaff = (viewer: Viewer): boolean => viewer.roles.includes('AGENT') || viewer.roles.includes('ADMIN');
export const isAdmin = (viewer: Viewer): boolean => viewer.roles.includes('ADMIN');

export const INTERNAL_ISSUER = 'desk-gateway';
export const INTERNAL_TOKEN_HEADER = 'x-internal-identity';
const INTERNAL_ALG = 'EdDSA';
export const INTERNAL_TTL_SECONDS = 60;

const internalClaims = z.object({
  sub: z.string().optional(),
  roles: z.array(Role),
  sid: z.string().nullable(),
  guest: z.boolean(),
  ip: z.string().nullable(),
  exp: z.number(),
});

/** Who a viewer is, without the request's correlation id: what an internal token carries. */
export type Identity = Omit<Viewer, 'correlationId'>;

/** A correlation id as callers may give it; anything else is replaced by a fresh one. */
export const CORRELATION_ID = /^[A-Za-z0-9._-]{8,64}$/;
export const correlationIdOr = (given: string | undefined | null): string =>
  given && CORRELATION_ID.test(given) ? given : randomUUID();

export async function importInternalPrivateKey(pem: string): Promise<CryptoKey> {
  return importPKCS8(pem, INTERNAL_ALG);
}
export async function importInternalPublicKey(pem: string): Promise<CryptoKey> {
  return importSPKI(pem, INTERNAL_ALG);
}

/**
 * Gateway side: sign an identity for one subgraph. The token does not name the request (the correlation
 * id travels in its own header), so one token serves all of a session's requests for a while; see
 * InternalTokenSigner.
 */
export async function signInternalToken(key: CryptoKey, identity: Identity, audience: string): Promise<string> {
  const jwt = new SignJWT({ roles: [...identity.roles], sid: identity.sessionId, guest: identity.guest, ip: identity.ip })
    .setProtectedHeader({ alg: INTERNAL_ALG, typ: 'internal+jwt' })
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${INTERNAL_TTL_SECONDS}s`);
  if (identity.userId) jwt.setSubject(identity.userId);
  return jwt.sign(key);
}

/** Subgraph side: the identity and when its token expires (unix seconds), or null when the token is missing, forged, expired or meant for another. */
export async function verifyInternalToken(key: CryptoKey, token: string | undefined, audience: string): Promise<{ identity: Identity; expiresAt: number } | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [INTERNAL_ALG],
      issuer: INTERNAL_ISSUER,
      audience,
      typ: 'internal+jwt',
      requiredClaims: ['exp', 'iat', 'jti'],
      maxTokenAge: `${INTERNAL_TTL_SECONDS}s`,
      clockTolerance: 5,
    });
    const claims = internalClaims.parse(payload);
    // Subgraphs keep a checked identity for the token's life and share it between requests: frozen.
    const identity: Identity = Object.freeze({ userId: claims.sub ?? null, roles: Object.freeze(claims.roles), sessionId: claims.sid, guest: claims.guest, ip: claims.ip });
    return { identity, expiresAt: claims.exp };
  } catch {
    return null;
  }
}
