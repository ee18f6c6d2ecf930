// Signs access tokens: ES256, `kid` and `typ: at+jwt` in the header, and every claim the gateway checks.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Account } from '../domain/account';
import { SIGNING_ALG, type KeyRing } from './signing-keys';

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export class AccessTokenIssuer {
  constructor(private readonly keys: KeyRing, readonly settings: AccessTokenSettings) {}

  async issue(account: Pick<Account, 'id' | 'roles' | 'guest' | 'rolesVersion'>, sessionId: string): Promise<string> {
    const key = this.keys.active;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sid: sessionId, roles: account.roles, guest: account.guest, rv: account.rolesVersion })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setSubject(account.id)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + this.settings.ttlSeconds)
      .setJti(randomUUID())
      .sign(key.privateKey);
  }
}
