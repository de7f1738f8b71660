/**
 * What the service remembers: the cards it issued and the feedback on them, and
 * the JWT ids it has seen. No patient identifiers and no free text are stored
 * (README "Feedback and quality indicators" lists every column).
 */

export type Outcome = 'accepted' | 'overridden';

/** One card as issued: enough to tie feedback to its recommendation, nothing about the patient. */
export interface IssuedCard {
  cardUuid: string;
  serviceId: string;
  hook: string;
  /** card.source.topic.code */
  recommendationCode: string;
  issuedAt: Date;
}

/** One feedback item as stored; the user's free-text comment is reduced to whether there was one. */
export interface FeedbackEntry {
  cardUuid: string;
  outcome: Outcome;
  acceptedSuggestionIds: readonly string[];
  overrideReason?: { system?: string; code?: string };
  hasUserComment: boolean;
  outcomeAt: Date;
  /**
   * Not stored. True when the card uuid's signature proves that this service
   * issued the card (src/feedback/card-ids.ts): the feedback is then stored even
   * when the issued-card record is not (yet) there — it is written behind, by
   * any replica. False: the store must find the record, else the card is unknown.
   */
  issueProven: boolean;
}

export type FeedbackResult =
  | { kind: 'recorded'; stored: number; duplicates: number }
  /** Nothing was stored: these positions name cards (not issueProven) this service has no record of. */
  | { kind: 'unknown-cards'; positions: number[] };

/** Cards issued in a period, grouped by code and by the outcome of each card's latest feedback. */
export interface OutcomeCount {
  code: string;
  /** null: no feedback yet. */
  outcome: Outcome | null;
  reasonSystem: string | null;
  reasonCode: string | null;
  cards: number;
}

export interface QualityStore {
  /**
   * The secret card uuids are signed with: the one stored, or else `candidate`,
   * stored now. Every process on one database gets the same key (the first
   * stored wins), and it survives restarts wherever the store keeps its data.
   */
  signingKey(candidate: Uint8Array): Promise<Uint8Array>;
  /** Idempotent: a card uuid already recorded is left as it is. */
  recordIssuedCards(cards: readonly IssuedCard[]): Promise<void>;
  /**
   * All entries or none, in one transaction; an identical entry posted again is a
   * duplicate, not a new row. Feedback may arrive before its card's record.
   */
  recordFeedback(
    serviceId: string,
    entries: readonly FeedbackEntry[],
    receivedAt: Date,
  ): Promise<FeedbackResult>;
  /** Cards issued in [from, toExclusive). */
  outcomeCounts(from: Date, toExclusive: Date): Promise<OutcomeCount[]>;
  /** True the first time (issuer, jti) is seen while an earlier use has not expired. */
  rememberJti(issuer: string, jti: string, expiresAt: Date, now: Date): Promise<boolean>;
  /** Deletes expired JWT ids; returns how many. */
  purgeExpiredJtis(now: Date): Promise<number>;
  close(): Promise<void>;
}

/** Any failure of the database; the HTTP layer answers 503. Carries no SQL and no values. */
export class StoreError extends Error {
  /** SQLSTATE or errno code of the cause, when it has one (safe to log). */
  readonly causeCode: string | undefined;

  constructor(
    readonly operation: string,
    cause?: unknown,
  ) {
    super(`store operation failed: ${operation}`, { cause });
    this.name = 'StoreError';
    const code =
      typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    this.causeCode =
      typeof code === 'string' && /^[A-Za-z0-9_]{1,32}$/.test(code) ? code : undefined;
  }
}
