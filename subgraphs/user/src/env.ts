// The user subgraph's configuration, read once from the environment.
import { baseEnvShape } from '@desk/shared';
import { z } from 'zod';

export const userEnvSchema = z.object({
  ...baseEnvShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(4002),
});

export type UserEnv = z.infer<typeof userEnvSchema>;
