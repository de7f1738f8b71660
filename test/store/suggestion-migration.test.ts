/**
 * Migration 2 on a database with cards issued before it: their suggestion uuids
 * are unknown (NULL), so feedback on them accepts any suggestion id, while cards
 * issued after it are checked. Runs on PGlite (the store suite covers PostgreSQL).
 */
import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { MIGRATIONS } from '../../src/store/migrations';
import { pgliteClient } from '../../src/store/pglite';
import { SqlStore } from '../../src/store/sql-store';
import { STORE_START_TIMEOUT_MS } from '../helpers/stores';

const DAY = new Date('2026-03-10T12:00:00Z');

test(
  'cards issued before migration 2 accept any suggestion id; cards issued after are checked',
  async () => {
    const db = new PGlite();
    await db.waitReady;
    const client = pgliteClient(db);
    try {
      // The schema as version 1 left it, with one card issued then.
      const [first] = MIGRATIONS;
      if (!first || first.version !== 1) throw new Error('migration 1 expected first');
      await client.query(`CREATE TABLE schema_migration (
        version integer PRIMARY KEY, name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
      for (const statement of first.statements) await client.query(statement);
      await client.query('INSERT INTO schema_migration (version, name) VALUES (1, $1)', [
        first.name,
      ]);
      const before = randomUUID();
      await client.query(
        `INSERT INTO issued_card (card_uuid, service_id, hook, recommendation_code, issued_at)
         VALUES ($1, 'fls-patient-view', 'patient-view', 'before-2', $2)`,
        [before, DAY.toISOString()],
      );

      const store = new SqlStore(client);
      expect(await store.migrate()).toEqual(
        MIGRATIONS.filter((migration) => migration.version > 1).map((m) => m.version),
      );
      const after = randomUUID();
      await store.recordIssuedCards([
        {
          cardUuid: after,
          serviceId: 'fls-patient-view',
          hook: 'patient-view',
          recommendationCode: 'after-2',
          suggestionUuids: [randomUUID()],
          issuedAt: DAY,
        },
      ]);
      const accept = (card: string) => ({
        cardUuid: card,
        outcome: 'accepted' as const,
        acceptedSuggestionIds: [randomUUID()],
        hasUserComment: false,
        outcomeAt: DAY,
        issueProven: false,
      });
      await expect(
        store.recordFeedback('fls-patient-view', [accept(before)], DAY),
      ).resolves.toEqual({ kind: 'recorded', stored: 1, enriched: 0, duplicates: 0 });
      await expect(store.recordFeedback('fls-patient-view', [accept(after)], DAY)).resolves.toEqual(
        { kind: 'unknown-suggestions', items: [{ position: 0, suggestion: 0 }] },
      );
    } finally {
      await client.close();
    }
  },
  STORE_START_TIMEOUT_MS,
);
