/**
 * The embedded default on file: what it remembers across a restart (feedback on a
 * card issued just before one is still accepted), what a crash may lose
 * (docs/store.md), and how it treats a damaged file or a second owner.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import request from 'supertest';
import { EmbeddedStore } from '../../src/store/embedded';
import { DataDirInUseError } from '../../src/store/lock';
import { StoreError, type QualityStore } from '../../src/store/types';
import { testApp } from '../helpers/app';
import { daysAgo, hookRequest, labs, NOW, patient, prefetchFor } from '../helpers/fhir';
import { rejectionOf } from '../helpers/promises';
import { tempStoreFile } from '../helpers/stores';

const PATIENT_VIEW = '/cds-services/fls-patient-view';
const TODAY = NOW.toISOString().slice(0, 10);

const files: string[] = [];
function newFile(): string {
  const file = tempStoreFile();
  files.push(file);
  return file;
}

afterAll(() => {
  for (const file of files) rmSync(dirname(file), { recursive: true, force: true });
});

const cardRequest = () =>
  hookRequest('patient-view', {
    prefetch: prefetchFor([
      patient(),
      labs.calcium(2.0, daysAgo(10)),
      labs.albumin(40, daysAgo(10)),
    ]),
  });

const overriddenFeedback = (card: string) => ({
  feedback: [
    {
      card,
      outcome: 'overridden',
      overrideReason: {
        reason: {
          system: 'https://fls-cds.example.org/fhir/CodeSystem/override-reason',
          code: 'already-handled',
        },
      },
      outcomeTimestamp: '2026-11-22T10:05:00Z',
    },
  ],
});

async function issueCards(store: QualityStore) {
  const { app, feedback } = testApp({ store });
  const response = await request(app).post(PATIENT_VIEW).send(cardRequest());
  expect(response.status).toBe(200);
  const cards = (
    response.body as { cards: { uuid: string; source: { topic: { code: string } } }[] }
  ).cards;
  expect(cards.length).toBeGreaterThan(0);
  return { cards, feedback };
}

async function indicatorFor(store: QualityStore, code: string) {
  const { app } = testApp({ store });
  const report = await request(app).get(`/quality-indicators?from=${TODAY}&to=${TODAY}`);
  expect(report.status).toBe(200);
  return (report.body as { indicators: { code: string }[] }).indicators.find(
    (indicator) => indicator.code === code,
  );
}

/** Keeps everything but issued-card records, like a process killed before it wrote them. */
class CrashBeforeWrite implements QualityStore {
  constructor(private readonly inner: QualityStore) {}
  signingKey = (candidate: Uint8Array) => this.inner.signingKey(candidate);
  recordIssuedCards: QualityStore['recordIssuedCards'] = () => new Promise<void>(() => undefined);
  recordFeedback: QualityStore['recordFeedback'] = (...args) => this.inner.recordFeedback(...args);
  outcomeCounts: QualityStore['outcomeCounts'] = (...args) => this.inner.outcomeCounts(...args);
  rememberJti: QualityStore['rememberJti'] = (...args) => this.inner.rememberJti(...args);
  purgeExpiredJtis: QualityStore['purgeExpiredJtis'] = (...args) =>
    this.inner.purgeExpiredJtis(...args);
  close = () => this.inner.close();
}

