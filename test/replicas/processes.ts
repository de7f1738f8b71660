/**
 * Real service processes for the scale-out tests: the service compiled once into a
 * private directory, a throwaway database on the PostgreSQL of DATABASE_URL, and
 * replicas (`node …/src/main.js`) on loopback ports that are always stopped —
 * by the test's afterAll, or killed when the test process itself exits.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'pg';

export const ROOT = join(__dirname, '..', '..');

/** Compiling the service (types are CI's typecheck's job) takes ~5 s here, more on a busy machine. */
export const BUILD_TIMEOUT_MS = 180_000;
/** A replica waits for the migration lock and its first connection: seconds, not a minute. */
const READY_TIMEOUT_MS = 60_000;
/** SIGTERM first (the graceful shutdown under test), SIGKILL if it is still running after this. */
const STOP_TIMEOUT_MS = 15_000;

/** Every child started here; killed when the test process exits, whatever happened. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface Build {
  /** Absolute path of the compiled src/main.js. */
  mainJs: string;
  remove(): void;
}

/**
 * Compiles src/ into a fresh directory under dist/ (inside the repository, so the
 * compiled files find node_modules), never the shared dist/src that others build.
 */
export async function buildService(): Promise<Build> {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const outDir = mkdtempSync(join(ROOT, 'dist', '.replicas-'));
  const remove = (): void => rmSync(outDir, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir, '--noCheck'],
        { cwd: ROOT, timeout: BUILD_TIMEOUT_MS },
        (error, stdout, stderr) =>
          error ? reject(new Error(`tsc failed:\n${stdout}${stderr}`)) : resolve(),
      );
    });
  } catch (error) {
    remove();
    throw error;
  }
  return { mainJs: join(outDir, 'src', 'main.js'), remove };
}

export interface Database {
  /** DATABASE_URL of the new, empty database. */
  url: string;
  name: string;
  /** Runs one query on the new database with a short-lived connection. */
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
  drop(): Promise<void>;
}

/** A new, empty database on the server of `adminUrl` (needs CREATEDB), so runs never share state. */
export async function createDatabase(adminUrl: string): Promise<Database> {
  const name = `fls_replicas_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    name,
    query: <Row>(text: string, params: unknown[] = []) =>
      withClient(url.href, async (client) => (await client.query(text, params)).rows as Row[]),
    // FORCE: a replica killed mid-test may still hold a connection.
    drop: async () => {
      await withClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
    },
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export type LogLine = Record<string, unknown>;

export interface Replica {
  name: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  pid: number;
  /** Its JSON log lines (stdout), in order. */
  logs: LogLine[];
  /** Everything it wrote to stdout and stderr, for the "nothing secret in logs" checks. */
  output(): string;
  /**
   * The first log line (already written or still to come) that matches; a request's
   * line is written once its answer is sent, so it may arrive after the answer.
   */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  child: ChildProcess;
}

/**
 * Starts `node mainJs` with exactly `env` (plus PATH) on port 0 and resolves once it
 * logs "ready at …"; rejects, with its output, if it exits or does not get ready.
 */
export function startReplica(
  name: string,
  mainJs: string,
  env: Record<string, string>,
  cwd: string,
): Promise<Replica> {
  const child = spawn(process.execPath, [mainJs], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const chunks: string[] = [];
  const logs: LogLine[] = [];
  const waiters = new Set<(line: LogLine) => void>();
  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 5_000): Promise<LogLine> => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((resolve, reject) => {
      const waiter = (line: LogLine): void => {
        if (!match(line)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(line);
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`${name} logged no matching line within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  };
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(signal ? null : code);
    });
  });
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const output = (): string => chunks.join('');
  return new Promise<Replica>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} was not ready within ${READY_TIMEOUT_MS} ms:\n${output()}`));
    }, READY_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${output()}`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      chunks.push(`${line}\n`);
      let entry: LogLine;
      try {
        entry = JSON.parse(line) as LogLine;
      } catch {
        return; // not a log line
      }
      logs.push(entry);
      for (const waiter of [...waiters]) waiter(entry);
      const url = entry.url;
      if (typeof url === 'string' && String(entry.msg).startsWith('ready at')) {
        clearTimeout(timer);
        resolve({
          name,
          origin: new URL(url).origin,
          pid: child.pid ?? -1,
          logs,
          output,
          waitForLog,
          exited,
          child,
        });
      }
    });
  });
}

/** SIGTERM, then SIGKILL after the timeout; resolves with the exit code (null: killed by a signal). */
export async function stopReplica(
  replica: Pick<Replica, 'child' | 'exited'>,
): Promise<number | null> {
  const { child } = replica;
  if (child.exitCode === null && child.signalCode === null) {
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.kill('SIGTERM');
    const code = await replica.exited;
    clearTimeout(force);
    return code;
  }
  return replica.exited;
}

/** Peak resident memory (VmHWM) of a live process in MB, from /proc; undefined elsewhere. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
