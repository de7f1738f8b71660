/**
 * The application service between HTTP and the store: remembers issued cards,
 * records feedback, builds the quality-indicator report. The clinical layers
 * stay free of I/O; this is where the I/O about their output happens.
 */
import type { Card } from '../cards/card';
import type { CdsServiceDefinition } from '../cds/services';
import { StoreError, type QualityStore, type UnknownSuggestion } from '../store/types';
import { GroupCommit } from './group-commit';
import { buildReport, parsePeriod, type QualityIndicatorReport } from './indicators';
import { parseFeedback } from './request';

/** Feedback names cards this service did not issue (or that were not recorded); nothing was stored. */
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

export type IssuedRecording =
  | { recorded: true }
  /** The app was built without a store (embedding tests): nothing to record into. */
  | { recorded: 'no-store' }
  | { recorded: false; lostCards: number; lostTotal: number; causeCode?: string };

export class FeedbackService {
  private lostIssuedCards = 0;
  private readonly issuedCards: GroupCommit | undefined;

  constructor(
    private readonly store: QualityStore | undefined,
    private readonly clock: () => Date,
  ) {
    this.issuedCards = store && new GroupCommit((cards) => store.recordIssuedCards(cards));
  }

  /**
   * Never throws: the cards are clinical safety information and are answered
   * even when they cannot be counted. A loss is returned for the caller to log.
   */
  async recordIssued(
    service: Pick<CdsServiceDefinition, 'id' | 'hook'>,
    cards: readonly Card[],
  ): Promise<IssuedRecording> {
    if (!this.issuedCards) return { recorded: 'no-store' };
    if (cards.length === 0) return { recorded: true };
    const issuedAt = this.clock();
    try {
      await this.issuedCards.record(
        cards.map((card) => ({
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
      return { recorded: true };
    } catch (error) {
      this.lostIssuedCards += cards.length;
      return {
        recorded: false,
        lostCards: cards.length,
        lostTotal: this.lostIssuedCards,
        ...(error instanceof StoreError && error.causeCode ? { causeCode: error.causeCode } : {}),
      };
    }
  }

  /**
   * Throws RequestValidationError (400), UnknownCardsError or UnknownSuggestionsError
   * (422) or StoreError (503).
   */
  async submit(
    serviceId: string,
    body: unknown,
  ): Promise<{ stored: number; enriched: number; duplicates: number }> {
    const entries = parseFeedback(body);
    const result = await this.configuredStore().recordFeedback(serviceId, entries, this.clock());
    if (result.kind === 'unknown-cards') throw new UnknownCardsError(result.positions, serviceId);
    if (result.kind === 'unknown-suggestions') throw new UnknownSuggestionsError(result.items);
    return { stored: result.stored, enriched: result.enriched, duplicates: result.duplicates };
  }

  async qualityIndicators(query: {
    from?: unknown;
    to?: unknown;
  }): Promise<QualityIndicatorReport> {
    const period = parsePeriod(query, this.clock());
    const counts = await this.configuredStore().outcomeCounts(period.start, period.endExclusive);
    return buildReport(period, counts);
  }

  private configuredStore(): QualityStore {
    if (!this.store) throw new StoreError('no store configured');
    return this.store;
  }
}
