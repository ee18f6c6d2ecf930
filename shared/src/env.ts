// Reads process.env once, through a zod schema, and refuses to start with a list of every problem.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const nodeEnv = z.enum(['development', 'test', 'production']).default('development');

/**
 * A process's own NATS user (see nats-permissions.ts): `user:password`, or `file:/path` holding that
 * (a mounted secret). Unset: the server accepts anyone, as a development or CI server does.
 */
export const natsCredentials = z.string().transform((v) => readKeyMaterial(v).trim())
  .pipe(z.string().regex(/^[a-z]+:\S+$/, 'expected user:password'))
  .transform((v) => ({ user: v.slice(0, v.indexOf(':')), password: v.slice(v.indexOf(':') + 1) }))
  .optional();

/** Settings every service shares: where Postgres and NATS are, and how to name what it creates there. */
export const baseEnvShape = {
  NODE_ENV: nodeEnv,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/desk'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /** Prefix of every NATS subject and stream this deployment uses; tests give each run its own. */
  NATS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('desk'),
  NATS_CREDENTIALS: natsCredentials,
  /** PEM (SPKI) of the gateway's public key, used to check the identity it passes to subgraphs. */
  INTERNAL_JWT_PUBLIC_KEY: z.string().min(1).transform(readKeyMaterial),
};

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

/** Parses `source` with `schema`; throws an EnvError naming every bad or missing variable. */
export function parseEnv<S extends z.ZodType>(schema: S, source: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  throw new EnvError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}

/** For a process's main: parse or print the problems and exit. */
export function loadEnv<S extends z.ZodType>(schema: S): z.infer<S> {
  try {
    return parseEnv(schema);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/** A secret that must be given in production but may fall back to a development value elsewhere. */
export function requiredInProduction<T extends Record<string, unknown>>(env: T & { NODE_ENV: string }, keys: (keyof T)[]): string[] {
  if (env.NODE_ENV !== 'production') return [];
  return keys.filter((k) => env[k] === undefined || env[k] === '').map((k) => `${String(k)}: required in production`);
}

/** Key material given inline (PEM or JSON) or as `file:/path/to/key` (for mounted secrets). */
export function readKeyMaterial(value: string): string {
  return value.startsWith('file:') ? readFileSync(value.slice('file:'.length), 'utf8') : value.replace(/\\n/g, '\n');
}
