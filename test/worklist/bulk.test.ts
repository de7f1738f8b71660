/**
 * The worklist's Bulk Data path (src/worklist/bulk.ts) gives exactly the report of
 * the search path for the same data: a fake `$export` (kick-off → 202 with
 * Retry-After → manifest → NDJSON per type) on the in-test FHIR server, which
 * ignores `_typeFilter` as a server may, so the client's own filters are tested too.
 */
import type { FhirResource, Medication, MedicationRequest } from 'fhir/r4';
import type { ServerResponse } from 'node:http';
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import { BULK_TYPES, partitionCount, runWorklistBulk } from '../../src/worklist/bulk';
import { main } from '../../src/worklist/cli';
import type { WorklistSettings } from '../../src/worklist/engine';
import {
  runWorklist,
  WORKLIST_FHIR,
  WorklistSourceError,
  type WorklistReport,
  type WorklistSource,
} from '../../src/worklist/population';
import { defaultPeriod, generatePopulation } from '../../bench/fracture-population';
import { NOW } from '../helpers/fhir';
import { startFhirServer, type FakeFhirServer, type RecordedRequest } from '../helpers/fhir-server';
import { LIBRARY } from './library';

const PERIOD = defaultPeriod(NOW);
const settings: WorklistSettings = {
  period: PERIOD,
  now: NOW,
  guideline: DEFAULT_GUIDELINE_CONFIG,
  profile: 'dk',
};

/** A patient whose alendronate is a Medication by reference (the prefetch `_include`s it). */
const MEDICATION: Medication = {
  resourceType: 'Medication',
  id: 'med-alendronate',
  code: { coding: [{ system: 'http://www.whocc.no/atc', code: 'M05BA04' }] },
};
const BY_REFERENCE: Omit<MedicationRequest, 'subject'> = {
  resourceType: 'MedicationRequest',
  id: 'rx-by-reference',
  status: 'active',
  intent: 'order',
  medicationReference: { reference: 'Medication/med-alendronate' },
  authoredOn: '2026-11-20',
};
/** An Observation no prefetch query asks for (a server ignoring `_typeFilter` still sends it). */
const UNASKED = {
  resourceType: 'Observation',
  id: 'obs-heart-rate',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  effectiveDateTime: '2026-10-01',
  valueQuantity: { value: 72, system: 'http://unitsofmeasure.org', code: '/min' },
};

const GENERATED = [...generatePopulation(60, { seed: 7, now: NOW, period: PERIOD })];
/** A generated patient with a treatment decision due: the Medication by reference starts it. */
const TREATED =
  GENERATED.find((patient) => patient.scenario === 'decision-due')?.patientId ?? 'none';

function population(): FhirResource[] {
  const generated = GENERATED;
  const subject = { reference: `Patient/${TREATED}` };
  return [
    ...generated.flatMap((patient) => patient.resources),
    ...LIBRARY.map((resource) => ({ ...resource })),
    MEDICATION,
    { ...BY_REFERENCE, subject },
    { ...UNASKED, subject } as FhirResource,
    // A patient outside the population: exported, never evaluated.
    { resourceType: 'Patient', id: 'no-fracture', birthDate: '1950-01-01' },
  ];
}

interface FakeExport {
  kickoffs: RecordedRequest[];
  polls: number;
  /** The Authorization header of each NDJSON file request. */
  fileAuthorizations: (string | undefined)[];
}

