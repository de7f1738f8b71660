/**
 * The worklist over the synthetic patient library (test/fixtures), served by the
 * in-repo FHIR stub: one engine, two views — each row's card codes are the codes
 * the library expects of a patient-view call (written from rules.md, and checked
 * against the service by the golden tests).
 */
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import { PROFILES } from '../../src/guideline/profiles';
import { runWorklist, type WorklistReport } from '../../src/worklist/population';
import { loadLibrary } from '../fixtures/load';
import { NOW } from '../helpers/fhir';
import { startFhirServer, type FakeFhirServer } from '../helpers/fhir-server';

const library = loadLibrary(NOW);
const PERIOD = { from: '2024-11-22', to: '2026-11-22' };

let server: FakeFhirServer;
const reports = new Map<string, WorklistReport>();
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

describe('the worklist of the patient library', () => {
  it('lists the fracture patients, none undecided', () => {
    const report = reports.get('no');
    const ids = report?.patients.map((row) => row.patientId) ?? [];
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect(report?.patients.filter((row) => row.step === 'undecided')).toEqual([]);
  });

  // From the files' descriptions (dates as on the anchor, moved to NOW).
  it.each([
    ['no', 'pat-r04', 'decision-due', ['falls', 'treatment'], null], // hip 15 months ago, no DXA, R4
    ['no', 'pat-r11', 'decision-due', ['falls'], null], // alendronate stopped after 2 months, R3 again
    ['no', 'pat-r16', 'follow-up-due', ['falls'], null], // denosumab 94 days ago, R16
    ['no', 'pat-r20', 'follow-up-due', ['falls'], null], // zoledronic acid 13 months ago, R20
    ['no', 'pat-r23', 'on-treatment', [], null], // wrist 69 days ago, alendronate since day 34
    ['dk', 'pat-dk-r24', 'no-treatment-indicated', [], 'fls-group-2a'], // wrist, T −1.7
    ['se', 'pat-se-r25', 'decision-due', ['treatment'], 'fracture-chain-visit'], // vertebra, T −2.8
  ])('%s: %s is at %s, overdue %j, routing %s', (profile, patientId, step, overdue, routing) => {
    const row = reports.get(profile)?.patients.find((r) => r.patientId === patientId);
    expect(row).toMatchObject({ step, overdue, routing });
  });

  it('dk: the FLS group shares are measured beside seed 003', () => {
    const routing = reports.get('dk')?.routing ?? [];
    expect(routing.find((entry) => entry.code === 'fls-group-2a')).toMatchObject({
      expected: 0.53,
    });
  });

  it.each(library.map((patient) => [patient.name, patient] as const))(
    '%s: the row carries the patient-view codes the library expects',
    (_name, patient) => {
      const row = reports
        .get(patient.profile)
        ?.patients.find((r) => r.patientId === patient.patientId);
      if (!row) return;
      expect([...row.cards].sort()).toEqual([...patient.expected['patient-view']].sort());
    },
  );
});
