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

/** Log bytes held in memory while the reader of stdout lags; lines beyond it are dropped. */
export const MAX_BUFFERED_LOG_BYTES = 4 * 1024 * 1024;

export interface LogOutput extends pino.DestinationStream {
  /** Lines not written: the reader was gone, the disk full, or the buffer at its bound. */
  dropped(): number;
  /** Resolves when what was written has reached the reader, or after `timeoutMs`, whichever is first. */
  flush(timeoutMs: number): Promise<void>;
}

/**
 * Where the service's log lines go (docs/operations.md "Shutdown"): process.stdout,
 * which Node writes to a pipe without blocking, never pino's default (sonic-boom),
 * whose flush at exit sleeps and retries forever once the reader is gone (EPIPE) and
 * blocks on a pipe nobody reads. A write never throws and never waits: after an
 * error (EPIPE, ENOSPC, a closed descriptor) every later line is dropped, and while
 * more than `maxBufferedBytes` wait for a slow reader new lines are dropped too.
 */
export function logOutput(
  stream: NodeJS.WritableStream & { writableLength: number; destroyed: boolean } = process.stdout,
  maxBufferedBytes: number = MAX_BUFFERED_LOG_BYTES,
): LogOutput {
  let broken = false;
  let dropped = 0;
  stream.on('error', () => {
    broken = true;
  });
  return {
    write(line: string) {
      if (broken || stream.destroyed || stream.writableLength > maxBufferedBytes) {
        dropped += 1;
        return;
      }
      try {
        // A file is written synchronously: a full disk throws here rather than emitting.
        stream.write(line);
      } catch {
        broken = true;
        dropped += 1;
      }
    },
    dropped: () => dropped,
    flush(timeoutMs) {
      if (broken || stream.destroyed || stream.writableLength === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        timer.unref();
        stream.once('drain', done);
        function done(): void {
          clearTimeout(timer);
          stream.removeListener('drain', done);
          resolve();
        }
      });
    },
  };
}
