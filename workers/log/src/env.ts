// The log worker's configuration, read once from the environment.
import { baseEnvShape } from '@desk/shared';
import { z } from 'zod';

export const logEnvSchema = z.object({
  ...baseEnvShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(4006),
  /** Rows older than this many days are deleted. */
  LOG_RETENTION_DAYS: z.coerce.number().positive().default(30),
  /** How often the retention sweep runs (it also runs once at start). */
  LOG_RETENTION_SWEEP_MS: z.coerce.number().int().positive().default(60 * 60 * 1000),
  /** Messages stored per INSERT. */
  LOG_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  /** How long a partial batch waits for more before it is stored. */
  LOG_BATCH_WAIT_MS: z.coerce.number().int().min(1).default(200),
  /** How long a delivered message may stay unacknowledged before NATS delivers it again. */
  LOG_ACK_WAIT_MS: z.coerce.number().int().min(1000).default(30_000),
});

export type LogEnv = z.infer<typeof logEnvSchema>;
