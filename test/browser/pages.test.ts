/**
 * The FLS pages in a real browser (docs/pages.md): Debian's chromium driven by
 * playwright-core (never a downloaded browser), the service in-process with the
 * clock pinned, and the patient library on HAPI (HAPI_BASE_URL, loaded as
 * `npm run hapi:load` does) or, without it, on the in-repo FHIR stub. The pages must
 * render, filter, sort, and show the numbers of the JSON the service answers.
 * FLS_SCREENSHOTS=docs/images writes coordinator.png and patient.png there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { WorklistReport, WorklistSource } from '../../src/worklist/population';
import type { PatientTimeline } from '../../src/worklist/timeline';
import { loadIntoFhirServer, loadLibrary } from '../fixtures/load';
import { testApp } from '../helpers/app';
import {
  clientClaims,
  signingKey,
  signToken,
  startJwksServer,
  testVerifier,
  type JwksServer,
} from '../helpers/jwt';
import { RecordingStore } from '../helpers/stores';
import { NOW } from '../helpers/fhir';
import { startFhirServer, type FakeFhirServer } from '../helpers/fhir-server';

// What the callbacks run inside the page see (this project compiles without the DOM library).
interface PageChart {
  data: { datasets: { label?: string; data: unknown[] }[] };
  options: { plugins?: unknown };
  scales: Record<string, { min: number; max: number } | undefined>;
  chartArea: { left: number; right: number };
}
declare const Chart: { getChart(key: unknown): PageChart | undefined };
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): Iterable<unknown>;
};

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const PERIOD = { from: '2024-11-22', to: '2026-11-22' };
const library = loadLibrary(NOW);
/** A library patient with fractures, T-scores and labs (wrist fracture, DXA, alendronate). */
const PATIENT = 'pat-r23';
/** A library patient with years of denosumab doses and DXAs before and after (R18). */
const LONG_HISTORY = 'pat-r18';

let stub: FakeFhirServer | undefined;
let source: WorklistSource;
let service: Server;
let base: string;
let userDataDir: string;
let context: BrowserContext;
const reports = new Map<string, WorklistReport>();
const pageErrors: string[] = [];

