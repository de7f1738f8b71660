/**
 * The FLS pages (docs/pages.md): static files open (no data in them), the patient
 * timeline route behind the same authentication as /worklist, bad ids 400, unknown
 * patients 404, and the patient-view cards' link to the patient page only when
 * FLS_PAGES_BASE_URL is set.
 */
import request from 'supertest';
import { PREFETCH_TEMPLATES } from '../../src/cds/services';
import type { PatientTimeline } from '../../src/worklist/timeline';
import type { WorklistSource } from '../../src/worklist/population';
import { testApp } from '../helpers/app';
import {
  activeRequest,
  daysAgo,
  DRUGS,
  fracture,
  hookRequest,
  labs,
  patient,
  prefetchFor,
  tScore,
} from '../helpers/fhir';
import { startFhirServer, type FakeFhirServer } from '../helpers/fhir-server';
import { clientClaims, signToken } from '../helpers/jwt';
import { securedEnvironment } from '../helpers/secured';
import { forPatient, LIBRARY } from '../worklist/library';

const P_TIMELINE = forPatient('p-timeline', [
  patient({ birthDate: '1950-03-04' }),
  fracture('radius', daysAgo(400)),
  fracture('vertebra', daysAgo(100)),
  tScore('spine', -2.9, daysAgo(380)),
  tScore('hip', -2.2, daysAgo(380)),
  tScore('spine', -2.7, daysAgo(20)),
  labs.calcium(2.31, daysAgo(390)),
  labs.calcium(2.45, daysAgo(90)),
  labs.vitaminD(42, daysAgo(90)),
  labs.tsh(1.2, daysAgo(90)),
  activeRequest(DRUGS.alendronate, daysAgo(60)),
]);

let server: FakeFhirServer;
beforeEach(async () => {
  server = await startFhirServer([...LIBRARY, ...P_TIMELINE].map((resource) => ({ ...resource })));
});
afterEach(async () => {
  await server.close();
});

const source = (): WorklistSource => ({
  baseUrl: server.baseUrl,
  concurrency: 2,
  fhir: { timeoutMs: 2000, maxPages: 10, maxResponseBytes: 5_000_000, searchCount: 50 },
});

