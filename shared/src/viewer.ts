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
const INTERNAL_TTL_SECONDS = 60;

const internalClaims = z.object({
  sub: z.string().optional(),
  roles: z.array(Role),
  sid: z.string().nullable(),
  guest: z.boolean(),
  ip: z.string().nullable(),
  cid: z.string(),
});

export async function importInternalPrivateKey(pem: string): Promise<CryptoKey> {
  return importPKCS8(pem, INTERNAL_ALG);
}
export async function importInternalPublicKey(pem: string): Promise<CryptoKey> {
  return importSPKI(pem, INTERNAL_ALG);
}

/** Gateway side: sign the verified viewer for one subgraph. */
export async function signInternalToken(key: CryptoKey, viewer: Viewer, audience: string): Promise<string> {
  const jwt = new SignJWT({ roles: [...viewer.roles], sid: viewer.sessionId, guest: viewer.guest, ip: viewer.ip, cid: viewer.correlationId })
    .setProtectedHeader({ alg: INTERNAL_ALG, typ: 'internal+jwt' })
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${INTERNAL_TTL_SECONDS}s`);
  if (viewer.userId) jwt.setSubject(viewer.userId);
  return jwt.sign(key);
}

/** Subgraph side: the viewer, or null when the token is missing, forged, expired or meant for another. */
export async function verifyInternalToken(key: CryptoKey, token: string | undefined, audience: string): Promise<Viewer | null> {
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
    return { userId: claims.sub ?? null, roles: claims.roles, sessionId: claims.sid, guest: claims.guest, ip: claims.ip, correlationId: claims.cid };
  } catch {
    return null;
  }
}
