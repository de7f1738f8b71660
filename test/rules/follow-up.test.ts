/**
 * On treatment, R15–R22, and R23 (rules.md; seed 000 "Oppfølging av behandling",
 * seed 002 competency 4). Drug histories are built from statements, active
 * orders and administrations, as EHRs record them.
 */
import type { FhirResource } from 'fhir/r4';
import {
  NOW,
  activeRequest,
  administration,
  daysAgo,
  DRUGS,
  fallRiskAssessmentProcedure,
  fracture,
  labs,
  monthsAgo,
  patient,
  statement,
  tScore,
  yearsAgo,
} from '../helpers/fhir';
import { codesOf, only, patientView } from './evaluate';

const find = (resources: FhirResource[], code: string) =>
  patientView(resources).find((f) => f.code === code);
const zoledronicInfusions = (...years: number[]) =>
  years.map((y) => administration(DRUGS.zoledronicAcid, yearsAgo(y)));
/** Monitoring labs drawn `days` ago (all analytes of every schedule). */
const monitoringLabs = (days: number) => [
  labs.calcium(2.4, daysAgo(days)),
  labs.albumin(41, daysAgo(days)),
  labs.egfr(70, daysAgo(days)),
  labs.vitaminD(80, daysAgo(days)),
  {
    ...labs.pth(4, daysAgo(days)),
    code: { coding: [{ system: 'http://loinc.org', code: '77370-5' }] },
    valueQuantity: { value: 40, system: 'http://unitsofmeasure.org', code: 'ug/L' },
  },
];

describe('R15 · max-duration-reached (000: "Maks behandlingstid for po. bisfosfonat er 10 år", "Maks 6. infusjoner totalt", "Max 2 års behandling")', () => {
  test.each([
    [
      'alendronate for 10.1 years',
      [statement(DRUGS.alendronate, yearsAgo(10.1))],
      'oral-bisphosphonate',
    ],
    ['alendronate for 9.9 years', [statement(DRUGS.alendronate, yearsAgo(9.9))], undefined],
    [
      'zoledronic acid, 6 infusions',
      zoledronicInfusions(5.5, 4.5, 3.5, 2.5, 1.5, 0.5),
      'zoledronic-acid',
    ],
    ['zoledronic acid, 5 infusions', zoledronicInfusions(4.5, 3.5, 2.5, 1.5, 0.5), undefined],
    [
      'teriparatide for 24.5 months',
      [activeRequest(DRUGS.teriparatide, monthsAgo(24.5))],
      'teriparatide',
    ],
    [
      'teriparatide for 23.9 months',
      [activeRequest(DRUGS.teriparatide, monthsAgo(23.9))],
      undefined,
    ],
  ])('%s', (_label, resources, reason) => {
    const finding = find(resources, 'max-duration-reached');
    expect(finding?.reasons[0]).toBe(reason);
    if (finding) expect(finding.indicator).toBe('warning');
  });

  test('courses with a gap over 3 months are separate, but their years add up', () => {
    const resources = [
      statement(DRUGS.alendronate, yearsAgo(12), { end: yearsAgo(7) }),
      statement(DRUGS.alendronate, yearsAgo(6)),
    ];
    expect(
      only(patientView(resources), 'max-duration-reached').params.years,
    ).toBeGreaterThanOrEqual(10.9);
  });
});

