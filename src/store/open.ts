/** Opens the configured store and brings its schema up to date. */
import { openPglite } from './pglite';
import { openPostgres } from './postgres';
import type { SqlClient } from './sql';
import type { StoreSettings } from './settings';
import { SqlStore } from './sql-store';
import { StoreError } from './types';

export interface OpenedStore {
  store: SqlStore;
  /** Migration versions applied by this opening (empty when the schema was current). */
  migrated: number[];
}

export async function openStore(
  settings: StoreSettings,
  onIdleError?: (error: Error) => void,
): Promise<OpenedStore> {
  let sql: SqlClient;
  try {
    sql =
      settings.kind === 'postgres'
        ? await openPostgres({ connectionString: settings.url, onIdleError })
        : await openPglite(settings.dataDir);
  } catch (error) {
    if (error instanceof Error && error.name === 'DataDirInUseError') throw error;
    throw new StoreError(`open ${settings.kind}`, error);
  }
  const store = new SqlStore(sql);
  try {
    return { store, migrated: await store.migrate() };
  } catch (error) {
    await sql.close().catch(() => undefined);
    throw error;
  }
}

/** For logs: where the data lives, never credentials. */
export function describeStore(settings: StoreSettings): Record<string, string> {
  if (settings.kind === 'pglite') {
    return { store: 'pglite', dataDir: settings.dataDir ?? 'memory' };
  }
  try {
    const url = new URL(settings.url);
    return { store: 'postgres', host: url.host, database: url.pathname.replace(/^\//, '') };
  } catch {
    return { store: 'postgres' };
  }
}
