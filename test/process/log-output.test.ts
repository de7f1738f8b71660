/**
 * Shutdown never waits on a log write (docs/operations.md "Shutdown"): the built
 * service with its stdout and stderr on pipes stops within SHUTDOWN_GRACE_MS after
 * SIGTERM / SIGINT when the reader of those pipes is gone (EPIPE) or no longer reads
 * (a full pipe), and exits 0 because nothing was in flight. Before the fix, pino's
 * exit-time flush slept and retried forever on EPIPE (a process stuck in a futex wait).
 */
import { get } from 'node:http';
import {
  BUILD_TIMEOUT_MS,
  buildService,
  killService,
  START_TIMEOUT_MS,
  startService,
  type ServiceProcess,
} from './support';

/** REQUEST_DEADLINE_MS must stay below the grace (config validation). */
const GRACE = { SHUTDOWN_GRACE_MS: '3000', REQUEST_DEADLINE_MS: '1000' };
/** The grace plus room for a busy machine to schedule the exit: a hang is unbounded. */
const EXIT_BOUND_MS = 3000 + 7000;

let main: string;
beforeAll(async () => {
  main = await buildService();
}, BUILD_TIMEOUT_MS);

let service: ServiceProcess | undefined;
afterEach(async () => {
  await killService(service);
  service = undefined;
});

function exitWithin(
  running: ServiceProcess,
  ms: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    running.exited,
    new Promise<'still running'>((resolve) => {
      timer = setTimeout(() => resolve('still running'), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** GET /healthz: its status, or 0 when it was not answered. Each request writes a log line. */
function healthz(port: number): Promise<number> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    }).once('error', () => resolve(0));
  });
}

describe('shutdown with the log reader gone', () => {
  test.each(['SIGTERM', 'SIGINT'] as const)(
    '%s: stdout and stderr closed by their reader (EPIPE) → exit 0 within the grace',
    async (signal) => {
      service = await startService(main, { ...GRACE, METRICS_PORT: '0' });
      // The reader ends: the pipes' read ends close, every later write is EPIPE.
      service.child.stdout?.destroy();
      service.child.stderr?.destroy();
      // No line is written between the reader's end and the signal: the first EPIPE comes
      // from the shutdown's own lines (the case that hung: pino's exit flush met it).
      expect(service.child.exitCode).toBeNull();

      service.child.kill(signal);
      expect(await exitWithin(service, EXIT_BOUND_MS)).toEqual({ code: 0, signal: null });
    },
    START_TIMEOUT_MS + EXIT_BOUND_MS,
  );

  test(
    'requests logged into a closed pipe are still answered, and SIGTERM then stops the service',
    async () => {
      service = await startService(main, GRACE);
      service.child.stdout?.destroy();
      service.child.stderr?.destroy();
      const statuses = await Promise.all(
        Array.from({ length: 5 }, () => healthz(service?.port ?? 0)),
      );
      expect(statuses).toEqual([200, 200, 200, 200, 200]);

      service.child.kill('SIGTERM');
      expect(await exitWithin(service, EXIT_BOUND_MS)).toEqual({ code: 0, signal: null });
    },
    START_TIMEOUT_MS + EXIT_BOUND_MS,
  );

  test(
    'SIGTERM: a reader that stopped reading (the pipe is full) → exit 0 within the grace',
    async () => {
      service = await startService(main, GRACE);
      service.child.stdout?.pause();
      // ~300 bytes a line: 600 requests fill a 64 KiB pipe several times over.
      for (let batch = 0; batch < 30; batch += 1) {
        await Promise.all(Array.from({ length: 20 }, () => healthz(service?.port ?? 0)));
      }
      expect(service.child.exitCode).toBeNull();

      service.child.kill('SIGTERM');
      expect(await exitWithin(service, EXIT_BOUND_MS)).toEqual({ code: 0, signal: null });
    },
    START_TIMEOUT_MS + 60_000,
  );
});