beforeAll(async () => {
  let fhirBase = process.env.HAPI_BASE_URL;
  if (fhirBase) await loadIntoFhirServer(fhirBase, library);
  else {
    stub = await startFhirServer(library.flatMap((patient) => patient.resources));
    fhirBase = stub.baseUrl;
  }
  source = {
    baseUrl: fhirBase,
    concurrency: 4,
    fhir: { timeoutMs: 20_000, maxPages: 20, maxResponseBytes: 5_000_000, searchCount: 100 },
  };
  const { app } = testApp({ worklist: source });
  service = app.listen(0, '127.0.0.1');
  base = await listen(service);
  for (const profile of ['no', 'dk']) {
    const response = await fetch(`${base}/worklist?${query(profile)}`);
    reports.set(profile, (await response.json()) as WorklistReport);
  }
  userDataDir = mkdtempSync(join(tmpdir(), 'fls-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  context.on('page', (page) => {
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await new Promise((resolve) => service?.close(resolve));
  await stub?.close();
});

afterEach(() => {
  // No script error, no CSP violation, no failed request on any page.
  expect(pageErrors.splice(0)).toEqual([]);
});

/** The base URL once the server listens. */
async function listen(server: Server): Promise<string> {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

function query(profile: string): string {
  return new URLSearchParams({ ...PERIOD, profile }).toString();
}

function report(profile: string): WorklistReport {
  const value = reports.get(profile);
  if (!value) throw new Error(`no ${profile} report`);
  return value;
}

async function openCoordinator(profile: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/fls/?${query(profile)}`);
  await page.waitForSelector('body[data-loaded="true"]');
  return page;
}

const rowIds = (page: Page): Promise<string[]> =>
  page.$$eval('#worklist tbody tr', (rows) =>
    rows.map((row) => row.getAttribute('data-patient') ?? ''),
  );

describe('the coordinator page', () => {
  it('lists every patient of the JSON, in rows', async () => {
    const page = await openCoordinator('no');
    const json = report('no');
    expect(json.patients.length).toBeGreaterThanOrEqual(5);
    expect((await rowIds(page)).sort()).toEqual(json.patients.map((r) => r.patientId).sort());
    expect(await page.textContent('#shown')).toBe(
      `${json.patients.length} of ${json.patients.length} patients shown`,
    );
    await page.close();
  });

  it('the step filter shows exactly the rows of each step', async () => {
    const page = await openCoordinator('no');
    const json = report('no');
    const steps = [...new Set(json.patients.map((row) => row.step))];
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const step of steps) {
      await page.selectOption('#step-filter', step);
      const expected = json.patients.filter((row) => row.step === step).map((r) => r.patientId);
      expect((await rowIds(page)).sort()).toEqual(expected.sort());
      const shownSteps = await page.$$eval('#worklist tbody tr', (rows) =>
        rows.map((row) => row.getAttribute('data-step')),
      );
      expect(new Set(shownSteps)).toEqual(new Set([step]));
    }
    await page.selectOption('#step-filter', '');
    expect(await rowIds(page)).toHaveLength(json.patients.length);
    await page.close();
  });

  it('the overdue filter shows the rows with that flag, or none', async () => {
    const page = await openCoordinator('no');
    const json = report('no');
    const withFalls = json.patients.filter((row) => row.overdue.includes('falls'));
    expect(withFalls.length).toBeGreaterThan(0);
    await page.selectOption('#overdue-filter', 'falls');
    expect((await rowIds(page)).sort()).toEqual(withFalls.map((r) => r.patientId).sort());
    await page.selectOption('#overdue-filter', 'none');
    expect((await rowIds(page)).sort()).toEqual(
      json.patients
        .filter((row) => row.overdue.length === 0)
        .map((r) => r.patientId)
        .sort(),
    );
    await page.close();
  });

  it('sorts by a column on a click, and the other way on a second click', async () => {
    const page = await openCoordinator('no');
    const json = report('no');
    const byDays = [...json.patients].sort(
      (a, b) =>
        (a.daysSinceFracture ?? 0) - (b.daysSinceFracture ?? 0) ||
        a.patientId.localeCompare(b.patientId),
    );
    await page.click('#worklist th[data-key="daysSinceFracture"]');
    expect(await rowIds(page)).toEqual(byDays.map((r) => r.patientId));
    expect(await page.getAttribute('#worklist th[data-key="daysSinceFracture"]', 'aria-sort')).toBe(
      'ascending',
    );
    await page.click('#worklist th[data-key="daysSinceFracture"]');
    const descending = await page.$$eval('#worklist tbody tr td:nth-child(8)', (cells) =>
      cells.map((cell) => Number(cell.textContent)),
    );
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
    expect(descending[0]).toBe(byDays[byDays.length - 1]?.daysSinceFracture);
    await page.close();
  });

  it("shows each indicator's numerator and denominator, and charts the JSON's proportions", async () => {
    const page = await openCoordinator('no');
    const json = report('no');
    for (const indicator of json.indicators) {
      const row = `#indicators tr[data-indicator="${indicator.id}"]`;
      expect(await page.textContent(`${row} [data-field="numerator"]`)).toBe(
        String(indicator.numerator),
      );
      expect(await page.textContent(`${row} [data-field="denominator"]`)).toBe(
        String(indicator.denominator),
      );
      expect(await page.textContent(`${row} [data-field="undecided"]`)).toBe(
        String(indicator.undecided),
      );
    }
    const charted = await page.evaluate(() => {
      const chart = Chart.getChart('indicator-chart');
      return chart ? (chart.data.datasets[0]?.data as (number | null)[]) : undefined;
    });
    expect(charted).toEqual(
      json.indicators
        .filter((indicator) => indicator.id !== 'identified')
        .map((indicator) =>
          indicator.proportion === undefined || indicator.proportion === null
            ? null
            : indicator.proportion * 100,
        ),
    );
    const levels = await page.evaluate(() => {
      const chart = Chart.getChart('indicator-chart');
      const options = chart?.options.plugins as { iofLevels?: { levels: { value: number }[] } };
      return options.iofLevels?.levels.map((level) => level.value);
    });
    expect(levels).toEqual([50, 80]);
    await page.close();
  });

  it("dk: the DXA group shares are shown beside seed 003's", async () => {
    const page = await openCoordinator('dk');
    const routing = report('dk').routing ?? [];
    expect(routing.length).toBeGreaterThan(0);
    expect(await page.isVisible('#routing-section')).toBe(true);
    for (const entry of routing) {
      const cells = await page.$$eval(`#routing tr[data-routing="${entry.code}"] td`, (tds) =>
        tds.map((td) => td.textContent),
      );
      expect(cells[1]).toBe(String(entry.count));
      if (entry.expected !== undefined) {
        expect(cells[3]).toBe(`${Math.round(entry.expected * 1000) / 10} %`);
      }
    }
    const datasets = await page.evaluate(() =>
      Chart.getChart('routing-chart')?.data.datasets.map((d) => d.label),
    );
    expect(datasets).toEqual(['measured', 'seed 003']);
    if (process.env.FLS_SCREENSHOTS) {
      await page.screenshot({
        path: join(process.env.FLS_SCREENSHOTS, 'coordinator.png'),
        fullPage: true,
      });
    }
    await page.close();
  });

  it('sends the token in the Authorization header, never in a URL', async () => {
    const page = await openCoordinator('no');
    const seen: { url: string; authorization?: string }[] = [];
    page.on('request', (request) => {
      const authorization = request.headers().authorization;
      seen.push({ url: request.url(), ...(authorization ? { authorization } : {}) });
    });
    await page.fill('#token-form input[name="token"]', 'test-token-123');
    await page.click('#token-form button[type="submit"]');
    await page.waitForResponse((response) => response.url().includes('/worklist?'));
    const worklistCall = seen.find((entry) => entry.url.includes('/worklist?'));
    expect(worklistCall?.authorization).toBe('Bearer test-token-123');
    expect(seen.some((entry) => entry.url.includes('test-token-123'))).toBe(false);
    expect(page.url()).not.toContain('test-token-123');
    expect(await page.inputValue('#token-form input[name="token"]')).toBe('');
    await page.close();
  });
});

