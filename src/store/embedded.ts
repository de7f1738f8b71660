/**
 * The embedded default (no DATABASE_URL): the whole store in this process's
 * memory, plus an append-only file of JSON lines that replays it after a restart
 * (docs/store.md). Pure JavaScript, no native code, one process per file (lock.ts).
 *
 * Every change is applied in memory first — a JavaScript turn is the transaction,
 * so checks and changes cannot interleave — then appended to the file; the
 * caller's promise settles when the line is written, and a failed append undoes
 * the change. Lines reach the operating system (a crashed process loses nothing
 * written); they are fsynced on close, not on every write. Opening compacts the
 * file to the live state (expired JWT ids dropped).
 */
import { mkdirSync } from 'node:fs';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { lockDataPath } from './lock';
import {
  StoreError,
  type FeedbackEntry,
  type FeedbackResult,
  type IssuedCard,
  type Outcome,
  type OutcomeCount,
  type QualityStore,
} from './types';

interface CardRecord {
  serviceId: string;
  hook: string;
  code: string;
  issuedAt: number;
  /** Lower case; undefined for a card written before they were kept (accepts any). */
  suggestions: readonly string[] | undefined;
}

interface FeedbackRecord {
  outcome: Outcome;
  suggestions: readonly string[];
  reasonSystem: string | null;
  reasonCode: string | null;
  hasUserComment: boolean;
  outcomeAt: number;
  receivedAt: number;
}

/** [uuid, outcome, suggestions, reason system, reason code, has comment, outcomeAt ms, receivedAt ms] */
type FeedbackLine = [
  string,
  Outcome,
  string[],
  string | null,
  string | null,
  boolean,
  number,
  number,
];
type CardLine = [string, string, string, string, number, string[]?];

/** One line of the file. Short keys: the file holds one line per write. */
type LogLine =
  | { k: 'key'; key: string }
  /** [uuid, service, hook, code, issuedAt ms, suggestion uuids (absent in files written before)] */
  | { k: 'cards'; c: CardLine[] }
  | { k: 'feedback'; f: FeedbackLine[] }
  | { k: 'jti'; i: string; j: string; e: number }
  | { k: 'purge'; t: number };

export class EmbeddedStore implements QualityStore {
  private key: Uint8Array | undefined;
  private readonly cards = new Map<string, CardRecord>();
  private readonly feedback = new Map<string, FeedbackRecord[]>();
  private readonly jtis = new Map<string, number>();
  private closed = false;

  private constructor(private readonly log: AppendLog | undefined) {}

  /** `file` undefined: in memory only, gone when the process ends. */
  static async open(file: string | undefined): Promise<EmbeddedStore> {
    if (!file) return new EmbeddedStore(undefined);
    const path = resolve(file);
    const release = lockDataPath(path);
    try {
      mkdirSync(dirname(path), { recursive: true });
      const loading = new EmbeddedStore(undefined);
      loading.replay(await readLines(path));
      // Compaction: the live state, written aside and renamed over the old file.
      const compacted = `${path}.compacting`;
      const writer = await AppendLog.open(compacted, () => undefined, 'w');
      await writer.append(loading.snapshot());
      await writer.close();
      await rename(compacted, path);
      const store = new EmbeddedStore(await AppendLog.open(path, release, 'a'));
      store.adopt(loading);
      return store;
    } catch (error) {
      release();
      throw error instanceof StoreError ? error : new StoreError('open embedded store', error);
    }
  }

  async signingKey(candidate: Uint8Array): Promise<Uint8Array> {
    this.checkOpen('signing key');
    if (this.key) return this.key;
    const key = new Uint8Array(candidate);
    this.key = key;
    await this.persist(
      'signing key',
      [{ k: 'key', key: Buffer.from(key).toString('base64') }],
      () => {
        this.key = undefined;
      },
    );
    return key;
  }

  async recordIssuedCards(cards: readonly IssuedCard[]): Promise<void> {
    this.checkOpen('record issued cards');
    const added = new Map<string, IssuedCard>();
    for (const card of cards) {
      const uuid = card.cardUuid.toLowerCase();
      // Copied, then assigned: `{ ...card, cardUuid }` costs ~100× more on Node 20 (docs/benchmark.md).
      if (!this.cards.has(uuid) && !added.has(uuid))
        added.set(uuid, Object.assign({ ...card }, { cardUuid: uuid }));
    }
    if (added.size === 0) return;
    for (const [uuid, card] of added) this.cards.set(uuid, cardRecord(card));
    await this.persist(
      'record issued cards',
      [
        {
          k: 'cards',
          c: [...added.values()].map((card) => [
            card.cardUuid,
            card.serviceId,
            card.hook,
            card.recommendationCode,
            card.issuedAt.getTime(),
            card.suggestionUuids.map((uuid) => uuid.toLowerCase()),
          ]),
        },
      ],
      () => {
        for (const uuid of added.keys()) this.cards.delete(uuid);
      },
    );
  }

