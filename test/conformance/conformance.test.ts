/**
 * Conformance with CDS Hooks 2.0 and the HL7 CDS Hooks IG: the specification's
 * and the IG's example requests and feedback bodies (fixtures/, written by hand
 * from the published examples, each citing its section) with the status the
 * service must answer; the discovery document's and every card's constraints.
 * docs/protocol.md lists where the service is lenient and where it is strict.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { z } from 'zod';
import { PREFETCH_TEMPLATES, SERVICES } from '../../src/cds/services';
import type { QualityStore } from '../../src/store/types';
import { testApp } from '../helpers/app';
import { patient } from '../helpers/fhir';
import { startFhirServer, type FakeFhirServer } from '../helpers/fhir-server';
import { openapiDocument, schemaCheck } from '../helpers/openapi';
import { openTestStore, STORE_START_TIMEOUT_MS } from '../helpers/stores';
import { expectOutcome } from '../http/support';
import { hookCalls, hookRequest, loadLibrary, localPrefetch } from '../fixtures/load';
import { NOW } from '../helpers/fhir';

const FIXTURES = join(__dirname, 'fixtures');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const serviceCase = z.object({
  name: z.string(),
  source: z.string().min(1),
  service: z.enum(['fls-patient-view', 'fls-order-select', 'fls-order-sign']),
  status: z.number().int(),
  mentions: z.array(z.string()).optional(),
  body: z.record(z.string(), z.unknown()),
});
const serviceCalls = z
  .object({ about: z.string(), cases: z.array(serviceCase).min(1) })
  .parse(JSON.parse(readFileSync(join(FIXTURES, 'service-calls.json'), 'utf8')));

const feedbackFixture = z
  .object({
    about: z.string(),
    service: z.string(),
    issuedCards: z.array(z.object({ card: z.string(), suggestions: z.array(z.string()) })),
    steps: z.array(
      z.object({
        name: z.string(),
        source: z.string().min(1),
        status: z.number().int(),
        response: z
          .object({ stored: z.number(), enriched: z.number(), duplicates: z.number() })
          .optional(),
        mentions: z.array(z.string()).optional(),
        body: z.unknown(),
      }),
    ),
  })
  .parse(JSON.parse(readFileSync(join(FIXTURES, 'feedback.json'), 'utf8')));

const REQUEST_SCHEMA = {
  'fls-patient-view': schemaCheck('PatientViewRequest'),
  'fls-order-select': schemaCheck('OrderSelectRequest'),
  'fls-order-sign': schemaCheck('OrderSignRequest'),
} as const;

// ---- card and discovery constraints (CDS Hooks 2.0 "CDS Service Response", "Discovery") ----

/** "JSON attributes SHALL NOT be null", and optional ones are omitted rather than empty ("", [], {}). */
function emptyValues(value: unknown, path: string): string[] {
  if (value === null) return [`${path}: null`];
  if (value === '') return [`${path}: empty string`];
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${path}: empty array`];
    return value.flatMap((item, index) => emptyValues(item, `${path}[${index}]`));
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [`${path}: empty object`];
    return entries.flatMap(([key, item]) => emptyValues(item, `${path}.${key}`));
  }
  return [];
}

const isText = (value: unknown): value is string =>
  typeof value === 'string' && value.trim() !== '';
const isAbsoluteUrl = (value: unknown): boolean => {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

/** Every constraint of CDS Hooks 2.0 "Card Attributes", "Suggestion", "Action", "Link", "Coding". */
function cardProblems(card: Record<string, unknown>): string[] {
  const problems = emptyValues(card, 'card');
  const need = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  need(typeof card.uuid === 'string' && UUID.test(card.uuid), 'uuid: a uuid, for feedback');
  need(isText(card.summary) && String(card.summary).length < 140, 'summary: under 140 characters');
  need(['info', 'warning', 'critical'].includes(String(card.indicator)), 'indicator');
  const source = card.source as Record<string, unknown> | undefined;
  need(isText(source?.label), 'source.label');
  if (source?.url !== undefined) need(isAbsoluteUrl(source.url), 'source.url');
  if (source?.topic !== undefined) {
    const topic = source.topic as Record<string, unknown>;
    need(isText(topic.code) && isText(topic.system), 'source.topic: code and system');
  }
  if (card.detail !== undefined) need(isText(card.detail), 'detail');
  const suggestions = card.suggestions as Record<string, unknown>[] | undefined;
  if (suggestions !== undefined) {
    need(
      ['at-most-one', 'any'].includes(String(card.selectionBehavior)),
      'selectionBehavior: required with suggestions',
    );
    const uuids = suggestions.map((suggestion) => suggestion.uuid);
    need(new Set(uuids).size === uuids.length, 'suggestions: uuids unique');
    suggestions.forEach((suggestion, index) => {
      need(isText(suggestion.label), `suggestions[${index}].label`);
      need(
        typeof suggestion.uuid === 'string' && UUID.test(suggestion.uuid),
        `suggestions[${index}].uuid: a uuid, for feedback`,
      );
      const actions = (suggestion.actions ?? []) as Record<string, unknown>[];
      actions.forEach((action, position) => {
        const at = `suggestions[${index}].actions[${position}]`;
        need(['create', 'update', 'delete'].includes(String(action.type)), `${at}.type`);
        need(isText(action.description), `${at}.description`);
        if (action.type === 'create' || action.type === 'update') {
          need(typeof action.resource === 'object', `${at}.resource`);
        }
        if (action.type === 'delete') need(isText(action.resourceId), `${at}.resourceId`);
      });
    });
  }
  for (const [index, reason] of (
    (card.overrideReasons ?? []) as Record<string, unknown>[]
  ).entries()) {
    need(
      isText(reason.code) && isText(reason.system) && isText(reason.display),
      `overrideReasons[${index}]: code, system and display`,
    );
  }
  for (const [index, link] of ((card.links ?? []) as Record<string, unknown>[]).entries()) {
    need(isText(link.label), `links[${index}].label`);
    need(isAbsoluteUrl(link.url), `links[${index}].url: absolute`);
    need(['absolute', 'smart'].includes(String(link.type)), `links[${index}].type`);
  }
  return problems;
}

// ---- the tests ----

let fhir: FakeFhirServer;
let store: QualityStore;

beforeAll(async () => {
  // The patients of the examples, on a FHIR server on this machine.
  fhir = await startFhirServer(
    ['1288992', 'MRN1375', 'egICGav-o1PPZqCGJ02G0rZfgFquWZ3QQeahd8KF154c3'].map((id) =>
      patient({ id }),
    ),
  );
  store = await openTestStore();
}, STORE_START_TIMEOUT_MS);

afterAll(async () => {
  await fhir?.close();
  await store?.close();
});

describe('CDS Hooks 2.0 and HL7 IG example requests (fixtures/service-calls.json)', () => {
  test.each(serviceCalls.cases.map((entry) => [entry.name, entry] as const))(
    '%s',
    async (_name, entry) => {
      const { app } = testApp({ store });
      const body = structuredClone(entry.body);
      if (typeof body.fhirServer === 'string') body.fhirServer = fhir.baseUrl;
      const response = await request(app).post(`/cds-services/${entry.service}`).send(body);
      if (entry.status !== 200) {
        expectOutcome(response, {
          status: entry.status,
          code: 'invalid',
          mentions: entry.mentions ?? [],
        });
        return;
      }
      expect(response.status).toBe(200);
      const cards = (response.body as { cards: Record<string, unknown>[] }).cards;
      expect(Array.isArray(cards)).toBe(true);
      for (const card of cards) expect(cardProblems(card)).toEqual([]);
      // What the service accepts, its OpenAPI document describes as valid.
      expect(REQUEST_SCHEMA[entry.service](entry.body)).toEqual([]);
    },
  );

  test('undeclared prefetch keys are not read: no FHIR query is made for them', async () => {
    const entry = serviceCalls.cases.find((candidate) =>
      Object.hasOwn((candidate.body.prefetch ?? {}) as object, 'user'),
    );
    expect(entry).toBeDefined();
    const { app } = testApp({ store });
    const before = fhir.requests.length;
    const body = { ...structuredClone(entry?.body), fhirServer: fhir.baseUrl };
    const response = await request(app).post('/cds-services/fls-patient-view').send(body);
    expect(response.status).toBe(200);
    const queries = fhir.requests.slice(before).map((recorded) => recorded.query);
    // The declared key given (patient) is not fetched; the others are; nothing else is.
    expect(queries.some((query) => query.startsWith('Patient/'))).toBe(false);
    const fetchedTypes = new Set(queries.map((query) => query.split(/[?/]/)[0]));
    const declaredTypes = new Set(
      Object.values(PREFETCH_TEMPLATES).map((template) => template.split(/[?/]/)[0]),
    );
    for (const type of fetchedTypes) expect(declaredTypes.has(type)).toBe(true);
  });

  test('ids longer than 64 characters are matched exactly: the card names the 212-character draft', async () => {
    const pair = JSON.parse(
      readFileSync(
        join(__dirname, '../golden/pairs/r11-zoledronic-acid-egfr.order-sign.json'),
        'utf8',
      ),
    ) as { request: unknown; response: { cards: { source: { topic: { code: string } } }[] } };
    const longDraft = `e${'Xy7.-Q'.repeat(35)}z`;
    const longPatient = `p${'0aB-'.repeat(25)}`;
    expect(longDraft).toHaveLength(212);
    const body = JSON.parse(
      JSON.stringify(pair.request)
        .replaceAll('"draft-r11-zoledronic-acid"', JSON.stringify(longDraft))
        .replaceAll('MedicationRequest/draft-r11-zoledronic-acid', `MedicationRequest/${longDraft}`)
        .replaceAll('"pat-r11"', JSON.stringify(longPatient))
        .replaceAll('Patient/pat-r11"', `Patient/${longPatient}"`),
    ) as Record<string, unknown>;
    const { app } = testApp({ store });
    const response = await request(app).post('/cds-services/fls-order-sign').send(body);
    expect(response.status).toBe(200);
    const cards = (
      response.body as {
        cards: {
          source: { topic: { code: string } };
          suggestions?: { actions: { resourceId?: string }[] }[];
        }[];
      }
    ).cards;
    expect(cards.map((card) => card.source.topic.code).sort()).toEqual(
      pair.response.cards.map((card) => card.source.topic.code).sort(),
    );
    const resourceIds = cards.flatMap((card) =>
      (card.suggestions ?? []).flatMap((suggestion) =>
        suggestion.actions.map((action) => action.resourceId),
      ),
    );
    expect(resourceIds).toContain(`MedicationRequest/${longDraft}`);
  });
});