describe('R16 · followup-labs-due (000: "nye blodprøver 3 mnd etter oppstart"; 2 og 5 år; zoledronsyre 1 og 2 år + P1NP; teriparatid 6, 12, 24 mnd)', () => {
  test('3 months after starting alendronate without new calcium and vitamin D (calcium always with albumin)', () => {
    const finding = only(
      patientView([activeRequest(DRUGS.alendronate, monthsAgo(3))]),
      'followup-labs-due',
    );
    expect(finding.terms?.missing?.keys).toEqual(['calciumTotal', 'albumin', 'vitaminD']);
    // The 3-month milestone has come: the order is for today (an overdue order is never dated in the past).
    expect(finding.params.dueDate).toBe(NOW.toISOString().slice(0, 10));
    expect(finding.suggestions).toEqual([
      {
        kind: 'order-labs',
        labs: ['calciumTotal', 'albumin', 'vitaminD'],
        due: { start: NOW.toISOString().slice(0, 10) },
        recommended: true,
      },
    ]);
  });

  test('coherence: a lab suggestion never orders calcium without albumin', () => {
    const resources = [
      activeRequest(DRUGS.alendronate, monthsAgo(3)),
      labs.albumin(40, daysAgo(10)),
    ];
    const finding = only(patientView(resources), 'followup-labs-due');
    // Albumin drawn in the window: calcium is ordered alone only because albumin is already there.
    expect(finding.terms?.missing?.keys).toEqual(['calciumTotal', 'vitaminD']);
  });

  test.each([
    ['due in the future: "by"', 2.5, 'due'],
    ['due date passed: overdue since that date', 3.5, 'overdue'],
  ])('the 3-month check, %s', (_label, months, reason) => {
    const finding = only(
      patientView([activeRequest(DRUGS.alendronate, monthsAgo(months))]),
      'followup-labs-due',
    );
    expect(finding.reasons[0]).toBe(reason);
  });

  test.each([
    ['drawn 2 weeks ago', 14, false],
    ['drawn before the window opened (4 months ago)', 122, true],
  ])('the 3-month check with calcium and vitamin D %s', (_label, days, due) => {
    const resources = [
      activeRequest(DRUGS.alendronate, monthsAgo(3)),
      labs.calcium(2.4, daysAgo(days)),
      labs.albumin(40, daysAgo(days)),
      labs.vitaminD(80, daysAgo(days)),
    ];
    expect(codesOf(patientView(resources)).includes('followup-labs-due')).toBe(due);
  });

  test('not before the 3-month window opens (6 weeks after start)', () => {
    expect(codesOf(patientView([activeRequest(DRUGS.alendronate, daysAgo(42))]))).not.toContain(
      'followup-labs-due',
    );
  });

  test('denosumab at 2 years: the full package (s-Ca, albumin, creatinine, 25-OH D)', () => {
    const resources = [0, 0.5, 1, 1.5].map((y) => administration(DRUGS.denosumab, yearsAgo(2 - y)));
    const finding = only(patientView(resources), 'followup-labs-due');
    expect(finding.terms?.missing?.keys).toEqual([
      'calciumTotal',
      'albumin',
      'creatinine',
      'vitaminD',
    ]);
  });

  test('zoledronic acid at 1 year also needs P1NP', () => {
    const resources = [
      ...zoledronicInfusions(1),
      ...monitoringLabs(400).slice(0, 4),
      labs.calcium(2.4, daysAgo(20)),
      labs.albumin(41, daysAgo(20)),
      labs.egfr(70, daysAgo(20)),
      labs.vitaminD(80, daysAgo(20)),
    ];
    expect(only(patientView(resources), 'followup-labs-due').terms?.missing?.keys).toEqual([
      'p1np',
    ]);
  });

  test('zoledronic acid at 1 year with the whole package including P1NP → nothing due', () => {
    expect(codesOf(patientView([...zoledronicInfusions(1), ...monitoringLabs(20)]))).not.toContain(
      'followup-labs-due',
    );
  });

  test("teriparatide at 6 months: P1NP, calcium and vitamin D, drawn before the day's dose", () => {
    const finding = only(
      patientView([activeRequest(DRUGS.teriparatide, monthsAgo(6))]),
      'followup-labs-due',
    );
    expect(finding.terms?.missing?.keys).toEqual(['p1np', 'calciumTotal', 'albumin', 'vitaminD']);
    expect(finding.reasons).toContain('before-dose');
  });
});

