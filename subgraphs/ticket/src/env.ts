// The ticket subgraph's configuration, read once from the environment.
import { baseEnvShape } from '@desk/shared';
import { z } from 'zod';

export const ticketEnvSchema = z.object({
  ...baseEnvShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(4003),
});

export type TicketEnv = z.infer<typeof ticketEnvSchema>;
