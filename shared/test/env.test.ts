import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { baseEnvShape, EnvError, parseEnv, readKeyMaterial } from '../src/env';

describe('configuration', () => {
  const schema = z.object({ ...baseEnvShape, PORT: z.coerce.number().int().positive() });

  test('every problem is reported at once', () => {
    try {
      parseEnv(schema, { NODE_ENV: 'staging', PORT: 'abc' });
      throw new Error('should have failed');
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      const problems = (error as EnvError).problems.join('\n');
      expect(problems).toMatch(/NODE_ENV/);
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/INTERNAL_JWT_PUBLIC_KEY/);
    }
  });

  test('defaults fill what is not given', () => {
    const env = parseEnv(schema, { PORT: '4001', INTERNAL_JWT_PUBLIC_KEY: 'pem' });
    expect(env).toMatchObject({ NODE_ENV: 'development', NATS_PREFIX: 'desk', PORT: 4001 });
  });

  test('key material may be inline with escaped newlines', () => {
    expect(readKeyMaterial('-----BEGIN-----\\nabc\\n-----END-----')).toBe('-----BEGIN-----\nabc\n-----END-----');
  });

  test('NATS credentials are a user and a password, inline or from a mounted file, and absent means none', () => {
    const base = { PORT: '4001', INTERNAL_JWT_PUBLIC_KEY: 'pem' };
    expect(parseEnv(schema, base).NATS_CREDENTIALS).toBeUndefined();
    expect(parseEnv(schema, { ...base, NATS_CREDENTIALS: 'ticket:s3cret:with-colon' }).NATS_CREDENTIALS).toEqual({ user: 'ticket', password: 's3cret:with-colon' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'desk-env-'));
    try {
      writeFileSync(path.join(dir, 'nats'), 'email:from-file\n');
      expect(parseEnv(schema, { ...base, NATS_CREDENTIALS: `file:${path.join(dir, 'nats')}` }).NATS_CREDENTIALS).toEqual({ user: 'email', password: 'from-file' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => parseEnv(schema, { ...base, NATS_CREDENTIALS: 'no-password' })).toThrow(/NATS_CREDENTIALS: expected user:password/);
  });
});
