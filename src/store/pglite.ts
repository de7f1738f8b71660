/**
 * The embedded default: PGlite, Postgres compiled to WebAssembly, in this process.
 * A data directory must have one owner at a time (two PGlite instances on one
 * directory corrupt it), so it is guarded by a lock file next to it.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SqlClient, SqlExecutor } from './sql';

/** Thrown when another live process holds the data directory. */
export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `the embedded database ${dataDir} is in use by process ${pid}; stop it, or set DATABASE_URL to share PostgreSQL`,
    );
    this.name = 'DataDirInUseError';
  }
}

/** Lock tokens taken by this process: a lock file with our pid but another token is stale (pid reuse). */
const ownTokens = new Set<string>();

/** `dataDir` undefined: in memory, gone when the process ends. */
export async function openPglite(dataDir: string | undefined): Promise<SqlClient> {
  const release = dataDir ? lockDataDir(resolve(dataDir)) : () => undefined;
  try {
    const db = dataDir ? new PGlite(resolve(dataDir)) : new PGlite();
    await db.waitReady;
    return pgliteClient(db, release);
  } catch (error) {
    release();
    throw error;
  }
}

/** A started PGlite as a SqlClient; `release` runs after it is closed. */
export function pgliteClient(db: PGlite, release: () => void = () => undefined): SqlClient {
  const executor = (target: Pick<PGlite, 'query'>): SqlExecutor => ({
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await target.query<Row>(text, [...params]);
      return result.rows;
    },
  });
  return {
    ...executor(db),
    transaction: (work) => db.transaction((tx) => work(executor(tx))),
    async close() {
      try {
        if (!db.closed) await db.close();
      } finally {
        release();
      }
    },
  };
}

function lockDataDir(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`;
  mkdirSync(dirname(lockFile), { recursive: true });
  const token = randomUUID();
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(lockFile, `${process.pid} ${token}\n`, { flag: 'wx' });
      ownTokens.add(token);
      return () => {
        ownTokens.delete(token);
        rmSync(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const [pidText, holderToken = ''] = readFileSync(lockFile, 'utf8').trim().split(' ');
    const pid = Number(pidText);
    const heldByUs = pid === process.pid && ownTokens.has(holderToken);
    const heldByOther = pid !== process.pid && isAlive(pid);
    if (heldByUs || heldByOther) throw new DataDirInUseError(dataDir, pid);
    rmSync(lockFile, { force: true });
  }
  throw new DataDirInUseError(dataDir, Number.NaN);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
