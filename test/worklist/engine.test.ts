/**
 * The worklist engine (pathway.md): steps, overdue flags and each indicator's
 * outcome on both sides of its window (12, 16, 52 weeks), with the clock pinned.
 */
import type { FhirResource } from 'fhir/r4';
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import type { Profile } from '../../src/guideline/profiles';
import {
  evaluatePatient,
  type IndicatorId,
  type WorklistRow,
  type WorklistSettings,
} from '../../src/worklist/engine';
import { IndicatorTally } from '../../src/worklist/indicators';
import {
  activeRequest,
  administration,
  condition,
  daysAgo,
  DRUGS,
  fallRiskAssessmentProcedure,
  fracture,
  frax,
  icd10,
  labs,
  NOW,
  patient,
  PATIENT_ID,
  statement,
  tScore,
} from '../helpers/fhir';

const PERIOD = { from: '2025-01-01', to: '2026-11-22' };
const settings = (profile: Profile = 'no'): WorklistSettings => ({
  period: PERIOD,
  now: NOW,
  guideline: DEFAULT_GUIDELINE_CONFIG,
  profile,
});

/** The screening package (R1) drawn `days` ago. */
const screening = (days: number): FhirResource[] => [
  labs.calcium(2.4, daysAgo(days)),
  labs.albumin(40, daysAgo(days)),
  labs.creatinine(70, daysAgo(days)),
  labs.vitaminD(80, daysAgo(days)),
  labs.tsh(1.5, daysAgo(days)),
  labs.ft4(15, daysAgo(days)),
];

function rowOf(resources: FhirResource[], profile: Profile = 'no'): WorklistRow {
  const result = evaluatePatient(PATIENT_ID, [patient(), ...resources], settings(profile));
  if (result.kind !== 'row') throw new Error(`excluded: ${result.excluded.reason}`);
  return result.row;
}

