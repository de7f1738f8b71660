/**
 * The store contract suite (QualityStore): the embedded default in memory and on
 * file, and PGlite; the same tests against PostgreSQL when DATABASE_URL is set
 * (.ci/postgres-tests.sh). Each test uses its own recommendation codes and card
 * uuids, so runs can share a database.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { openSqlStore } from '../../src/store/open';
import { SqlStore } from '../../src/store/sql-store';
import {
  StoreError,
  type FeedbackEntry,
  type IssuedCard,
  type QualityStore,
} from '../../src/store/types';
import {
  CONTRACT_STORE_KINDS,
  openTestStore,
  STORE_KIND,
  STORE_START_TIMEOUT_MS,
} from '../helpers/stores';

let store: QualityStore;

const DAY = new Date('2026-03-10T12:00:00Z');
const PERIOD_START = new Date('2026-03-10T00:00:00Z');
const PERIOD_END = new Date('2026-03-11T00:00:00Z');

function uniqueCode(): string {
  return `test-${randomUUID()}`;
}

function issued(code: string, overrides: Partial<IssuedCard> = {}): IssuedCard {
  return {
    cardUuid: randomUUID(),
    serviceId: 'fls-patient-view',
    hook: 'patient-view',
    recommendationCode: code,
    suggestionUuids: [randomUUID(), randomUUID()],
    issuedAt: DAY,
    ...overrides,
  };
}

function accepted(card: IssuedCard, at = '2026-03-10T12:05:00Z'): FeedbackEntry {
  return {
    cardUuid: card.cardUuid,
    outcome: 'accepted',
    acceptedSuggestionIds: card.suggestionUuids.slice(0, 1),
    hasUserComment: false,
    outcomeAt: new Date(at),
    issueProven: false,
  };
}

function overridden(
  card: IssuedCard,
  reasonCode?: string,
  at = '2026-03-10T12:06:00Z',
): FeedbackEntry {
  return {
    cardUuid: card.cardUuid,
    outcome: 'overridden',
    acceptedSuggestionIds: [],
    ...(reasonCode
      ? {
          overrideReason: {
            system: 'https://fls-cds.example.org/fhir/CodeSystem/override-reason',
            code: reasonCode,
          },
        }
      : {}),
    hasUserComment: true,
    outcomeAt: new Date(at),
    issueProven: false,
  };
}

/** The code's rows by outcome and reason (the accepted-suggestion counts have their own test). */
async function countsFor(code: string) {
  const rows = await store.outcomeCounts(PERIOD_START, PERIOD_END);
  return rows
    .filter((row) => row.code === code)
    .map((row) => ({
      code: row.code,
      outcome: row.outcome,
      reasonSystem: row.reasonSystem,
      reasonCode: row.reasonCode,
      cards: row.cards,
    }));
}