describe('the embedded store across a restart', () => {
  test('feedback on a card issued just before a restart is accepted and counted', async () => {
    const file = newFile();
    const before = await EmbeddedStore.open(file);
    const { cards, feedback } = await issueCards(before);
    // What shutdown does: the records written behind are flushed, then the store closes.
    await feedback.flush();
    await before.close();

    const after = await EmbeddedStore.open(file);
    const [card] = cards;
    const { app } = testApp({ store: after });
    const response = await request(app)
      .post(`${PATIENT_VIEW}/feedback`)
      .send(overriddenFeedback(String(card?.uuid)));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ stored: 1, enriched: 0, duplicates: 0 });
    expect(await indicatorFor(after, String(card?.source.topic.code))).toMatchObject({
      issued: cards.filter((each) => each.source.topic.code === card?.source.topic.code).length,
      overridden: 1,
    });
    await after.close();
  });

  test('a crash before the records were written: feedback is still accepted, the card is not counted', async () => {
    const file = newFile();
    const before = await EmbeddedStore.open(file);
    const { cards } = await issueCards(new CrashBeforeWrite(before));
    await before.close();

    const after = await EmbeddedStore.open(file);
    const [card] = cards;
    const { app } = testApp({ store: after });
    const response = await request(app)
      .post(`${PATIENT_VIEW}/feedback`)
      .send(overriddenFeedback(String(card?.uuid)));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ stored: 1, enriched: 0, duplicates: 0 });
    expect(await indicatorFor(after, String(card?.source.topic.code))).toBeUndefined();
    await after.close();
  });

  test('a card signed under another store key is unknown (422)', async () => {
    const other = await EmbeddedStore.open(undefined);
    const { cards } = await issueCards(other);
    const store = await EmbeddedStore.open(newFile());
    const { app } = testApp({ store });
    const response = await request(app)
      .post(`${PATIENT_VIEW}/feedback`)
      .send(overriddenFeedback(String(cards[0]?.uuid)));
    expect(response.status).toBe(422);
    await store.close();
    await other.close();
  });

  test('JWT ids and the key survive; expired JWT ids are dropped when the file is compacted', async () => {
    const file = newFile();
    const now = new Date();
    const live = new Date(now.getTime() + 60_000);
    const first = await EmbeddedStore.open(file);
    const key = await first.signingKey(Buffer.alloc(32, 1));
    await first.rememberJti('https://ehr.example.org', 'live', live, now);
    await first.rememberJti(
      'https://ehr.example.org',
      'expired',
      new Date(now.getTime() - 1),
      new Date(0),
    );
    await first.close();

    const second = await EmbeddedStore.open(file);
    expect(Buffer.from(await second.signingKey(Buffer.alloc(32, 2))).equals(Buffer.from(key))).toBe(
      true,
    );
    await expect(second.rememberJti('https://ehr.example.org', 'live', live, now)).resolves.toBe(
      false,
    );
    await second.close();
    expect(readFileSync(file, 'utf8')).not.toContain('"expired"');
  });

  test('suggestion uuids and enriched feedback survive a restart, replayed and compacted', async () => {
    const file = newFile();
    const day = new Date('2026-11-22T10:00:00Z');
    const card = {
      cardUuid: randomUUID(),
      serviceId: 'fls-patient-view',
      hook: 'patient-view',
      recommendationCode: `test-${randomUUID()}`,
      suggestionUuids: [randomUUID(), randomUUID()],
      issuedAt: day,
    };
    const reason = {
      system: 'https://fls-cds.example.org/fhir/CodeSystem/override-reason',
      code: 'already-handled',
    };
    const bare = {
      cardUuid: card.cardUuid,
      outcome: 'overridden' as const,
      acceptedSuggestionIds: [],
      hasUserComment: false,
      outcomeAt: new Date('2026-11-22T10:05:00Z'),
      issueProven: false,
    };
    const first = await EmbeddedStore.open(file);
    await first.recordIssuedCards([card]);
    await first.recordFeedback('fls-patient-view', [bare], day);
    await expect(
      first.recordFeedback('fls-patient-view', [{ ...bare, overrideReason: reason }], day),
    ).resolves.toEqual({ kind: 'recorded', stored: 0, enriched: 1, duplicates: 0 });
    await first.close();

    // Opened twice: first from the lines as appended, then from the compacted file.
    for (let opening = 0; opening < 2; opening += 1) {
      const store = await EmbeddedStore.open(file);
      await expect(
        store.recordFeedback('fls-patient-view', [{ ...bare, overrideReason: reason }], day),
      ).resolves.toEqual({ kind: 'recorded', stored: 0, enriched: 0, duplicates: 1 });
      await expect(
        store.recordFeedback(
          'fls-patient-view',
          [{ ...bare, outcome: 'accepted', acceptedSuggestionIds: [randomUUID()] }],
          day,
        ),
      ).resolves.toEqual({ kind: 'unknown-suggestions', items: [{ position: 0, suggestion: 0 }] });
      const counts = await store.outcomeCounts(day, new Date('2026-11-23T00:00:00Z'));
      expect(counts.filter((row) => row.code === card.recommendationCode)).toEqual([
        {
          code: card.recommendationCode,
          outcome: 'overridden',
          reasonSystem: reason.system,
          reasonCode: reason.code,
          cards: 1,
          suggestions: 0,
        },
      ]);
      await store.close();
    }
  });

  test('a card line written before suggestion uuids were kept accepts any suggestion id', async () => {
    const file = newFile();
    const uuid = randomUUID();
    const issuedAt = new Date('2026-11-22T10:00:00Z');
    writeFileSync(
      file,
      `${JSON.stringify({ k: 'cards', c: [[uuid, 'fls-patient-view', 'patient-view', 'old', issuedAt.getTime()]] })}\n`,
    );
    const store = await EmbeddedStore.open(file);
    await expect(
      store.recordFeedback(
        'fls-patient-view',
        [
          {
            cardUuid: uuid,
            outcome: 'accepted',
            acceptedSuggestionIds: [randomUUID()],
            hasUserComment: false,
            outcomeAt: issuedAt,
            issueProven: false,
          },
        ],
        issuedAt,
      ),
    ).resolves.toEqual({ kind: 'recorded', stored: 1, enriched: 0, duplicates: 0 });
    await store.close();
  });
});

