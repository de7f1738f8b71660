/**
 * Discovery, health, the OpenAPI document, CORS and request ids
 * (../shared/cds-hooks.md "Discovery" and "General").
 */
import request from 'supertest';
import { testApp } from '../helpers/app';
import { forbiddenEmptyValues, UUID_PATTERN } from './support';

const { app } = testApp();

interface DiscoveredService {
  id: string;
  hook: string;
  title: string;
  description: string;
  prefetch: Record<string, string>;
}

async function discover(): Promise<DiscoveredService[]> {
  const response = await request(app).get('/cds-services');
  expect(response.status).toBe(200);
  return (response.body as { services: DiscoveredService[] }).services;
}

describe('the forbidden-empty-value checker used below', () => {
  test('finds null, blank strings, empty arrays and empty objects at any depth', () => {
    expect(forbiddenEmptyValues({ a: 1, b: 'x', c: [1, { d: true }], e: false, f: 0 })).toEqual([]);
    expect(
      forbiddenEmptyValues({
        a: null,
        b: '',
        c: [],
        d: {},
        e: [{ f: ' ' }],
        g: { h: { i: null } },
      }),
    ).toEqual(['$.a', '$.b', '$.c', '$.d', '$.e[0].f', '$.g.h.i']);
  });
});

describe('CDS Hooks 2.0 § Discovery', () => {
  test('GET /cds-services answers 200 JSON with the three FLS services', async () => {
    const response = await request(app).get('/cds-services');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(response.body as object)).toEqual(['services']);
    const services = (response.body as { services: DiscoveredService[] }).services;
    expect(services).toHaveLength(3);
    expect(services.map(({ id, hook }) => ({ id, hook }))).toEqual([
      { id: 'fls-patient-view', hook: 'patient-view' },
      { id: 'fls-order-select', hook: 'order-select' },
      { id: 'fls-order-sign', hook: 'order-sign' },
    ]);
  });

  test('every service has a title, a description and prefetch templates', async () => {
    for (const service of await discover()) {
      expect(typeof service.title).toBe('string');
      expect(service.title.trim().length).toBeGreaterThan(0);
      expect(typeof service.description).toBe('string');
      expect(service.description.trim().length).toBeGreaterThan(10);
      expect(typeof service.prefetch).toBe('object');
      expect(Object.keys(service.prefetch).length).toBeGreaterThan(0);
      for (const template of Object.values(service.prefetch))
        expect(typeof template).toBe('string');
    }
  });

  test('the prefetch asks for the patient and the osteoporosis data', async () => {
    for (const service of await discover()) {
      expect(service.prefetch).toMatchObject({
        patient: 'Patient/{{context.patientId}}',
        labs: expect.stringMatching(/^Observation\?/),
        conditions: expect.stringMatching(/^Condition\?/),
        medicationRequests: expect.stringMatching(/^MedicationRequest\?/),
      });
    }
  });

  test('every template is scoped to {{context.patientId}}', async () => {
    for (const service of await discover()) {
      for (const [key, template] of Object.entries(service.prefetch)) {
        expect({ key, template }).toEqual({
          key,
          template: expect.stringContaining('{{context.patientId}}'),
        });
        // Only tokens CDS Hooks 2.0 defines (no 3.0-ballot FHIRPath tokens).
        for (const [token] of template.matchAll(/\{\{[^}]*\}\}/g)) {
          expect(token).toMatch(
            /^\{\{(context\.[A-Za-z]+|userPractitionerId|userPractitionerRoleId|userPatientId|userRelatedPersonId)\}\}$/,
          );
        }
      }
    }
  });

  test('search templates use R4 syntax: patient=, and for Observations code= with %7C and _sort=-date', async () => {
    for (const service of await discover()) {
      const searches = Object.entries(service.prefetch).filter(([, template]) =>
        template.includes('?'),
      );
      expect(searches.length).toBeGreaterThan(0);
      for (const [key, template] of searches) {
        const [resourceType = '', query = ''] = template.split('?');
        expect({ key, resourceType }).toEqual({
          key,
          resourceType: expect.stringMatching(/^[A-Z][A-Za-z]+$/),
        });
        const params = query.split('&');
        expect({ key, params }).toEqual({
          key,
          params: expect.arrayContaining(['patient={{context.patientId}}']),
        });
        // `|` must be sent URL-encoded.
        expect({ key, hasRawPipe: template.includes('|') }).toEqual({ key, hasRawPipe: false });
        if (resourceType === 'Observation') {
          expect({ key, params }).toEqual({ key, params: expect.arrayContaining(['_sort=-date']) });
          const code = params.find((param) => param.startsWith('code='));
          expect({ key, code }).toEqual({ key, code: expect.stringMatching(/^code=.+%7C.+/) });
          // system%7Ccode alternatives separated by commas
          for (const token of (code ?? '').slice('code='.length).split(',')) {
            expect(token).toMatch(/^[^,]+%7C[^,%]+$/);
          }
        }
      }
    }
  });

  test('the Observation code lists include the LOINC codes for calcium and eGFR', async () => {
    const [first] = await discover();
    const labs = decodeURIComponent(first?.prefetch.labs ?? '');
    expect(labs).toContain('http://loinc.org|2000-8');
    expect(labs).toContain('http://loinc.org|98979-8');
  });

  test('the discovery JSON contains no null, "", [] or {}', async () => {
    const response = await request(app).get('/cds-services');
    expect(forbiddenEmptyValues(response.body)).toEqual([]);
  });

  test('a service can be looked up only by POST: GET /cds-services/{id} is 405, not a second discovery', async () => {
    const response = await request(app).get('/cds-services/fls-patient-view');
    expect(response.status).toBe(405);
    expect(response.body).not.toHaveProperty('services');
  });
});

