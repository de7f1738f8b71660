/**
 * The FLS worklist against a real HAPI FHIR server with the patient library
 * loaded (dates moved to the real clock, pinned for the run): the fracture
 * search, the per-patient reads and the engine, in every profile. Every library
 * patient with a fracture in the library period gives the step, overdue flags,
 * routing and indicator outcomes its file expects (test/fixtures/patients,
 * `worklist`), and each indicator's numerator and denominator are the sums of
 * those expectations.
 */
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import { PROFILES, type Profile } from '../../src/guideline/profiles';
import { runWorklist, WORKLIST_FHIR, type WorklistReport } from '../../src/worklist/population';
import { libraryPeriod, loadLibrary } from '../fixtures/load';
import {
  actualIndicators,
  actualRow,
  expectedIndicators,
  expectedRows,
} from '../worklist/expectations';
import { hapiBaseUrl, loadIntoHapi } from './support';

// The real clock, pinned for the run: the library's dates are moved to it and the
// worklist is evaluated at the same instant (runWorklist takes `now`).
const NOW = new Date();
const library = loadLibrary(NOW);
const PERIOD = libraryPeriod(NOW);
const reports = new Map<Profile, WorklistReport>();

beforeAll(async () => {
  const hapi = hapiBaseUrl();
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
