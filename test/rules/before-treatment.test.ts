/**
 * Before treatment, R1–R5 (rules.md; seed 000 "Behandlingsvalg 1–3", seed 001 a).
 * The default patient is a woman of 78; thresholds are tested on both sides.
 */
import {
  activeRequest,
  condition,
  daysAgo,
  DRUGS,
  fracture,
  frax,
  icd10,
  labs,
  monthsAgo,
  patient,
  statement,
  tScore,
  yearsAgo,
} from '../helpers/fhir';
import { codesOf, only, patientView } from './evaluate';

/** A complete, normal screening package drawn 20 days ago. */
const screening = () => [
  labs.calcium(2.4, daysAgo(20)),
  labs.albumin(41, daysAgo(20)),
  labs.egfr(70, daysAgo(20)),
  labs.vitaminD(80, daysAgo(20)),
  labs.tsh(1.5, daysAgo(20)),
  labs.ft4(15, daysAgo(20)),
];
const has = (resources: Parameters<typeof patientView>[0], code: string) =>
  codesOf(patientView(resources)).includes(code);

describe('R1 · screening-labs-missing (000: «Osteoporose-primærscreening»-pakke: s-Ca, Albumin, kreatinin (GFR), 25-OH vit D, TSH, FT4)', () => {
  test('a fragility fracture and no labs: every analyte of the package is listed, with a lab-order suggestion', () => {
    const finding = only(patientView([fracture('hip', monthsAgo(2))]), 'screening-labs-missing');
    expect(finding.terms?.missing?.keys).toEqual([
      'calciumTotal',
      'albumin',
      'creatinine',
      'vitaminD',
      'tsh',
      'ft4',
    ]);
    expect(finding.suggestions).toEqual([
      {
        kind: 'order-labs',
        labs: ['calciumTotal', 'albumin', 'creatinine', 'vitaminD', 'tsh', 'ft4'],
      },
    ]);
    expect(finding.reasons).toEqual(['fracture', 'missing']);
  });

  test.each([
    ['TSH drawn 91 days ago (within 3 months)', 91, false],
    ['TSH drawn 93 days ago (outside 3 months)', 93, true],
  ])('%s', (_label, days, tshMissing) => {
    const resources = [
      tScore('spine', -1.8, monthsAgo(1)),
      ...screening().filter((r) => r.code.coding?.[0]?.code !== '3016-3'),
      labs.tsh(1.2, daysAgo(days)),
    ];
    const finding = patientView(resources).find((f) => f.code === 'screening-labs-missing');
    expect(finding?.terms?.missing?.keys ?? []).toEqual(tshMissing ? ['tsh'] : []);
  });

  test.each([
    ['T-score −1.1', [tScore('spine', -1.1, monthsAgo(1))], true],
    ['T-score −1.0', [tScore('spine', -1.0, monthsAgo(1))], false],
    ['ongoing prednisolone', [statement(DRUGS.prednisolone, monthsAgo(4), { mgPerDay: 5 })], true],
    ['nothing that makes treatment possible', [], false],
  ])('trigger: %s', (_label, resources, fires) => {
    expect(has([...resources, labs.vitaminD(80, daysAgo(10))], 'screening-labs-missing')).toBe(
      fires,
    );
  });

  test('a TSH sent with a unit that is not UCUM is shown as unusable, and TSH is still listed as missing', () => {
    const oddTsh = labs.tsh(1.4, daysAgo(10), {
      unitSystem: 'http://example.org/local-units',
      id: 'odd-tsh',
    });
    const resources = [
      fracture('hip', monthsAgo(2)),
      ...screening().filter((r) => r.code.coding?.[0]?.code !== '3016-3'),
      oddTsh,
    ];
    const finding = only(patientView(resources), 'screening-labs-missing');
    expect(finding.terms?.missing?.keys).toEqual(['tsh']);
    expect(finding.reasons).toContain('unusable-results');
    expect(finding.evidence).toContainEqual(
      expect.objectContaining({
        item: 'tsh',
        value: 1.4,
        unit: 'm[IU]/L',
        source: 'Observation/odd-tsh',
        notes: ['unusable'],
      }),
    );
  });

  test('a complete recent package → no card; an eGFR stands in for creatinine', () => {
    expect(has([fracture('hip', monthsAgo(2)), ...screening()], 'screening-labs-missing')).toBe(
      false,
    );
  });

  test('not for a patient already on an osteoporosis drug, nor under 50', () => {
    expect(
      has(
        [fracture('hip', monthsAgo(2)), activeRequest(DRUGS.alendronate, monthsAgo(1))],
        'screening-labs-missing',
      ),
    ).toBe(false);
    expect(
      has(
        [patient({ birthDate: '1977-01-01' }), tScore('spine', -2.0, monthsAgo(1))],
        'screening-labs-missing',
      ),
    ).toBe(false);
  });
});

