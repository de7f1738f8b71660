/**
 * Stores for tests: real ones (the embedded store, PGlite in memory, or
 * PostgreSQL when DATABASE_URL is set) and a light stand-in.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { EmbeddedStore } from '../../src/store/embedded';
import { MIGRATIONS } from '../../src/store/migrations';
import { openSqlStore } from '../../src/store/open';
import { pgliteClient } from '../../src/store/pglite';
import { SqlStore } from '../../src/store/sql-store';
import type { FeedbackResult, IssuedCard, OutcomeCount, QualityStore } from '../../src/store/types';

export type TestStoreKind = 'postgres' | 'pglite' | 'embedded' | 'embedded-file';

/** The store the HTTP tests run against: PostgreSQL when DATABASE_URL is set, else the embedded default. */
export const STORE_KIND: TestStoreKind = process.env.DATABASE_URL ? 'postgres' : 'embedded';

/** The stores the store contract suite runs against. */
export const CONTRACT_STORE_KINDS: readonly TestStoreKind[] = process.env.DATABASE_URL
  ? ['postgres']
  : ['embedded', 'embedded-file', 'pglite'];

/** Starting PGlite (initdb in WebAssembly) takes seconds on a busy machine. */
export const STORE_START_TIMEOUT_MS = 120_000;

/** A file for an embedded store in a fresh temp directory. */
export function tempStoreFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'fls-store-')), 'store.jsonl');
}

/** A fresh store of its own, of `kind` (by default STORE_KIND). */
export async function openTestStore(kind: TestStoreKind = STORE_KIND): Promise<QualityStore> {
  switch (kind) {
    case 'embedded':
      return EmbeddedStore.open(undefined);
    case 'embedded-file': {
      const file = tempStoreFile();
      const store = await EmbeddedStore.open(file);
      const close = store.close.bind(store);
      // Closing also removes the file's temp directory.
      store.close = async () => {
        await close();
        rmSync(dirname(file), { recursive: true, force: true });
      };
      return store;
    }
    default:
      return openSqlTestStore(kind);
  }
}

/**
 * A fresh, migrated SQL store: PostgreSQL at DATABASE_URL, or PGlite in memory.
 * PGlite starts from a migrated data directory made once per schema and cached
 * in the temp directory: initdb takes ~4-10 s, loading the copy ~1 s. The copy is
 * made the production way (initdb, then the migrations), and
 * test/store/pglite-lock.test.ts runs openStore itself.
 */
export async function openSqlTestStore(kind: 'postgres' | 'pglite'): Promise<SqlStore> {
  const url = process.env.DATABASE_URL;
  if (kind === 'postgres') {
    if (!url) throw new Error('the postgres test store needs DATABASE_URL');
    return (await openSqlStore({ kind: 'postgres', url })).store;
  }
  const db = new PGlite({ loadDataDir: new Blob([await migratedTemplate()]) });
  await db.waitReady;
  const store = new SqlStore(pgliteClient(db));
  await store.migrate();
  return store;
}

async function migratedTemplate(): Promise<Uint8Array> {
  const key = createHash('sha256')
    .update(JSON.stringify(MIGRATIONS))
    .update(readFileSync(require.resolve('@electric-sql/pglite')))
    .digest('hex')
    .slice(0, 16);
  const file = join(tmpdir(), `fls-cds-hooks-pglite-${key}.tar`);
  if (existsSync(file)) return readFileSync(file);
  const db = new PGlite();
  await db.waitReady;
  const seeded = new SqlStore(pgliteClient(db));
  await seeded.migrate();
  const dump = new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer());
  await db.close();
  // Written aside and renamed: a parallel test file never reads half a file.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, dump);
  renameSync(partial, file);
  return dump;
}

/**
 * For tests that do not exercise feedback: remembers issued cards (so a test can
 * look at them) and JWT ids in memory. Feedback and indicators need a real store.
 */
export class RecordingStore implements QualityStore {
  readonly issued: IssuedCard[] = [];
  private readonly jtis = new Map<string, Date>();
  private key: Uint8Array | undefined;

  async signingKey(candidate: Uint8Array): Promise<Uint8Array> {
    this.key ??= candidate;
    return this.key;
  }

  async recordIssuedCards(cards: readonly IssuedCard[]): Promise<void> {
    this.issued.push(...cards);
  }

  async recordFeedback(): Promise<FeedbackResult> {
    throw new Error('RecordingStore keeps no feedback: use openTestStore()');
  }

  async outcomeCounts(): Promise<OutcomeCount[]> {
    throw new Error('RecordingStore keeps no feedback: use openTestStore()');
  }

  async rememberJti(issuer: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    const key = JSON.stringify([issuer, jti]);
    const until = this.jtis.get(key);
    if (until && until > now) return false;
    this.jtis.set(key, expiresAt);
    return true;
  }

  async purgeExpiredJtis(now: Date): Promise<number> {
    let purged = 0;
    for (const [key, until] of this.jtis) {
      if (until <= now) {
        this.jtis.delete(key);
        purged += 1;
      }
    }
    return purged;
  }

  async close(): Promise<void> {}
}
