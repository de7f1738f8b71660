/**
 * One owner per PGlite data directory (opt-in, PGLITE_DATA_DIR): two PGlite
 * instances on one directory would corrupt it (e.g. `npm run report` while the
 * service runs). The embedded default's file: test/store/embedded.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from '../../src/store/migrations';
import { openStore } from '../../src/store/open';
import { DataDirInUseError } from '../../src/store/lock';
import { STORE_START_TIMEOUT_MS } from '../helpers/stores';

const parent = mkdtempSync(join(tmpdir(), 'fls-pglite-'));
const dataDir = join(parent, 'pglite');

afterAll(() => {
  rmSync(parent, { recursive: true, force: true });
});

/** A pid that surely belongs to no running process: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

test(
  'a stale lock is taken over; a live one refuses a second opening; closing releases it',
  async () => {
    writeFileSync(`${dataDir}.lock`, `${deadPid()} stale-token\n`);
    const { store, migrated } = await openStore({ kind: 'pglite', dataDir });
    expect(migrated).toEqual(MIGRATIONS.map((migration) => migration.version));
    expect(readFileSync(`${dataDir}.lock`, 'utf8')).toMatch(new RegExp(`^${process.pid} `));

    await expect(openStore({ kind: 'pglite', dataDir })).rejects.toBeInstanceOf(DataDirInUseError);
    writeFileSync(`${dataDir}.lock`, `1 someone-else\n`);
    await expect(openStore({ kind: 'pglite', dataDir })).rejects.toThrow(/in use by process 1/);
    writeFileSync(
      `${dataDir}.lock`,
      readFileSync(`${dataDir}.lock`, 'utf8').replace(/^1 /, `${process.pid} `),
    );

    await store.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);

    // The data survives: reopening migrates nothing.
    const reopened = await openStore({ kind: 'pglite', dataDir });
    expect(reopened.migrated).toEqual([]);
    await reopened.store.close();
  },
  STORE_START_TIMEOUT_MS,
);
