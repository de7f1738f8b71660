/** Opens the configured store and brings its schema up to date. */
import { EmbeddedStore } from './embedded';
import { DataDirInUseError } from './lock';
import { openPostgres } from './postgres';
import type { SqlClient } from './sql';
import type { StoreSettings } from './settings';
import { SqlStore } from './sql-store';
import { StoreError, type QualityStore } from './types';

export interface OpenedStore {
  store: QualityStore;
  /** Migration versions applied by this opening (empty when the schema was current). */
  migrated: number[];
}

export async function openStore(
  settings: StoreSettings,
  onIdleError?: (error: Error) => void,
): Promise<OpenedStore> {
  if (settings.kind === 'embedded') {
    try {
      return { store: await EmbeddedStore.open(settings.file), migrated: [] };
    } catch (error) {
      if (error instanceof DataDirInUseError || error instanceof StoreError) throw error;
      throw new StoreError('open embedded', error);
    }
  }
  const { store, migrated } = await openSqlStore(settings, onIdleError);
  return { store, migrated };
}

/** PostgreSQL or PGlite, migrated. */
export async function openSqlStore(
  settings: Exclude<StoreSettings, { kind: 'embedded' }>,
  onIdleError?: (error: Error) => void,
): Promise<{ store: SqlStore; migrated: number[] }> {
  let sql: SqlClient;
  try {
    sql =
      settings.kind === 'postgres'
        ? await openPostgres({ connectionString: settings.url, onIdleError })
        : // Loaded only when chosen: PGlite's module alone is a few MB of JavaScript.
          await (await import('./pglite')).openPglite(settings.dataDir);
  } catch (error) {
    if (error instanceof DataDirInUseError) throw error;
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
  if (settings.kind === 'embedded') return { store: 'embedded', file: settings.file ?? 'memory' };
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
