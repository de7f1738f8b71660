/**
 * Successful service calls over HTTP: cards, prefetch handling (given, null,
 * fetched from fhirServer), language negotiation and what the logs may contain.
 */
import type { FhirResource, OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { Response } from 'supertest';
import { testApp } from '../helpers/app';
import {
  DRUGS,
  daysAgo,
  hookRequest,
  labs,
  medicationRequest,
  patient,
  prefetchFor,
} from '../helpers/fhir';
import { startFhirServer, type FakeFhirServer } from '../helpers/fhir-server';
import { forbiddenEmptyValues, parsedLogs, UUID_PATTERN } from './support';

const PATIENT_VIEW = '/cds-services/fls-patient-view';
const ORDER_SELECT = '/cds-services/fls-order-select';
const ORDER_SIGN = '/cds-services/fls-order-sign';
const RECOMMENDATION_SYSTEM = 'https://fls-cds.example.org/fhir/CodeSystem/recommendation';

interface Action {
  type: string;
  description: string;
  resource?: { resourceType: string; subject?: { reference?: string } } & Record<string, unknown>;
  resourceId?: string;
}
interface Card {
  uuid: string;
  summary: string;
  detail: string;
  indicator: string;
  source: { label: string; url: string; topic: { system: string; code: string; display: string } };
  suggestions?: { label: string; uuid: string; isRecommended?: boolean; actions: Action[] }[];
  selectionBehavior?: string;
  overrideReasons?: { system: string; code: string; display: string }[];
}

const { app } = testApp();

const cardsOf = (response: Response): Card[] => (response.body as { cards: Card[] }).cards;
const codesOf = (response: Response): string[] =>
  cardsOf(response).map((card) => card.source.topic.code);
const cardWithCode = (response: Response, code: string): Card | undefined =>
  cardsOf(response).find((card) => card.source.topic.code === code);

const hypocalcaemiaPrefetch = () =>
  prefetchFor([patient(), labs.calcium(2.0, daysAgo(10)), labs.albumin(40, daysAgo(10))]);

const normalPrefetch = () =>
  prefetchFor([
    patient(),
    labs.calcium(2.4, daysAgo(10)),
    labs.albumin(40, daysAgo(10)),
    labs.egfr(80, daysAgo(10)),
    labs.vitaminD(80, daysAgo(10)),
    labs.tsh(1.5, daysAgo(10)),
    labs.ft4(15, daysAgo(10)),
  ]);

const zoledronicDraft = () => medicationRequest(DRUGS.zoledronicAcid, { id: 'draft-za' });

/** Every CDS Hooks 2.0 card rule that holds for any card this service sends. */
function expectWellFormedResponse(response: Response): void {
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.body as { cards: Card[] };
  expect(Object.keys(body)).toEqual(['cards']);
  expect(Array.isArray(body.cards)).toBe(true);
  // `"cards": []` is the one allowed empty value.
  if (body.cards.length > 0) expect(forbiddenEmptyValues(body)).toEqual([]);
  for (const card of body.cards) {
    expect(card.uuid).toMatch(UUID_PATTERN);
    expect(typeof card.summary).toBe('string');
    expect(card.summary.length).toBeGreaterThan(0);
    expect(card.summary.length).toBeLessThan(140);
    expect(['info', 'warning', 'critical']).toContain(card.indicator);
    expect(typeof card.detail).toBe('string');
    expect(card.source.label).toEqual(expect.any(String));
    expect(card.source.url).toMatch(/^https:\/\//);
    expect(card.source.topic).toEqual({
      system: RECOMMENDATION_SYSTEM,
      code: expect.stringMatching(/^[a-z0-9-]+$/),
      display: expect.any(String),
    });
    if (card.suggestions) {
      expect(['at-most-one', 'any']).toContain(card.selectionBehavior);
      for (const suggestion of card.suggestions) {
        expect(suggestion.label).toEqual(expect.any(String));
        expect(suggestion.uuid).toMatch(UUID_PATTERN);
        for (const action of suggestion.actions) {
          expect(['create', 'update', 'delete']).toContain(action.type);
          expect(action.description).toEqual(expect.any(String));
          if (action.type === 'delete')
            expect(action.resourceId).toMatch(/^[A-Za-z]+\/[A-Za-z0-9\-.]+$/);
          if (action.type === 'create')
            expect(action.resource?.resourceType).toEqual(expect.any(String));
        }
      }
    }
    for (const reason of card.overrideReasons ?? [])
      expect(reason.display).toEqual(expect.any(String));
  }
  const uuids = body.cards.flatMap((card) => [
    card.uuid,
    ...(card.suggestions ?? []).map((s) => s.uuid),
  ]);
  expect(new Set(uuids).size).toBe(uuids.length);
}

describe('CDS Hooks 2.0 § Calling a CDS Service', () => {
  test('patient-view with a full prefetch and low calcium → 200 with a hypocalcaemia card', async () => {
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send(hookRequest('patient-view', { prefetch: hypocalcaemiaPrefetch() }));
    expectWellFormedResponse(response);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const card = cardWithCode(response, 'hypocalcaemia');
    expect(card).toBeDefined();
    expect(card?.indicator).not.toBe('info');
  });

  test('a JSON media type with parameters or a +json suffix is accepted', async () => {
    for (const contentType of ['application/json; charset=utf-8', 'application/fhir+json']) {
      const response = await request(app)
        .post(PATIENT_VIEW)
        .set('Content-Type', contentType)
        .send(JSON.stringify(hookRequest('patient-view', { prefetch: hypocalcaemiaPrefetch() })));
      expect({ contentType, status: response.status }).toEqual({ contentType, status: 200 });
      expect(codesOf(response)).toContain('hypocalcaemia');
    }
  });

  test.each([
    ['order-select', ORDER_SELECT],
    ['order-sign', ORDER_SIGN],
  ] as const)(
    '%s: drafted zoledronic acid with eGFR 28 → critical contraindication card offering to delete the draft',
    async (hook, path) => {
      const body = hookRequest(hook, {
        draftOrders: [zoledronicDraft()],
        prefetch: prefetchFor([patient(), labs.egfr(28, daysAgo(10))]),
      });
      const response = await request(app).post(path).send(body);
      expectWellFormedResponse(response);
      const card = cardWithCode(response, 'contraindication-zoledronic-acid');
      expect(card).toBeDefined();
      expect(card?.indicator).toBe('critical');
      // The order is named as the clinician wrote it (its FHIR id is in the delete action below).
      expect(card?.detail).toMatch(/\| Bestilling \(utkast\) \| Zoledronsyre \|/);
      expect(card?.detail).toContain('28');
      const actions = (card?.suggestions ?? []).flatMap((suggestion) => suggestion.actions);
      expect(actions).toContainEqual(
        expect.objectContaining({ type: 'delete', resourceId: 'MedicationRequest/draft-za' }),
      );
      // The critical card comes first.
      expect(cardsOf(response)[0]?.indicator).toBe('critical');
    },
  );

  test.each([
    ['order-select', ORDER_SELECT],
    ['order-sign', ORDER_SIGN],
  ] as const)('%s: zoledronic acid with eGFR 35 → no contraindication card', async (hook, path) => {
    const body = hookRequest(hook, {
      draftOrders: [zoledronicDraft()],
      prefetch: prefetchFor([patient(), labs.egfr(35, daysAgo(10))]),
    });
    const response = await request(app).post(path).send(body);
    expectWellFormedResponse(response);
    expect(codesOf(response)).not.toContain('contraindication-zoledronic-acid');
    expect(cardsOf(response).filter((card) => card.indicator === 'critical')).toEqual([]);
  });

  test('zoledronic acid with no eGFR in the last 3 months → warning suggesting a creatinine ServiceRequest', async () => {
    const body = hookRequest('order-sign', {
      draftOrders: [zoledronicDraft()],
      prefetch: prefetchFor([patient(), labs.egfr(60, daysAgo(120))]),
    });
    const response = await request(app).post(ORDER_SIGN).send(body);
    expectWellFormedResponse(response);
    const card = cardWithCode(response, 'contraindication-zoledronic-acid');
    expect(card?.indicator).toBe('warning');
    const actions = (card?.suggestions ?? []).flatMap((suggestion) => suggestion.actions);
    const create = actions.find((action) => action.type === 'create');
    expect(create?.resource).toMatchObject({
      resourceType: 'ServiceRequest',
      subject: { reference: 'Patient/pat-1' },
    });
    // A warning does not offer to delete the order.
    expect(actions.filter((action) => action.type === 'delete')).toEqual([]);
  });

  test('order-select judges only the selected drafts; order-sign judges every draft', async () => {
    const drafts = [zoledronicDraft(), medicationRequest(DRUGS.alendronate, { id: 'draft-al' })];
    const prefetch = prefetchFor([patient(), labs.egfr(28, daysAgo(10))]);
    const onSelect = await request(app)
      .post(ORDER_SELECT)
      .send(
        hookRequest('order-select', {
          draftOrders: drafts,
          selections: ['MedicationRequest/draft-al'],
          prefetch,
        }),
      );
    expectWellFormedResponse(onSelect);
    expect(codesOf(onSelect)).not.toContain('contraindication-zoledronic-acid');
    const onSign = await request(app)
      .post(ORDER_SIGN)
      .send(hookRequest('order-sign', { draftOrders: drafts, prefetch }));
    expectWellFormedResponse(onSign);
    expect(codesOf(onSign)).toContain('contraindication-zoledronic-acid');
  });
});

describe('CDS Hooks 2.0 § CDS Service Response', () => {
  test('nothing abnormal → 200 {"cards": []}', async () => {
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send(hookRequest('patient-view', { prefetch: normalPrefetch() }));
    expectWellFormedResponse(response);
    expect(response.body).toEqual({ cards: [] });
  });

  test('every card of a multi-card response is well formed and free of null / "" / [] / {}', async () => {
    const prefetch = prefetchFor([
      patient(),
      labs.calcium(2.0, daysAgo(10)),
      labs.albumin(40, daysAgo(10)),
      labs.vitaminD(20, daysAgo(10)),
      labs.egfr(28, daysAgo(10)),
      labs.tsh(0.01, daysAgo(10)),
      labs.ft4(30, daysAgo(10)),
    ]);
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send(hookRequest('patient-view', { prefetch }));
    expectWellFormedResponse(response);
    expect(cardsOf(response).length).toBeGreaterThanOrEqual(3);
    // One card per recommendation code.
    expect(new Set(codesOf(response)).size).toBe(cardsOf(response).length);
  });

  test('order-time cards with suggestions are well formed too', async () => {
    const body = hookRequest('order-sign', {
      draftOrders: [zoledronicDraft()],
      prefetch: prefetchFor([
        patient(),
        labs.calcium(2.0, daysAgo(10)),
        labs.albumin(40, daysAgo(10)),
      ]),
    });
    const response = await request(app).post(ORDER_SIGN).send(body);
    expectWellFormedResponse(response);
    expect(cardsOf(response).some((card) => (card.suggestions ?? []).length > 0)).toBe(true);
  });

  test('card uuids are fresh on every call', async () => {
    const body = hookRequest('patient-view', { prefetch: hypocalcaemiaPrefetch() });
    const first = await request(app).post(PATIENT_VIEW).send(body);
    const second = await request(app).post(PATIENT_VIEW).send(body);
    expect(cardsOf(first)[0]?.uuid).toMatch(UUID_PATTERN);
    expect(cardsOf(first)[0]?.uuid).not.toBe(cardsOf(second)[0]?.uuid);
  });
});

describe('CDS Hooks 2.0 § CDS Service Response — card language (Accept-Language)', () => {
  const call = (acceptLanguage?: string) => {
    const test = request(app).post(PATIENT_VIEW);
    if (acceptLanguage !== undefined) test.set('Accept-Language', acceptLanguage);
    return test.send(hookRequest('patient-view', { prefetch: hypocalcaemiaPrefetch() }));
  };

  test.each([
    ['en', 'en', 'Hypocalcaemia'],
    ['en-GB', 'en', 'Hypocalcaemia'],
    ['sv, en;q=0.5', 'sv', 'Hypokalcemi'],
    ['fi, en;q=0.5', 'en', 'Hypocalcaemia'],
    ['da-DK', 'da', 'Hypokalcæmi'],
    ['se', 'nb', 'Hypokalsemi'],
    ['nb', 'nb', 'Hypokalsemi'],
    ['no', 'nb', 'Hypokalsemi'],
    ['nn', 'nb', 'Hypokalsemi'],
    ['nb-NO, en;q=0.9', 'nb', 'Hypokalsemi'],
    ['en;q=0.4, nb;q=0.8', 'nb', 'Hypokalsemi'],
    ['fr', 'nb', 'Hypokalsemi'],
    ['*', 'nb', 'Hypokalsemi'],
  ])('Accept-Language: %s → %s cards', async (acceptLanguage, language, display) => {
    const response = await call(acceptLanguage);
    expect(response.status).toBe(200);
    expect(response.headers['content-language']).toBe(language);
    expect(cardWithCode(response, 'hypocalcaemia')?.source.topic.display).toBe(display);
  });

  test('no Accept-Language → Norwegian (the configured default)', async () => {
    const response = await call();
    expect(response.status).toBe(200);
    expect(response.headers['content-language']).toBe('nb');
    expect(cardWithCode(response, 'hypocalcaemia')?.source.topic.display).toBe('Hypokalsemi');
  });

  test('English and Norwegian cards differ in their text, not in their codes', async () => {
    const english = await call('en');
    const norwegian = await call('nb');
    expect(codesOf(english)).toEqual(codesOf(norwegian));
    expect(cardsOf(english)[0]?.summary).not.toBe(cardsOf(norwegian)[0]?.summary);
    expect(cardsOf(english)[0]?.source.label).not.toBe(cardsOf(norwegian)[0]?.source.label);
  });
});

describe('CDS Hooks 2.0 § Prefetch', () => {
  const ALL_KEYS = [
    'patient',
    'labs',
    'boneDensity',
    'conditions',
    'medicationRequests',
    'medicationStatements',
    'medicationAdministrations',
    'medicationDispenses',
    'allergies',
    'procedures',
  ];
  const allNull = (): Record<string, null> =>
    Object.fromEntries(ALL_KEYS.map((key) => [key, null]));
  /** Every key null, except `absent` (left out: the client did not fetch it) and a given Patient. */
  const withPatientAndAbsent = (absent: string): Record<string, FhirResource | null> =>
    Object.fromEntries(
      Object.entries({ ...allNull(), patient: patient() }).filter(([key]) => key !== absent),
    );

  test('null for every key means "no data" → 200 {"cards": []}', async () => {
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send(hookRequest('patient-view', { prefetch: allNull() }));
    expectWellFormedResponse(response);
    expect(response.body).toEqual({ cards: [] });
  });

  describe('with a fhirServer', () => {
    let fhir: FakeFhirServer;
    const serverResources: FhirResource[] = [
      patient(),
      labs.calcium(2.0, daysAgo(10)),
      labs.albumin(40, daysAgo(10)),
    ];
    beforeEach(async () => {
      fhir = await startFhirServer(serverResources);
    });
    afterEach(async () => {
      await fhir.close();
    });

    test('null keys are not fetched again, even when a fhirServer is given', async () => {
      const body = hookRequest('patient-view', { prefetch: allNull(), fhirServer: fhir.baseUrl });
      const response = await request(app).post(PATIENT_VIEW).send(body);
      expect(response.body).toEqual({ cards: [] });
      expect(fhir.requests).toEqual([]);
    });

    test('absent keys are fetched from fhirServer with the access token, given keys are not', async () => {
      const { app: logged, logs } = testApp();
      const prefetch = withPatientAndAbsent('labs');
      const body = hookRequest('patient-view', {
        prefetch,
        fhirServer: fhir.baseUrl,
        accessToken: 'secret-token-123',
      });
      const response = await request(logged).post(PATIENT_VIEW).send(body);
      expectWellFormedResponse(response);
      // The labs came from the server.
      expect(codesOf(response)).toContain('hypocalcaemia');
      expect(fhir.requests).toHaveLength(1);
      const [query] = fhir.requests;
      expect(query?.authorization).toBe('Bearer secret-token-123');
      expect(query?.query).toMatch(/^Observation\?patient=pat-1&code=.+&_sort=-date$/);
      // The log names the fetched key, not the token or the query.
      const all = logs.join('');
      expect(all).not.toContain('secret-token-123');
      expect(all).not.toContain('pat-1');
      expect(parsedLogs(logs)[0]).toMatchObject({ status: 200, fetched: ['labs'] });
    });

    test('a key that holds an OperationOutcome (2.0) is fetched from fhirServer', async () => {
      const outcome: OperationOutcome = {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'timeout' }],
      };
      const prefetch = { ...allNull(), patient: patient(), labs: outcome };
      const body = hookRequest('patient-view', { prefetch, fhirServer: fhir.baseUrl });
      const response = await request(app).post(PATIENT_VIEW).send(body);
      expectWellFormedResponse(response);
      expect(codesOf(response)).toContain('hypocalcaemia');
      expect(fhir.requests.map((entry) => entry.query.split('?')[0])).toEqual(['Observation']);
      expect(fhir.requests[0]?.authorization).toBeUndefined();
    });
  });
});