describe('R2 · calcium-vitamin-d (000 Behandlingsvalg 1: a) T-score < −1,0 b) vitamin D-mangel / hypokalsemi c) glukokortikoid)', () => {
  test.each([
    ['a) T-score −1.1', [tScore('femur', -1.1, monthsAgo(1))], 'a-t-score'],
    ['b) 25-OH D 40', [labs.vitaminD(40, daysAgo(5))], 'b-vitamin-d-or-calcium'],
    [
      'b) hypocalcaemia, normal T-score',
      [
        tScore('spine', 0.2, monthsAgo(1)),
        labs.calcium(2.05, daysAgo(5)),
        labs.albumin(41.3, daysAgo(5)),
      ],
      'b-vitamin-d-or-calcium',
    ],
    [
      'c) ongoing prednisolone',
      [statement(DRUGS.prednisolone, monthsAgo(2), { mgPerDay: 2.5 })],
      'c-glucocorticoid',
    ],
  ])('%s', (_label, resources, reason) => {
    const finding = only(patientView(resources), 'calcium-vitamin-d');
    expect(finding.reasons).toContain(reason);
    expect(finding.params).toMatchObject({ calciumMgPerDay: 1200, vitaminDIUPerDay: 800 });
  });

  test('T-score −1.0 alone does not fire', () => {
    expect(has([tScore('spine', -1.0, monthsAgo(1))], 'calcium-vitamin-d')).toBe(false);
  });

  test('not when calcium / vitamin D is already taken', () => {
    expect(
      has(
        [tScore('spine', -1.5, monthsAgo(1)), activeRequest(DRUGS.calciumVitaminD, monthsAgo(6))],
        'calcium-vitamin-d',
      ),
    ).toBe(false);
  });

  test('hypercalcaemia or primary hyperparathyroidism blocks it: R7 speaks instead', () => {
    const findings = patientView([tScore('spine', -1.5, monthsAgo(1)), condition(icd10('E21.0'))]);
    expect(codesOf(findings)).toContain('hypercalcaemia');
    expect(codesOf(findings)).not.toContain('calcium-vitamin-d');
  });

  test('eGFR < 35: at most 500 mg calcium as tablets', () => {
    const finding = only(
      patientView([tScore('spine', -1.5, monthsAgo(1)), labs.egfr(30, daysAgo(5))]),
      'calcium-vitamin-d',
    );
    expect(finding.reasons).toContain('egfr-low');
    expect(finding.params.calciumTabletMaxMg).toBe(500);
  });

  test('an antiresorptive without the supplement gets the reminder', () => {
    const finding = only(
      patientView([activeRequest(DRUGS.alendronate, monthsAgo(8))]),
      'calcium-vitamin-d',
    );
    expect(finding.reasons).toEqual(['with-antiresorptive']);
  });
});

