/**
 * The one schema, for PGlite and PostgreSQL alike. Append a migration, never edit
 * one that has shipped. Each statement runs on its own (PGlite's extended
 * protocol takes one statement per query).
 */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'issued cards, feedback, used JWT ids',
    statements: [
      `CREATE TABLE issued_card (
        card_uuid uuid PRIMARY KEY,
        service_id text NOT NULL,
        hook text NOT NULL,
        recommendation_code text NOT NULL,
        issued_at timestamptz NOT NULL
      )`,
      `CREATE INDEX issued_card_issued_at ON issued_card (issued_at)`,
      `CREATE TABLE card_feedback (
        feedback_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        card_uuid uuid NOT NULL REFERENCES issued_card (card_uuid),
        outcome text NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
        accepted_suggestions text[] NOT NULL,
        override_reason_system text,
        override_reason_code text,
        has_user_comment boolean NOT NULL,
        outcome_at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        UNIQUE (card_uuid, outcome, outcome_at)
      )`,
      `CREATE TABLE used_jti (
        issuer text NOT NULL,
        jti text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (issuer, jti)
      )`,
      `CREATE INDEX used_jti_expires_at ON used_jti (expires_at)`,
    ],
  },
  {
    version: 2,
    name: 'suggestion uuids of issued cards',
    // NULL for cards issued before: their accepted suggestions cannot be checked.
    statements: [`ALTER TABLE issued_card ADD COLUMN suggestion_uuids text[]`],
  },
  {
    version: 3,
    name: 'card uuid signing key; feedback may arrive before its card record',
    statements: [
      `CREATE TABLE signing_key (
        name text PRIMARY KEY,
        key bytea NOT NULL
      )`,
      // Issued-card records are written behind (docs/store.md): feedback on a signed card may come first.
      `ALTER TABLE card_feedback DROP CONSTRAINT IF EXISTS card_feedback_card_uuid_fkey`,
    ],
  },
];