describe('Logging', () => {
  test('a service call logs one JSON line with reqId, service, hook, status and durationMs — no token, name or patient id', async () => {
    const { app: logged, logs } = testApp();
    const body = hookRequest('patient-view', {
      prefetch: hypocalcaemiaPrefetch(),
      fhirServer: 'https://ehr.example.org/fhir',
      accessToken: 'secret-token-123',
    });
    expect(JSON.stringify(body)).toContain('Nordmann');
    const response = await request(logged).post(PATIENT_VIEW).send(body);
    expect(response.status).toBe(200);
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) {
      expect(line).not.toContain('secret-token-123');
      expect(line).not.toContain('Nordmann');
      expect(line).not.toContain('Kari');
      expect(line).not.toContain('pat-1');
      expect(line).not.toContain('1948-05-17');
    }
    const entries = parsedLogs(logs);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      reqId: response.headers['x-request-id'],
      service: 'fls-patient-view',
      hook: 'patient-view',
      status: 200,
      durationMs: expect.any(Number),
    });
    expect(entries[0]?.durationMs as number).toBeGreaterThanOrEqual(0);
  });

  test('every response carries the X-Request-Id that its log line names', async () => {
    const { app: logged, logs } = testApp();
    const ok = await request(logged)
      .post(PATIENT_VIEW)
      .send(hookRequest('patient-view', { prefetch: normalPrefetch() }));
    const rejected = await request(logged).post(PATIENT_VIEW).send({});
    const ids = [ok, rejected].map((response) => response.headers['x-request-id']);
    for (const id of ids) expect(id).toMatch(UUID_PATTERN);
    expect(parsedLogs(logs).map((entry) => entry.reqId)).toEqual(ids);
    expect(parsedLogs(logs).map((entry) => entry.status)).toEqual([200, 400]);
  });
});
