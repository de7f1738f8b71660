/**
 * POST /cds-services/{id}/feedback (../shared/cds-hooks.md "Feedback") and
 * GET /quality-indicators, over HTTP on the embedded store.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Response } from 'supertest';
import { CardIdSigner } from '../../src/feedback/card-ids';
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import { createApp } from '../../src/http/app';
import { JwtVerifier } from '../../src/http/auth/verify';
import { createLogger } from '../../src/http/logger';
import { EmbeddedStore } from '../../src/store/embedded';
import type { QualityStore } from '../../src/store/types';
import { testApp } from '../helpers/app';
import {
  daysAgo,
  DRUGS,
  hookRequest,
  labs,
  medicationRequest,
  NOW,
  patient,
  prefetchFor,
} from '../helpers/fhir';
import { loadPatient } from '../fixtures/load';
import { signingKey } from '../helpers/jwt';
import { openTestStore, RecordingStore, STORE_START_TIMEOUT_MS } from '../helpers/stores';
import { expectOutcome, parsedLogs } from './support';

const PATIENT_VIEW = '/cds-services/fls-patient-view';
const OVERRIDE_SYSTEM = 'https://fls-cds.example.org/fhir/CodeSystem/override-reason';

interface IssuedCardBody {
  uuid: string;
  source: { topic: { code: string } };
  suggestions?: { uuid: string }[];
}

let store: QualityStore;

beforeAll(async () => {
  store = await openTestStore();
}, STORE_START_TIMEOUT_MS);

afterAll(async () => {
  await store?.close();
});

/**
 * Cards for a library patient with screening labs missing (one card with a
 * suggestion to order them) and low-normal results, dated relative to `now`.
 */
function cardRequest(now: Date = NOW) {
  const library = loadPatient('r01-screening-labs-missing', now);
  return hookRequest('patient-view', {
    patientId: library.patientId,
    prefetch: prefetchFor(library.resources),
  });
}

async function issueCards(app: ReturnType<typeof testApp>['app'], now?: Date) {
  const response = await request(app).post(PATIENT_VIEW).send(cardRequest(now));
  expect(response.status).toBe(200);
  const cards = (response.body as { cards: IssuedCardBody[] }).cards;
  expect(cards.length).toBeGreaterThan(0);
  return cards;
}

/** Accepts the card's first suggestion (a card uuid alone: a made-up suggestion, for cards never issued). */
const accepted = (card: IssuedCardBody | string) => ({
  card: typeof card === 'string' ? card : card.uuid,
  outcome: 'accepted',
  acceptedSuggestions: [
    { id: typeof card === 'string' ? randomUUID() : String(card.suggestions?.[0]?.uuid) },
  ],
  outcomeTimestamp: '2026-11-22T10:05:00Z',
});

/** The first issued card that has suggestions. */
function withSuggestions(cards: readonly IssuedCardBody[]): IssuedCardBody {
  const card = cards.find((candidate) => (candidate.suggestions?.length ?? 0) > 0);
  if (!card) throw new Error('no issued card has suggestions');
  return card;
}

const overridden = (card: string, code?: string) => ({
  card,
  outcome: 'overridden',
  ...(code ? { overrideReason: { reason: { system: OVERRIDE_SYSTEM, code } } } : {}),
  outcomeTimestamp: '2026-11-22T10:06:00+01:00',
});

const postFeedback = (
  app: ReturnType<typeof testApp>['app'],
  body: unknown,
  service = PATIENT_VIEW,
) =>
  request(app)
    .post(`${service}/feedback`)
    .send(body as object);