  async recordFeedback(
    serviceId: string,
    entries: readonly FeedbackEntry[],
    receivedAt: Date,
  ): Promise<FeedbackResult> {
    this.checkOpen('record feedback');
    const recordOf = (entry: FeedbackEntry): CardRecord | undefined => {
      const card = this.cards.get(entry.cardUuid.toLowerCase());
      return card?.serviceId === serviceId ? card : undefined;
    };
    const unknown = entries.flatMap((entry, position) =>
      entry.issueProven || recordOf(entry) ? [] : [position],
    );
    if (unknown.length > 0) return { kind: 'unknown-cards', positions: unknown };
    const unknownSuggestions = entries.flatMap((entry, position) => {
      if (entry.issueProven) {
        return (entry.unprovenSuggestions ?? []).map((suggestion) => ({ position, suggestion }));
      }
      const suggestions = recordOf(entry)?.suggestions;
      if (!suggestions) return [];
      return entry.acceptedSuggestionIds.flatMap((id, suggestion) =>
        suggestions.includes(id.toLowerCase()) ? [] : [{ position, suggestion }],
      );
    });
    if (unknownSuggestions.length > 0) {
      return { kind: 'unknown-suggestions', items: unknownSuggestions };
    }
    const lines: FeedbackLine[] = [];
    const undo: (() => void)[] = [];
    let stored = 0;
    let enriched = 0;
    for (const entry of entries) {
      const uuid = entry.cardUuid.toLowerCase();
      const record = feedbackRecord(entry, receivedAt);
      const change = this.addFeedback(uuid, record);
      if (change === 'duplicate') continue;
      if (change === 'stored') stored += 1;
      else enriched += 1;
      undo.push(change === 'stored' ? () => this.removeFeedback(uuid, record) : change);
      lines.push(feedbackLine(uuid, record));
    }
    if (lines.length > 0) {
      await this.persist('record feedback', [{ k: 'feedback', f: lines }], () => {
        for (const step of undo.reverse()) step();
      });
    }
    return {
      kind: 'recorded',
      stored,
      enriched,
      duplicates: entries.length - stored - enriched,
    };
  }

  async outcomeCounts(from: Date, toExclusive: Date): Promise<OutcomeCount[]> {
    this.checkOpen('read outcome counts');
    const start = from.getTime();
    const end = toExclusive.getTime();
    const counts = new Map<string, OutcomeCount>();
    for (const [uuid, card] of this.cards) {
      if (card.issuedAt < start || card.issuedAt >= end) continue;
      const latest = latestOf(this.feedback.get(uuid));
      const row: OutcomeCount = {
        code: card.code,
        outcome: latest?.outcome ?? null,
        reasonSystem: latest?.reasonSystem ?? null,
        reasonCode: latest?.reasonCode ?? null,
        cards: 0,
        suggestions: 0,
      };
      const group = JSON.stringify([row.code, row.outcome, row.reasonSystem, row.reasonCode]);
      const counted = counts.get(group) ?? row;
      counted.cards += 1;
      counted.suggestions += latest?.suggestions.length ?? 0;
      counts.set(group, counted);
    }
    // The order PostgreSQL gives (ORDER BY 1, 2, 3, 4: nulls last).
    return [...counts.values()].sort(
      (a, b) =>
        compareText(a.code, b.code) ||
        compareText(a.outcome, b.outcome) ||
        compareText(a.reasonSystem, b.reasonSystem) ||
        compareText(a.reasonCode, b.reasonCode),
    );
  }

  async rememberJti(issuer: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    this.checkOpen('remember jti');
    const key = jtiKey(issuer, jti);
    const until = this.jtis.get(key);
    if (until !== undefined && until > now.getTime()) return false;
    this.jtis.set(key, expiresAt.getTime());
    await this.persist(
      'remember jti',
      [{ k: 'jti', i: issuer, j: jti, e: expiresAt.getTime() }],
      () => {
        if (until === undefined) this.jtis.delete(key);
        else this.jtis.set(key, until);
      },
    );
    return true;
  }

