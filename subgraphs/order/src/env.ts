// The order subgraph's configuration, read once from the environment.
import { baseEnvShape } from '@desk/shared';
import { z } from 'zod';

export const orderEnvSchema = z.object({
  ...baseEnvShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(4004),
});

export type OrderEnv = z.infer<typeof orderEnvSchema>;