describe('POST /cds-services/{id}/feedback', () => {
  test('records valid feedback and acknowledges it', async () => {
    const { app, logs } = testApp({ store });
    const [card] = await issueCards(app);
    const response = await postFeedback(app, {
      feedback: [overridden(String(card?.uuid), 'already-handled')],
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ stored: 1, enriched: 0, duplicates: 0 });
    expect(parsedLogs(logs)).toContainEqual(
      expect.objectContaining({
        route: '/cds-services/:id/feedback',
        status: 200,
        service: 'fls-patient-view',
        feedback: { stored: 1, enriched: 0, duplicates: 0 },
      }),
    );
  });

  test('the same feedback sent again (a client retry) is acknowledged as a duplicate', async () => {
    const { app } = testApp({ store });
    const card = withSuggestions(await issueCards(app));
    const body = { feedback: [accepted(card)] };
    await postFeedback(app, body);
    const again = await postFeedback(app, body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ stored: 0, enriched: 0, duplicates: 1 });
  });

  const invalid: [string, string, unknown][] = [
    ['no feedback array', 'feedback', {}],
    ['an empty feedback array', 'feedback', { feedback: [] }],
    ['a card that is not a uuid', 'feedback[0].card', { feedback: [{ ...overridden('card-1') }] }],
    [
      'an unknown outcome',
      'feedback[0].outcome',
      { feedback: [{ ...overridden(randomUUID()), outcome: 'ignored' }] },
    ],
    [
      'accepted without acceptedSuggestions',
      'feedback[0].acceptedSuggestions',
      {
        feedback: [
          { card: randomUUID(), outcome: 'accepted', outcomeTimestamp: '2026-11-22T10:05:00Z' },
        ],
      },
    ],
    [
      'an override reason on an accepted card',
      'feedback[0].overrideReason',
      {
        feedback: [
          { ...accepted(randomUUID()), overrideReason: { reason: { code: 'already-handled' } } },
        ],
      },
    ],
    [
      'an outcomeTimestamp that is not a date-time',
      'feedback[0].outcomeTimestamp',
      { feedback: [{ ...overridden(randomUUID()), outcomeTimestamp: 'yesterday' }] },
    ],
    [
      'an outcomeTimestamp without a time zone',
      'feedback[0].outcomeTimestamp',
      { feedback: [{ ...overridden(randomUUID()), outcomeTimestamp: '2026-11-22T10:05:00' }] },
    ],
    [
      'free text in an override reason code',
      'feedback[0].overrideReason.reason.code',
      {
        feedback: [
          { ...overridden(randomUUID()), overrideReason: { reason: { code: 'patient  said no' } } },
        ],
      },
    ],
    [
      // Found by fuzzing: PostgreSQL text cannot hold NUL, so storing it answered 503.
      'a NUL character in an override reason system',
      'feedback[0].overrideReason.reason.system',
      {
        feedback: [
          {
            ...overridden(randomUUID()),
            overrideReason: { reason: { system: 'urn:x\u0000y', code: 'already-handled' } },
          },
        ],
      },
    ],
    ['a body that is an array', 'JSON object', [overridden(randomUUID())]],
  ];

  test.each(invalid)('400 for %s, naming %s', async (_name, field, body) => {
    const { app } = testApp({ store });
    const response = await postFeedback(app, body);
    expectOutcome(response, { status: 400, code: 'invalid', mentions: [field] });
  });

  test('422 for a card this service never issued, naming the item; nothing is stored', async () => {
    const { app } = testApp({ store });
    const card = withSuggestions(await issueCards(app));
    const unknown = randomUUID();
    const response = await postFeedback(app, {
      feedback: [accepted(card), overridden(unknown)],
    });
    expectOutcome(response, {
      status: 422,
      code: 'not-found',
      mentions: ['feedback[1].card', 'fls-patient-view'],
      mustNotContain: [unknown],
    });
    // The valid item was not stored either: posting it now stores it.
    const retry = await postFeedback(app, { feedback: [accepted(card)] });
    expect(retry.body).toEqual({ stored: 1, enriched: 0, duplicates: 0 });
  });

  test("signed cards before their records are written: suggestions checked by signature (422 for another card's), repeats enriched and deduplicated", async () => {
    const embedded = await EmbeddedStore.open(undefined);
    // The issued-card records never get written: every check below is made without them.
    embedded.recordIssuedCards = () => new Promise<void>(() => undefined);
    const { app } = testApp({ store: embedded });
    const card = withSuggestions(await issueCards(app));
    const other = withSuggestions(await issueCards(app));
    const foreign = {
      ...accepted(card),
      acceptedSuggestions: [{ id: String(other.suggestions?.[0]?.uuid) }],
    };
    expectOutcome(await postFeedback(app, { feedback: [foreign] }), {
      status: 422,
      code: 'not-found',
      mentions: ['feedback[0].acceptedSuggestions[0].id'],
    });
    const own = await postFeedback(app, { feedback: [accepted(card)] });
    expect([own.status, own.body]).toEqual([200, { stored: 1, enriched: 0, duplicates: 0 }]);
    const bare = await postFeedback(app, { feedback: [overridden(card.uuid)] });
    expect(bare.body).toEqual({ stored: 1, enriched: 0, duplicates: 0 });
    const withReason = { feedback: [overridden(card.uuid, 'already-handled')] };
    expect((await postFeedback(app, withReason)).body).toEqual({
      stored: 0,
      enriched: 1,
      duplicates: 0,
    });
    expect((await postFeedback(app, withReason)).body).toEqual({
      stored: 0,
      enriched: 0,
      duplicates: 1,
    });
  });

  test('422 for feedback sent to another service than the one that issued the card', async () => {
    const { app } = testApp({ store });
    const [card] = await issueCards(app);
    const response = await postFeedback(
      app,
      { feedback: [overridden(String(card?.uuid))] },
      '/cds-services/fls-order-sign',
    );
    expectOutcome(response, { status: 422, code: 'not-found', mentions: ['fls-order-sign'] });
  });

  test('404 for an unknown service, 415 for a body that is not JSON, 405 for GET', async () => {
    const { app } = testApp({ store });
    expectOutcome(await postFeedback(app, { feedback: [] }, '/cds-services/nope'), {
      status: 404,
      code: 'not-found',
    });
    const text = await request(app)
      .post(`${PATIENT_VIEW}/feedback`)
      .set('Content-Type', 'text/plain')
      .send('feedback');
    expectOutcome(text, { status: 415, code: 'not-supported' });
    const get = await request(app).get(`${PATIENT_VIEW}/feedback`);
    expectOutcome(get, { status: 405, code: 'not-supported' });
    expect(get.headers.allow).toBe('POST, OPTIONS');
  });

  test('the user comment is never stored or logged, only that there was one', async () => {
    const { app, logs } = testApp({ store });
    const [card] = await issueCards(app);
    const record = jest.spyOn(store, 'recordFeedback');
    const comment = 'Kari Nordmann (pat-1) had a fall last week';
    const response = await postFeedback(app, {
      feedback: [
        {
          ...overridden(String(card?.uuid), 'newer-result-elsewhere'),
          overrideReason: {
            reason: {
              system: OVERRIDE_SYSTEM,
              code: 'newer-result-elsewhere',
              display: 'Newer result',
            },
            userComment: comment,
          },
        },
      ],
    });
    expect(response.status).toBe(200);
    const [, entries] = record.mock.calls[0] ?? [];
    expect(entries).toEqual([
      expect.objectContaining({
        hasUserComment: true,
        overrideReason: { system: OVERRIDE_SYSTEM, code: 'newer-result-elsewhere' },
      }),
    ]);
    expect(JSON.stringify(record.mock.calls)).not.toContain('fall last week');
    expect(logs.join('\n')).not.toContain('fall last week');
    record.mockRestore();
  });
});