describe('Health and the OpenAPI document', () => {
  test('GET /healthz answers 200 {status: "ok"}', async () => {
    const response = await request(app).get('/healthz');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({ status: 'ok' });
  });

  test('GET /openapi.json answers an OpenAPI 3.1 document describing the service endpoint', async () => {
    const response = await request(app).get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const document = response.body as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(document.openapi).toMatch(/^3\.1/);
    expect(document.paths).toHaveProperty(['/cds-services/{id}']);
    expect(document.paths['/cds-services/{id}']).toHaveProperty('post');
    expect(document.paths['/cds-services']).toHaveProperty('get');
  });
});

describe('CDS Hooks 2.0 § Security (CORS)', () => {
  test('an OPTIONS preflight to a service answers 204 allowing Authorization and Content-Type', async () => {
    const response = await request(app)
      .options('/cds-services/fls-patient-view')
      .set('Origin', 'https://ehr.example.org')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type');
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    const allowHeaders = String(response.headers['access-control-allow-headers'] ?? '')
      .split(',')
      .map((header) => header.trim().toLowerCase());
    expect(allowHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    const allowMethods = String(response.headers['access-control-allow-methods'] ?? '')
      .split(',')
      .map((method) => method.trim().toUpperCase());
    expect(allowMethods).toEqual(expect.arrayContaining(['POST']));
    expect(response.headers['access-control-allow-origin']).toBeDefined();
  });

  test('a preflight from a public page to a local service is allowed (Private Network Access)', async () => {
    const asked = await request(app)
      .options('/cds-services')
      .set('Origin', 'https://sandbox.cds-hooks.org')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Private-Network', 'true');
    expect(asked.status).toBe(204);
    expect(asked.headers['access-control-allow-private-network']).toBe('true');
    const notAsked = await request(app)
      .options('/cds-services')
      .set('Origin', 'https://ehr.example.org')
      .set('Access-Control-Request-Method', 'GET');
    expect(notAsked.headers['access-control-allow-private-network']).toBeUndefined();
  });

  test('a preflight to discovery allows GET', async () => {
    const response = await request(app)
      .options('/cds-services')
      .set('Origin', 'https://ehr.example.org')
      .set('Access-Control-Request-Method', 'GET');
    expect(response.status).toBe(204);
    expect(String(response.headers['access-control-allow-methods'])).toMatch(/\bGET\b/);
  });

  test('normal responses carry Access-Control-Allow-Origin', async () => {
    const response = await request(app)
      .get('/cds-services')
      .set('Origin', 'https://ehr.example.org');
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toMatch(
      /^(\*|https:\/\/ehr\.example\.org)$/,
    );
  });

  test('error responses carry Access-Control-Allow-Origin too, so a browser client can read them', async () => {
    const response = await request(app)
      .post('/cds-services/fls-patient-view')
      .set('Origin', 'https://ehr.example.org')
      .send({});
    expect(response.status).toBe(400);
    expect(response.headers['access-control-allow-origin']).toMatch(
      /^(\*|https:\/\/ehr\.example\.org)$/,
    );
  });
});

describe('Request ids', () => {
  test('every response has an X-Request-Id, different per request, readable by browsers', async () => {
    const first = await request(app).get('/cds-services');
    const second = await request(app).get('/healthz');
    const notFound = await request(app).get('/no-such-path');
    const ids = [first, second, notFound].map((response) => response.headers['x-request-id']);
    for (const id of ids) expect(id).toMatch(UUID_PATTERN);
    expect(new Set(ids).size).toBe(3);
    expect(String(first.headers['access-control-expose-headers'])).toMatch(/x-request-id/i);
  });
});
