/**
 * Issued cards are written behind: a hook call hands its cards over and answers
 * at once; the records are written after the answer, in batches — the cards of
 * every request answered in the same turn of the event loop share one write, and
 * those arriving while a write is in progress share the next. Feedback does not
 * need the record (the card uuid is signed, card-ids.ts); the quality indicators
 * and shutdown wait for the writes (flush). A crash loses the records not yet
 * written (docs/store.md "What a crash may lose").
 */
import type { IssuedCard } from '../store/types';

/** Keeps one write bounded; more waiting cards go in the next write. */
const MAX_CARDS_PER_WRITE = 1000;
/**
 * Bounds the memory of a queue behind a store that has become slow (a query
 * timeout is 10 s): beyond this many waiting records, new ones are reported lost.
 */
export const MAX_PENDING_CARDS = 50_000;

export class IssuedCardWriter {
  private pending: IssuedCard[] = [];
  private draining = false;
  private flushed: (() => void)[] = [];

  constructor(
    private readonly write: (cards: readonly IssuedCard[]) => Promise<void>,
    /** Called once per failed write with its cards; they are not retried. */
    private readonly onLost: (cards: readonly IssuedCard[], error: unknown) => void,
  ) {}

  /** Queues the records; never waits, never throws. */
  add(cards: readonly IssuedCard[]): void {
    if (cards.length === 0) return;
    if (this.pending.length + cards.length > MAX_PENDING_CARDS) {
      this.onLost(cards, new Error('too many issued-card records waiting to be written'));
      return;
    }
    this.pending.push(...cards);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => void this.drain());
    }
  }

  /** Resolves when every record queued so far has been written (or reported lost). */
  flush(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((resolve) => this.flushed.push(resolve));
  }

  /** Records queued and not yet handed to a write. */
  get backlog(): number {
    return this.pending.length;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_CARDS_PER_WRITE);
      try {
        await this.write(batch);
      } catch (error) {
        this.onLost(batch, error);
      }
    }
    this.draining = false;
    const waiting = this.flushed;
    this.flushed = [];
    for (const resolve of waiting) resolve();
  }
}