describe('CDS Hooks 2.0 feedback examples (fixtures/feedback.json)', () => {
  // The spec's card uuids stand for cards this service issued; fresh ones per run.
  const fresh = new Map<string, string>();
  const freshUuid = (uuid: string) => {
    const known = fresh.get(uuid) ?? randomUUID();
    fresh.set(uuid, known);
    return known;
  };
  const withFreshUuids = (body: unknown): unknown =>
    JSON.parse(
      JSON.stringify(body).replace(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
        (uuid) => freshUuid(uuid.toLowerCase()),
      ),
    );
  const code = `conformance-${randomUUID()}`;
  // Built when used: the store opens in beforeAll.
  const feedbackApp = () => testApp({ store, now: () => NOW }).app;

  beforeAll(async () => {
    await store.recordIssuedCards(
      feedbackFixture.issuedCards.map((card) => ({
        cardUuid: freshUuid(card.card),
        serviceId: feedbackFixture.service,
        hook: 'patient-view',
        recommendationCode: code,
        suggestionUuids: card.suggestions.map(freshUuid),
        issuedAt: NOW,
      })),
    );
  });

  // In order: each step sees what the earlier ones stored.
  for (const step of feedbackFixture.steps) {
    test(`${step.name} → ${step.status}`, async () => {
      const body = withFreshUuids(step.body);
      const response = await request(feedbackApp())
        .post(`/cds-services/${feedbackFixture.service}/feedback`)
        .send(body as object);
      if (step.status === 200) {
        expect(response.status).toBe(200);
        expect(response.body).toEqual(step.response);
        return;
      }
      expectOutcome(response, {
        status: step.status,
        code: step.status === 422 ? 'not-found' : 'invalid',
        mentions: step.mentions ?? [],
      });
    });
  }

  test('the quality indicators count the override by its reason, once, and the acceptance', async () => {
    const day = NOW.toISOString().slice(0, 10);
    const response = await request(feedbackApp()).get(`/quality-indicators?from=${day}&to=${day}`);
    expect(response.status).toBe(200);
    const entry = (response.body as { indicators: { code: string }[] }).indicators.find(
      (indicator) => indicator.code === code,
    );
    expect(entry).toEqual({
      code,
      issued: 2,
      accepted: 1,
      acceptedSuggestions: 1,
      overridden: 1,
      withoutFeedback: 0,
      overrideReasons: [
        {
          system: 'https://example.com/cds-hooks/override-reason-system',
          code: 'd7ecf885',
          count: 1,
        },
      ],
      overriddenWithoutReason: 0,
      acceptanceRate: 0.5,
      acceptedOfIssued: 0.5,
    });
  });
});