describe('R3 · antiresorptive-indicated (000 Behandlingsvalg 2 a–d)', () => {
  test.each([
    ['a) T-score −2.5 at the hip', [tScore('hip', -2.5, monthsAgo(1))], ['a-t-score']],
    ['a) T-score −2.4: not met', [tScore('hip', -2.4, monthsAgo(1))], []],
    [
      'a) forearm −3.0 is not hip or spine',
      [tScore('forearm', -3.0, monthsAgo(1)), tScore('spine', -1.2, monthsAgo(1))],
      [],
    ],
    [
      'c) a distal radius fracture at 77, whatever the T-score',
      [tScore('spine', -0.5, monthsAgo(1)), fracture('radius', monthsAgo(3))],
      ['c-fracture', 'mechanism-assumed'],
    ],
    [
      'c) coded osteoporotic fracture (M80)',
      [fracture('osteoporotic', yearsAgo(3))],
      ['c-fracture'],
    ],
    ['d) FRAX 20 %', [tScore('spine', -1.5, monthsAgo(1)), frax(20, monthsAgo(1))], ['d-frax']],
    [
      'd) FRAX 19.9 %: not met',
      [tScore('spine', -1.5, monthsAgo(1)), frax(19.9, monthsAgo(1))],
      [],
    ],
  ])('%s', (_label, resources, criteria) => {
    const finding = patientView(resources).find((f) => f.code === 'antiresorptive-indicated');
    expect(finding?.reasons.filter((r) => /^[a-d]-|mechanism/.test(r)) ?? []).toEqual(criteria);
    if (finding) expect(finding.indicator).toBe('warning');
  });

  test.each([
    ['5 mg/day for 4 months', 5, 4, ['b-glucocorticoid']],
    ['4.9 mg/day for 4 months', 4.9, 4, []],
    ['5 mg/day for 2 months', 5, 2, []],
  ])('b) T-score −1.5 and prednisolone %s', (_label, mg, months, criteria) => {
    const resources = [
      tScore('spine', -1.5, monthsAgo(1)),
      statement(DRUGS.prednisolone, monthsAgo(months), { mgPerDay: mg }),
    ];
    const finding = patientView(resources).find((f) => f.code === 'antiresorptive-indicated');
    expect(finding?.reasons.filter((r) => /^[a-d]-/.test(r)) ?? []).toEqual(criteria);
  });

  test('b) methylprednisolone 4 mg/day counts as 5 mg prednisolone (factor 1.25)', () => {
    const methylprednisolone = { system: 'http://www.whocc.no/atc', code: 'H02AB04' };
    const resources = [
      tScore('spine', -1.5, monthsAgo(1)),
      statement(methylprednisolone, monthsAgo(6), { mgPerDay: 4 }),
    ];
    expect(
      only(patientView(resources), 'antiresorptive-indicated').params.prednisoloneMgPerDay,
    ).toBe(5);
  });

  test('b) a glucocorticoid without a dose in mg is said to be unchecked, not counted', () => {
    const resources = [
      tScore('spine', -1.5, monthsAgo(1)),
      statement(DRUGS.prednisolone, monthsAgo(6)),
    ];
    expect(codesOf(patientView(resources))).not.toContain('antiresorptive-indicated');
    const withFracture = only(
      patientView([...resources, fracture('hip', monthsAgo(5))]),
      'antiresorptive-indicated',
    );
    expect(withFracture.reasons).toContain('b-glucocorticoid-dose-unknown');
  });

  test('lists zoledronic acid as ruled out with eGFR < 35, and the pre-start checks still open', () => {
    const finding = only(
      patientView([
        tScore('spine', -2.8, monthsAgo(1)),
        labs.egfr(30, daysAgo(5)),
        labs.vitaminD(35, daysAgo(5)),
      ]),
      'antiresorptive-indicated',
    );
    expect(finding.reasons).toEqual(
      expect.arrayContaining(['zoledronic-acid-ruled-out', 'check-vitamin-d', 'dental']),
    );
  });

  test('denosumab on blue prescription for women ≥ 75; Helfo § 3 application otherwise', () => {
    expect(
      only(patientView([tScore('spine', -2.8, monthsAgo(1))]), 'antiresorptive-indicated').reasons,
    ).toContain('denosumab-blue-prescription');
    const man = patient({ gender: 'male', birthDate: '1948-05-17' });
    expect(
      only(patientView([man, tScore('spine', -2.8, monthsAgo(1))]), 'antiresorptive-indicated')
        .reasons,
    ).toContain('denosumab-helfo');
  });

  test('not when already treated, and not under 50', () => {
    expect(
      has(
        [tScore('spine', -2.8, monthsAgo(1)), activeRequest(DRUGS.denosumab, monthsAgo(3))],
        'antiresorptive-indicated',
      ),
    ).toBe(false);
    expect(
      has(
        [patient({ birthDate: '1980-02-02' }), tScore('spine', -2.8, monthsAgo(1))],
        'antiresorptive-indicated',
      ),
    ).toBe(false);
  });

  test('a fracture at 45 is not a fragility fracture by site (before 50)', () => {
    expect(
      has(
        [patient({ birthDate: '1970-01-01' }), fracture('radius', '2015-06-01')],
        'antiresorptive-indicated',
      ),
    ).toBe(false);
  });
});