describe('R17 · dxa-due (000: DXA 2 og 5 år; zoledronsyre første DXA etter 2 år; teriparatid 12 og 24 mnd; pause: ny DXA etter 2 år)', () => {
  test.each([
    [
      'alendronate for 1.9 years, last DXA before the start',
      [activeRequest(DRUGS.alendronate, yearsAgo(1.9)), tScore('spine', -2.7, yearsAgo(2))],
      'schedule',
    ],
    [
      'alendronate for 2.2 years, no DXA since the start: overdue since the 2-year date',
      [activeRequest(DRUGS.alendronate, yearsAgo(2.2)), tScore('spine', -2.7, yearsAgo(2.3))],
      'schedule-overdue',
    ],
    [
      'alendronate for 2 years, DXA a month ago',
      [activeRequest(DRUGS.alendronate, yearsAgo(2)), tScore('spine', -2.5, monthsAgo(1))],
      undefined,
    ],
    [
      'zoledronic acid, first infusion 2 years ago, no DXA since',
      [...zoledronicInfusions(2, 1), tScore('hip', -2.6, yearsAgo(2.2))],
      'schedule-overdue',
    ],
    [
      'teriparatide for 12 months, no DXA since the start',
      [activeRequest(DRUGS.teriparatide, monthsAgo(12)), tScore('spine', -3.9, monthsAgo(13))],
      'schedule',
    ],
    [
      'a pause: alendronate 5 years, ended 1.9 years ago, no DXA since',
      [
        statement(DRUGS.alendronate, yearsAgo(6.9), { end: yearsAgo(1.9) }),
        tScore('spine', -2.2, yearsAgo(2.5)),
      ],
      'pause',
    ],
    [
      'a pause: alendronate 5 years, ended 2.3 years ago, no DXA since: overdue',
      [
        statement(DRUGS.alendronate, yearsAgo(7.3), { end: yearsAgo(2.3) }),
        tScore('spine', -2.2, yearsAgo(2.5)),
      ],
      'pause-overdue',
    ],
    [
      'a pause of 1 year: not yet',
      [
        statement(DRUGS.alendronate, yearsAgo(6), { end: yearsAgo(1) }),
        tScore('spine', -2.2, yearsAgo(1.5)),
      ],
      undefined,
    ],
  ])('%s', (_label, resources, reason) => {
    const finding = find(resources, 'dxa-due');
    expect(finding?.reasons[0]).toBe(reason);
    if (!finding) return;
    // The DXA is ordered for its due day, or for today when that day has passed.
    const today = NOW.toISOString().slice(0, 10);
    const dueDate = String(finding.params.dueDate);
    expect(finding.suggestions).toEqual([
      { kind: 'order-dxa', due: { start: dueDate > today ? dueDate : today }, recommended: true },
    ]);
    expect(reason?.endsWith('overdue') ? dueDate < today : dueDate >= today).toBe(true);
  });

  test('on treatment with no DXA at all the card says the DXA is missing', () => {
    const finding = only(patientView([activeRequest(DRUGS.alendronate, yearsAgo(2))]), 'dxa-due');
    expect(finding.evidence).toContainEqual({ item: 'dxa', notes: ['missing'] });
  });

  test('T-score improved but still ≤ −2.5: continue, new evaluation (said in the dxa-due card)', () => {
    const resources = [
      activeRequest(DRUGS.alendronate, yearsAgo(5)),
      tScore('spine', -3.2, yearsAgo(5.1)),
      tScore('spine', -2.8, yearsAgo(3)),
    ];
    expect(only(patientView(resources), 'dxa-due').reasons).toEqual([
      'schedule',
      'improved-still-low',
    ]);
  });
});

describe('R18 · treatment-response-inadequate (000: "T-score uendret el forverring: Vurder compliance og bytte av medikasjon")', () => {
  const onAlendronate = () => activeRequest(DRUGS.alendronate, yearsAgo(3));
  test.each([
    ['change +0.05 (unchanged)', -2.75, true],
    ['change −0.2 (worse)', -3.0, true],
    ['change +0.1 (improved)', -2.7, false],
  ])('%s after 3 years of alendronate', (_label, latest, fires) => {
    const resources = [
      onAlendronate(),
      tScore('spine', -2.8, yearsAgo(3.1)),
      tScore('spine', latest, monthsAgo(2)),
    ];
    expect(
      find(resources, 'treatment-response-inadequate')?.reasons.includes('t-score-unchanged') ??
        false,
    ).toBe(fires);
  });

  test('not before 2 years of treatment', () => {
    const resources = [
      activeRequest(DRUGS.alendronate, yearsAgo(1.5)),
      tScore('spine', -2.8, yearsAgo(1.6)),
      tScore('spine', -2.9, monthsAgo(1)),
    ];
    expect(codesOf(patientView(resources))).not.toContain('treatment-response-inadequate');
  });

  test.each([
    ['no', true],
    ['dk', false],
    ['se', false],
  ] as const)(
    'the Norwegian reimbursement note on switching (Helfo, blue prescription) in profile %s: %s',
    (profile, shown) => {
      const resources = [
        onAlendronate(),
        tScore('spine', -2.8, yearsAgo(3.1)),
        tScore('spine', -2.9, monthsAgo(2)),
      ];
      const finding = only(
        patientView(resources, undefined, profile),
        'treatment-response-inadequate',
      );
      expect(finding.reasons).toContain('check-adherence-switch');
      expect(finding.reasons.includes('denosumab-reimbursement')).toBe(shown);
    },
  );

  test('zoledronic acid and a new fracture → consider denosumab or anabolic treatment', () => {
    const finding = only(
      patientView([...zoledronicInfusions(1.5, 0.5), fracture('radius', monthsAgo(4))]),
      'treatment-response-inadequate',
    );
    expect(finding.reasons).toEqual(['new-fracture', 'consider-denosumab-or-anabolic']);
  });
});