describe('a damaged or shared file', () => {
  test('a last line cut short by a crash is dropped; the rest is kept', async () => {
    const file = newFile();
    const store = await EmbeddedStore.open(file);
    await store.rememberJti(
      'https://ehr.example.org',
      'kept',
      new Date(Date.now() + 60_000),
      new Date(),
    );
    await store.close();
    appendFileSync(file, '{"k":"jti","i":"https://ehr.exa');
    const reopened = await EmbeddedStore.open(file);
    await expect(
      reopened.rememberJti(
        'https://ehr.example.org',
        'kept',
        new Date(Date.now() + 60_000),
        new Date(),
      ),
    ).resolves.toBe(false);
    await reopened.close();
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  });

  test('a damaged line inside the file is refused, naming the line', async () => {
    const file = newFile();
    writeFileSync(file, '{"k":"purge","t":1}\nnot json\n{"k":"purge","t":2}\n');
    const error = await rejectionOf(EmbeddedStore.open(file));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toMatch(/line 2 is not a valid record/);
    // The lock is released, so a fixed file can be opened.
    writeFileSync(file, '{"k":"purge","t":1}\n');
    await (await EmbeddedStore.open(file)).close();
  });

  test('a second owner of one file is refused while the first holds it', async () => {
    const file = newFile();
    const store = await EmbeddedStore.open(file);
    await expect(EmbeddedStore.open(file)).rejects.toBeInstanceOf(DataDirInUseError);
    await store.close();
    await (await EmbeddedStore.open(file)).close();
  });
});

describe('the hook call does not wait for the store', () => {
  test('cards are answered while their records are still being written, and feedback on them is accepted', async () => {
    const store = await EmbeddedStore.open(undefined);
    const stalled = new CrashBeforeWrite(store);
    const { app } = testApp({ store: stalled });
    const response = await request(app).post(PATIENT_VIEW).send(cardRequest());
    expect(response.status).toBe(200);
    const [card] = (response.body as { cards: { uuid: string }[] }).cards;
    const feedback = await request(app)
      .post(`${PATIENT_VIEW}/feedback`)
      .send(overriddenFeedback(String(card?.uuid)));
    expect(feedback.status).toBe(200);
    await store.close();
  });
});
