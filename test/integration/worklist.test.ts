/**
 * The FLS worklist against a real HAPI FHIR server with the patient library
 * loaded (dates moved to the real clock, pinned for the run): the fracture
 * search, the per-patient reads and the engine, in every profile. Every library
 * patient with a fracture in the library period gives the step, overdue flags,
 * routing and indicator outcomes its file expects (test/fixtures/patients,
 * `worklist`), and each indicator's numerator and denominator are the sums of
 * those expectations.
 */
import type { MeasureReport } from 'fhir/r4';
import request from 'supertest';
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import { main as worklistCli } from '../../src/worklist/cli';
import { PROFILES, type Profile } from '../../src/guideline/profiles';
import { runWorklist, WORKLIST_FHIR, type WorklistReport } from '../../src/worklist/population';
import { libraryPeriod, loadLibrary } from '../fixtures/load';
import {
  actualIndicators,
  actualRow,
  expectedIndicators,
  expectedRows,
} from '../worklist/expectations';
import { testApp } from '../helpers/app';
import { hapiBaseUrl, loadIntoHapi } from './support';

// The real clock, pinned for the run: the library's dates are moved to it and the
// worklist is evaluated at the same instant (runWorklist takes `now`).
const NOW = new Date();
const library = loadLibrary(NOW);
const PERIOD = libraryPeriod(NOW);
const reports = new Map<Profile, WorklistReport>();
let hapi = '';

beforeAll(async () => {
  hapi = hapiBaseUrl();
  await loadIntoHapi(hapi, library);
  for (const profile of PROFILES) {
    reports.set(
      profile,
      await runWorklist(
        { baseUrl: hapi, concurrency: 4, fhir: WORKLIST_FHIR },
        { period: PERIOD, now: NOW, guideline: DEFAULT_GUIDELINE_CONFIG, profile },
      ),
    );
  }
});

const report = (profile: Profile): WorklistReport => {
  const found = reports.get(profile);
  if (!found) throw new Error(`no report for ${profile}`);
  return found;
};

describe.each(PROFILES)('the worklist of the library on HAPI, profile %s', (profile) => {
  const expected = expectedRows(library, profile);

  test('the fracture search finds exactly the library patients with a fracture in the period', () => {
    expect(
      report(profile)
        .patients.map((row) => row.patientId)
        .sort(),
    ).toEqual([...expected.keys()].sort());
    // s06: an atypical femur fracture after long bisphosphonate use is not sentinel.
    expect(report(profile).excluded).toContainEqual({
      patientId: 'pat-s06',
      reason: 'atypical-femur-fracture',
    });
  });

  test.each([...expected.entries()])('%s: step, overdue flags, routing, indicators', (id, row) => {
    expect(actualRow(report(profile), id)).toEqual({ ...row, overdue: [...row.overdue].sort() });
  });

  test("each indicator's numerator, denominator and undecided", () => {
    expect(actualIndicators(report(profile))).toEqual(expectedIndicators(expected));
  });

  test('the FHIR requests are counted (one search page and the prefetch reads per patient)', () => {
    expect(report(profile).fhirRequests).toBeGreaterThan(report(profile).patients.length);
  });
});

/** A report's rows and counts as the library expects them, or the first difference. */
function checkAgainstLibrary(got: WorklistReport, profile: Profile): void {
  const expected = expectedRows(library, profile);
  expect(got.patients.map((row) => row.patientId).sort()).toEqual([...expected.keys()].sort());
  for (const [id, row] of expected)
    expect({ id, ...actualRow(got, id) }).toEqual({
      id,
      ...row,
      overdue: [...row.overdue].sort(),
    });
  expect(actualIndicators(got)).toEqual(expectedIndicators(expected));
}

describe('the other two ways in, same answers', () => {
  test("npm run worklist (the CLI, --format json, its clock pinned as the run's) in profile se", async () => {
    let out = '';
    let err = '';
    const code = await worklistCli(
      [
        '--fhir',
        hapi,
        '--from',
        PERIOD.from,
        '--to',
        PERIOD.to,
        '--profile',
        'se',
        '--format',
        'json',
      ],
      {
        stdout: (text) => {
          out += text;
        },
        stderr: (text) => {
          err += text;
        },
        progress: false,
        env: {},
        now: () => NOW,
      },
    );
    expect({ code, err }).toEqual({ code: 0, err: expect.not.stringContaining('failed') });
    checkAgainstLibrary(JSON.parse(out) as WorklistReport, 'se');
  });

  describe('the service (GET /worklist, GET /worklist/measure-report) in profile dk', () => {
    const service = () =>
      testApp({
        now: () => NOW,
        profile: 'dk',
        worklist: { baseUrl: hapi, concurrency: 4, fhir: WORKLIST_FHIR },
      }).app;
    const query = { from: PERIOD.from, to: PERIOD.to, profile: 'dk' };

    test('the worklist as JSON', async () => {
      const response = await request(service()).get('/worklist').query(query);
      expect(response.status).toBe(200);
      checkAgainstLibrary(response.body as WorklistReport, 'dk');
    });

    test("the MeasureReport: each group's numerator and denominator", async () => {
      const response = await request(service())
        .get('/worklist/measure-report')
        .query(query)
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => done(null, text));
        });
      expect(response.status).toBe(200);
      const report = JSON.parse(response.body as string) as MeasureReport;
      const counts = expectedIndicators(expectedRows(library, 'dk'));
      const population = (group: NonNullable<MeasureReport['group']>[number], code: string) =>
        group.population?.find((p) => p.code?.coding?.[0]?.code === code)?.count;
      for (const group of report.group ?? []) {
        const id = group.code?.coding?.[0]?.code as keyof typeof counts;
        expect({ id, numerator: population(group, 'numerator') }).toEqual({
          id,
          numerator: counts[id].numerator,
        });
        expect({ id, denominator: population(group, 'denominator') }).toEqual({
          id,
          denominator: counts[id].denominator,
        });
      }
      expect(report.group).toHaveLength(Object.keys(counts).length);
    });
  });
});
