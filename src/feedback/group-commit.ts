/**
 * Group commit for issued cards: every request still waits until its cards are
 * stored (so feedback on them, sent to any replica, finds them), but requests
 * share writes — those answered in the same turn of the event loop share one,
 * and those arriving while a write is in progress share the next. Under load
 * one INSERT then serves many requests (the embedded store costs ~0.6 ms of
 * CPU per statement, however small); an idle service writes after one turn,
 * never after a timer.
 */
import type { IssuedCard } from '../store/types';

/** Keeps one INSERT's parameter arrays bounded; more waiting cards go in the next write. */
const MAX_CARDS_PER_WRITE = 1000;

interface Waiting {
  cards: readonly IssuedCard[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(private readonly write: (cards: readonly IssuedCard[]) => Promise<void>) {}

  /** Resolves when these cards are stored; rejects with the store's error when their write failed. */
  record(cards: readonly IssuedCard[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ cards, resolve, reject });
      if (this.waiting.length === 1 && !this.writing) setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    while (this.waiting.length > 0) {
      const batch = this.takeBatch();
      try {
        await this.write(batch.flatMap((entry) => entry.cards));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.writing = false;
  }

  /** The oldest waiting requests, whole, up to the card limit (always at least one request). */
  private takeBatch(): Waiting[] {
    let cards = 0;
    let count = 0;
    for (const entry of this.waiting) {
      if (count > 0 && cards + entry.cards.length > MAX_CARDS_PER_WRITE) break;
      cards += entry.cards.length;
      count += 1;
    }
    return this.waiting.splice(0, count);
  }
}