  async purgeExpiredJtis(now: Date): Promise<number> {
    this.checkOpen('purge expired jti');
    const purged = this.purge(now.getTime());
    // Not undone on failure: an expired id is as good as absent either way.
    if (purged > 0) await this.persist('purge expired jti', [{ k: 'purge', t: now.getTime() }]);
    return purged;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.log?.close();
    } catch (error) {
      throw new StoreError('close', error);
    }
  }

  private checkOpen(operation: string): void {
    if (this.closed) throw new StoreError(operation, { code: 'closed' });
  }

  /** Appends the lines; when that fails, undoes the change and throws a StoreError. */
  private async persist(operation: string, lines: LogLine[], undo?: () => void): Promise<void> {
    if (!this.log) return;
    try {
      await this.log.append(lines);
    } catch (error) {
      undo?.();
      throw new StoreError(operation, error);
    }
  }

  /**
   * Stores the record, or — when its key (outcome, outcomeAt) is stored for the
   * card — enriches the stored one as the SQL store does: a reason where there was
   * none, a comment where there was none, accepted ids not yet listed (appended);
   * a stored reason is never replaced. Returns how to undo an enrichment.
   * Replaying the file applies the same rule, so an enriching line rebuilds it.
   */
  private addFeedback(uuid: string, record: FeedbackRecord): 'stored' | 'duplicate' | (() => void) {
    const list = this.feedback.get(uuid);
    if (!list) {
      this.feedback.set(uuid, [record]);
      return 'stored';
    }
    const index = list.findIndex(
      (old) => old.outcome === record.outcome && old.outcomeAt === record.outcomeAt,
    );
    if (index < 0) {
      list.push(record);
      return 'stored';
    }
    const old = list[index] as FeedbackRecord;
    const addedIds = record.suggestions.filter((id) => !old.suggestions.includes(id));
    const addsReason = old.reasonCode === null && record.reasonCode !== null;
    const addsComment = !old.hasUserComment && record.hasUserComment;
    if (!addsReason && !addsComment && addedIds.length === 0) return 'duplicate';
    list[index] = {
      ...old,
      suggestions: [...old.suggestions, ...addedIds],
      reasonSystem: old.reasonCode === null ? record.reasonSystem : old.reasonSystem,
      reasonCode: old.reasonCode ?? record.reasonCode,
      hasUserComment: old.hasUserComment || record.hasUserComment,
    };
    return () => {
      list[index] = old;
    };
  }

  private removeFeedback(uuid: string, record: FeedbackRecord): void {
    const list = this.feedback.get(uuid) ?? [];
    const index = list.indexOf(record);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.feedback.delete(uuid);
  }

  private purge(now: number): number {
    let purged = 0;
    for (const [key, until] of this.jtis) {
      if (until <= now) {
        this.jtis.delete(key);
        purged += 1;
      }
    }
    return purged;
  }

  private replay(lines: readonly LogLine[]): void {
    for (const line of lines) {
      switch (line.k) {
        case 'key':
          this.key = new Uint8Array(Buffer.from(line.key, 'base64'));
          break;
        case 'cards':
          for (const [uuid, serviceId, hook, code, issuedAt, suggestions] of line.c) {
            if (!this.cards.has(uuid)) {
              this.cards.set(uuid, { serviceId, hook, code, issuedAt, suggestions });
            }
          }
          break;
        case 'feedback':
          for (const [uuid, outcome, suggestions, system, code, comment, at, received] of line.f) {
            this.addFeedback(uuid, {
              outcome,
              suggestions,
              reasonSystem: system,
              reasonCode: code,
              hasUserComment: comment,
              outcomeAt: at,
              receivedAt: received,
            });
          }
          break;
        case 'jti':
          this.jtis.set(jtiKey(line.i, line.j), line.e);
          break;
        case 'purge':
          this.purge(line.t);
          break;
      }
    }
  }

  /** The live state as lines; expired JWT ids are left out. */
  private snapshot(): LogLine[] {
    const lines: LogLine[] = [];
    if (this.key) lines.push({ k: 'key', key: Buffer.from(this.key).toString('base64') });
    const cards = [...this.cards].map(([uuid, card]): CardLine => {
      const line: CardLine = [uuid, card.serviceId, card.hook, card.code, card.issuedAt];
      if (card.suggestions) line.push([...card.suggestions]);
      return line;
    });
    for (let index = 0; index < cards.length; index += 1000) {
      lines.push({ k: 'cards', c: cards.slice(index, index + 1000) });
    }
    for (const [uuid, list] of this.feedback) {
      lines.push({
        k: 'feedback',
        f: list.map((record) => feedbackLine(uuid, record)),
      });
    }
    const now = Date.now();
    for (const [key, until] of this.jtis) {
      if (until <= now) continue;
      const [issuer, jti] = JSON.parse(key) as [string, string];
      lines.push({ k: 'jti', i: issuer, j: jti, e: until });
    }
    return lines;
  }

  private adopt(other: EmbeddedStore): void {
    this.key = other.key;
    for (const [uuid, card] of other.cards) this.cards.set(uuid, card);
    for (const [uuid, list] of other.feedback) this.feedback.set(uuid, list);
    for (const [key, until] of other.jtis) this.jtis.set(key, until);
  }
}