describe('the patient page', () => {
  let timeline: PatientTimeline;
  beforeAll(async () => {
    const response = await fetch(`${base}/worklist/patients/${PATIENT}/timeline`);
    expect(response.status).toBe(200);
    timeline = (await response.json()) as PatientTimeline;
  });

  it("shows the patient's fractures, T-scores and lab points of the JSON", async () => {
    expect(timeline.fractures.length).toBeGreaterThan(0);
    expect(timeline.tScores.length).toBeGreaterThan(0);
    expect(timeline.labs.length).toBeGreaterThan(0);
    const page = await context.newPage();
    // The way a coordinator gets there: the patient's link on the worklist.
    await page.goto(`${base}/fls/?${query('no')}`);
    await page.waitForSelector('body[data-loaded="true"]');
    await page.click(`#worklist tr[data-patient="${PATIENT}"] a`);
    await page.waitForSelector('body[data-loaded="true"]');
    expect(page.url()).toBe(`${base}/fls/patient.html?id=${PATIENT}`);

    await expectTimelineShown(page, timeline);
    await page.close();
  });

  it('a patient with years of history (denosumab, DXA before and after): all of it on the page', async () => {
    const response = await fetch(`${base}/worklist/patients/${LONG_HISTORY}/timeline`);
    const history = (await response.json()) as PatientTimeline;
    expect(history.tScores.length).toBeGreaterThan(3);
    expect(history.drugPeriods.some((drug) => drug.doses.length > 1)).toBe(true);
    const page = await context.newPage();
    await page.goto(`${base}/fls/patient.html?id=${LONG_HISTORY}`);
    await page.waitForSelector('body[data-loaded="true"]');
    await expectTimelineShown(page, history);
    if (process.env.FLS_SCREENSHOTS) {
      await page.screenshot({
        path: join(process.env.FLS_SCREENSHOTS, 'patient.png'),
        fullPage: true,
      });
    }
    await page.close();
  });

  async function expectTimelineShown(page: Page, timeline: PatientTimeline): Promise<void> {
    const cells = (table: string) =>
      page.$$eval(`#${table} tbody tr`, (rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent)),
      );
    expect((await cells('fractures')).map((row) => [row[0], row[1], row[2]])).toEqual(
      timeline.fractures.map((f) => [f.date?.slice(0, 10), f.site, f.code]),
    );
    expect((await cells('tscores')).map((row) => [row[0], row[1], row[2]])).toEqual(
      timeline.tScores.map((t) => [t.date.slice(0, 10), t.site, String(t.value)]),
    );
    const points = timeline.labs.flatMap((lab) =>
      lab.points.map((p) => [p.date.slice(0, 10), `${p.comparator ?? ''}${p.value}`]),
    );
    expect((await cells('labs')).map((row) => [row[0], row[2]])).toEqual(points);
    expect(await page.$$eval('#drugs tbody tr', (rows) => rows.length)).toBe(
      timeline.drugPeriods.length,
    );

    // The charts plot the same points, on one time axis.
    const tScorePoints = await page.evaluate(() =>
      Chart.getChart('tscore-chart')
        ?.data.datasets.filter((d) => String(d.label).startsWith('T-score'))
        .flatMap((d) => (d.data as { y: number }[]).map((p) => p.y)),
    );
    expect(tScorePoints?.sort()).toEqual(timeline.tScores.map((t) => t.value).sort());
    const axes = await page.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((canvas) => {
        const chart = Chart.getChart(canvas);
        // The same dates, and the same plot width: one time axis down the page.
        return [
          chart?.scales.x?.min,
          chart?.scales.x?.max,
          chart?.chartArea.left,
          chart?.chartArea.right,
        ];
      }),
    );
    expect(axes.length).toBe(2 + timeline.labs.length);
    expect(new Set(axes.map((range) => JSON.stringify(range))).size).toBe(1);
  }

  it('an unknown patient: the page says so', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${base}/fls/patient.html?id=nobody-here`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent !== 'Loading…');
    expect(await page.textContent('#status')).toContain('404');
    expect(await page.isHidden('#timeline-section')).toBe(true);
    await page.close();
    // The browser logs the 404 response itself; nothing else.
    pageErrors.splice(0);
    expect(errors).toEqual([expect.stringContaining('404')]);
  });
});

describe('with authentication on', () => {
  const ISSUER = 'https://ehr.example.org/cds-client';
  let jwks: JwksServer;
  let secured: Server;
  let securedBase: string;
  let sign: (audience: string) => Promise<string>;
  beforeAll(async () => {
    const key = await signingKey('ES384');
    jwks = await startJwksServer([key.publicJwk]);
    const store = new RecordingStore();
    const { app } = testApp({
      store,
      worklist: source,
      auth: { verifier: testVerifier(ISSUER, jwks.url, store) },
    });
    secured = app.listen(0, '127.0.0.1');
    securedBase = await listen(secured);
    sign = (audience) => signToken(key, clientClaims(ISSUER, audience));
  });
  afterAll(async () => {
    await new Promise((resolve) => secured?.close(resolve));
    await jwks?.close();
  });

  it('the page is open, the data is not: without a token it asks for one', async () => {
    const page = await context.newPage();
    await page.goto(`${securedBase}/fls/?${query('no')}`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent !== 'Loading…');
    expect(await page.textContent('#status')).toContain('401');
    expect(await page.isHidden('#worklist-section')).toBe(true);
    await page.close();
    pageErrors.splice(0); // the browser logs the 401 response itself
  });

  it('with a valid token entered, the worklist of the JSON', async () => {
    const page = await context.newPage();
    await page.goto(`${securedBase}/fls/?${query('no')}`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent !== 'Loading…');
    pageErrors.splice(0); // the first load's 401
    await page.fill('#token-form input[name="token"]', await sign(`${securedBase}/worklist`));
    await page.click('#token-form button[type="submit"]');
    await page.waitForSelector('body[data-loaded="true"]');
    expect((await rowIds(page)).sort()).toEqual(
      report('no')
        .patients.map((row) => row.patientId)
        .sort(),
    );
    expect(await page.textContent('#token-form [data-token-state]')).toBe(
      'a token is set for this tab',
    );
    await page.close();
  });
});
