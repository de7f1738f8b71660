/**
 * CDS Hooks 2.0 § Prefetch and § FHIR Resource Access over HTTP: a service called
 * without (or with part of) its prefetch fetches the rest from fhirServer and
 * answers with the same cards; when the FHIR server fails it answers 412.
 */
import request from 'supertest';
import type { FhirResource, OperationOutcome } from 'fhir/r4';
import { renderTemplate } from '../../src/cds/prefetch';
import { PREFETCH_TEMPLATES } from '../../src/cds/services';
import {
  condition,
  daysAgo,
  DRUGS,
  hookRequest,
  icd10,
  labs,
  medicationRequest,
  observation,
  patient,
  PATIENT_ID,
  prefetchFor,
} from '../helpers/fhir';
import { testApp } from '../helpers/app';
import { startFhirServer, type FakeFhirServer } from '../helpers/fhir-server';

const TOKEN = 'tok-SECRET-789';
const PATIENT_VIEW = '/cds-services/fls-patient-view';
const ORDER_SELECT = '/cds-services/fls-order-select';

/**
 * Low albumin-corrected calcium (2.02, albumin 40), eGFR 30, vitamin D 40, TSH 0.1
 * and primary hyperparathyroidism (E21.0): several patient-view cards at once
 * (the low vitamin D is named on the hypercalcaemia card, not a card of its own).
 */
const RESOURCES: FhirResource[] = [
  patient(),
  labs.calcium(2.02, daysAgo(10)),
  labs.albumin(40, daysAgo(10), { unit: 'g/L' }),
  labs.egfr(30, daysAgo(10)),
  labs.vitaminD(40, daysAgo(20)),
  labs.tsh(0.1, daysAgo(20)),
  condition(icd10('E21.0'), { onset: daysAgo(400) }),
  medicationRequest(DRUGS.alendronate, { status: 'active' }),
  observation({ system: 'http://loinc.org', code: '38267-1' }, -2.7, daysAgo(100), { unit: null }),
  // Another patient's results must not leak into the answer.
  labs.calcium(2.9, daysAgo(1), { patientId: 'pat-2' }),
];

// PHPT blocks vitamin D as well (rules.md "Coherence"): the hypercalcaemia card names the low vitamin D.
const EXPECTED_CODES = [
  'hypocalcaemia',
  'hypercalcaemia',
  'renal-impairment',
  'hyperthyroidism-suspected',
].sort();

/** Every query the service's templates make for PATIENT_ID, decoded as the fake server records them. */
const queriesFor = (keys: readonly string[]): string[] =>
  keys
    .map((key) =>
      decodeURIComponent(
        renderTemplate(PREFETCH_TEMPLATES[key] ?? '', {
          userId: 'Practitioner/prac-1',
          patientId: PATIENT_ID,
        }),
      ),
    )
    .sort();

interface CardBody {
  summary: string;
  detail: string;
  indicator: string;
  source: { topic: { code: string } };
}

/** Cards without their uuids, comparable across calls. */
const comparable = (body: { cards: CardBody[] }) =>
  body.cards.map((card) => ({
    code: card.source.topic.code,
    indicator: card.indicator,
    summary: card.summary,
    detail: card.detail,
  }));

let server: FakeFhirServer;
beforeAll(async () => {
  server = await startFhirServer([...RESOURCES]);
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  await server.start();
  server.setFailure(undefined);
  server.setDelay(0);
  server.setPageSize(100);
  server.requests.length = 0;
});

/** (b) The cards the service gives with a full prefetch and no fhirServer: the reference answer. */
async function cardsWithFullPrefetch() {
  const { app } = testApp();
  const response = await request(app)
    .post(PATIENT_VIEW)
    .send(hookRequest('patient-view', { prefetch: prefetchFor(RESOURCES) }))
    .expect(200);
  return comparable(response.body);
}