/** Appends lines to a file, one write at a time; appends made meanwhile share the next write. */
class AppendLog {
  private queue: { text: string; done: (error?: unknown) => void }[] = [];
  private writing: Promise<void> | undefined;

  private constructor(
    private readonly handle: FileHandle,
    private readonly release: () => void,
  ) {}

  static async open(path: string, release: () => void, flags: 'a' | 'w'): Promise<AppendLog> {
    return new AppendLog(await open(path, flags, 0o600), release);
  }

  append(lines: readonly LogLine[]): Promise<void> {
    const text = lines.map((line) => `${JSON.stringify(line)}\n`).join('');
    return new Promise((resolvePromise, reject) => {
      this.queue.push({ text, done: (error) => (error ? reject(error) : resolvePromise()) });
      this.writing ??= this.drain();
    });
  }

  async close(): Promise<void> {
    try {
      while (this.writing) await this.writing;
      await this.handle.sync();
      await this.handle.close();
    } finally {
      this.release();
    }
  }

  private async drain(): Promise<void> {
    // Let the appends of this turn join the write.
    await new Promise<void>((resolveTurn) => setImmediate(resolveTurn));
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const bytes = Buffer.from(batch.map((entry) => entry.text).join(''), 'utf8');
        let offset = 0;
        while (offset < bytes.length) {
          const { bytesWritten } = await this.handle.write(bytes, offset);
          offset += bytesWritten;
        }
        for (const entry of batch) entry.done();
      } catch (error) {
        for (const entry of batch) entry.done(error ?? new Error('write failed'));
      }
    }
    this.writing = undefined;
  }
}

/**
 * The file's lines. A last line without its newline was cut by a crash mid-write
 * and is dropped; any other line that does not parse is corruption, refused.
 */
async function readLines(path: string): Promise<LogLine[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parts = text.split('\n');
  // The part after the last newline: empty, or a line cut short.
  parts.pop();
  return parts.map((part, index) => {
    try {
      return parseLine(part);
    } catch {
      throw new StoreError(`read embedded store: line ${index + 1} is not a valid record`);
    }
  });
}

function parseLine(text: string): LogLine {
  const line = JSON.parse(text) as LogLine;
  const ok =
    (line.k === 'key' && typeof line.key === 'string') ||
    (line.k === 'cards' && Array.isArray(line.c)) ||
    (line.k === 'feedback' && Array.isArray(line.f)) ||
    (line.k === 'jti' && typeof line.i === 'string' && typeof line.e === 'number') ||
    (line.k === 'purge' && typeof line.t === 'number');
  if (!ok) throw new Error('not a record');
  return line;
}

function cardRecord(card: IssuedCard): CardRecord {
  return {
    serviceId: card.serviceId,
    hook: card.hook,
    code: card.recommendationCode,
    issuedAt: card.issuedAt.getTime(),
    suggestions: card.suggestionUuids.map((uuid) => uuid.toLowerCase()),
  };
}

function feedbackLine(uuid: string, record: FeedbackRecord): FeedbackLine {
  return [
    uuid,
    record.outcome,
    [...record.suggestions],
    record.reasonSystem,
    record.reasonCode,
    record.hasUserComment,
    record.outcomeAt,
    record.receivedAt,
  ];
}

function feedbackRecord(entry: FeedbackEntry, receivedAt: Date): FeedbackRecord {
  return {
    outcome: entry.outcome,
    suggestions: [...entry.acceptedSuggestionIds],
    reasonSystem: entry.overrideReason?.system ?? null,
    reasonCode: entry.overrideReason?.code ?? null,
    hasUserComment: entry.hasUserComment,
    outcomeAt: entry.outcomeAt.getTime(),
    receivedAt: receivedAt.getTime(),
  };
}

/** The latest feedback: by outcome time, then the one stored last. */
function latestOf(list: readonly FeedbackRecord[] | undefined): FeedbackRecord | undefined {
  let latest: FeedbackRecord | undefined;
  for (const record of list ?? []) {
    if (!latest || record.outcomeAt >= latest.outcomeAt) latest = record;
  }
  return latest;
}

function jtiKey(issuer: string, jti: string): string {
  return JSON.stringify([issuer, jti]);
}

/** Ascending, null last (PostgreSQL's default order). */
function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
