/**
 * `npm run worklist` against the in-repo FHIR stub: paging, a 429 then success,
 * an HTML answer, a server refusing onset-date, a broken patient (undecided), and
 * bad options. main() runs in-process with the clock pinned.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIo } from '../../src/worklist/cli';
import type { WorklistReport } from '../../src/worklist/population';
import { daysAgo, fracture, NOW } from '../helpers/fhir';
import { outcome, send, startFhirServer, type FakeFhirServer } from '../helpers/fhir-server';
import { forPatient, LIBRARY } from './library';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], options: Partial<CliIo> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    progress: false,
    env: {},
    now: () => NOW,
    ...options,
  });
  return { code, stdout, stderr };
}

describe('npm run worklist', () => {
  let server: FakeFhirServer;
  beforeEach(async () => {
    server = await startFhirServer(LIBRARY.map((resource) => ({ ...resource })));
  });
  afterEach(async () => {
    await server.close();
  });
  const period = ['--from', '2025-01-01', '--to', '2026-11-22'];

  it('finds the fracture patients across pages and prints the JSON of pathway.md', async () => {
    const { code, stdout, stderr } = await run(
      ['--fhir', server.baseUrl, ...period, '--format', 'json'],
      { fhir: { searchCount: 2 } },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as WorklistReport;
    expect(report.period).toEqual({ from: '2025-01-01', to: '2026-11-22' });
    expect(report.profile).toBe('no');
    const steps = Object.fromEntries(report.patients.map((row) => [row.patientId, row.step]));
    expect(steps).toEqual({
      'p-labs': 'labs-missing',
      'p-decide': 'decision-due',
      'p-treated': 'follow-up-due',
      'p-young': 'secondary-referral',
    });
    expect(report.excluded).toEqual([{ patientId: 'p-old', reason: 'no-fracture-in-period' }]);
    const decide = report.patients.find((row) => row.patientId === 'p-decide');
    expect(decide).toMatchObject({
      age: 78,
      sex: 'female',
      sentinelFracture: { site: 'distalRadius', code: 'S52.5' },
      group: 'non-spine',
      overdue: [],
      routing: null,
    });
    expect(decide?.cards).toContain('antiresorptive-indicated');
    // On alendronate since day 50, no monitoring labs since: R16 makes it follow-up-due.
    expect(report.patients.find((row) => row.patientId === 'p-treated')?.cards).toContain(
      'followup-labs-due',
    );
    const dxa = report.indicators.find((indicator) => indicator.id === 'dxa-12w');
    // p-decide (DXA day 40) and p-treated (day 20) met; p-labs pending.
    expect(dxa).toMatchObject({ numerator: 2, denominator: 2, undecided: 0, pending: 1 });
    // The Condition search was paged: 5 fracture patients, pages of 2.
    const conditionPages = server.requests.filter(
      (request) =>
        request.query.startsWith('Condition?code=') || request.query.includes('_getpages=s1&'),
    );
    expect(conditionPages.length).toBe(3);
    expect(server.requests[0]?.query).toMatch(/onset-date=ge2025-01-01&onset-date=le2026-11-22/);
  });

  it('retries a 429 and then succeeds', async () => {
    let refused = 0;
    server.setInterceptor((request, res) => {
      if (request.query.startsWith('Condition?code=') && refused === 0) {
        refused += 1;
        res.setHeader('Retry-After', '0');
        send(res, 429, outcome('slow down'));
        return true;
      }
      return false;
    });
    const { code, stdout } = await run(['--fhir', server.baseUrl, ...period, '--format', 'csv']);
    expect(code).toBe(0);
    expect(refused).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'patientId,age,sex,fractureDate,fractureSite,fractureCode,group,step,daysSinceFracture,overdue,routing,cards,undecidedReason',
    );
    expect(lines).toHaveLength(5);
  });

  it('a base URL that answers HTML: a clear message naming it, exit 1', async () => {
    server.setInterceptor((_request, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><html><body>Welcome</body></html>');
      return true;
    });
    const { code, stdout, stderr } = await run(['--fhir', server.baseUrl, ...period]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(server.baseUrl);
    expect(stderr).toMatch(/not answer .* with FHIR JSON/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('a server that refuses onset-date (400 OperationOutcome): names the parameter, exit 1', async () => {
    server.setInterceptor((request, res) => {
      if (!request.query.includes('onset-date')) return false;
      send(res, 400, outcome('Unknown search parameter "onset-date"'));
      return true;
    });
    const { code, stderr } = await run(['--fhir', server.baseUrl, ...period]);
    expect(code).toBe(1);
    expect(stderr).toContain(server.baseUrl);
    expect(stderr).toContain('onset-date');
    expect(stderr).toContain('HTTP 400');
  });

  it('a patient whose data cannot be read is on the list as undecided, with the reason', async () => {
    server.resources.push(
      ...forPatient('p-broken', [fracture('hip', daysAgo(40))]), // no Patient resource: 404
    );
    const { code, stdout } = await run(['--fhir', server.baseUrl, ...period, '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as WorklistReport;
    const broken = report.patients.find((row) => row.patientId === 'p-broken');
    expect(broken).toMatchObject({ step: 'undecided' });
    expect(broken?.undecidedReason).toMatch(/patient: .*404/);
    const identified = report.indicators.find((indicator) => indicator.id === 'identified');
    expect(identified).toMatchObject({ numerator: 3, undecided: 1 });
  });

  it('a patient whose labs search answers garbage is undecided; the others are evaluated', async () => {
    server.setInterceptor((request, res) => {
      if (!request.query.startsWith('Observation?patient=p-decide')) return false;
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.end('{"resourceType": "Bundle", "entry": [');
      return true;
    });
    const { code, stdout } = await run(['--fhir', server.baseUrl, ...period, '--format', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as WorklistReport;
    const decide = report.patients.find((row) => row.patientId === 'p-decide');
    expect(decide?.step).toBe('undecided');
    expect(decide?.undecidedReason).toMatch(/labs: .*not JSON/);
    expect(report.patients.find((row) => row.patientId === 'p-labs')?.step).toBe('labs-missing');
  });

  it('writes --out and draws a progress line on a terminal', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'worklist-')), 'list.txt');
    const { code, stdout, stderr } = await run(
      ['--fhir', server.baseUrl, ...period, '--out', out],
      { progress: true },
    );
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('patients found 5, read 5');
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('p-decide');
    expect(text).toMatch(/dxa-12w\s+2\s+2\s+100\.0 %/);
  });

  it.each([
    [['--from', '2026-02-01', '--to', '2026-01-01'], /--from: from \(2026-02-01\) is after to/],
    [['--from', '2026-02-30', '--to', '2026-03-01'], /--from: from must be a date/],
    [['--from', '2026-01-01', '--to', 'tomorrow'], /--to: to must be a date/],
    [['--from', '2026-01-01'], /--to: to is required/],
    [['--from', '2026-01-01', '--to', '2026-02-01', '--profile', 'fi'], /--profile/],
    [['--from', '2026-01-01', '--to', '2026-02-01', '--format', 'xml'], /--format/],
    [['--from', '2026-01-01', '--to', '2026-02-01', '--bogus'], /Unknown option '--bogus'/],
  ])('bad options %j: exit 2, %s', async (args, message) => {
    const { code, stderr } = await run(['--fhir', server.baseUrl, ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });

  it.each(['not a url', 'ftp://example.org/fhir', ''])(
    'a base that is not an http(s) URL: %j',
    async (base) => {
      const { code, stderr } = await run(['--fhir', base, ...period]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/--fhir: fhir (is not a URL|must be an http|is required)/);
    },
  );

  it('a server that cannot be reached: names it, exit 1', async () => {
    await server.stop();
    const { code, stderr } = await run(['--fhir', server.baseUrl, ...period], {
      fhir: { retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 10 } },
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`the FHIR server ${server.baseUrl} could not be reached`);
  });
});