describe('R4 · treat-without-dxa (001: "ikke behov for DXA måling … ikke behov for å vente med oppstart behandling")', () => {
  test.each([
    ['hip fracture at 78, no DXA', [fracture('hip', monthsAgo(2))], true],
    [
      'vertebral compression fracture at 78, no DXA',
      [fracture('vertebraSnomed', monthsAgo(2))],
      true,
    ],
    ['distal radius fracture only', [fracture('radius', monthsAgo(2))], false],
    [
      'hip fracture but a DXA on record',
      [fracture('hip', monthsAgo(2)), tScore('hip', -2.0, monthsAgo(1))],
      false,
    ],
    [
      'hip fracture, already on alendronate',
      [fracture('hip', monthsAgo(2)), activeRequest(DRUGS.alendronate, monthsAgo(1))],
      false,
    ],
  ])('%s', (_label, resources, fires) => {
    expect(has(resources, 'treat-without-dxa')).toBe(fires);
  });

  test.each([
    ['70', '1956-11-22', true],
    ['69', '1956-11-23', false],
  ])('age %s', (_label, birthDate, fires) => {
    expect(has([patient({ birthDate }), fracture('hip', monthsAgo(2))], 'treat-without-dxa')).toBe(
      fires,
    );
  });
});

describe('R5 · anabolic-referral (000 Behandlingsalternativ 3)', () => {
  test.each([
    ['woman 78, T −4.1', [tScore('spine', -4.1, monthsAgo(1))], ['a-t-score']],
    ['woman 78, T −4.0', [tScore('spine', -4.0, monthsAgo(1))], []],
    [
      'woman 56, T −3.6',
      [patient({ birthDate: '1970-03-01' }), tScore('spine', -3.6, monthsAgo(1))],
      ['a-t-score'],
    ],
    [
      'woman 56, T −3.5',
      [patient({ birthDate: '1970-03-01' }), tScore('spine', -3.5, monthsAgo(1))],
      [],
    ],
    [
      'man 78, T −3.6',
      [patient({ gender: 'male' }), tScore('hip', -3.6, monthsAgo(1))],
      ['a-t-score'],
    ],
    [
      '3 vertebral fractures',
      [
        fracture('vertebra', yearsAgo(1), { bodySite: 'T12' }),
        fracture('vertebra', yearsAgo(1), { bodySite: 'L1' }),
        fracture('vertebra', yearsAgo(1), { bodySite: 'L2' }),
      ],
      ['b-vertebral-fractures'],
    ],
    [
      '2 vertebral fractures',
      [
        fracture('vertebra', yearsAgo(1), { bodySite: 'L1' }),
        fracture('vertebra', yearsAgo(1), { bodySite: 'L2' }),
      ],
      [],
    ],
    [
      'a severe (SQ3) vertebral fracture',
      [fracture('vertebra', monthsAgo(3), { severe: true })],
      ['c-severe-vertebral'],
    ],
  ])('%s', (_label, resources, criteria) => {
    const finding = patientView(resources).find((f) => f.code === 'anabolic-referral');
    expect(finding?.reasons.filter((r) => /^[a-d]-/.test(r)) ?? []).toEqual(criteria);
  });

  test.each([
    ['13 months into alendronate', 13, true],
    ['11 months into alendronate', 11, false],
  ])('d) new fracture %s', (_label, months, fires) => {
    const start = yearsAgo(3);
    const fractureDate = new Date(Date.parse(start) + months * 30.4375 * 86400000).toISOString();
    const resources = [activeRequest(DRUGS.alendronate, start), fracture('radius', fractureDate)];
    expect(
      patientView(resources)
        .find((f) => f.code === 'anabolic-referral')
        ?.reasons.includes('d-fracture-on-treatment') ?? false,
    ).toBe(fires);
  });

  test('the referral replaces the antiresorptive card (anabolic criteria come with a referral, not an antiresorptive start)', () => {
    const codes = codesOf(patientView([tScore('spine', -4.3, monthsAgo(1))]));
    expect(codes).toContain('anabolic-referral');
    expect(codes).not.toContain('antiresorptive-indicated');
  });

  test('with a known teriparatide contraindication the card says so, and the antiresorptive stays recommended', () => {
    const resources = [tScore('spine', -4.3, monthsAgo(1)), condition(icd10('C79.5'))];
    const findings = patientView(resources);
    expect(only(findings, 'anabolic-referral').reasons).toEqual([
      'a-t-score',
      'teriparatide-contraindicated',
      'ci-bone-malignancy',
    ]);
    expect(codesOf(findings)).toContain('antiresorptive-indicated');
  });
});
