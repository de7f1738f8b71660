/**
 * The worklist over the synthetic patient library (test/fixtures), served by the
 * in-repo FHIR stub, in every profile: each fracture patient's step, overdue
 * flags, routing and indicator outcomes, and each indicator's numerator /
 * denominator / undecided / pending, against the `worklist` expectations written
 * in the patient files (from pathway.md, not from the engine). One engine, two
 * views: each row's card codes are the codes the library expects of a
 * patient-view call.
 */
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import { PROFILES, type Profile } from '../../src/guideline/profiles';
import { OVERDUE_FLAGS, STEPS } from '../../src/worklist/engine';
import { runWorklist, type WorklistReport } from '../../src/worklist/population';
import { libraryPeriod, loadLibrary } from '../fixtures/load';
import { NOW } from '../helpers/fhir';
import { startFhirServer, type FakeFhirServer } from '../helpers/fhir-server';
import { actualIndicators, actualRow, expectedIndicators, expectedRows } from './expectations';

const library = loadLibrary(NOW);
const PERIOD = libraryPeriod(NOW);

let server: FakeFhirServer;
const reports = new Map<Profile, WorklistReport>();
beforeAll(async () => {
  server = await startFhirServer(library.flatMap((patient) => patient.resources));
  for (const profile of PROFILES) {
    reports.set(
      profile,
      await runWorklist(
        {
          baseUrl: server.baseUrl,
          concurrency: 4,
          fhir: { timeoutMs: 5000, maxPages: 20, maxResponseBytes: 5_000_000, searchCount: 100 },
        },
        { period: PERIOD, now: NOW, guideline: DEFAULT_GUIDELINE_CONFIG, profile },
      ),
    );
  }
});
afterAll(async () => {
  await server?.close();
});

const report = (profile: Profile): WorklistReport => {
  const found = reports.get(profile);
  if (!found) throw new Error(`no report for ${profile}`);
  return found;
};

describe.each(PROFILES)('the worklist of the patient library, profile %s', (profile) => {
  const expected = expectedRows(library, profile);

  it('lists exactly the patients with a fracture in the period, none undecided', () => {
    expect(
      report(profile)
        .patients.map((row) => row.patientId)
        .sort(),
    ).toEqual([...expected.keys()].sort());
    expect(report(profile).patients.filter((row) => row.step === 'undecided')).toEqual([]);
  });

  it.each([...expected.entries()])('%s: step, overdue flags, routing, indicators', (id, row) => {
    expect(actualRow(report(profile), id)).toEqual({ ...row, overdue: [...row.overdue].sort() });
  });

  it("each indicator's numerator, denominator, undecided and pending", () => {
    expect(actualIndicators(report(profile))).toEqual(expectedIndicators(expected));
  });

  it('every step and every overdue flag occurs (the population shows the whole pathway)', () => {
    const steps = new Set(report(profile).patients.map((row) => row.step));
    expect(STEPS.filter((step) => step !== 'undecided' && !steps.has(step))).toEqual([]);
    const flags = new Set(report(profile).patients.flatMap((row) => row.overdue));
    expect(OVERDUE_FLAGS.filter((flag) => !flags.has(flag))).toEqual([]);
  });
});

describe('routing', () => {
  it('dk: every FLS group occurs, measured beside seed 003', () => {
    const routing = report('dk').routing ?? [];
    for (const code of ['fls-group-1', 'fls-group-2a', 'fls-group-2b', 'fls-group-3'])
      expect(routing.find((entry) => entry.code === code)?.count).toBeGreaterThan(0);
    expect(routing.find((entry) => entry.code === 'fls-group-2a')).toMatchObject({
      expected: 0.53,
    });
  });

  it('se: both fracture-chain routings occur', () => {
    const codes = new Set(report('se').patients.map((row) => row.routing));
    expect(codes).toContain('fracture-chain-visit');
    expect(codes).toContain('fracture-chain-no-visit');
  });

  it('no: no routing', () => {
    expect(report('no').patients.filter((row) => row.routing !== null)).toEqual([]);
  });
});

describe('cards', () => {
  it.each(library.map((patient) => [patient.name, patient] as const))(
    '%s: the row carries the patient-view codes the library expects',
    (_name, patient) => {
      const row = report(patient.profile).patients.find((r) => r.patientId === patient.patientId);
      if (!row) return;
      expect([...row.cards].sort()).toEqual([...patient.expected['patient-view']].sort());
    },
  );
});
