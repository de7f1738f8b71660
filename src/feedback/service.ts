/**
 * The application service between HTTP and the store: remembers issued cards,
 * records feedback, builds the quality-indicator report. The clinical layers
 * stay free of I/O; this is where the I/O about their output happens.
 */
import { randomBytes } from 'node:crypto';
import type { Card } from '../cards/card';
import type { CdsServiceDefinition } from '../cds/services';
import { StoreError, type QualityStore, type UnknownSuggestion } from '../store/types';
import { CardIdSigner, SIGNING_KEY_BYTES } from './card-ids';
import { buildReport, parsePeriod, type QualityIndicatorReport } from './indicators';
import { parseFeedback } from './request';
import { IssuedCardWriter } from './write-behind';

/** The card with its uuid and its suggestions' uuids signed. */
function signCard(signer: CardIdSigner, serviceId: string, card: Card): Card {
  const uuid = signer.cardId(serviceId);
  // Copied, then assigned: `{ ...card, uuid }` costs ~100× more on Node 20 (docs/benchmark.md).
  const signed: Card = { ...card };
  signed.uuid = uuid;
  if (card.suggestions) {
    signed.suggestions = card.suggestions.map((suggestion) => {
      const copy = { ...suggestion };
      copy.uuid = signer.suggestionId(uuid);
      return copy;
    });
  }
  return signed;
}

/** Feedback names cards this service did not issue; nothing was stored. */
export class UnknownCardsError extends Error {
  constructor(
    readonly positions: readonly number[],
    serviceId: string,
  ) {
    super(
      `${positions
        .slice(0, 5)
        .map((position) => `feedback[${position}].card`)
        .join(', ')}: no card with this uuid was issued by service ${serviceId}`,
    );
    this.name = 'UnknownCardsError';
  }
}

/** Feedback accepts suggestions its card never had; nothing was stored. */
export class UnknownSuggestionsError extends Error {
  constructor(readonly items: readonly UnknownSuggestion[]) {
    super(
      `${items
        .slice(0, 5)
        .map((item) => `feedback[${item.position}].acceptedSuggestions[${item.suggestion}].id`)
        .join(', ')}: not the uuid of a suggestion of that card`,
    );
    this.name = 'UnknownSuggestionsError';
  }
}

/** A failed write of issued-card records, for the caller to log and count. */
export interface IssuedCardsLost {
  lostCards: number;
  lostTotal: number;
  causeCode?: string;
}

export class FeedbackService {
  private lostIssuedCards = 0;
  private readonly writer: IssuedCardWriter | undefined;
  private signer: Promise<CardIdSigner | undefined> | undefined;

  constructor(
    private readonly store: QualityStore | undefined,
    private readonly clock: () => Date,
    onLost: (lost: IssuedCardsLost) => void = () => undefined,
  ) {
    this.writer =
      store &&
      new IssuedCardWriter(
        (cards) => store.recordIssuedCards(cards),
        (cards, error) => {
          this.lostIssuedCards += cards.length;
          onLost({
            lostCards: cards.length,
            lostTotal: this.lostIssuedCards,
            ...(error instanceof StoreError && error.causeCode
              ? { causeCode: error.causeCode }
              : {}),
          });
        },
      );
  }

  /**
   * The cards as answered: card and suggestion uuids signed (so feedback on them
   * is verified without a lookup), their records queued to be written after the
   * answer. Never throws and never waits for a write: the cards are clinical
   * safety information and are answered even when they cannot be counted. Only
   * the first call waits, once, for the signing key.
   */
  async issue(
    service: Pick<CdsServiceDefinition, 'id' | 'hook'>,
    cards: readonly Card[],
  ): Promise<Card[]> {
    if (!this.writer || cards.length === 0) return [...cards];
    const signer = await this.cardIdSigner();
    const signed = signer ? cards.map((card) => signCard(signer, service.id, card)) : [...cards];
    const issuedAt = this.clock();
    this.writer.add(
      signed.map((card) => ({
        cardUuid: card.uuid,
        serviceId: service.id,
        hook: service.hook,
        recommendationCode: card.source.topic.code,
        suggestionUuids: (card.suggestions ?? []).map((suggestion) =>
          suggestion.uuid.toLowerCase(),
        ),
        issuedAt,
      })),
    );
    return signed;
  }

  /** Resolves when every issued-card record queued so far is written (or reported lost). */
  flush(): Promise<void> {
    return this.writer?.flush() ?? Promise.resolve();
  }

  /**
   * Throws RequestValidationError (400), UnknownCardsError or UnknownSuggestionsError
   * (422) or StoreError (503). A card uuid signed by this service, and its accepted
   * suggestion ids, are checked with the signature (no lookup: the card's record
   * may not be written yet); any other card must be recorded as issued, and its
   * accepted suggestions are checked against the recorded suggestion uuids.
   */
  async submit(
    serviceId: string,
    body: unknown,
  ): Promise<{ stored: number; enriched: number; duplicates: number }> {
    const parsed = parseFeedback(body);
    const store = this.configuredStore();
    const signer = await this.cardIdSigner();
    const entries = parsed.map((entry) => {
      if (!signer?.isCardOf(serviceId, entry.cardUuid)) return { ...entry, issueProven: false };
      const unprovenSuggestions = entry.acceptedSuggestionIds.flatMap((id, index) =>
        signer.isSuggestionOf(entry.cardUuid, id) ? [] : [index],
      );
      return { ...entry, issueProven: true, unprovenSuggestions };
    });
    const result = await store.recordFeedback(serviceId, entries, this.clock());
    if (result.kind === 'unknown-cards') throw new UnknownCardsError(result.positions, serviceId);
    if (result.kind === 'unknown-suggestions') throw new UnknownSuggestionsError(result.items);
    return { stored: result.stored, enriched: result.enriched, duplicates: result.duplicates };
  }

  async qualityIndicators(query: {
    from?: unknown;
    to?: unknown;
  }): Promise<QualityIndicatorReport> {
    const period = parsePeriod(query, this.clock());
    // The cards this process issued so far count, though their records are written behind.
    await this.flush();
    const counts = await this.configuredStore().outcomeCounts(period.start, period.endExclusive);
    return buildReport(period, counts);
  }

  /**
   * The store's key, asked for once; undefined while the store cannot give it
   * (cards then keep their random uuids and feedback on them needs their records).
   */
  private cardIdSigner(): Promise<CardIdSigner | undefined> {
    const store = this.store;
    if (!store) return Promise.resolve(undefined);
    this.signer ??= store.signingKey(randomBytes(SIGNING_KEY_BYTES)).then(
      (key) => new CardIdSigner(key),
      () => {
        this.signer = undefined;
        return undefined;
      },
    );
    return this.signer;
  }

  private configuredStore(): QualityStore {
    if (!this.store) throw new StoreError('no store configured');
    return this.store;
  }
}
