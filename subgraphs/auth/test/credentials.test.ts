// What the auth subgraph accepts as an email, password, name, locale or token, and what it refuses.
import { AppError } from '@desk/shared';
import { checkPassword, looksLikeToken, normalizeEmail, normalizeLocale, normalizeName } from '../src/domain/credentials';
import { hashSecretToken, newSecretToken } from '../src/domain/secret-token';
import { hashPassword, verifyPassword } from '../src/domain/password';

const refusal = (fn: () => unknown) => {
  try { fn(); } catch (error) { return error instanceof AppError ? { code: error.extensions.code, field: error.extensions.field } : error; }
  return null;
};

describe('when credentials are checked', () => {
  test('then emails are trimmed and lower-cased, and malformed ones name their field', () => {
    expect(normalizeEmail('  Ana.Souza@Example.COM ')).toBe('ana.souza@example.com');
    expect(refusal(() => normalizeEmail('ana@'))).toEqual({ code: 'BAD_USER_INPUT', field: 'email' });
    expect(refusal(() => normalizeEmail(`${'a'.repeat(250)}@x.io`))).toEqual({ code: 'BAD_USER_INPUT', field: 'email' });
  });

  test('then passwords between 10 and 256 characters pass', () => {
    expect(checkPassword('x'.repeat(10))).toHaveLength(10);
    expect(refusal(() => checkPassword('x'.repeat(9), 'newPassword'))).toEqual({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    expect(refusal(() => checkPassword('x'.repeat(257)))).toEqual({ code: 'BAD_USER_INPUT', field: 'password' });
  });

  test('then names are trimmed with inner spaces collapsed, and empty or long ones refused', () => {
    expect(normalizeName('  Ana   Souza ')).toBe('Ana Souza');
    expect(refusal(() => normalizeName(' \t '))).toEqual({ code: 'BAD_USER_INPUT', field: 'name' });
    expect(refusal(() => normalizeName('x'.repeat(101)))).toEqual({ code: 'BAD_USER_INPUT', field: 'name' });
  });

  test('then the locale defaults to en and only offered ones pass', () => {
    expect(normalizeLocale(undefined)).toBe('en');
    expect(normalizeLocale('pt-BR')).toBe('pt-BR');
    expect(refusal(() => normalizeLocale('fr'))).toEqual({ code: 'BAD_USER_INPUT', field: 'locale' });
  });
});

describe('when secrets are made', () => {
  test('then each is 256 random bits, only its hash is kept, and only its shape passes the pre-check', () => {
    const a = newSecretToken();
    const b = newSecretToken();
    expect(a.token).not.toBe(b.token);
    expect(looksLikeToken(a.token)).toBe(true);
    expect(a.hash).toBe(hashSecretToken(a.token));
    expect(a.hash).not.toContain(a.token);
    expect(looksLikeToken(`${a.token}x`)).toBe(false);
    expect(looksLikeToken("' OR 1=1 --")).toBe(false);
  });

  test('then a password hash is argon2id and verifies only the same password', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$/);
    await expect(verifyPassword(hash, 'correct horse battery')).resolves.toBe(true);
    await expect(verifyPassword(hash, 'correct horse battery!')).resolves.toBe(false);
    await expect(verifyPassword(null, 'anything at all')).resolves.toBe(false);
  });
});