/** `$export` on the fake server: 202, then `busyPolls` × 202 + Retry-After, then the manifest. */
function serveExport(
  server: FakeFhirServer,
  options: {
    busyPolls?: number;
    errors?: boolean;
    linesPerChunk?: number;
    /** The Observation file: missing (404), cut off after its first bytes, or redirected to a non-http link. */
    fileFault?: 'missing' | 'broken' | 'bad-redirect';
  } = {},
): FakeExport {
  const state: FakeExport = { kickoffs: [], polls: 0, fileAuthorizations: [] };
  server.setInterceptor((request, res: ServerResponse) => {
    const path = request.query.split('?')[0];
    if (path === '$export') {
      state.kickoffs.push(request);
      res.writeHead(202, { 'Content-Location': `${server.baseUrl}/export-status/1` });
      res.end();
      return true;
    }
    if (path === 'export-status/1') {
      state.polls += 1;
      if (state.polls <= (options.busyPolls ?? 2)) {
        res.writeHead(202, { 'Retry-After': '120', 'X-Progress': 'in progress' });
        res.end();
        return true;
      }
      const types = [...new Set(server.resources.map((resource) => resource.resourceType))];
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          transactionTime: NOW.toISOString(),
          request: `${server.baseUrl}/$export`,
          requiresAccessToken: true,
          output: types.map((type) => ({
            type,
            url: `${server.baseUrl}/${type === 'Condition' ? 'moved' : 'files'}/${type}.ndjson`,
          })),
          error: options.errors
            ? [{ type: 'OperationOutcome', url: `${server.baseUrl}/files/errors.ndjson` }]
            : [],
        }),
      );
      return true;
    }
    // Files may be handed out from elsewhere: the manifest's URL redirects to the file.
    const moved = /^moved\/(\w+)\.ndjson$/.exec(path ?? '');
    if (moved) {
      res.writeHead(302, { Location: `${server.baseUrl}/files/${moved[1]}.ndjson` });
      res.end();
      return true;
    }
    const file = /^files\/(\w+)\.ndjson$/.exec(path ?? '');
    if (file) {
      state.fileAuthorizations.push(request.authorization);
      if (file[1] === 'Observation' && options.fileFault === 'missing') {
        res.writeHead(404, { 'Content-Type': 'application/fhir+json' });
        res.end('{"resourceType":"OperationOutcome","issue":[]}');
        return true;
      }
      if (file[1] === 'Observation' && options.fileFault === 'bad-redirect') {
        res.writeHead(302, { Location: 'ftp://storage.example/Observation.ndjson' });
        res.end();
        return true;
      }
      if (file[1] === 'Observation' && options.fileFault === 'broken') {
        // A declared length the server never delivers: the connection ends mid-file.
        res.writeHead(200, {
          'Content-Type': 'application/fhir+ndjson',
          'Content-Length': '100000',
        });
        res.write('{"resourceType":"Observation","id":"cut-');
        setTimeout(() => res.socket?.destroy(), 20);
        return true;
      }
      const lines = server.resources
        .filter((resource) => resource.resourceType === file[1])
        .map((resource) => `${JSON.stringify(resource)}\n`);
      res.writeHead(200, { 'Content-Type': 'application/fhir+ndjson' });
      // In small chunks, lines split across them: the client must join them.
      const text = lines.join('');
      const size = options.linesPerChunk ?? 977;
      for (let at = 0; at < text.length; at += size) res.write(text.slice(at, at + size));
      res.end();
      return true;
    }
    return false;
  });
  return state;
}

