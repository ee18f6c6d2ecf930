// The auth subgraph's configuration, read once from the environment.
import { baseEnvShape, readKeyMaterial } from '@desk/shared';
import { z } from 'zod';
import { privateJwkSchema } from './keys/signing-keys';

const signingKeys = z.string().transform((value, ctx) => {
  try {
    return z.array(privateJwkSchema).min(1).parse(JSON.parse(readKeyMaterial(value)));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of private EC P-256 JWKs, each with a kid; the first one signs' });
    return z.NEVER;
  }
});

export const authEnvSchema = z.object({
  ...baseEnvShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(4001),
  JWT_ISSUER: z.string().url().default('http://127.0.0.1:4001'),
  JWT_AUDIENCE: z.string().min(1).default('desk-api'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  PASSWORD_RESET_TTL_MINUTES: z.coerce.number().int().min(5).max(24 * 60).default(30),
  /** Signing keys from a secret store; without it, a key is generated on first start and kept in Postgres. */
  AUTH_SIGNING_KEYS: signingKeys.optional(),
  ADMIN_EMAIL: z.string().email().optional(),
  ADMIN_PASSWORD: z.string().min(10).optional(),
  LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: z.coerce.number().int().min(1).default(5),
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(30),
  LOGIN_THROTTLE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(15 * 60),
}).superRefine((env, ctx) => {
  if ((env.ADMIN_EMAIL === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: 'ADMIN_EMAIL and ADMIN_PASSWORD are given together' });
  }
  if (env.NODE_ENV === 'production' && !env.AUTH_SIGNING_KEYS) {
    ctx.addIssue({ code: 'custom', path: ['AUTH_SIGNING_KEYS'], message: 'required in production (keys belong in a secret store, not the database)' });
  }
});

export type AuthEnv = z.infer<typeof authEnvSchema>;
