/** Structured JSON logs (pino). Callers log ids, codes, statuses and durations — never bodies or tokens. */
import { EventEmitter } from 'node:events';
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

/**
 * Resolves once the lines logged so far are written out (pino's default stdout
 * stream writes asynchronously and says "drain" when it has caught up), or after
 * `maxMs`: a log reader that is gone must not hold the caller. Without it, a line
 * still being written at exit can reach the reader after one flushed at exit.
 */
export function logsWritten(logger: Logger, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, maxMs);
    const stream: unknown = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
    if (!(stream instanceof EventEmitter)) return;
    stream.once('drain', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