describe('steps', () => {
  it.each<[string, FhirResource[], Profile, WorklistRow['step']]>([
    ['no labs after a wrist fracture', [fracture('radius', daysAgo(30))], 'no', 'labs-missing'],
    [
      'labs drawn more than 3 months before the fracture do not count',
      [fracture('radius', daysAgo(30)), ...screening(130)],
      'no',
      'labs-missing',
    ],
    [
      'labs, no DXA, R4 does not cover a wrist fracture',
      [fracture('radius', daysAgo(30)), ...screening(10)],
      'no',
      'dxa-missing',
    ],
    [
      'a DXA 7 months before the fracture is too old',
      [fracture('radius', daysAgo(30)), ...screening(10), tScore('hip', -2.0, daysAgo(30 + 213))],
      'no',
      'dxa-missing',
    ],
    [
      'labs and DXA, R3 (fracture) indicates treatment',
      [fracture('radius', daysAgo(30)), ...screening(10), tScore('hip', -2.0, daysAgo(5))],
      'no',
      'decision-due',
    ],
    [
      'hip fracture at 78 without DXA: R4 stands in for the DXA',
      [fracture('hip', daysAgo(30)), ...screening(10)],
      'no',
      'decision-due',
    ],
    [
      'dk: wrist fracture with osteopenia, no indication',
      [fracture('radius', daysAgo(60)), ...screening(40), tScore('hip', -1.5, daysAgo(30))],
      'dk',
      'no-treatment-indicated',
    ],
    [
      'alendronate started after the fracture',
      [
        fracture('radius', daysAgo(100)),
        ...screening(90),
        tScore('hip', -2.0, daysAgo(80)),
        activeRequest(DRUGS.alendronate, daysAgo(50)),
      ],
      'no',
      'on-treatment',
    ],
    [
      'alendronate started after the fracture and stopped, R3 indicates it again',
      [
        fracture('radius', daysAgo(300)),
        ...screening(20),
        tScore('hip', -2.8, daysAgo(280)),
        statement(DRUGS.alendronate, daysAgo(250), { end: daysAgo(190), status: 'stopped' }),
      ],
      'no',
      'decision-due',
    ],
    [
      'denosumab given after the fracture, next injection overdue (R21)',
      [
        fracture('radius', daysAgo(300)),
        ...screening(290),
        tScore('hip', -2.8, daysAgo(280)),
        administration(DRUGS.denosumab, daysAgo(240)),
      ],
      'no',
      'follow-up-due',
    ],
  ])('%s', (_name, resources, profile, step) => {
    expect(rowOf(resources, profile).step).toBe(step);
  });

  it('under 50 at the fracture: secondary referral, outside every indicator', () => {
    const result = evaluatePatient(
      PATIENT_ID,
      [patient({ birthDate: '1980-03-01' }), fracture('radius', daysAgo(30))],
      settings(),
    );
    expect(result).toMatchObject({ kind: 'row', row: { step: 'secondary-referral', age: 46 } });
    const tally = new IndicatorTally();
    if (result.kind === 'row') tally.add(result.row);
    expect(tally.results().find((i) => i.id === 'identified')).toMatchObject({
      numerator: 0,
      denominator: 0,
    });
  });

  it('no birth date: undecided, with the reason', () => {
    const result = evaluatePatient(
      PATIENT_ID,
      [patient({ birthDate: undefined }), fracture('hip', daysAgo(30))],
      settings(),
    );
    expect(result).toMatchObject({
      kind: 'row',
      row: { step: 'undecided', undecidedReason: expect.stringContaining('birth date') },
    });
  });

  it('without the Patient resource: undecided', () => {
    const result = evaluatePatient(PATIENT_ID, [fracture('hip', daysAgo(30))], settings());
    expect(result).toMatchObject({ kind: 'row', row: { step: 'undecided' } });
  });

  it('a fracture before the period: not on the list', () => {
    expect(
      evaluatePatient(PATIENT_ID, [patient(), fracture('hip', daysAgo(800))], settings()),
    ).toEqual({
      kind: 'excluded',
      excluded: { patientId: PATIENT_ID, reason: 'no-fracture-in-period' },
    });
  });

  it('a subtrochanteric fracture after 4 years of alendronate is atypical (R26), not sentinel', () => {
    const resources = [
      patient(),
      condition(icd10('S72.2'), { onset: daysAgo(30) }),
      statement(DRUGS.alendronate, daysAgo(5 * 365), { end: daysAgo(60) }),
    ];
    expect(evaluatePatient(PATIENT_ID, resources, settings())).toMatchObject({
      kind: 'excluded',
      excluded: { reason: 'atypical-femur-fracture' },
    });
    // The same fracture after 1 year of alendronate is a hip fracture like any other.
    const short = [
      patient(),
      condition(icd10('S72.2'), { onset: daysAgo(30) }),
      statement(DRUGS.alendronate, daysAgo(425), { end: daysAgo(60) }),
    ];
    expect(evaluatePatient(PATIENT_ID, short, settings())).toMatchObject({
      kind: 'row',
      row: { sentinelFracture: { site: 'hip', code: 'S72.2' }, group: 'non-spine' },
    });
  });

  it('the sentinel fracture is the first of the period; a vertebral one makes the group spine', () => {
    const row = rowOf([fracture('vertebra', daysAgo(200)), fracture('radius', daysAgo(100))]);
    expect(row.sentinelFracture).toMatchObject({ site: 'vertebra', code: 'S22.0' });
    expect(row.group).toBe('spine');
    expect(row.daysSinceFracture).toBe(200);
    expect(row.age).toBe(77);
  });

  it('carries the patient-view card codes and, in dk, the FLS group as routing', () => {
    const row = rowOf(
      [fracture('radius', daysAgo(60)), ...screening(40), tScore('hip', -1.5, daysAgo(30))],
      'dk',
    );
    expect(row.routing).toBe('fls-group-2a');
    expect(row.cards).toContain('fls-group-2a');
    expect(rowOf([fracture('radius', daysAgo(30))]).cards).toContain('screening-labs-missing');
  });
});

describe('overdue flags, on both sides of the window', () => {
  it.each<[string, FhirResource[], WorklistRow['overdue']]>([
    ['83 days, no DXA', [fracture('radius', daysAgo(83)), ...screening(60)], []],
    ['85 days, no DXA', [fracture('radius', daysAgo(85)), ...screening(60)], ['dxa']],
    [
      '85 days, DXA done',
      [fracture('radius', daysAgo(85)), ...screening(60), tScore('hip', -2, daysAgo(50))],
      [],
    ],
    [
      '111 days, no fall-risk assessment, indicated, not started',
      [fracture('radius', daysAgo(111)), ...screening(60), tScore('hip', -2, daysAgo(50))],
      [],
    ],
    [
      '113 days, no fall-risk assessment, indicated, not started',
      [fracture('radius', daysAgo(113)), ...screening(60), tScore('hip', -2, daysAgo(50))],
      ['falls', 'treatment'],
    ],
    [
      '113 days, fall risk assessed and alendronate started',
      [
        fracture('radius', daysAgo(113)),
        ...screening(60),
        tScore('hip', -2, daysAgo(50)),
        fallRiskAssessmentProcedure(daysAgo(100)),
        activeRequest(DRUGS.alendronate, daysAgo(40)),
      ],
      [],
    ],
  ])('%s', (_name, resources, overdue) => {
    expect(rowOf(resources).overdue).toEqual(overdue);
  });
});