describe('CDS Hooks 2.0 § Prefetch — missing keys fetched from fhirServer', () => {
  test('(b) a full prefetch gives the expected cards without any query', async () => {
    const cards = await cardsWithFullPrefetch();
    expect(cards.map((card) => card.code).sort()).toEqual(EXPECTED_CODES);
    expect(server.requests).toEqual([]);
  });

  test('(a) no prefetch: one query per prefetch key, with the token, and the same cards', async () => {
    const { app, logs } = testApp();
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send(hookRequest('patient-view', { fhirServer: server.baseUrl, accessToken: TOKEN }))
      .expect(200);

    expect(server.requests.map((r) => r.query).sort()).toEqual(
      queriesFor(Object.keys(PREFETCH_TEMPLATES)),
    );
    expect(server.requests.map((r) => r.query)).toEqual(
      expect.arrayContaining([
        'Patient/pat-1',
        'Condition?patient=pat-1',
        'MedicationRequest?patient=pat-1&_include=MedicationRequest:medication',
        'MedicationStatement?patient=pat-1&_include=MedicationStatement:medication',
        'MedicationAdministration?patient=pat-1&_include=MedicationAdministration:medication',
        'MedicationDispense?patient=pat-1&_include=MedicationDispense:medication',
        'AllergyIntolerance?patient=pat-1',
        'Procedure?patient=pat-1',
      ]),
    );
    expect(
      server.requests.filter((r) =>
        /^Observation\?patient=pat-1&code=.+&_sort=-date$/.test(r.query),
      ),
    ).toHaveLength(2);
    expect(
      server.requests.every((r) => r.method === 'GET' && r.authorization === `Bearer ${TOKEN}`),
    ).toBe(true);
    expect(comparable(response.body)).toEqual(await cardsWithFullPrefetch());
    expect(logs.join('')).not.toContain(TOKEN);
  });

  test('a Medication the history refers to comes with it (_include) and is recognised', async () => {
    const medication: FhirResource = {
      resourceType: 'Medication',
      id: 'med-aln',
      code: {
        coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.7424', code: '100001' }],
        text: 'Alendronat Sandoz 70 mg',
      },
      ingredient: [{ itemCodeableConcept: { coding: [DRUGS.alendronate] } }],
    };
    const onAlendronate: FhirResource = {
      ...medicationRequest(DRUGS.alendronate, { id: 'rx-aln', status: 'active' }),
      medicationCodeableConcept: undefined,
      medicationReference: { reference: 'Medication/med-aln' },
      authoredOn: daysAgo(400),
    } as FhirResource;
    const dxa = observation({ system: 'http://loinc.org', code: '38267-1' }, -2.9, daysAgo(30), {
      unit: null,
    });
    const other = await startFhirServer([patient(), medication, onAlendronate, dxa]);
    try {
      const { app } = testApp();
      const response = await request(app)
        .post(PATIENT_VIEW)
        .send(hookRequest('patient-view', { fhirServer: other.baseUrl }))
        .expect(200);
      // On alendronate (known only through the referenced Medication's ingredient): no "start treatment".
      const codes = (response.body as { cards: CardBody[] }).cards.map((c) => c.source.topic.code);
      expect(codes).not.toContain('antiresorptive-indicated');
      expect(codes).toContain('calcium-vitamin-d');
    } finally {
      await other.close();
    }
  });

  test('FHIR_SEARCH_COUNT: the service asks for large pages on its searches (not on reads), same cards', async () => {
    server.setPageSize(2);
    const { app } = testApp({ searchCount: 50 });
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send(hookRequest('patient-view', { fhirServer: server.baseUrl, accessToken: TOKEN }))
      .expect(200);

    const queries = server.requests.map((r) => r.query);
    expect(queries.sort()).toEqual(
      queriesFor(Object.keys(PREFETCH_TEMPLATES)).map((query) =>
        query.includes('?') ? `${query}&_count=50` : query,
      ),
    );
    // One page per search: nothing had to be paged although the server's own page is 2.
    expect(queries).toHaveLength(Object.keys(PREFETCH_TEMPLATES).length);
    expect(comparable(response.body)).toEqual(await cardsWithFullPrefetch());
  });

  test('(c) a partial prefetch (patient, labs): only the other keys are queried, same cards', async () => {
    const full = prefetchFor(RESOURCES);
    const { app } = testApp();
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send(
        hookRequest('patient-view', {
          prefetch: { patient: full.patient ?? null, labs: full.labs ?? null },
          fhirServer: server.baseUrl,
          accessToken: TOKEN,
        }),
      )
      .expect(200);

    const others = Object.keys(PREFETCH_TEMPLATES).filter(
      (key) => key !== 'patient' && key !== 'labs',
    );
    expect(others).toHaveLength(8);
    expect(server.requests.map((r) => r.query).sort()).toEqual(queriesFor(others));
    expect(comparable(response.body)).toEqual(await cardsWithFullPrefetch());
  });

  test('order-select without prefetch: a drafted zoledronic acid with eGFR 30 → critical contraindication card', async () => {
    const draft = medicationRequest(DRUGS.zoledronicAcid, { id: 'draft-zol' });
    const { app } = testApp();
    const response = await request(app)
      .post(ORDER_SELECT)
      .send(
        hookRequest('order-select', {
          draftOrders: [draft],
          fhirServer: server.baseUrl,
          accessToken: TOKEN,
        }),
      )
      .expect(200);

    expect(server.requests).toHaveLength(Object.keys(PREFETCH_TEMPLATES).length);
    const cards = response.body.cards as (CardBody & {
      suggestions?: { actions: { resourceId?: string }[] }[];
    })[];
    const card = cards.find((c) => c.source.topic.code === 'contraindication-zoledronic-acid');
    expect(card?.indicator).toBe('critical');
    expect(card?.summary).toMatch(/eGFR 30\b/);
    expect(card?.suggestions?.[0]?.actions[0]?.resourceId).toBe('MedicationRequest/draft-zol');

    const withPrefetch = await request(app)
      .post(ORDER_SELECT)
      .send(hookRequest('order-select', { draftOrders: [draft], prefetch: prefetchFor(RESOURCES) }))
      .expect(200);
    expect(comparable(response.body)).toEqual(comparable(withPrefetch.body));
  });
});