describe('discovery and cards (CDS Hooks 2.0 "Discovery", "CDS Service Response")', () => {
  const ALLOWED_TOKENS = new Set([
    'context.userId',
    'context.patientId',
    'context.encounterId',
    'userPractitionerId',
    'userPractitionerRoleId',
    'userPatientId',
    'userRelatedPersonId',
  ]);

  test('every service has the required members, a URL-safe unique id and 2.0 prefetch templates', async () => {
    const { app } = testApp({ store });
    const response = await request(app).get('/cds-services');
    expect(response.status).toBe(200);
    const services = (response.body as { services: Record<string, unknown>[] }).services;
    expect(services.length).toBeGreaterThan(0);
    expect(new Set(services.map((service) => service.id)).size).toBe(services.length);
    for (const service of services) {
      expect(emptyValues(service, String(service.id))).toEqual([]);
      expect(String(service.id)).toMatch(/^[A-Za-z0-9\-._~]+$/);
      expect(['patient-view', 'order-select', 'order-sign']).toContain(service.hook);
      expect(isText(service.title)).toBe(true);
      expect(isText(service.description)).toBe(true);
      for (const template of Object.values(service.prefetch as Record<string, string>)) {
        // A relative FHIR read or search; only the tokens CDS Hooks 2.0 defines.
        expect(template).toMatch(/^[A-Z][A-Za-z]+[/?]/);
        for (const [, token] of template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
          expect(ALLOWED_TOKENS.has(String(token))).toBe(true);
        }
      }
    }
  });

  test('the OpenAPI document names exactly the prefetch keys the services declare', () => {
    const declared = new Set(SERVICES.flatMap((service) => Object.keys(service.prefetch)));
    expect(Object.keys(openapiDocument.components.schemas.Prefetch.properties).sort()).toEqual(
      [...declared].sort(),
    );
  });

  const profiles = {
    no: testApp(),
    dk: testApp({ profile: 'dk' }),
    se: testApp({ profile: 'se' }),
  };
  const calls = loadLibrary(NOW).flatMap((patient) =>
    hookCalls(patient).map((call) => [`${patient.name}.${call.hook}`, patient, call] as const),
  );
  const SERVICE = {
    'patient-view': 'fls-patient-view',
    'order-select': 'fls-order-select',
    'order-sign': 'fls-order-sign',
  } as const;

  test.each(calls)('every card of %s meets the card constraints', async (_name, patient, call) => {
    const response = await request(profiles[patient.profile].app)
      .post(`/cds-services/${SERVICE[call.hook]}`)
      .send({ ...hookRequest(patient, call, { prefetch: localPrefetch(patient) }) });
    expect(response.status).toBe(200);
    for (const card of (response.body as { cards: Record<string, unknown>[] }).cards) {
      expect(cardProblems(card)).toEqual([]);
    }
  });
});