describe.each(CONTRACT_STORE_KINDS)('store on %s', (kind) => {
  beforeAll(async () => {
    store = await openTestStore(kind);
  }, STORE_START_TIMEOUT_MS);

  afterAll(async () => {
    await store?.close();
  });

  const testSql = kind === 'postgres' || kind === 'pglite' ? test : test.skip;
  testSql('migrating again applies nothing (the schema is current)', async () => {
    if (!(store instanceof SqlStore)) throw new Error('expected a SQL store');
    await expect(store.migrate()).resolves.toEqual([]);
  });

  describe('signing key', () => {
    test('the first key offered is kept; later offers get it back', async () => {
      const first = await store.signingKey(randomBytes(32));
      expect(first).toHaveLength(32);
      const again = await store.signingKey(randomBytes(32));
      expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true);
    });
  });

  describe('issued cards', () => {
    test('are counted once per card uuid, even when recorded twice', async () => {
      const code = uniqueCode();
      const card = issued(code);
      await store.recordIssuedCards([card, issued(code)]);
      await store.recordIssuedCards([card]);
      expect(await countsFor(code)).toEqual([
        { code, outcome: null, reasonSystem: null, reasonCode: null, cards: 2 },
      ]);
    });

    test('an empty list is a no-op', async () => {
      await expect(store.recordIssuedCards([])).resolves.toBeUndefined();
    });
  });

  describe('feedback', () => {
    test('is stored and counted by the outcome of each card', async () => {
      const code = uniqueCode();
      const cards = [issued(code), issued(code), issued(code), issued(code)];
      await store.recordIssuedCards(cards);
      const [first, second, third] = cards as [IssuedCard, IssuedCard, IssuedCard, IssuedCard];
      const result = await store.recordFeedback(
        'fls-patient-view',
        [accepted(first), overridden(second, 'already-handled'), overridden(third)],
        DAY,
      );
      expect(result).toEqual({ kind: 'recorded', stored: 3, enriched: 0, duplicates: 0 });
      const counts = await countsFor(code);
      expect(counts).toEqual(
        expect.arrayContaining([
          { code, outcome: 'accepted', reasonSystem: null, reasonCode: null, cards: 1 },
          {
            code,
            outcome: 'overridden',
            reasonSystem: 'https://fls-cds.example.org/fhir/CodeSystem/override-reason',
            reasonCode: 'already-handled',
            cards: 1,
          },
          { code, outcome: 'overridden', reasonSystem: null, reasonCode: null, cards: 1 },
          { code, outcome: null, reasonSystem: null, reasonCode: null, cards: 1 },
        ]),
      );
      expect(counts).toHaveLength(4);
    });

    test("accepted suggestions are counted per code, by each card's latest feedback", async () => {
      const code = uniqueCode();
      const [one, both, overriddenLater] = [issued(code), issued(code), issued(code)];
      await store.recordIssuedCards([one, both, overriddenLater]);
      await store.recordFeedback(
        'fls-patient-view',
        [
          accepted(one),
          { ...accepted(both), acceptedSuggestionIds: both.suggestionUuids },
          accepted(overriddenLater, '2026-03-10T12:00:00Z'),
          overridden(overriddenLater, 'already-handled', '2026-03-10T12:10:00Z'),
        ],
        DAY,
      );
      const rows = (await store.outcomeCounts(PERIOD_START, PERIOD_END)).filter(
        (row) => row.code === code,
      );
      // 1 + 2 on the accepted cards; the card overridden after its acceptance counts none.
      expect(rows.find((row) => row.outcome === 'accepted')).toMatchObject({
        cards: 2,
        suggestions: 3,
      });
      expect(rows.find((row) => row.outcome === 'overridden')).toMatchObject({
        cards: 1,
        suggestions: 0,
      });
    });

    test('the same item posted again is a duplicate, not a second row', async () => {
      const code = uniqueCode();
      const card = issued(code);
      await store.recordIssuedCards([card]);
      const entry = accepted(card);
      await store.recordFeedback('fls-patient-view', [entry], DAY);
      const again = await store.recordFeedback('fls-patient-view', [entry, entry], DAY);
      expect(again).toEqual({ kind: 'recorded', stored: 0, enriched: 0, duplicates: 2 });
      expect(await countsFor(code)).toEqual([
        { code, outcome: 'accepted', reasonSystem: null, reasonCode: null, cards: 1 },
      ]);
    });

    test('a card counts by its latest feedback (overridden, then accepted)', async () => {
      const code = uniqueCode();
      const card = issued(code);
      await store.recordIssuedCards([card]);
      await store.recordFeedback(
        'fls-patient-view',
        [accepted(card, '2026-03-10T12:10:00Z'), overridden(card, 'already-handled')],
        DAY,
      );
      expect(await countsFor(code)).toEqual([
        { code, outcome: 'accepted', reasonSystem: null, reasonCode: null, cards: 1 },
      ]);
    });

    test('a batch naming an unknown card stores nothing and says which item', async () => {
      const code = uniqueCode();
      const known = issued(code);
      await store.recordIssuedCards([known]);
      const unknown = issued(code);
      const result = await store.recordFeedback(
        'fls-patient-view',
        [accepted(known), accepted(unknown)],
        DAY,
      );
      expect(result).toEqual({ kind: 'unknown-cards', positions: [1] });
      expect(await countsFor(code)).toEqual([
        { code, outcome: null, reasonSystem: null, reasonCode: null, cards: 1 },
      ]);
    });

    test('a card issued by another service is unknown to this one', async () => {
      const card = issued(uniqueCode(), { serviceId: 'fls-order-sign', hook: 'order-sign' });
      await store.recordIssuedCards([card]);
      await expect(
        store.recordFeedback('fls-patient-view', [accepted(card)], DAY),
      ).resolves.toEqual({ kind: 'unknown-cards', positions: [0] });
      await expect(store.recordFeedback('fls-order-sign', [accepted(card)], DAY)).resolves.toEqual({
        kind: 'recorded',
        stored: 1,
        enriched: 0,
        duplicates: 0,
      });
    });

    test('on a card proven issued (signed uuid) is stored before its record, and counts once the record is written', async () => {
      const code = uniqueCode();
      const card = issued(code);
      await expect(
        store.recordFeedback('fls-patient-view', [{ ...accepted(card), issueProven: true }], DAY),
      ).resolves.toEqual({ kind: 'recorded', stored: 1, enriched: 0, duplicates: 0 });
      expect(await countsFor(code)).toEqual([]);
      await store.recordIssuedCards([card]);
      expect(await countsFor(code)).toEqual([
        { code, outcome: 'accepted', reasonSystem: null, reasonCode: null, cards: 1 },
      ]);
    });

    test('on a proven card before its record: the repeat with a reason enriches, the next is a duplicate', async () => {
      const code = uniqueCode();
      const card = issued(code);
      const bare = { ...overridden(card), hasUserComment: false, issueProven: true };
      const withReason = { ...overridden(card, 'already-handled'), issueProven: true };
      await expect(store.recordFeedback('fls-patient-view', [bare], DAY)).resolves.toEqual({
        kind: 'recorded',
        stored: 1,
        enriched: 0,
        duplicates: 0,
      });
      await expect(store.recordFeedback('fls-patient-view', [withReason], DAY)).resolves.toEqual({
        kind: 'recorded',
        stored: 0,
        enriched: 1,
        duplicates: 0,
      });
      await expect(store.recordFeedback('fls-patient-view', [withReason], DAY)).resolves.toEqual({
        kind: 'recorded',
        stored: 0,
        enriched: 0,
        duplicates: 1,
      });
      await store.recordIssuedCards([card]);
      expect(await countsFor(code)).toEqual([
        {
          code,
          outcome: 'overridden',
          reasonSystem: 'https://fls-cds.example.org/fhir/CodeSystem/override-reason',
          reasonCode: 'already-handled',
          cards: 1,
        },
      ]);
    });

    test('a proven card: the suggestions its signature does not prove are unknown, with no record needed', async () => {
      const code = uniqueCode();
      const card = issued(code);
      const entry: FeedbackEntry = {
        ...accepted(card),
        acceptedSuggestionIds: [randomUUID(), randomUUID()],
        issueProven: true,
        unprovenSuggestions: [1],
      };
      await expect(store.recordFeedback('fls-patient-view', [entry], DAY)).resolves.toEqual({
        kind: 'unknown-suggestions',
        items: [{ position: 0, suggestion: 1 }],
      });
      // Proven suggestions are not looked up: ids absent from the record are accepted.
      await store.recordIssuedCards([card]);
      const proven = { ...entry, unprovenSuggestions: [] };
      await expect(store.recordFeedback('fls-patient-view', [proven], DAY)).resolves.toEqual({
        kind: 'recorded',
        stored: 1,
        enriched: 0,
        duplicates: 0,
      });
    });

    test('unknown cards are named before unknown suggestions, proven or recorded', async () => {
      const code = uniqueCode();
      const [recorded, proven] = [issued(code), issued(code)];
      await store.recordIssuedCards([recorded]);
      const entries: FeedbackEntry[] = [
        { ...accepted(proven), issueProven: true, unprovenSuggestions: [0] },
        { ...accepted(recorded), acceptedSuggestionIds: [randomUUID()] },
        accepted(issued(code)),
      ];
      await expect(store.recordFeedback('fls-patient-view', entries, DAY)).resolves.toEqual({
        kind: 'unknown-cards',
        positions: [2],
      });
      await expect(
        store.recordFeedback('fls-patient-view', entries.slice(0, 2), DAY),
      ).resolves.toEqual({
        kind: 'unknown-suggestions',
        items: [
          { position: 0, suggestion: 0 },
          { position: 1, suggestion: 0 },
        ],
      });
      expect(await countsFor(code)).toEqual([
        { code, outcome: null, reasonSystem: null, reasonCode: null, cards: 1 },
      ]);
    });

    test('card uuids match whatever their letter case', async () => {
      const code = uniqueCode();
      const card = issued(code);
      await store.recordIssuedCards([card]);
      const entry = { ...accepted(card), cardUuid: card.cardUuid.toUpperCase() };
      await expect(store.recordFeedback('fls-patient-view', [entry], DAY)).resolves.toMatchObject({
        kind: 'recorded',
        stored: 1,
      });
    });

    test('an accepted suggestion id the card never had stores nothing and says which item and suggestion', async () => {
      const code = uniqueCode();
      const [first, second] = [issued(code), issued(code)];
      await store.recordIssuedCards([first, second]);
      const foreign = { ...accepted(second), acceptedSuggestionIds: [...first.suggestionUuids] };
      const result = await store.recordFeedback(
        'fls-patient-view',
        [accepted(first), foreign],
        DAY,
      );
      expect(result).toEqual({
        kind: 'unknown-suggestions',
        items: [
          { position: 1, suggestion: 0 },
          { position: 1, suggestion: 1 },
        ],
      });
      expect(await countsFor(code)).toEqual([
        { code, outcome: null, reasonSystem: null, reasonCode: null, cards: 2 },
      ]);
    });

    test('suggestion ids match whatever their letter case', async () => {
      const card = issued(uniqueCode());
      await store.recordIssuedCards([card]);
      const entry = {
        ...accepted(card),
        acceptedSuggestionIds: card.suggestionUuids.map((uuid) => uuid.toUpperCase()),
      };
      await expect(store.recordFeedback('fls-patient-view', [entry], DAY)).resolves.toMatchObject({
        kind: 'recorded',
        stored: 1,
      });
    });

    test('a card issued without suggestions accepts none', async () => {
      const card = issued(uniqueCode(), { suggestionUuids: [] });
      await store.recordIssuedCards([card]);
      const entry = { ...accepted(card), acceptedSuggestionIds: [randomUUID()] };
      await expect(store.recordFeedback('fls-patient-view', [entry], DAY)).resolves.toEqual({
        kind: 'unknown-suggestions',
        items: [{ position: 0, suggestion: 0 }],
      });
    });

    describe('the same action again (card, outcome, moment)', () => {
      const REASON_SYSTEM = 'https://fls-cds.example.org/fhir/CodeSystem/override-reason';

      test('adding a reason enriches the stored item, and the indicators count the reason', async () => {
        const code = uniqueCode();
        const card = issued(code);
        await store.recordIssuedCards([card]);
        const bare = { ...overridden(card), hasUserComment: false };
        await expect(store.recordFeedback('fls-patient-view', [bare], DAY)).resolves.toEqual({
          kind: 'recorded',
          stored: 1,
          enriched: 0,
          duplicates: 0,
        });
        expect(await countsFor(code)).toEqual([
          { code, outcome: 'overridden', reasonSystem: null, reasonCode: null, cards: 1 },
        ]);
        const withReason = overridden(card, 'already-handled');
        await expect(store.recordFeedback('fls-patient-view', [withReason], DAY)).resolves.toEqual({
          kind: 'recorded',
          stored: 0,
          enriched: 1,
          duplicates: 0,
        });
        expect(await countsFor(code)).toEqual([
          {
            code,
            outcome: 'overridden',
            reasonSystem: REASON_SYSTEM,
            reasonCode: 'already-handled',
            cards: 1,
          },
        ]);
        // The enriched item sent once more adds nothing: a true duplicate.
        await expect(store.recordFeedback('fls-patient-view', [withReason], DAY)).resolves.toEqual({
          kind: 'recorded',
          stored: 0,
          enriched: 0,
          duplicates: 1,
        });
      });

      test('the bare item and its enriched repeat in one batch: one stored, one enriched', async () => {
        const code = uniqueCode();
        const card = issued(code);
        await store.recordIssuedCards([card]);
        const bare = { ...overridden(card), hasUserComment: false };
        const result = await store.recordFeedback(
          'fls-patient-view',
          [bare, overridden(card, 'patient-declined')],
          DAY,
        );
        expect(result).toEqual({ kind: 'recorded', stored: 1, enriched: 1, duplicates: 0 });
        expect(await countsFor(code)).toEqual([
          {
            code,
            outcome: 'overridden',
            reasonSystem: REASON_SYSTEM,
            reasonCode: 'patient-declined',
            cards: 1,
          },
        ]);
      });

      test('a stored reason is never replaced, nor lost to a bare repeat', async () => {
        const code = uniqueCode();
        const card = issued(code);
        await store.recordIssuedCards([card]);
        await store.recordFeedback('fls-patient-view', [overridden(card, 'already-handled')], DAY);
        const other = overridden(card, 'patient-declined');
        const bare = { ...overridden(card), hasUserComment: false };
        await expect(store.recordFeedback('fls-patient-view', [other, bare], DAY)).resolves.toEqual(
          { kind: 'recorded', stored: 0, enriched: 0, duplicates: 2 },
        );
        expect(await countsFor(code)).toEqual([
          {
            code,
            outcome: 'overridden',
            reasonSystem: REASON_SYSTEM,
            reasonCode: 'already-handled',
            cards: 1,
          },
        ]);
      });

      test('a comment added to a coded override enriches it (only that there was one is kept)', async () => {
        const card = issued(uniqueCode());
        await store.recordIssuedCards([card]);
        const coded = { ...overridden(card, 'already-handled'), hasUserComment: false };
        await store.recordFeedback('fls-patient-view', [coded], DAY);
        await expect(
          store.recordFeedback('fls-patient-view', [{ ...coded, hasUserComment: true }], DAY),
        ).resolves.toEqual({ kind: 'recorded', stored: 0, enriched: 1, duplicates: 0 });
        await expect(
          store.recordFeedback('fls-patient-view', [{ ...coded, hasUserComment: true }], DAY),
        ).resolves.toEqual({ kind: 'recorded', stored: 0, enriched: 0, duplicates: 1 });
      });

      test('a further accepted suggestion enriches; the ones already stored are a duplicate', async () => {
        const card = issued(uniqueCode());
        await store.recordIssuedCards([card]);
        const [first, second] = card.suggestionUuids as [string, string];
        const one = { ...accepted(card), acceptedSuggestionIds: [first] };
        const both = { ...one, acceptedSuggestionIds: [second, first] };
        await store.recordFeedback('fls-patient-view', [one], DAY);
        await expect(store.recordFeedback('fls-patient-view', [both], DAY)).resolves.toEqual({
          kind: 'recorded',
          stored: 0,
          enriched: 1,
          duplicates: 0,
        });
        await expect(store.recordFeedback('fls-patient-view', [one, both], DAY)).resolves.toEqual({
          kind: 'recorded',
          stored: 0,
          enriched: 0,
          duplicates: 2,
        });
      });

      test('20 concurrent repeats, half with a reason: one item, its reason counted', async () => {
        const code = uniqueCode();
        const card = issued(code);
        await store.recordIssuedCards([card]);
        const bare = { ...overridden(card), hasUserComment: false };
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            store.recordFeedback(
              'fls-patient-view',
              [index % 2 === 0 ? bare : overridden(card, 'already-handled')],
              DAY,
            ),
          ),
        );
        const totals = { stored: 0, enriched: 0, duplicates: 0 };
        for (const result of results) {
          if (result.kind !== 'recorded') throw new Error(`unexpected ${result.kind}`);
          totals.stored += result.stored;
          totals.enriched += result.enriched;
          totals.duplicates += result.duplicates;
        }
        expect(totals.stored).toBe(1);
        expect(totals.enriched).toBeLessThanOrEqual(1);
        expect(totals.stored + totals.enriched + totals.duplicates).toBe(20);
        expect(await countsFor(code)).toEqual([
          {
            code,
            outcome: 'overridden',
            reasonSystem: REASON_SYSTEM,
            reasonCode: 'already-handled',
            cards: 1,
          },
        ]);
      });
    });

    test('50 concurrent feedback posts all land', async () => {
      const code = uniqueCode();
      const cards = Array.from({ length: 50 }, () => issued(code));
      await store.recordIssuedCards(cards);
      const results = await Promise.all(
        cards.map((card, index) =>
          store.recordFeedback(
            'fls-patient-view',
            [index % 2 === 0 ? accepted(card) : overridden(card, 'benefit-outweighs-risk')],
            DAY,
          ),
        ),
      );
      expect(results.every((result) => result.kind === 'recorded' && result.stored === 1)).toBe(
        true,
      );
      const counts = await countsFor(code);
      expect(counts.find((row) => row.outcome === 'accepted')?.cards).toBe(25);
      expect(counts.find((row) => row.outcome === 'overridden')?.cards).toBe(25);
      expect(counts.some((row) => row.outcome === null)).toBe(false);
    });
  });

  describe('outcome counts', () => {
    test('take the cards issued in [from, toExclusive) only', async () => {
      const code = uniqueCode();
      await store.recordIssuedCards([
        issued(code, { issuedAt: new Date('2026-03-09T23:59:59.999Z') }),
        issued(code, { issuedAt: PERIOD_START }),
        issued(code, { issuedAt: new Date('2026-03-10T23:59:59.999Z') }),
        issued(code, { issuedAt: PERIOD_END }),
      ]);
      expect(await countsFor(code)).toEqual([
        { code, outcome: null, reasonSystem: null, reasonCode: null, cards: 2 },
      ]);
    });
  });

  describe('JWT replay cache', () => {
    const now = new Date('2026-03-10T12:00:00Z');
    const later = new Date('2026-03-10T12:05:00Z');

    test('a jti is accepted once while it is live, per issuer', async () => {
      const jti = randomUUID();
      await expect(store.rememberJti('https://ehr.example.org', jti, later, now)).resolves.toBe(
        true,
      );
      await expect(store.rememberJti('https://ehr.example.org', jti, later, now)).resolves.toBe(
        false,
      );
      await expect(store.rememberJti('https://other.example.org', jti, later, now)).resolves.toBe(
        true,
      );
    });

    test('an expired jti may be used again, and is purged', async () => {
      const jti = randomUUID();
      await store.rememberJti('https://ehr.example.org', jti, later, now);
      const afterExpiry = new Date(later.getTime() + 1000);
      await expect(
        store.rememberJti(
          'https://ehr.example.org',
          jti,
          new Date('2026-03-10T12:10:00Z'),
          afterExpiry,
        ),
      ).resolves.toBe(true);
      const purgeTime = new Date('2026-03-10T12:10:00Z');
      const stale = randomUUID();
      await store.rememberJti('https://ehr.example.org', stale, later, now);
      expect(await store.purgeExpiredJtis(purgeTime)).toBeGreaterThanOrEqual(2);
      await expect(
        store.rememberJti(
          'https://ehr.example.org',
          stale,
          new Date('2026-03-10T13:00:00Z'),
          purgeTime,
        ),
      ).resolves.toBe(true);
    });

    test('of 20 concurrent uses of one jti exactly one wins', async () => {
      const jti = randomUUID();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          store.rememberJti('https://ehr.example.org', jti, later, now),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
});

// Two replicas share PostgreSQL (issue #8): one store's jti and cards are the other's.
const describeWithPostgres = STORE_KIND === 'postgres' ? describe : describe.skip;
describeWithPostgres('two stores on one PostgreSQL (replicas)', () => {
  let replica: SqlStore;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    const url = String(process.env.DATABASE_URL);
    replica = (await openSqlStore({ kind: 'postgres', url })).store;
  });

  afterAll(async () => {
    await store?.close();
    await replica?.close();
  });

  test('both get the same signing key, whichever offers first', async () => {
    const [one, other] = await Promise.all([
      store.signingKey(randomBytes(32)),
      replica.signingKey(randomBytes(32)),
    ]);
    expect(Buffer.from(one).equals(Buffer.from(other))).toBe(true);
  });

  test('a jti used on one replica is refused on the other', async () => {
    const jti = randomUUID();
    const now = new Date();
    const until = new Date(now.getTime() + 60_000);
    await expect(store.rememberJti('https://ehr.example.org', jti, until, now)).resolves.toBe(true);
    await expect(replica.rememberJti('https://ehr.example.org', jti, until, now)).resolves.toBe(
      false,
    );
  });

  test('feedback reaching the other replica finds the card', async () => {
    const card = issued(uniqueCode());
    await store.recordIssuedCards([card]);
    await expect(
      replica.recordFeedback('fls-patient-view', [accepted(card)], DAY),
    ).resolves.toMatchObject({ kind: 'recorded', stored: 1 });
  });

  test('an override stored through one replica is enriched with its reason through the other', async () => {
    const code = uniqueCode();
    const card = issued(code);
    await store.recordIssuedCards([card]);
    const bare = { ...overridden(card), hasUserComment: false };
    await expect(store.recordFeedback('fls-patient-view', [bare], DAY)).resolves.toMatchObject({
      stored: 1,
    });
    await expect(
      replica.recordFeedback('fls-patient-view', [overridden(card, 'already-handled')], DAY),
    ).resolves.toEqual({ kind: 'recorded', stored: 0, enriched: 1, duplicates: 0 });
    const rows = await store.outcomeCounts(PERIOD_START, PERIOD_END);
    expect(rows.filter((row) => row.code === code)).toEqual([
      {
        code,
        outcome: 'overridden',
        reasonSystem: 'https://fls-cds.example.org/fhir/CodeSystem/override-reason',
        reasonCode: 'already-handled',
        cards: 1,
        suggestions: 0,
      },
    ]);
  });
});

describe.each(CONTRACT_STORE_KINDS)('a failing store (%s)', (kind) => {
  test(
    'every operation fails with a StoreError that carries no SQL or values',
    async () => {
      const broken = await openTestStore(kind);
      await broken.close();
      const card = issued(uniqueCode());
      const attempts: Promise<unknown>[] = [
        broken.signingKey(randomBytes(32)),
        broken.recordIssuedCards([card]),
        broken.recordFeedback('fls-patient-view', [accepted(card)], DAY),
        broken.outcomeCounts(PERIOD_START, PERIOD_END),
        broken.rememberJti('https://ehr.example.org', 'jti-1', DAY, DAY),
      ];
      for (const attempt of attempts) {
        const error: unknown = await attempt.then(
          () => undefined,
          (failure: unknown) => failure,
        );
        expect(error).toBeInstanceOf(StoreError);
        expect((error as StoreError).message).not.toMatch(/select|insert|jti-1|fls-patient-view/i);
      }
    },
    STORE_START_TIMEOUT_MS,
  );
});
