// One pino logger per process; child loggers carry the request or message they are about.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    redact: { paths: ['password', 'newPassword', '*.password', '*.newPassword', 'authorization', '*.authorization', 'refreshToken', '*.refreshToken'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
