/**
 * Replicas starting together on an empty PostgreSQL: every one must open, and the
 * schema must be migrated once. Without the migration lock (src/store/sql-store.ts)
 * six stores opened at once failed in every round tried (duplicate pg_type rows from
 * parallel CREATE TABLE), and two service processes in 2 of 5 rounds; the
 * two-process start-up itself is checked in replicas.test.ts.
 */
import { openStore, type OpenedStore } from '../../src/store/open';
import { MIGRATIONS } from '../../src/store/migrations';
import { createDatabase, type Database } from './processes';

const ADMIN_URL = process.env.DATABASE_URL;
if (!ADMIN_URL) {
  process.stdout.write('test/replicas/migrate skipped: DATABASE_URL is not set\n');
}
const describeWithPostgres = ADMIN_URL ? describe : describe.skip;

const STORES = 6;
const ROUNDS = 3;

describeWithPostgres('stores opened at once on an empty database', () => {
  test(`${STORES} stores, ${ROUNDS} fresh databases: all open, each migration applied once`, async () => {
    const versions = MIGRATIONS.map((migration) => migration.version);
    for (let round = 0; round < ROUNDS; round += 1) {
      const database: Database = await createDatabase(String(ADMIN_URL));
      const opened: OpenedStore[] = [];
      try {
        const results = await Promise.allSettled(
          Array.from({ length: STORES }, () => openStore({ kind: 'postgres', url: database.url })),
        );
        for (const result of results) if (result.status === 'fulfilled') opened.push(result.value);
        expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
        const applied = opened.flatMap((store) => store.migrated).sort((x, y) => x - y);
        expect(applied).toEqual(versions);
        const rows = await database.query<{ version: number }>(
          'SELECT version FROM schema_migration ORDER BY version',
        );
        expect(rows.map((row) => Number(row.version))).toEqual(versions);
        // Every store works on the schema it found.
        for (const { store } of opened) {
          await expect(store.purgeExpiredJtis(new Date())).resolves.toBe(0);
        }
      } finally {
        await Promise.all(opened.map(({ store }) => store.close()));
        await database.drop();
      }
    }
  }, 60_000);
});