describe('issued cards', () => {
  test('are remembered with uuid, code, service, hook and time only: no patient data', async () => {
    const recording = new RecordingStore();
    const { app, feedback } = testApp({ store: recording });
    const cards = await issueCards(app);
    // Written behind the answer: wait for the write.
    await feedback.flush();
    expect(recording.issued).toEqual(
      cards.map((card) => ({
        cardUuid: card.uuid,
        serviceId: 'fls-patient-view',
        hook: 'patient-view',
        recommendationCode: card.source.topic.code,
        suggestionUuids: (card.suggestions ?? []).map((suggestion) => suggestion.uuid),
        issuedAt: NOW,
      })),
    );
    const stored = JSON.stringify(recording.issued);
    expect(stored).not.toContain(loadPatient('r01-screening-labs-missing', NOW).patientId);
    expect(stored).not.toContain('d1577c69-dfbe-44ad-ba6d-3e05e953b2ea');
  });

  test("carry uuids signed with the store's key: each card's for its service, each suggestion's for its card", async () => {
    const recording = new RecordingStore();
    const { app } = testApp({ store: recording });
    // Calcium and a drafted zoledronic acid with eGFR 28: several cards, one offering to delete the draft.
    const response = await request(app)
      .post('/cds-services/fls-order-sign')
      .send(
        hookRequest('order-sign', {
          draftOrders: [medicationRequest(DRUGS.zoledronicAcid, { id: 'draft-za' })],
          prefetch: prefetchFor([
            patient(),
            labs.egfr(28, daysAgo(10)),
            labs.calcium(2.0, daysAgo(10)),
            labs.albumin(40, daysAgo(10)),
          ]),
        }),
      );
    expect(response.status).toBe(200);
    const cards = (response.body as { cards: IssuedCardBody[] }).cards;
    expect(cards.length).toBeGreaterThan(1);
    const signer = new CardIdSigner(await recording.signingKey(new Uint8Array(32)));
    const suggestions = cards.flatMap((card) =>
      (card.suggestions ?? []).map((suggestion) => ({ card: card.uuid, uuid: suggestion.uuid })),
    );
    expect(suggestions.length).toBeGreaterThan(0);
    for (const card of cards) {
      expect(signer.isCardOf('fls-order-sign', card.uuid)).toBe(true);
      expect(signer.isCardOf('fls-patient-view', card.uuid)).toBe(false);
    }
    for (const suggestion of suggestions) {
      expect(signer.isSuggestionOf(suggestion.card, suggestion.uuid)).toBe(true);
      const other = cards.find((card) => card.uuid !== suggestion.card);
      expect(signer.isSuggestionOf(String(other?.uuid), suggestion.uuid)).toBe(false);
    }
  });
});

