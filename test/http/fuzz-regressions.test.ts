/**
 * Regressions found while fuzzing the service against its OpenAPI document
 * (scripts/fuzz.sh, docs/fuzzing.md): inputs that got a 5xx instead of a 4xx
 * naming the problem. The quality-indicator cases need a real store: the
 * in-memory stand-in would never have failed on them.
 */
import request from 'supertest';
import type { QualityStore } from '../../src/store/types';
import { testApp } from '../helpers/app';
import { DRUGS, hookRequest, medicationRequest, patient, prefetchFor } from '../helpers/fhir';
import { openTestStore, STORE_START_TIMEOUT_MS } from '../helpers/stores';
import { expectOutcome, parsedLogs } from './support';

let store: QualityStore;

beforeAll(async () => {
  store = await openTestStore();
}, STORE_START_TIMEOUT_MS);

afterAll(async () => {
  await store?.close();
});

/** No log line of a failed request (every 5xx logs one). */
function expectNoFailureLogged(logs: readonly string[]): void {
  const lines = parsedLogs(logs);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line.msg).not.toBe('request failed');
    expect(Number(line.status ?? 0)).toBeLessThan(500);
  }
}

describe('a service id that is not valid percent-encoding', () => {
  // Express rejects the path parameter with a URIError; it used to map to 500.
  test.each([
    ['POST', '/cds-services/%zz'],
    ['POST', '/cds-services/fls-%E0%A4%A'],
    ['POST', '/cds-services/%zz/feedback'],
    ['GET', '/cds-services/%zz'],
  ])('%s %s → 400 naming the path', async (method, path) => {
    const { app, logs } = testApp({ store });
    const call = method === 'POST' ? request(app).post(path) : request(app).get(path);
    const response = await call.set('Content-Type', 'application/json').send('{}');
    const diagnostics = expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: ['path', 'percent-encod'],
      mustNotContain: ['%zz', '%E0%A4%A', 'URIError', 'Failed to decode'],
    });
    expect(diagnostics).not.toMatch(/internal error/i);
    expectNoFailureLogged(logs);
  });
});

describe('quality-indicator dates the database cannot hold', () => {
  // Calendar dates the service accepted, then failed on in PostgreSQL: answered 503 "store unavailable".
  test.each([
    ['from=2026-01-01&to=9999-12-31', 'to'],
    ['from=0000-01-01&to=2026-01-31', 'from'],
  ])('?%s → 400 naming %s and the range', async (query, field) => {
    const { app, logs } = testApp({ store });
    const response = await request(app).get(`/quality-indicators?${query}`);
    expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: [`${field}:`, '0001-01-01', '9999-12-30'],
    });
    expectNoFailureLogged(logs);
  });

  test('the ends of the range are answered', async () => {
    const { app, logs } = testApp({ store });
    const response = await request(app).get('/quality-indicators?from=0001-01-01&to=9999-12-30');
    expect(response.status).toBe(200);
    expect((response.body as { period: unknown }).period).toEqual({
      from: '0001-01-01',
      to: '9999-12-30',
    });
    expectNoFailureLogged(logs);
  });

  test('a default period that would start before the range starts at its first day', async () => {
    const { app, logs } = testApp({ store });
    const response = await request(app).get('/quality-indicators?to=0001-01-10');
    expect(response.status).toBe(200);
    expect((response.body as { period: unknown }).period).toEqual({
      from: '0001-01-01',
      to: '0001-01-10',
    });
    expectNoFailureLogged(logs);
  });
});

describe('order-select naming a selection that is not a draft order', () => {
  // The diagnostics used to repeat the selection, so whatever the client put in the
  // reference (here the patient's id) came back in the response and went into the log.
  test('400 names the selection by its index, not its value', async () => {
    const { app, logs } = testApp({ store });
    const draft = medicationRequest(DRUGS.alendronate, {
      id: 'draft-1',
      patientId: 'pat-secret-42',
    });
    const body = hookRequest('order-select', {
      patientId: 'pat-secret-42',
      draftOrders: [draft],
      selections: ['MedicationRequest/draft-1', 'MedicationRequest/pat-secret-42'],
      prefetch: prefetchFor([patient({ id: 'pat-secret-42' })]),
    });
    const response = await request(app).post('/cds-services/fls-order-select').send(body);
    expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: ['context.selections[1]', 'not found in context.draftOrders'],
      mustNotContain: ['pat-secret-42'],
    });
    expect(logs.join('')).not.toContain('pat-secret-42');
    expectNoFailureLogged(logs);
  });
});
