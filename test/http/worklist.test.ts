/**
 * GET /worklist and /worklist/measure-report: JSON, CSV and a FHIR MeasureReport
 * from the configured FHIR server (a caller cannot name another), bad input as
 * 400 naming the parameter, and — auth on — 401 without a token.
 */
import type { MeasureReport } from 'fhir/r4';
import request from 'supertest';
import { LEVEL_EXTENSION_URL } from '../../src/worklist/format';
import { INDICATOR_IDS } from '../../src/worklist/engine';
import type { WorklistReport, WorklistSource } from '../../src/worklist/population';
import { testApp } from '../helpers/app';
import { outcome, send, startFhirServer, type FakeFhirServer } from '../helpers/fhir-server';
import { clientClaims, signToken } from '../helpers/jwt';
import { securedEnvironment } from '../helpers/secured';
import { LIBRARY } from '../worklist/library';

let server: FakeFhirServer;
beforeEach(async () => {
  server = await startFhirServer(LIBRARY.map((resource) => ({ ...resource })));
});
afterEach(async () => {
  await server.close();
});

const source = (): WorklistSource => ({
  baseUrl: server.baseUrl,
  concurrency: 2,
  fhir: {
    timeoutMs: 2000,
    maxPages: 10,
    maxResponseBytes: 5_000_000,
    searchCount: 50,
    retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 10 },
  },
});
const PERIOD = 'from=2025-01-01&to=2026-11-22';

