/**
 * One owner per embedded data path (a PGlite directory or the embedded store's
 * file): a second process on the same data would corrupt it (e.g. `npm run
 * report` while the service runs). The lock is a file next to the data holding
 * the owner's pid and a token; a lock whose process is gone is taken over.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Thrown when another live process holds the data directory. */
export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `the embedded store ${dataDir} is in use by process ${pid}; stop it, or set DATABASE_URL to share PostgreSQL`,
    );
    this.name = 'DataDirInUseError';
  }
}

/** Lock tokens taken by this process: a lock file with our pid but another token is stale (pid reuse). */
const ownTokens = new Set<string>();

/**
 * Takes the lock on `dataPath` (an absolute path) or throws DataDirInUseError;
 * returns its release.
 */
export function lockDataPath(dataDir: string): () => void {
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