describe('GET /worklist/patients/{id}/timeline', () => {
  it("answers the patient's fractures, T-scores, labs and drug periods, oldest first", async () => {
    const { app } = testApp({ worklist: source() });
    const response = await request(app).get('/worklist/patients/p-timeline/timeline');
    expect(response.status).toBe(200);
    const timeline = response.body as PatientTimeline;
    expect(timeline.patientId).toBe('p-timeline');
    expect(timeline.birthDate).toBe('1950-03-04');
    expect(timeline.fractures.map((f) => [f.date, f.site])).toEqual([
      [daysAgo(400), 'distalRadius'],
      [daysAgo(100), 'vertebra'],
    ]);
    expect(timeline.tScores.map((t) => [t.date, t.site, t.value])).toEqual(
      [
        [daysAgo(380), 'spine', -2.9],
        [daysAgo(380), 'totalHip', -2.2],
        [daysAgo(20), 'spine', -2.7],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const calcium = timeline.labs.find((lab) => lab.analyte === 'calciumTotal');
    expect(calcium?.points.map((p) => [p.date, p.value])).toEqual([
      [daysAgo(390), 2.31],
      [daysAgo(90), 2.45],
    ]);
    expect(timeline.labs.find((lab) => lab.analyte === 'vitaminD')?.points).toHaveLength(1);
    // TSH is in the snapshot but not on the page.
    expect(timeline.labs.map((lab) => lab.analyte)).not.toContain('tsh');
    expect(timeline.drugPeriods).toEqual([
      expect.objectContaining({ drug: 'alendronate', start: daysAgo(60), current: true }),
    ]);
  });

  it('reads the patient with the discovery prefetch queries', async () => {
    const { app } = testApp({ worklist: source() });
    await request(app).get('/worklist/patients/p-timeline/timeline');
    const paths = server.requests.map((r) => r.query.split('?')[0]).sort();
    // One read per discovery prefetch template, with the patient's id filled in.
    const expected = Object.values(PREFETCH_TEMPLATES)
      .map((template) => template.replace('{{context.patientId}}', 'p-timeline').split('?')[0])
      .sort();
    expect(expected.length).toBeGreaterThan(8);
    expect(paths).toEqual(expected);
  });

  it.each(['bad id!', 'a'.repeat(65), 'x_y'])('a bad id (%s): 400 naming id', async (id) => {
    const { app } = testApp({ worklist: source() });
    const response = await request(app).get(
      `/worklist/patients/${encodeURIComponent(id)}/timeline`,
    );
    expect(response.status).toBe(400);
    expect(response.body.issue[0].diagnostics).toMatch(/^id: /);
    expect(server.requests).toHaveLength(0);
  });

  it('an unknown patient: 404', async () => {
    const { app } = testApp({ worklist: source() });
    const response = await request(app).get('/worklist/patients/nobody/timeline');
    expect(response.status).toBe(404);
    expect(response.body.issue[0].diagnostics).toMatch(/no such patient/);
  });

  it('a FHIR server that fails: 502 without its URL', async () => {
    const { app, logs } = testApp({ worklist: source() });
    server.setInterceptor((_request, res) => {
      res.writeHead(500, { 'Content-Type': 'application/fhir+json' });
      res.end('{"resourceType":"OperationOutcome","issue":[]}');
      return true;
    });
    const response = await request(app).get('/worklist/patients/p-timeline/timeline');
    expect(response.status).toBe(502);
    expect(response.text).not.toContain(server.baseUrl);
    expect(logs.join('')).toContain('patient timeline FHIR read failed');
  });

  it('without WORKLIST_FHIR_BASE: 404 (the feature is off); a bad id is still 400', async () => {
    const { app } = testApp();
    expect((await request(app).get('/worklist/patients/p-timeline/timeline')).status).toBe(404);
    expect((await request(app).get('/worklist/patients/x_y/timeline')).status).toBe(400);
  });
});

describe('the pages', () => {
  it.each([
    ['/fls/', 'text/html', 'FLS worklist'],
    ['/fls/patient.html', 'text/html', 'FLS patient timeline'],
    ['/fls/coordinator.js', 'text/javascript', 'getJson(`../worklist?'],
    ['/fls/vendor/chart.umd.min.js', 'text/javascript', 'Chart.js'],
  ])('%s is served (%s)', async (path, type, text) => {
    const { app } = testApp();
    const response = await request(app).get(path);
    expect(response.status).toBe(200);
    expect(response.type).toBe(type);
    expect(response.text).toContain(text);
  });

  it('the pages forbid third-party scripts and frames', async () => {
    const { app } = testApp();
    const response = await request(app).get('/fls/');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('/fls redirects to /fls/; a missing file is 404; POST is 405', async () => {
    const { app } = testApp();
    expect((await request(app).get('/fls')).status).toBe(301);
    expect((await request(app).get('/fls/nothing.html')).status).toBe(404);
    expect((await request(app).post('/fls/')).status).toBe(405);
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

  it('the timeline without a token: 401, the FHIR server not read', async () => {
    const response = await request(securedApp().app).get('/worklist/patients/p-timeline/timeline');
    expect(response.status).toBe(401);
    expect(response.text).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it('the timeline with a valid token: 200', async () => {
    const path = '/worklist/patients/p-timeline/timeline';
    const token = await signToken(secured.key, clientClaims(ISSUER, `${BASE}${path}`));
    const response = await request(securedApp().app)
      .get(path)
      .set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(200);
    expect((response.body as PatientTimeline).patientId).toBe('p-timeline');
  });

  it('the pages themselves are open (they hold no data)', async () => {
    const { app } = securedApp();
    expect((await request(app).get('/fls/')).status).toBe(200);
    expect((await request(app).get('/fls/vendor/chart.umd.min.js')).status).toBe(200);
  });
});

describe('the patient-view cards link to the patient page', () => {
  const resources = P_TIMELINE;
  const body = hookRequest('patient-view', {
    patientId: 'p-timeline',
    prefetch: prefetchFor(resources),
  });

  it('with FLS_PAGES_BASE_URL: the first card has an absolute link to the page', async () => {
    const { app } = testApp({ pagesBaseUrl: 'https://cds.example.org' });
    const response = await request(app).post('/cds-services/fls-patient-view').send(body);
    expect(response.status).toBe(200);
    const cards = response.body.cards as { links?: { url: string; type: string }[] }[];
    expect(cards.length).toBeGreaterThan(0);
    expect(cards[0]?.links).toContainEqual(
      expect.objectContaining({
        url: 'https://cds.example.org/fls/patient.html?id=p-timeline',
        type: 'absolute',
      }),
    );
    const pageLinks = cards.flatMap((card) =>
      (card.links ?? []).filter((link) => link.url.includes('/fls/patient.html')),
    );
    expect(pageLinks).toHaveLength(1);
  });

  it('without it: no link to the page', async () => {
    const { app } = testApp();
    const response = await request(app).post('/cds-services/fls-patient-view').send(body);
    expect(response.status).toBe(200);
    expect(JSON.stringify(response.body)).not.toContain('/fls/patient.html');
  });
});