describe('GET /worklist (auth off, outside production)', () => {
  it('answers the worklist as JSON', async () => {
    const { app } = testApp({ worklist: source() });
    const response = await request(app).get(`/worklist?${PERIOD}`);
    expect(response.status).toBe(200);
    expect(response.type).toBe('application/json');
    const report = response.body as WorklistReport;
    expect(report.period).toEqual({ from: '2025-01-01', to: '2026-11-22' });
    expect(report.patients.map((row) => row.patientId).sort()).toEqual([
      'p-decide',
      'p-labs',
      'p-treated',
      'p-young',
    ]);
    expect(report.indicators.map((indicator) => indicator.id)).toEqual([...INDICATOR_IDS]);
  });

  it('answers CSV for Accept: text/csv and for format=csv', async () => {
    const { app } = testApp({ worklist: source() });
    for (const call of [
      request(app).get(`/worklist?${PERIOD}`).set('Accept', 'text/csv'),
      request(app).get(`/worklist?${PERIOD}&format=csv`),
    ]) {
      const response = await call;
      expect(response.status).toBe(200);
      expect(response.type).toBe('text/csv');
      const lines = response.text.trim().split('\n');
      expect(lines[0]).toMatch(/^patientId,age,sex,fractureDate/);
      expect(lines.filter((line) => line.startsWith('p-decide,78,female,'))).toHaveLength(1);
      expect(lines).toHaveLength(5);
    }
  });

  it('uses the profile asked for: dk routing in the rows', async () => {
    const { app } = testApp({ worklist: source() });
    const response = await request(app).get(`/worklist?${PERIOD}&profile=dk`);
    expect(response.status).toBe(200);
    const decide = (response.body as WorklistReport).patients.find(
      (row) => row.patientId === 'p-decide',
    );
    expect(decide?.routing).toBe('fls-group-2b');
  });

  it.each([
    ['from=2026-02-01&to=2026-01-01', /from \(2026-02-01\) is after to/],
    ['from=2026-13-01&to=2026-12-31', /from must be a date/],
    ['from=2026-01-01', /to is required/],
    ['from=2026-01-01&to=2026-02-01&profile=xx', /profile must be one of/],
    // Found by schemathesis: an empty value is not "absent".
    ['from=2026-01-01&to=2026-02-01&profile=', /profile must be one of/],
    ['from=2026-01-01&to=2026-02-01&format=xml', /format: must be json or csv/],
    [`${PERIOD}&fhirServer=https://evil.example.org/fhir`, /fhirServer: not accepted/],
  ])('bad input %s → 400 naming the parameter', async (query, message) => {
    const { app } = testApp({ worklist: source() });
    const response = await request(app).get(`/worklist?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.resourceType).toBe('OperationOutcome');
    expect(response.body.issue[0].diagnostics).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });

  it('a FHIR server that refuses the search: 502 without its URL, the cause logged', async () => {
    server.setInterceptor((_request, res) => {
      send(res, 400, outcome('Unknown search parameter "onset-date"'));
      return true;
    });
    const { app, logs } = testApp({ worklist: source() });
    const response = await request(app).get(`/worklist?${PERIOD}`);
    expect(response.status).toBe(502);
    expect(JSON.stringify(response.body)).not.toContain('127.0.0.1');
    expect(logs.join('')).toContain('onset-date');
  });

  it('without WORKLIST_FHIR_BASE: 404 saying so', async () => {
    const { app } = testApp();
    const response = await request(app).get(`/worklist?${PERIOD}`);
    expect(response.status).toBe(404);
    expect(response.body.issue[0].diagnostics).toContain('WORKLIST_FHIR_BASE');
  });

  it('other methods: 405', async () => {
    const { app } = testApp({ worklist: source() });
    const response = await request(app).post(`/worklist?${PERIOD}`).send({});
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, OPTIONS');
  });
});

describe('GET /worklist/measure-report', () => {
  it('is a FHIR R4 MeasureReport: complete, summary, the period, one group per indicator with the IOF levels', async () => {
    const { app } = testApp({ worklist: source() });
    const response = await request(app).get(`/worklist/measure-report?${PERIOD}`);
    expect(response.status).toBe(200);
    expect(response.type).toBe('application/fhir+json');
    const report = JSON.parse(response.text) as MeasureReport;
    expect(report).toMatchObject({
      resourceType: 'MeasureReport',
      status: 'complete',
      type: 'summary',
      period: { start: '2025-01-01', end: '2026-11-22' },
    });
    expect(typeof report.measure).toBe('string');
    expect(report.group?.map((group) => group.code?.coding?.[0]?.code)).toEqual([...INDICATOR_IDS]);
    for (const group of report.group ?? []) {
      const codes = group.population?.map((population) => population.code?.coding?.[0]?.code);
      expect(codes).toEqual(
        expect.arrayContaining(['initial-population', 'denominator', 'numerator']),
      );
      for (const population of group.population ?? [])
        expect(Number.isInteger(population.count)).toBe(true);
      expect(group.code?.text).toMatch(/IOF levels: below 50 %/);
      const levels = group.extension?.find((extension) => extension.url === LEVEL_EXTENSION_URL);
      expect(levels?.extension?.find((extension) => extension.url === 'low')?.valueDecimal).toBe(
        0.5,
      );
    }
    const dxa = report.group?.find((group) => group.code?.coding?.[0]?.code === 'dxa-12w');
    const count = (code: string) =>
      dxa?.population?.find((population) => population.code?.coding?.[0]?.code === code)?.count;
    expect(count('numerator')).toBe(2);
    expect(count('denominator')).toBe(2);
    expect(dxa?.measureScore?.value).toBe(1);
    const levels = dxa?.extension?.find((extension) => extension.url === LEVEL_EXTENSION_URL);
    expect(levels?.extension?.find((extension) => extension.url === 'high')?.valueDecimal).toBe(
      0.8,
    );
  });
});

describe('with authentication on', () => {
  const ISSUER = 'https://ehr.example.org/cds-client';
  const BASE = 'https://cds.example.org/fls';
  const secured = securedEnvironment();
  const securedApp = () =>
    testApp({
      store: secured.store,
      worklist: source(),
      auth: { verifier: secured.verifier(ISSUER), publicBaseUrl: BASE },
    });

  it.each(['/worklist', '/worklist/measure-report'])(
    '%s without a token: 401, no body, the FHIR server not read',
    async (path) => {
      const response = await request(securedApp().app).get(`${path}?${PERIOD}`);
      expect(response.status).toBe(401);
      expect(response.text).toBe('');
      expect(server.requests).toHaveLength(0);
    },
  );

  it('with a valid token: the worklist', async () => {
    const token = await signToken(secured.key, clientClaims(ISSUER, `${BASE}/worklist`));
    const response = await request(securedApp().app)
      .get(`/worklist?${PERIOD}`)
      .set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect((response.body as WorklistReport).patients).toHaveLength(4);
  });
});