describe('R19 · treatment-pause-consider (000: "T-score >-2.5 og det ikke er oppstått nye frakturer under behandlingen, vurder behandlingspause med bisfosfonat")', () => {
  test.each([
    [
      'alendronate 4 years, T −2.3 on treatment',
      [statement(DRUGS.alendronate, yearsAgo(4)), tScore('hip', -2.3, monthsAgo(2))],
      true,
    ],
    [
      'alendronate 4 years, T −2.5',
      [statement(DRUGS.alendronate, yearsAgo(4)), tScore('hip', -2.5, monthsAgo(2))],
      false,
    ],
    [
      'alendronate 2.5 years, T −2.0',
      [statement(DRUGS.alendronate, yearsAgo(2.5)), tScore('hip', -2.0, monthsAgo(2))],
      false,
    ],
    [
      'alendronate 4 years, T −2.0, but a fracture during treatment',
      [
        statement(DRUGS.alendronate, yearsAgo(4)),
        tScore('hip', -2.0, monthsAgo(2)),
        fracture('radius', yearsAgo(1)),
      ],
      false,
    ],
    [
      'zoledronic acid after 3 infusions, T −2.2',
      [...zoledronicInfusions(2.5, 1.5, 0.5), tScore('spine', -2.2, monthsAgo(1))],
      true,
    ],
    [
      'zoledronic acid after 2 infusions, T −2.2',
      [...zoledronicInfusions(1.5, 0.5), tScore('spine', -2.2, monthsAgo(1))],
      false,
    ],
    [
      'denosumab, T −1.8: never a pause',
      [
        administration(DRUGS.denosumab, monthsAgo(2)),
        statement(DRUGS.denosumab, yearsAgo(5)),
        tScore('spine', -1.8, monthsAgo(1)),
      ],
      false,
    ],
  ])('%s', (_label, resources, fires) => {
    expect(codesOf(patientView(resources)).includes('treatment-pause-consider')).toBe(fires);
  });
});

describe('R20 · zoledronic-acid-next-dose (000 Zoledronsyre: 1–3 års intervall, P1NP < 35 µg/L, T-score < −3,0)', () => {
  const p1np = (value: number, date: string) => ({
    ...labs.pth(value, date),
    code: { coding: [{ system: 'http://loinc.org', code: '77370-5' }] },
    valueQuantity: { value, system: 'http://unitsofmeasure.org', code: 'ug/L' },
  });
  test.each([
    [
      'one infusion 11 months ago, T −3.2: dose 2 at 1 year',
      [...zoledronicInfusions(11 / 12), tScore('spine', -3.2, yearsAgo(1.1))],
      'severe-one-year',
    ],
    [
      'one infusion 11 months ago, T −2.6, P1NP 50: dose 2 at 1 year',
      [
        ...zoledronicInfusions(11 / 12),
        tScore('spine', -2.6, yearsAgo(1.1)),
        p1np(50, daysAgo(10)),
      ],
      'p1np-not-suppressed',
    ],
    [
      'one infusion 11 months ago, T −2.6, no P1NP',
      [...zoledronicInfusions(11 / 12), tScore('spine', -2.6, yearsAgo(1.1))],
      'p1np-missing',
    ],
    [
      'one infusion 11 months ago, T −2.6, P1NP 30: may wait until 2 years',
      [
        ...zoledronicInfusions(11 / 12),
        tScore('spine', -2.6, yearsAgo(1.1)),
        p1np(30, daysAgo(10)),
      ],
      undefined,
    ],
    [
      'one infusion 23 months ago, P1NP 30 at 1 year: due at 2 years',
      [
        ...zoledronicInfusions(23 / 12),
        tScore('spine', -2.6, yearsAgo(2)),
        p1np(30, monthsAgo(11)),
      ],
      'p1np-low-two-years',
    ],
    [
      'two infusions, the first 3.9 years ago: dose 3 at 4 years',
      [...zoledronicInfusions(3.9, 1.9)],
      'four-years',
    ],
    [
      'three infusions, last 1.9 years ago: every 2 years',
      [...zoledronicInfusions(5.9, 3.9, 1.9)],
      'interval',
    ],
    ['three infusions, last 1 year ago: not yet', [...zoledronicInfusions(5, 3, 1)], undefined],
  ])('%s', (_label, resources, reason) => {
    expect(find(resources, 'zoledronic-acid-next-dose')?.reasons[0]).toBe(reason);
  });

  test('with eGFR < 35 the card says the infusion is contraindicated', () => {
    const finding = only(
      patientView([...zoledronicInfusions(5.9, 3.9, 1.9), labs.egfr(30, daysAgo(10))]),
      'zoledronic-acid-next-dose',
    );
    expect(finding.reasons).toContain('egfr-low');
  });

  test('after 6 infusions no next dose: R15 instead', () => {
    const codes = codesOf(patientView(zoledronicInfusions(10, 8, 6, 4, 2, 0.1)));
    expect(codes).toContain('max-duration-reached');
    expect(codes).not.toContain('zoledronic-acid-next-dose');
  });
});

