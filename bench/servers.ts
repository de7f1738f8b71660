/**
 * Child processes for the benchmark: each server under test runs in its own Node
 * process on 127.0.0.1 (the load generator stays in the parent), with its stdout /
 * stderr in a log file, so that its peak RSS (VmHWM) and CPU time are its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface Child {
  name: string;
  process: ChildProcess;
  port: number;
  logFile: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startChild(options: {
  name: string;
  script: string;
  env: Record<string, string>;
  nodeArgs?: string[];
  logDir: string;
  /** Path that answers 2xx once the server is ready (the service: /healthz). */
  readyPath: string;
}): Promise<Child> {
  const port = await freePort();
  const logFile = join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script], {
    env: { ...process.env, ...options.env, PORT: String(port) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${options.name} exited during start-up (log: ${logFile})`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}${options.readyPath}`, {
        signal: AbortSignal.timeout(1000),
      });
      await response.arrayBuffer();
      if (response.ok) return { name: options.name, process: child, port, logFile };
      throw new Error(`HTTP ${response.status}`);
    } catch {
      if (Date.now() - started > 30_000) {
        child.kill('SIGKILL');
        throw new Error(`${options.name} did not listen within 30 s (log: ${logFile})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export function stopChild(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      resolve();
      return;
    }
    const timer = setTimeout(() => child.process.kill('SIGKILL'), 15_000);
    child.process.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.process.kill('SIGTERM');
  });
}

/** A memory figure of a live process in kB from /proc/PID/status (Linux; undefined elsewhere). */
export function statusKb(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1]);
    return Number.isFinite(kb) ? kb : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident set size of a live process in MB, to 0.1 MB. */
export function peakRssMb(pid: number | undefined): number | undefined {
  const kb = statusKb(pid, 'VmHWM');
  return kb === undefined ? undefined : Math.round(kb / 102.4) / 10;
}

/** Resident set size of a live process now, in MB, to 0.1 MB. */
export function rssMb(pid: number | undefined): number | undefined {
  const kb = statusKb(pid, 'VmRSS');
  return kb === undefined ? undefined : Math.round(kb / 102.4) / 10;
}

/** CPU seconds (user + system) a live process has used so far (Linux /proc). */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may contain spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return undefined;
  }
}
