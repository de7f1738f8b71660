/**
 * The store over any Postgres (PGlite or PostgreSQL): migrations, issued cards,
 * feedback, indicator counts and the JWT replay cache. Every driver failure
 * becomes a StoreError, so no SQL or value reaches a response or a log.
 */
import { MIGRATIONS } from './migrations';
import type { SqlClient, SqlExecutor } from './sql';
import {
  StoreError,
  type FeedbackEntry,
  type FeedbackResult,
  type IssuedCard,
  type Outcome,
  type OutcomeCount,
  type QualityStore,
} from './types';

/** Any constant: serialises migrations when several replicas start at once. */
const MIGRATION_LOCK_KEY = 5_050_417;

export class SqlStore implements QualityStore {
  constructor(private readonly sql: SqlClient) {}

  /** Applies the migrations not applied yet; safe to run from several processes at once. */
  async migrate(): Promise<number[]> {
    return this.guard('migrate', () =>
      this.sql.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
        await tx.query(`CREATE TABLE IF NOT EXISTS schema_migration (
          version integer PRIMARY KEY,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`);
        const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migration');
        const applied = new Set(rows.map((row) => Number(row.version)));
        const newlyApplied: number[] = [];
        for (const migration of MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          for (const statement of migration.statements) await tx.query(statement);
          await tx.query('INSERT INTO schema_migration (version, name) VALUES ($1, $2)', [
            migration.version,
            migration.name,
          ]);
          newlyApplied.push(migration.version);
        }
        return newlyApplied;
      }),
    );
  }

  async signingKey(candidate: Uint8Array): Promise<Uint8Array> {
    const rows = await this.guard('signing key', () =>
      this.sql.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO signing_key (name, key) VALUES ('card-id', $1) ON CONFLICT (name) DO NOTHING`,
          [Buffer.from(candidate)],
        );
        return tx.query<{ key: Uint8Array }>(`SELECT key FROM signing_key WHERE name = 'card-id'`);
      }),
    );
    const key = rows[0]?.key;
    if (!key) throw new StoreError('signing key');
    return new Uint8Array(key);
  }

  async recordIssuedCards(cards: readonly IssuedCard[]): Promise<void> {
    if (cards.length === 0) return;
    await this.guard('record issued cards', () =>
      this.sql.query(
        // A card's suggestion uuids travel as one space-separated text: unnest flattens arrays of arrays.
        `INSERT INTO issued_card (card_uuid, service_id, hook, recommendation_code, issued_at,
           suggestion_uuids)
         SELECT card_uuid, service_id, hook, recommendation_code, issued_at,
                string_to_array(suggestions, ' ')
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
           AS card (card_uuid, service_id, hook, recommendation_code, issued_at, suggestions)
         ON CONFLICT (card_uuid) DO NOTHING`,
        [
          cards.map((card) => card.cardUuid),
          cards.map((card) => card.serviceId),
          cards.map((card) => card.hook),
          cards.map((card) => card.recommendationCode),
          cards.map((card) => card.issuedAt.toISOString()),
          cards.map((card) => card.suggestionUuids.map((uuid) => uuid.toLowerCase()).join(' ')),
        ],
      ),
    );
  }

  async recordFeedback(
    serviceId: string,
    entries: readonly FeedbackEntry[],
    receivedAt: Date,
  ): Promise<FeedbackResult> {
    return this.guard('record feedback', () =>
      this.sql.transaction(async (tx) => {
        const issued = await this.issuedCardsOf(tx, serviceId, entries);
        const unknown = entries.flatMap((entry, position) =>
          entry.issueProven || issued.has(entry.cardUuid.toLowerCase()) ? [] : [position],
        );
        if (unknown.length > 0) return { kind: 'unknown-cards', positions: unknown };
        const unknownSuggestions = entries.flatMap((entry, position) => {
          if (entry.issueProven) {
            return (entry.unprovenSuggestions ?? []).map((suggestion) => ({
              position,
              suggestion,
            }));
          }
          const suggestions = issued.get(entry.cardUuid.toLowerCase());
          if (!suggestions) return [];
          return entry.acceptedSuggestionIds.flatMap((id, suggestion) =>
            suggestions.has(id.toLowerCase()) ? [] : [{ position, suggestion }],
          );
        });
        if (unknownSuggestions.length > 0) {
          return { kind: 'unknown-suggestions', items: unknownSuggestions };
        }
        let stored = 0;
        let enriched = 0;
        for (const entry of entries) {
          const values = [
            entry.cardUuid,
            entry.outcome,
            entry.outcomeAt.toISOString(),
            [...entry.acceptedSuggestionIds],
            entry.overrideReason?.system ?? null,
            entry.overrideReason?.code ?? null,
            entry.hasUserComment,
          ];
          const inserted = await tx.query(
            `INSERT INTO card_feedback (card_uuid, outcome, outcome_at, accepted_suggestions,
               override_reason_system, override_reason_code, has_user_comment, received_at)
             VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8)
             ON CONFLICT (card_uuid, outcome, outcome_at) DO NOTHING
             RETURNING feedback_id`,
            [...values, receivedAt.toISOString()],
          );
          if (inserted.length > 0) {
            stored += 1;
            continue;
          }
          // The same action again: fill in what the stored row lacks, never replace what it has.
          const updated = await tx.query(
            `UPDATE card_feedback f SET
               override_reason_system = CASE WHEN f.override_reason_code IS NULL
                 THEN $5 ELSE f.override_reason_system END,
               override_reason_code = COALESCE(f.override_reason_code, $6),
               has_user_comment = f.has_user_comment OR $7,
               accepted_suggestions = f.accepted_suggestions || ARRAY(
                 SELECT id FROM unnest($4::text[]) WITH ORDINALITY AS added (id, n)
                 WHERE id <> ALL (f.accepted_suggestions) ORDER BY n)
             WHERE f.card_uuid = $1 AND f.outcome = $2 AND f.outcome_at = $3
               AND ((f.override_reason_code IS NULL AND $6::text IS NOT NULL)
                 OR (NOT f.has_user_comment AND $7::boolean)
                 OR EXISTS (SELECT 1 FROM unnest($4::text[]) AS added (id)
                            WHERE id <> ALL (f.accepted_suggestions)))
             RETURNING f.feedback_id`,
            values,
          );
          enriched += updated.length;
        }
        return {
          kind: 'recorded',
          stored,
          enriched,
          duplicates: entries.length - stored - enriched,
        };
      }),
    );
  }

  async outcomeCounts(from: Date, toExclusive: Date): Promise<OutcomeCount[]> {
    // A card counts once, by the outcome of its latest feedback (a user may override, then accept).
    const rows = await this.guard('read outcome counts', () =>
      this.sql.query<{
        code: string;
        outcome: string | null;
        reason_system: string | null;
        reason_code: string | null;
        cards: number;
        suggestions: number;
      }>(
        `WITH period_card AS (
           SELECT card_uuid, recommendation_code FROM issued_card
           WHERE issued_at >= $1 AND issued_at < $2
         ), latest AS (
           SELECT DISTINCT ON (f.card_uuid) f.card_uuid, f.outcome,
                  f.override_reason_system, f.override_reason_code, f.accepted_suggestions
           FROM card_feedback f JOIN period_card c ON c.card_uuid = f.card_uuid
           ORDER BY f.card_uuid, f.outcome_at DESC, f.feedback_id DESC
         )
         SELECT c.recommendation_code AS code, l.outcome,
                l.override_reason_system AS reason_system, l.override_reason_code AS reason_code,
                count(*)::int AS cards,
                coalesce(sum(cardinality(l.accepted_suggestions)), 0)::int AS suggestions
         FROM period_card c LEFT JOIN latest l ON l.card_uuid = c.card_uuid
         GROUP BY 1, 2, 3, 4
         ORDER BY 1, 2, 3, 4`,
        [from.toISOString(), toExclusive.toISOString()],
      ),
    );
    return rows.map((row) => ({
      code: row.code,
      outcome: row.outcome as Outcome | null,
      reasonSystem: row.reason_system,
      reasonCode: row.reason_code,
      cards: Number(row.cards),
      suggestions: Number(row.suggestions),
    }));
  }

  async rememberJti(issuer: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    // An expired row not yet purged may be reused; a live one means replay.
    const rows = await this.guard('remember jti', () =>
      this.sql.query(
        `INSERT INTO used_jti (issuer, jti, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (issuer, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
           WHERE used_jti.expires_at <= $4
         RETURNING 1 AS first_use`,
        [issuer, jti, expiresAt.toISOString(), now.toISOString()],
      ),
    );
    return rows.length === 1;
  }

  async purgeExpiredJtis(now: Date): Promise<number> {
    const rows = await this.guard('purge expired jti', () =>
      this.sql.query<{ purged: number }>(
        `WITH purged AS (DELETE FROM used_jti WHERE expires_at <= $1 RETURNING 1)
         SELECT count(*)::int AS purged FROM purged`,
        [now.toISOString()],
      ),
    );
    return Number(rows[0]?.purged ?? 0);
  }

  async close(): Promise<void> {
    await this.guard('close', () => this.sql.close());
  }

  /** Card uuid (lower case) → its suggestion uuids (undefined: not recorded), for the cards this service issued. */
  private async issuedCardsOf(
    tx: SqlExecutor,
    serviceId: string,
    entries: readonly FeedbackEntry[],
  ): Promise<Map<string, Set<string> | undefined>> {
    const unproven = entries.filter((entry) => !entry.issueProven);
    if (unproven.length === 0) return new Map();
    const rows = await tx.query<{ card_uuid: string; suggestion_uuids: string[] | null }>(
      `SELECT card_uuid::text AS card_uuid, suggestion_uuids FROM issued_card
       WHERE service_id = $1 AND card_uuid = ANY($2::uuid[])`,
      [serviceId, unproven.map((entry) => entry.cardUuid)],
    );
    return new Map(
      rows.map((row) => [
        row.card_uuid.toLowerCase(),
        row.suggestion_uuids === null ? undefined : new Set(row.suggestion_uuids),
      ]),
    );
  }

  private async guard<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw error instanceof StoreError ? error : new StoreError(operation, error);
    }
  }
}