describe('indicators, on both sides of each window', () => {
  const outcome = (resources: FhirResource[], id: IndicatorId, profile: Profile = 'no') =>
    rowOf(resources, profile).outcomes[id];

  it.each<[string, FhirResource[], IndicatorId, string]>([
    // dxa-12w: a T-score from 6 months before to 12 weeks (84 days) after the fracture.
    [
      'DXA on day 83',
      [fracture('radius', daysAgo(100)), tScore('hip', -2, daysAgo(17))],
      'dxa-12w',
      'met',
    ],
    [
      'DXA on day 86',
      [fracture('radius', daysAgo(100)), tScore('hip', -2, daysAgo(14))],
      'dxa-12w',
      'not-met',
    ],
    [
      'DXA 5 months before',
      [fracture('radius', daysAgo(100)), tScore('hip', -2, daysAgo(250))],
      'dxa-12w',
      'met',
    ],
    ['no DXA, day 83: window open', [fracture('radius', daysAgo(83))], 'dxa-12w', 'pending'],
    ['no DXA, day 85', [fracture('radius', daysAgo(85))], 'dxa-12w', 'not-met'],
    // risk-assessed-12w: DXA, FRAX, or R4.
    [
      'FRAX on day 10',
      [fracture('radius', daysAgo(100)), frax(12, daysAgo(90))],
      'risk-assessed-12w',
      'met',
    ],
    [
      'FRAX on day 10 is not a DXA',
      [fracture('radius', daysAgo(100)), frax(12, daysAgo(90))],
      'dxa-12w',
      'not-met',
    ],
    ['R4: hip fracture at 78', [fracture('hip', daysAgo(100))], 'risk-assessed-12w', 'met'],
    ['nothing, wrist', [fracture('radius', daysAgo(100))], 'risk-assessed-12w', 'not-met'],
    // falls-assessed-16w: from the fracture to 112 days after.
    [
      'falls on day 111',
      [fracture('radius', daysAgo(150)), fallRiskAssessmentProcedure(daysAgo(39))],
      'falls-assessed-16w',
      'met',
    ],
    [
      'falls on day 114',
      [fracture('radius', daysAgo(150)), fallRiskAssessmentProcedure(daysAgo(36))],
      'falls-assessed-16w',
      'not-met',
    ],
    [
      'falls before the fracture',
      [fracture('radius', daysAgo(150)), fallRiskAssessmentProcedure(daysAgo(160))],
      'falls-assessed-16w',
      'not-met',
    ],
    [
      'no falls, day 111: open',
      [fracture('radius', daysAgo(111))],
      'falls-assessed-16w',
      'pending',
    ],
    // treatment-indicated: R3–R5 at 16 weeks (or now).
    [
      'wrist fracture in no: R3(c)',
      [fracture('radius', daysAgo(30))],
      'treatment-indicated',
      'met',
    ],
    [
      'dk: wrist fracture, osteopenia',
      [fracture('radius', daysAgo(200)), tScore('hip', -1.5, daysAgo(190))],
      'treatment-indicated',
      'not-met',
    ],
    // treatment-started-16w (of those indicated).
    [
      'alendronate from day 100',
      [fracture('radius', daysAgo(200)), activeRequest(DRUGS.alendronate, daysAgo(100))],
      'treatment-started-16w',
      'met',
    ],
    [
      'alendronate from day 120',
      [fracture('radius', daysAgo(200)), activeRequest(DRUGS.alendronate, daysAgo(80))],
      'treatment-started-16w',
      'not-met',
    ],
    [
      'alendronate from day 112 (the last day)',
      [fracture('radius', daysAgo(200)), activeRequest(DRUGS.alendronate, daysAgo(88))],
      'treatment-started-16w',
      'met',
    ],
    [
      'alendronate from day 113',
      [fracture('radius', daysAgo(200)), activeRequest(DRUGS.alendronate, daysAgo(87))],
      'treatment-started-16w',
      'not-met',
    ],
    [
      'already on alendronate before the fracture',
      [fracture('radius', daysAgo(200)), activeRequest(DRUGS.alendronate, daysAgo(400))],
      'treatment-started-16w',
      'met',
    ],
    [
      'not started, day 110: open',
      [fracture('radius', daysAgo(110))],
      'treatment-started-16w',
      'pending',
    ],
    // on-treatment-52w: fractures at least 364 days old.
    [
      'on alendronate at 52 weeks',
      [fracture('radius', daysAgo(400)), activeRequest(DRUGS.alendronate, daysAgo(300))],
      'on-treatment-52w',
      'met',
    ],
    [
      'alendronate stopped at day 200',
      [
        fracture('radius', daysAgo(400)),
        statement(DRUGS.alendronate, daysAgo(300), { end: daysAgo(200) }),
      ],
      'on-treatment-52w',
      'not-met',
    ],
    [
      'fracture 365 days ago, on alendronate since day 65',
      [fracture('radius', daysAgo(365)), activeRequest(DRUGS.alendronate, daysAgo(300))],
      'on-treatment-52w',
      'met',
    ],
    [
      'fracture 365 days ago, alendronate only from day 364½ (after the 52-week point)',
      [fracture('radius', daysAgo(365)), activeRequest(DRUGS.alendronate, daysAgo(0.5))],
      'on-treatment-52w',
      'not-met',
    ],
    // The drug-state model keeps every course: an earlier course answers for its own days.
    [
      'alendronate days 10–60, stopped, restarted at day 250: started within 16 weeks',
      [
        fracture('radius', daysAgo(400)),
        statement(DRUGS.alendronate, daysAgo(390), { end: daysAgo(340), status: 'stopped' }),
        activeRequest(DRUGS.alendronate, daysAgo(150)),
      ],
      'treatment-started-16w',
      'met',
    ],
    [
      'alendronate days 10–370, restarted 20 days ago: on it at 52 weeks',
      [
        fracture('radius', daysAgo(500)),
        statement(DRUGS.alendronate, daysAgo(490), { end: daysAgo(130) }),
        activeRequest(DRUGS.alendronate, daysAgo(20)),
      ],
      'on-treatment-52w',
      'met',
    ],
    [
      'alendronate days 10–300, restarted 30 days ago: off it at 52 weeks',
      [
        fracture('radius', daysAgo(500)),
        statement(DRUGS.alendronate, daysAgo(490), { end: daysAgo(200) }),
        activeRequest(DRUGS.alendronate, daysAgo(30)),
      ],
      'on-treatment-52w',
      'not-met',
    ],
    [
      'fracture 363 days ago',
      [fracture('radius', daysAgo(363)), activeRequest(DRUGS.alendronate, daysAgo(300))],
      'on-treatment-52w',
      'pending',
    ],
  ])('%s', (_name, resources, id, expected) => {
    const profile: Profile = _name.startsWith('dk:') ? 'dk' : 'no';
    expect(outcome(resources, id, profile)).toBe(expected);
  });

  it('a T-score without a date cannot decide dxa-12w once the window has closed', () => {
    const undated = { ...tScore('hip', -2, daysAgo(10)), effectiveDateTime: undefined };
    const row = rowOf([fracture('radius', daysAgo(100)), undated]);
    expect(row.outcomes['dxa-12w']).toBe('undecided');
    expect(row.outcomes.completeness).toBe('not-met');
  });

  it('a fracture dated only to the month cannot decide the windows', () => {
    const row = rowOf([fracture('radius', '2026-05')]);
    expect(row.outcomes['dxa-12w']).toBe('undecided');
    expect(row.outcomes.identified).toBe('met');
  });

  it('no indication: the treatment indicators do not apply', () => {
    const row = rowOf([fracture('radius', daysAgo(200)), tScore('hip', -1.5, daysAgo(190))], 'dk');
    expect(row.outcomes['treatment-started-16w']).toBe('not-applicable');
    expect(row.outcomes['on-treatment-52w']).toBe('not-applicable');
  });
});

describe('the tally', () => {
  it('sums numerator, denominator, undecided and pending per indicator and group', () => {
    const tally = new IndicatorTally();
    tally.add(rowOf([fracture('radius', daysAgo(100)), tScore('hip', -2, daysAgo(50))]));
    tally.add(rowOf([fracture('vertebra', daysAgo(100))]));
    tally.add(rowOf([fracture('radius', daysAgo(30))]));
    const undatedDxa = { ...tScore('hip', -2, daysAgo(10)), effectiveDateTime: undefined };
    tally.add(rowOf([fracture('radius', daysAgo(100)), undatedDxa]));
    const dxa = tally.results().find((indicator) => indicator.id === 'dxa-12w');
    expect(dxa).toMatchObject({
      numerator: 1,
      denominator: 2,
      undecided: 1,
      pending: 1,
      proportion: 0.5,
      levels: { low: 0.5, high: 0.8 },
    });
    expect(dxa?.byGroup.spine).toEqual({ numerator: 0, denominator: 1, undecided: 0, pending: 0 });
    expect(tally.results().find((indicator) => indicator.id === 'identified')).toMatchObject({
      numerator: 4,
      denominator: 4,
      proportion: null,
    });
  });
});
