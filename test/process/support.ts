/**
 * The service as production runs it: compiled by tsc into a private folder
 * (dist/process-test, so that it never races `npm run build`), started as
 * `node …/src/main.js` on a free loopback port, its JSON log lines collected.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const OUT_DIR = join(ROOT, 'dist', 'process-test');

/** tsc on a busy 2-core machine; incremental after the first run. */
export const BUILD_TIMEOUT_MS = 180_000;
/** Start-up on a busy machine (the service itself starts in well under a second). */
export const START_TIMEOUT_MS = 90_000;

/** Compile src/ afresh (incremental, so never stale) and return the entry point. */
export function buildService(): Promise<string> {
  const tsc = require.resolve('typescript/bin/tsc');
  const args = [
    tsc,
    '-p',
    'tsconfig.build.json',
    '--outDir',
    OUT_DIR,
    '--incremental',
    '--tsBuildInfoFile',
    join(OUT_DIR, 'tsconfig.tsbuildinfo'),
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: BUILD_TIMEOUT_MS }, (error, stdout) => {
      if (error) reject(new Error(`tsc failed: ${stdout.slice(0, 2000)}`));
      else resolve(join(OUT_DIR, 'src', 'main.js'));
    });
  });
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** Every JSON line the service wrote to stdout so far. */
  logs: LogLine[];
  /** All of stdout and stderr, for "never logged" checks. */
  output(): string;
  /** Resolves with the exit code and signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start the built service with `env` (on top of a loopback, auth-off, in-memory base). */
export function startService(main: string, env: Record<string, string>): Promise<ServiceProcess> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  // Never a developer's or CI's database: this store lives and dies with the process.
  delete base.DATABASE_URL;
  const child = spawn(process.execPath, [main], {
    env: {
      ...base,
      PORT: '0',
      HOST: '127.0.0.1',
      CDS_AUTH: 'off',
      STORE_FILE: 'memory://',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let text = '';
  let partial = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (text += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the service did not get ready within ${START_TIMEOUT_MS} ms:\n${text}`));
    }, START_TIMEOUT_MS);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the service exited during start-up (${code ?? signal}):\n${text}`));
    });
    child.stdout?.on('data', (chunk: string) => {
      text += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as LogLine;
        logs.push(entry);
        const url = typeof entry.url === 'string' ? entry.url : undefined;
        if (entry.msg.startsWith('ready at') && url) {
          clearTimeout(timer);
          const port = Number(new URL(url).port);
          resolve({
            child,
            port,
            baseUrl: `http://127.0.0.1:${port}`,
            logs,
            output: () => text,
            exited,
          });
        }
      }
    });
  });
}

/** Stop a service a test left running (SIGKILL: the test already failed or is done with it). */
export async function killService(service: ServiceProcess | undefined): Promise<void> {
  if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGKILL');
  await service.exited;
}

/** Poll until `check` holds (or fail after `timeoutMs`, generous: the machine may be busy). */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether a new TCP connection to the port is refused (the listener is closed). */
export function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}