describe('R21 · denosumab-overdue (000: "Denosumab bør i utgangspunktet gis livslangt …")', () => {
  test.each([
    ['last injection 7.5 months ago', [monthsAgo(13.5), monthsAgo(7.5)], true],
    ['last injection 6.5 months ago', [monthsAgo(12.5), monthsAgo(6.5)], false],
    ['last injection 30 months ago (not recent)', [monthsAgo(36), monthsAgo(30)], false],
  ])('%s', (_label, dates, fires) => {
    const finding = find(
      dates.map((date) => administration(DRUGS.denosumab, date)),
      'denosumab-overdue',
    );
    expect(finding?.indicator === 'critical').toBe(fires);
  });

  test('one zoledronic acid infusion after the last denosumab: not overdue', () => {
    const resources = [
      administration(DRUGS.denosumab, monthsAgo(9)),
      administration(DRUGS.zoledronicAcid, monthsAgo(2)),
    ];
    expect(codesOf(patientView(resources))).not.toContain('denosumab-overdue');
  });

  test('started after 70: lifelong; started younger: if stopping, one zoledronic acid dose 6–9 months after the last injection', () => {
    expect(
      only(patientView([administration(DRUGS.denosumab, monthsAgo(8))]), 'denosumab-overdue')
        .reasons,
    ).toEqual(['overdue', 'lifelong']);
    const younger = [
      patient({ birthDate: '1962-01-01' }),
      administration(DRUGS.denosumab, monthsAgo(8)),
    ];
    expect(only(patientView(younger), 'denosumab-overdue').reasons).toEqual([
      'overdue',
      'stopping-zoledronic-acid',
    ]);
  });

  test('with eGFR < 35 zoledronic acid is not offered as the way out', () => {
    const resources = [
      patient({ birthDate: '1962-01-01' }),
      administration(DRUGS.denosumab, monthsAgo(8)),
      labs.egfr(25, daysAgo(10)),
    ];
    expect(only(patientView(resources), 'denosumab-overdue').reasons).toContain(
      'zoledronic-acid-contraindicated',
    );
  });
});

describe('R22 · teriparatide-transition (000: "Ved 24 måneders behandling må det skiftes over til vedlikeholdsbehandling")', () => {
  test.each([
    ['21.5 months', 21.5, true],
    ['20 months', 20, false],
  ])('teriparatide for %s', (_label, months, fires) => {
    expect(
      codesOf(patientView([activeRequest(DRUGS.teriparatide, monthsAgo(months))])).includes(
        'teriparatide-transition',
      ),
    ).toBe(fires);
  });
});

describe('R23 · fall-risk-assessment (002 kompetanse 4 C1: "Foretar fallrisikovurdering … for alle pasienter med lavenergibrudd etter et fall")', () => {
  test.each([
    ['hip fracture 3 months ago, no assessment', [fracture('hip', monthsAgo(3))], true],
    [
      'hip fracture 3 months ago, assessed since',
      [fracture('hip', monthsAgo(3)), fallRiskAssessmentProcedure(monthsAgo(2))],
      false,
    ],
    [
      'hip fracture 3 months ago, assessed only before it',
      [fracture('hip', monthsAgo(3)), fallRiskAssessmentProcedure(monthsAgo(8))],
      true,
    ],
    ['hip fracture 13 months ago', [fracture('hip', monthsAgo(13))], false],
    ['an ankle fracture (not a fragility site)', [fracture('ankle', monthsAgo(3))], false],
  ])('%s', (_label, resources, fires) => {
    expect(codesOf(patientView(resources)).includes('fall-risk-assessment')).toBe(fires);
  });
});