describe('CDS Hooks 2.0 § FHIR Resource Access — the FHIR server fails (412) and recovers', () => {
  const call = (app: ReturnType<typeof testApp>['app']) =>
    request(app)
      .post(PATIENT_VIEW)
      .send(hookRequest('patient-view', { fhirServer: server.baseUrl, accessToken: TOKEN }));

  /** A 412 whose OperationOutcome names the failure but not the token or the server. */
  function expectUnavailable(body: OperationOutcome, failure: RegExp): void {
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0]?.code).toBe('incomplete');
    const diagnostics = body.issue[0]?.diagnostics ?? '';
    expect(diagnostics).toMatch(/could not be fetched/);
    expect(diagnostics).toMatch(/\bpatient: /);
    expect(diagnostics).toMatch(failure);
    expect(diagnostics).not.toContain(TOKEN);
    expect(diagnostics).not.toContain(server.baseUrl);
  }

  test('server down → 412; back up → 200 with the cards', async () => {
    const { app } = testApp();
    await server.stop();
    const down = await call(app).expect(412);
    expectUnavailable(down.body, /could not be reached/);

    await server.start();
    const up = await call(app).expect(200);
    expect(comparable(up.body)).toEqual(await cardsWithFullPrefetch());
  });

  test('server slower than timeoutMs → 412 at about the timeout; fast again → 200', async () => {
    const { app } = testApp({ timeoutMs: 200 });
    server.setDelay(3000);
    const started = performance.now();
    const slow = await call(app).expect(412);
    expect(performance.now() - started).toBeLessThan(2000);
    // The failure text is not asserted here: see the test.failing timeout tests in test/unit.
    expectUnavailable(slow.body, /\w/);

    server.setDelay(0);
    const fast = await call(app).expect(200);
    expect(comparable(fast.body)).toEqual(await cardsWithFullPrefetch());
  });

  test('server answering 500 → 412 naming the status; healthy again → 200', async () => {
    const { app } = testApp();
    server.setFailure(500);
    const failing = await call(app).expect(412);
    expectUnavailable(failing.body, /HTTP 500/);

    server.setFailure(undefined);
    const healthy = await call(app).expect(200);
    expect(comparable(healthy.body)).toEqual(await cardsWithFullPrefetch());
  });
});
