// The email worker's configuration, read once from the environment. Without SMTP_URL mails go to the
// built-in development catcher; production refuses to start without a real SMTP server.
import { baseEnvShape } from '@desk/shared';
import { z } from 'zod';

export const emailEnvSchema = z.object({
  ...baseEnvShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  /** e.g. smtp://user:pass@smtp.example.com:587; absent: mails are caught in the database. */
  SMTP_URL: z.preprocess((value) => (value === '' ? undefined : value), z.string().url().optional()),
  MAIL_FROM: z.string().min(3).default('Desk <no-reply@desk.local>'),
  /** Base of the links in mails (password reset). */
  APP_URL: z.string().url().default('http://127.0.0.1:4000'),
  /** Connect, greeting and idle-socket timeout of one SMTP conversation. */
  SMTP_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
}).refine((env) => env.NODE_ENV !== 'production' || !!env.SMTP_URL, { path: ['SMTP_URL'], message: 'required in production' });

export type EmailEnv = z.infer<typeof emailEnvSchema>;
