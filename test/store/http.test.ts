/**
 * Nothing is lost, over HTTP, on the configured store (the embedded store, or
 * PostgreSQL when DATABASE_URL is set): concurrent feedback all lands; a store failure answers
 * 503 for feedback, while cards are still answered (and the loss logged).
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  StoreError,
  type FeedbackEntry,
  type FeedbackResult,
  type IssuedCard,
  type OutcomeCount,
  type QualityStore,
} from '../../src/store/types';
import { testApp } from '../helpers/app';
import { daysAgo, hookRequest, labs, NOW, patient, prefetchFor } from '../helpers/fhir';
import { openTestStore, STORE_KIND, STORE_START_TIMEOUT_MS } from '../helpers/stores';
import { expectOutcome, parsedLogs } from '../http/support';

/** Delegates to a real store until told to fail like a database that went away. */
class SwitchableStore implements QualityStore {
  failing = false;

  constructor(private readonly inner: QualityStore) {}

  private check(operation: string): void {
    if (this.failing) throw new StoreError(operation, { code: '57P01' });
  }

  async signingKey(candidate: Uint8Array): Promise<Uint8Array> {
    this.check('signing key');
    return this.inner.signingKey(candidate);
  }

  async recordIssuedCards(cards: readonly IssuedCard[]): Promise<void> {
    this.check('record issued cards');
    return this.inner.recordIssuedCards(cards);
  }

  async recordFeedback(
    serviceId: string,
    entries: readonly FeedbackEntry[],
    receivedAt: Date,
  ): Promise<FeedbackResult> {
    this.check('record feedback');
    return this.inner.recordFeedback(serviceId, entries, receivedAt);
  }

  async outcomeCounts(from: Date, toExclusive: Date): Promise<OutcomeCount[]> {
    this.check('read outcome counts');
    return this.inner.outcomeCounts(from, toExclusive);
  }

  async rememberJti(issuer: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
    this.check('remember jti');
    return this.inner.rememberJti(issuer, jti, expiresAt, now);
  }

  async purgeExpiredJtis(now: Date): Promise<number> {
    this.check('purge expired jti');
    return this.inner.purgeExpiredJtis(now);
  }

  async close(): Promise<void> {
    return this.inner.close();
  }
}

let real: QualityStore;
let store: SwitchableStore;

beforeAll(async () => {
  real = await openTestStore();
  store = new SwitchableStore(real);
}, STORE_START_TIMEOUT_MS);

afterAll(async () => {
  await real?.close();
});

beforeEach(() => {
  store.failing = false;
});

const PATIENT_VIEW = '/cds-services/fls-patient-view';
const TODAY = NOW.toISOString().slice(0, 10);

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

describe(`feedback over HTTP on ${STORE_KIND}`, () => {
  test('50 concurrent feedback posts all land', async () => {
    const { app } = testApp({ store });
    const code = `test-${randomUUID()}`;
    const cards = Array.from({ length: 50 }, () => ({
      cardUuid: randomUUID(),
      serviceId: 'fls-patient-view',
      hook: 'patient-view',
      recommendationCode: code,
      suggestionUuids: [],
      issuedAt: NOW,
    }));
    await real.recordIssuedCards(cards);
    const responses = await Promise.all(
      cards.map((card) =>
        request(app).post(`${PATIENT_VIEW}/feedback`).send(overriddenFeedback(card.cardUuid)),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(cards.map(() => 200));
    const report = await request(app).get(`/quality-indicators?from=${TODAY}&to=${TODAY}`);
    expect(report.status).toBe(200);
    const entry = (report.body as { indicators: { code: string }[] }).indicators.find(
      (indicator) => indicator.code === code,
    );
    expect(entry).toMatchObject({
      code,
      issued: 50,
      overridden: 50,
      withoutFeedback: 0,
      overrideReasons: [
        {
          system: 'https://fls-cds.example.org/fhir/CodeSystem/override-reason',
          code: 'already-handled',
          count: 50,
        },
      ],
    });
  });

  test('a store failure on feedback is a 503, never a silent 200', async () => {
    const { app, logs } = testApp({ store });
    const issued = await request(app).post(PATIENT_VIEW).send(cardRequest());
    const [card] = (issued.body as { cards: { uuid: string }[] }).cards;
    expect(card).toBeDefined();
    store.failing = true;
    const response = await request(app)
      .post(`${PATIENT_VIEW}/feedback`)
      .send(overriddenFeedback(String(card?.uuid)));
    expectOutcome(response, {
      status: 503,
      code: 'transient',
      mentions: ['store is unavailable'],
      mustNotContain: ['57P01', 'already-handled'],
    });
    const failure = parsedLogs(logs).find((line) => line.status === 503);
    expect(failure).toMatchObject({ error: 'store failure: record feedback (57P01)' });
  });

  test('a store failure on the quality indicators is a 503', async () => {
    const { app } = testApp({ store });
    store.failing = true;
    const response = await request(app).get('/quality-indicators');
    expectOutcome(response, { status: 503, code: 'transient' });
  });

  test('cards are still answered when they cannot be recorded; the loss is logged', async () => {
    const { app, logs, feedback } = testApp({ store });
    store.failing = true;
    const response = await request(app).post(PATIENT_VIEW).send(cardRequest());
    expect(response.status).toBe(200);
    const cards = (response.body as { cards: unknown[] }).cards;
    expect(cards.length).toBeGreaterThan(0);
    await feedback.flush();
    expect(parsedLogs(logs)).toContainEqual(
      expect.objectContaining({
        level: 50,
        msg: 'issued cards not recorded: their feedback is still accepted, but they are missing from the quality indicators',
        lostCards: cards.length,
        lostCardsTotal: cards.length,
        cause: '57P01',
      }),
    );
  });
});
