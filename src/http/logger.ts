/** Structured JSON logs (pino). Callers log ids, codes, statuses and durations — never bodies or tokens. */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'fls-cds-hooks' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Belt and braces: should a header object ever be logged, its secrets are removed.
      redact: { paths: ['*.authorization', '*.Authorization', '*.access_token'], remove: true },
    },
    destination,
  );
}