const source = (server: FakeFhirServer): WorklistSource => ({
  baseUrl: server.baseUrl,
  accessToken: 'token-1',
  fhir: { ...WORKLIST_FHIR, searchCount: 25, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
  concurrency: 4,
});

/** The report without its request count (the one figure the two paths must differ in). */
const withoutRequests = (report: WorklistReport): WorklistReport => ({
  ...report,
  fhirRequests: 0,
});

describe('partitionCount: one partition per patientsPerPartition patients, within bounds', () => {
  const options = { partitions: 64, patientsPerPartition: 50, maxPartitions: 512 };
  it.each([
    [0, 64],
    [959, 64],
    [3_200, 64],
    [3_201, 65],
    [9_583, 192],
    [25_600, 512],
    [100_000, 512],
  ])('%i patients → %i partitions', (population, expected) => {
    expect(partitionCount(population, options)).toBe(expected);
  });
});

describe('the worklist by Bulk Data $export', () => {
  let server: FakeFhirServer;
  beforeEach(async () => {
    server = await startFhirServer(population());
  });
  afterEach(async () => {
    await server.close();
  });

  it('gives exactly the report of the search path for the same data', async () => {
    const bySearch = await runWorklist(source(server), settings);
    const waits: number[] = [];
    const exported = serveExport(server);
    const byBulk = await runWorklistBulk(
      source(server),
      settings,
      {},
      {
        maxPollIntervalMs: 5_000,
        timeoutMs: 60_000,
        // ~70 patients at 5 a partition: 14 partitions, more than the 2 asked for.
        partitions: 2,
        patientsPerPartition: 5,
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    );
    // The generated patients land at many steps, so the comparison covers the rules widely.
    const steps = new Set(bySearch.patients.map((row) => row.step));
    expect(steps.size).toBeGreaterThanOrEqual(6);
    expect(bySearch.patients.length).toBeGreaterThan(55);
    expect(withoutRequests(byBulk)).toEqual(withoutRequests(bySearch));
    // The Medication by reference counted: the patient is on treatment on both paths.
    const treated = byBulk.patients.find((row) => row.patientId === TREATED);
    expect(treated?.step).toMatch(/on-treatment|follow-up-due/);

    // One kick-off with the prefetch's types and Observation filter, with the token.
    expect(exported.kickoffs).toHaveLength(1);
    const [request] = exported.kickoffs;
    const kickoff = new URL(`http://x/${request?.query ?? ''}`);
    expect(kickoff.searchParams.get('_type')?.split(',')).toEqual([...BULK_TYPES]);
    expect(kickoff.searchParams.get('_typeFilter')).toMatch(/^Observation\?code=.*2000-8/);
    expect(request?.authorization).toBe('Bearer token-1');
    // The manifest says the files need the token: every file request carries it.
    expect(exported.fileAuthorizations.length).toBeGreaterThan(3);
    expect(new Set(exported.fileAuthorizations)).toEqual(new Set(['Bearer token-1']));
    // Retry-After 120 s honoured up to the cap, once per busy answer.
    expect(waits).toEqual([5_000, 5_000]);
    // Far fewer requests than ten per patient.
    expect(byBulk.fhirRequests).toBeLessThan(bySearch.fhirRequests / 10);
  }, 60_000);

  it('says so, naming the server, when it does not offer $export', async () => {
    // As a server without the operation: 404 with an OperationOutcome.
    server.setInterceptor((request, res) => {
      if (!request.query.startsWith('$export')) return false;
      res.writeHead(404, { 'Content-Type': 'application/fhir+json' });
      res.end('{"resourceType":"OperationOutcome","issue":[]}');
      return true;
    });
    await expect(
      runWorklistBulk(
        source(server),
        settings,
        {},
        { maxPollIntervalMs: 1, timeoutMs: 1000, partitions: 4 },
      ),
    ).rejects.toThrow(
      new WorklistSourceError(
        `${server.baseUrl} did not start a Bulk Data $export (HTTP 404): does it support $export? Without --bulk the worklist uses searches`,
      ),
    );
  });

  it('stops when the export reports errors rather than give a partial worklist', async () => {
    serveExport(server, { busyPolls: 0, errors: true });
    await expect(
      runWorklistBulk(
        source(server),
        settings,
        {},
        { maxPollIntervalMs: 1, timeoutMs: 1000, partitions: 4 },
      ),
    ).rejects.toThrow(/reported errors/);
  });

  it.each([
    ['missing', /could not be downloaded \(HTTP 404\)/],
    ['broken', /broke off while downloading/],
    ['bad-redirect', /redirected to a link that is not an http\(s\) URL/],
  ] as const)(
    'stops with a clear message when an export file is %s rather than give a partial worklist',
    async (fileFault, message) => {
      serveExport(server, { busyPolls: 0, fileFault });
      await expect(
        runWorklistBulk(
          source(server),
          settings,
          {},
          { maxPollIntervalMs: 1, timeoutMs: 1000, partitions: 4 },
        ),
      ).rejects.toThrow(message);
    },
  );

  it('gives up after its time limit when the export never completes', async () => {
    serveExport(server, { busyPolls: 1_000 });
    await expect(
      runWorklistBulk(
        source(server),
        settings,
        {},
        { maxPollIntervalMs: 400, timeoutMs: 1_000, partitions: 4, sleep: async () => undefined },
      ),
    ).rejects.toThrow(/not complete within 1 s/);
  });

  it('is the CLI’s --bulk, with the same output as without it', async () => {
    const run = async (extra: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await main(
        [
          '--fhir',
          server.baseUrl,
          '--from',
          PERIOD.from,
          '--to',
          PERIOD.to,
          '--format',
          'csv',
          ...extra,
        ],
        {
          stdout: (text) => (stdout += text),
          stderr: (text) => (stderr += text),
          progress: false,
          env: {},
          now: () => NOW,
          fhir: { searchCount: 50 },
          bulk: { sleep: async () => undefined, partitions: 3 },
        },
      );
      return { code, stdout, stderr };
    };
    const bySearch = await run([]);
    serveExport(server, { busyPolls: 1 });
    const byBulk = await run(['--bulk', '--timeout', '60']);
    expect(byBulk).toEqual({ code: 0, stdout: bySearch.stdout, stderr: '' });
    expect(bySearch.stdout.split('\n').length).toBeGreaterThan(60);
    const bad = await run(['--timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^worklist: --timeout: timeout must be a whole number of seconds/);
  }, 60_000);
});
