/**
 * PGlite, Postgres compiled to WebAssembly, in this process: an opt-in embedded
 * store (PGLITE_DATA_DIR; the default is the lighter embedded.ts). A data
 * directory must have one owner at a time (two PGlite instances on one directory
 * corrupt it), so it is guarded by a lock file next to it (lock.ts).
 */
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { lockDataPath } from './lock';
import type { SqlClient, SqlExecutor } from './sql';

/** `dataDir` undefined: in memory, gone when the process ends. */
export async function openPglite(dataDir: string | undefined): Promise<SqlClient> {
  const release = dataDir ? lockDataPath(resolve(dataDir)) : () => undefined;
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