describe('GET /quality-indicators', () => {
  test('counts issued, accepted and overridden cards per code, with reasons and rates', async () => {
    // A day of its own, so the other tests' cards do not count.
    const day = new Date('2026-06-15T09:00:00Z');
    const { app } = testApp({ store, now: () => day });
    const rounds = await Promise.all([
      issueCards(app, day),
      issueCards(app, day),
      issueCards(app, day),
    ]);
    const code = withSuggestions(rounds[0] ?? []).source.topic.code;
    const [a, b, c] = rounds.map((cards) => cards.find((card) => card.source.topic.code === code));
    const feedback = await postFeedback(app, {
      feedback: [accepted(a as IssuedCardBody), overridden(String(b?.uuid), 'already-handled')],
    });
    expect(feedback.status).toBe(200);
    expect(c).toBeDefined();

    const response = await request(app).get('/quality-indicators?from=2026-06-15&to=2026-06-15');
    expect(response.status).toBe(200);
    const report = response.body as {
      period: unknown;
      indicators: { code: string; issued: number }[];
    };
    expect(report.period).toEqual({ from: '2026-06-15', to: '2026-06-15' });
    expect(report.indicators.find((entry) => entry.code === code)).toEqual({
      code,
      issued: 3,
      accepted: 1,
      acceptedSuggestions: 1,
      overridden: 1,
      withoutFeedback: 1,
      overrideReasons: [{ system: OVERRIDE_SYSTEM, code: 'already-handled', count: 1 }],
      overriddenWithoutReason: 0,
      acceptanceRate: 0.5,
      acceptedOfIssued: 0.3333,
    });
    // Every code of the three calls is there, each issued three times.
    const codes = new Set(rounds.flat().map((card) => card.source.topic.code));
    expect(report.indicators.map((entry) => entry.code).sort()).toEqual([...codes].sort());
    for (const entry of report.indicators) expect(entry.issued).toBe(3);

    const dayAfter = await request(app).get('/quality-indicators?from=2026-06-16&to=2026-06-16');
    expect(dayAfter.body).toEqual({
      period: { from: '2026-06-16', to: '2026-06-16' },
      indicators: [],
    });
  });

  test('without a period: the last 30 days up to today', async () => {
    const { app } = testApp({ store });
    const response = await request(app).get('/quality-indicators');
    expect(response.status).toBe(200);
    expect((response.body as { period: unknown }).period).toEqual({
      from: '2026-10-24',
      to: '2026-11-22',
    });
  });

  test.each([
    ['from=2026-13-01', 'from'],
    ['to=22.11.2026', 'to'],
    ['from=2026-02-30', 'from'],
    ['from=2026-11-22&to=2026-11-01', 'after'],
    ['from=2026-11-01&from=2026-11-02', 'from'],
  ])('400 for ?%s', async (query, mention) => {
    const { app } = testApp({ store });
    expectOutcome(await request(app).get(`/quality-indicators?${query}`), {
      status: 400,
      code: 'invalid',
      mentions: [mention],
    });
  });

  test('503 (not a crash) when the app runs without a store', async () => {
    const bare = createApp({
      deps: {
        guideline: DEFAULT_GUIDELINE_CONFIG,
        fhir: { timeoutMs: 100, maxPages: 1, maxResponseBytes: 1000 },
        now: () => NOW,
      },
      bodyLimitBytes: 10_000,
      defaultLanguage: 'nb',
      logger: createLogger('silent'),
    });
    expectOutcome(await request(bare).get('/quality-indicators'), {
      status: 503,
      code: 'transient',
    });
  });
});

describe('with client authentication on', () => {
  test('feedback and quality indicators without a token are a bare 401', async () => {
    const key = await signingKey('ES384');
    const verifier = new JwtVerifier({
      clients: [
        { issuer: 'https://ehr.example.org', jwks: { keys: [key.publicJwk] }, allowedJku: [] },
      ],
      algorithms: ['ES384'],
      clockSkewSeconds: 60,
      replay: new RecordingStore(),
    });
    const { app } = testApp({
      store,
      auth: { verifier, publicBaseUrl: 'https://cds.example.org' },
    });
    const responses: Response[] = [
      await postFeedback(app, { feedback: [overridden(randomUUID())] }),
      await request(app).get('/quality-indicators'),
    ];
    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(response.text).toBe('');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });
});
