/**
 * Rules R6–R10 (rules.md "Blood results"; seed 000 "Forklaring for blodprøvepakke").
 * Each threshold is tested on both sides.
 */
import { condition, daysAgo, icd10, icd10No, labs, npu, nlk, observation } from '../helpers/fhir';
import { codesOf, only, patientView } from './evaluate';

const sameDay = daysAgo(20);
/** Albumin 41.3 g/L makes the correction zero, so the total calcium is the corrected value. */
const neutralAlbumin = () => labs.albumin(41.3, sameDay);

describe('R6 · hypocalcaemia — corrected Ca < 2.15 mmol/L (000: "Lav verdi: … kalsium må normaliseres før oppstart")', () => {
  test.each([
    ['2.14 mmol/L', [labs.calcium(2.14, sameDay), neutralAlbumin()], true],
    ['2.15 mmol/L', [labs.calcium(2.15, sameDay), neutralAlbumin()], false],
    ['8.5 mg/dL (= 2.12 mmol/L)', [labs.calciumMgDl(8.5, sameDay), neutralAlbumin()], true],
    ['8.7 mg/dL (= 2.17 mmol/L)', [labs.calciumMgDl(8.7, sameDay), neutralAlbumin()], false],
    ['NPU-coded 2.10', [observation(npu('NPU01443'), 2.1, sameDay), neutralAlbumin()], true],
    ['lab-reported corrected (NLK) 2.10', [observation(nlk('NOR15246'), 2.1, sameDay)], true],
    [
      '2.10 with albumin 30 g/L (corrected 2.33)',
      [labs.calcium(2.1, sameDay), labs.albumin(30, sameDay)],
      false,
    ],
    [
      '2.20 with albumin 50 g/L (corrected 2.03)',
      [labs.calcium(2.2, sameDay), labs.albumin(50, sameDay)],
      true,
    ],
    [
      'albumin 3.0 g/dL with Ca 2.10 (corrected 2.33)',
      [labs.calcium(2.1, sameDay), labs.albumin(3.0, sameDay, { unit: 'g/dL' })],
      false,
    ],
    ['no calcium at all', [neutralAlbumin()], false],
  ])('%s', (_label, resources, fires) => {
    expect(codesOf(patientView(resources)).includes('hypocalcaemia')).toBe(fires);
  });

  test('the card shows the computed value and both inputs', () => {
    const finding = only(
      patientView([
        labs.calcium(2.2, sameDay, { id: 'ca' }),
        labs.albumin(50, sameDay, { id: 'alb' }),
      ]),
      'hypocalcaemia',
    );
    expect(finding.rule).toBe('R6');
    expect(finding.indicator).toBe('warning');
    expect(finding.params.calcium).toBe(2.03);
    expect(finding.evidence).toEqual([
      expect.objectContaining({
        item: 'calciumCorrected',
        value: 2.03,
        notes: ['computed-from-albumin', 'default-threshold'],
      }),
      expect.objectContaining({
        item: 'calciumTotal',
        value: 2.2,
        source: 'Observation/ca',
        date: sameDay,
      }),
      expect.objectContaining({
        item: 'albumin',
        value: 50,
        source: 'Observation/alb',
        unit: 'g/L',
      }),
    ]);
  });

  test('albumin pairing window: 7 days corrects, 8 days does not (and the card says so)', () => {
    const within = patientView([labs.calcium(2.2, daysAgo(10)), labs.albumin(50, daysAgo(17))]);
    expect(only(within, 'hypocalcaemia').reasons).toEqual(['calcium-low']);
    const outside = patientView([labs.calcium(2.1, daysAgo(10)), labs.albumin(50, daysAgo(18))]);
    expect(only(outside, 'hypocalcaemia').reasons).toEqual([
      'calcium-low',
      'calcium-not-corrected',
    ]);
  });

  test("the laboratory's reference range wins over the default limit", () => {
    const resources = [
      labs.calcium(2.18, sameDay, { referenceRange: { low: 2.2, high: 2.6 } }),
      neutralAlbumin(),
    ];
    expect(only(patientView(resources), 'hypocalcaemia').evidence[0]?.notes).toContain(
      'lab-reference-range',
    );
  });

  test("the laboratory's flag on a reported corrected calcium wins", () => {
    const flagged = observation(nlk('NOR15246'), 2.2, sameDay, { interpretation: 'L' });
    expect(codesOf(patientView([flagged]))).toContain('hypocalcaemia');
    const normalFlag = observation(nlk('NOR15246'), 2.1, sameDay, { interpretation: 'N' });
    expect(codesOf(patientView([normalFlag]))).not.toContain('hypocalcaemia');
  });

  test('a newer total calcium wins over an older lab-reported corrected one', () => {
    const resources = [
      labs.correctedCalcium(2.05, daysAgo(60)),
      labs.calcium(2.35, daysAgo(5)),
      labs.albumin(41, daysAgo(5)),
    ];
    expect(codesOf(patientView(resources))).not.toContain('hypocalcaemia');
  });
});

describe('R7 · hypercalcaemia — corrected Ca > 2.51 or PHPT; PTH interpreted (000: "Kontroller PTH. Høy PTH, vurder primær paratyreoidisme. Lav PTH, vurder cancer/ sarkoidose.")', () => {
  test.each([
    ['2.52 mmol/L', [labs.calcium(2.52, sameDay), neutralAlbumin()], true],
    ['2.51 mmol/L', [labs.calcium(2.51, sameDay), neutralAlbumin()], false],
    ['10.2 mg/dL (= 2.545)', [labs.calciumMgDl(10.2, sameDay), neutralAlbumin()], true],
    [
      '2.40 with albumin 25 g/L (corrected 2.73)',
      [labs.calcium(2.4, sameDay), labs.albumin(25, sameDay)],
      true,
    ],
    ['primary hyperparathyroidism E21.0, no calcium', [condition(icd10('E21.0'))], true],
    ['hypercalcaemia E835 (Norwegian ICD-10)', [condition(icd10No('E835'))], true],
    ['resolved PHPT', [condition(icd10('E21.0'), { clinicalStatus: 'resolved' })], false],
    [
      'other diagnoses only (radiotherapy Z92.3, bone metastasis C79.5)',
      [condition(icd10('Z92.3')), condition(icd10('C79.5'))],
      false,
    ],
  ])('%s', (_label, resources, fires) => {
    expect(codesOf(patientView(resources)).includes('hypercalcaemia')).toBe(fires);
  });

  const high = () => [labs.calcium(2.7, sameDay), neutralAlbumin()];
  test.each([
    ['8.0 pmol/L', labs.pth(8.0, sameDay), 'pth-high'],
    ['7.0 pmol/L', labs.pth(7.0, sameDay), 'pth-normal'],
    ['1.4 pmol/L', labs.pth(1.4, sameDay), 'pth-low'],
    ['1.5 pmol/L', labs.pth(1.5, sameDay), 'pth-normal'],
    ['80 pg/mL (= 8.48 pmol/L)', labs.pth(80, sameDay, { unit: 'pg/mL' }), 'pth-high'],
    [
      '6.0 pmol/L flagged H by the lab',
      labs.pth(6.0, sameDay, { interpretation: 'H' }),
      'pth-high',
    ],
  ])('PTH %s', (_label, pth, reason) => {
    expect(only(patientView([...high(), pth]), 'hypercalcaemia').reasons).toContain(reason);
  });

  test('no PTH on record: the card asks for it and offers the lab order', () => {
    const finding = only(patientView(high()), 'hypercalcaemia');
    expect(finding.reasons).toContain('pth-missing');
    // 000: "Kontroller PTH" first; "evt henvises endokrinolog" as the other action.
    expect(finding.suggestions).toEqual([
      { kind: 'order-labs', labs: ['pth'], recommended: true },
      { kind: 'refer', to: 'endocrinology' },
    ]);
  });

  test('a PHPT diagnosis is shown as evidence with its code', () => {
    const finding = only(
      patientView([condition(icd10('E21.0'), { id: 'phpt' })]),
      'hypercalcaemia',
    );
    expect(finding.reasons).toContain('diagnosis-primaryHyperparathyroidism');
    expect(finding.evidence).toContainEqual(
      expect.objectContaining({ item: 'diagnosis', value: 'E21.0', source: 'Condition/phpt' }),
    );
  });
});

describe('R8 · vitamin-d-low — 25-OH D < 50 nmol/L (000: "25 OH vit D >50 tilstrebes før oppstart antiresorptiv behandling")', () => {
  test.each([
    ['49 nmol/L', labs.vitaminD(49, sameDay), true],
    ['50 nmol/L', labs.vitaminD(50, sameDay), false],
    ['19.9 ng/mL (= 49.7 nmol/L)', labs.vitaminD(19.9, sameDay, { unit: 'ng/mL' }), true],
    ['20.1 ng/mL (= 50.2 nmol/L)', labs.vitaminD(20.1, sameDay, { unit: 'ng/mL' }), false],
    ['NPU-coded 30', observation(npu('NPU10267'), 30, sameDay, { unit: 'nmol/L' }), true],
    ['"<12" nmol/L', labs.vitaminD(12, sameDay, { comparator: '<' }), true],
    ['">40" nmol/L (cannot tell)', labs.vitaminD(40, sameDay, { comparator: '>' }), false],
    [
      '30 with a unit that is not UCUM',
      labs.vitaminD(30, sameDay, { unitSystem: 'http://example.org/u' }),
      false,
    ],
  ])('vitamin D %s', (_label, result, fires) => {
    expect(codesOf(patientView([result])).includes('vitamin-d-low')).toBe(fires);
  });
});

describe('R9 · hyperthyroidism-suspected — TSH low and/or FT4 high (000: "TSH, FT4: For å utelukke hypertyreose som årsak til osteoporose")', () => {
  test.each([
    ['TSH 0.39', [labs.tsh(0.39, sameDay)], ['tsh-low']],
    ['TSH 0.40', [labs.tsh(0.4, sameDay)], []],
    ['FT4 22.1', [labs.ft4(22.1, sameDay)], ['ft4-high']],
    ['FT4 22.0', [labs.ft4(22, sameDay)], []],
    [
      'TSH 0.1 and FT4 30',
      [labs.tsh(0.1, sameDay), labs.ft4(30, sameDay)],
      ['tsh-low', 'ft4-high'],
    ],
    [
      'TSH 0.45 below the lab range 0.5–4.5',
      [labs.tsh(0.45, sameDay, { unit: 'm[IU]/L', referenceRange: { low: 0.5, high: 4.5 } })],
      ['tsh-low'],
    ],
    ['FT4 1.8 ng/dL (= 23.2 pmol/L)', [labs.ft4(1.8, sameDay, { unit: 'ng/dL' })], ['ft4-high']],
  ])('%s', (_label, resources, reasons) => {
    const findings = patientView(resources).filter(
      (finding) => finding.code === 'hyperthyroidism-suspected',
    );
    expect(findings.flatMap((finding) => finding.reasons)).toEqual(reasons);
    for (const finding of findings) expect(finding.indicator).toBe('info');
  });

  test('a missing FT4 is shown as missing, not as normal', () => {
    const finding = only(patientView([labs.tsh(0.1, sameDay)]), 'hyperthyroidism-suspected');
    expect(finding.evidence).toContainEqual({ item: 'ft4', notes: ['missing'] });
  });
});

describe('R10 · renal-impairment — eGFR < 35 (000: "Obs. Aclasta kontraindisert ved eGFR < 35 ml/min")', () => {
  test.each([
    ['34', labs.egfr(34, sameDay), true],
    ['35', labs.egfr(35, sameDay), false],
    ['NLK-coded 20', observation(nlk('NOR25909'), 20, sameDay, { unit: 'mL/min/{1.73_m2}' }), true],
    ['">60"', labs.egfr(60, sameDay, { comparator: '>' }), false],
  ])('eGFR %s', (_label, egfr, fires) => {
    expect(codesOf(patientView([egfr])).includes('renal-impairment')).toBe(fires);
  });

  test('only the latest eGFR counts', () => {
    expect(
      codesOf(patientView([labs.egfr(30, daysAgo(300)), labs.egfr(48, daysAgo(10))])),
    ).not.toContain('renal-impairment');
  });
});

describe('patient-view: one card per code, most severe first', () => {
  test('a patient with everything abnormal', () => {
    const findings = patientView([
      labs.calcium(2.0, sameDay),
      neutralAlbumin(),
      labs.vitaminD(30, sameDay),
      labs.tsh(0.1, sameDay),
      labs.egfr(30, sameDay),
      condition(icd10('E21.0')),
    ]);
    // PHPT on record blocks vitamin D as well as calcium: R7's card names the low vitamin D.
    expect(findings.map((finding) => finding.code)).toEqual([
      'hypocalcaemia',
      'hypercalcaemia',
      'renal-impairment',
      'hyperthyroidism-suspected',
    ]);
    expect(only(findings, 'hypercalcaemia').reasons).toContain('vitamin-d-low');
  });

  test('normal results give no cards', () => {
    const normal = [
      labs.calcium(2.4, sameDay),
      neutralAlbumin(),
      labs.vitaminD(80, sameDay),
      labs.tsh(1.5, sameDay),
      labs.ft4(15, sameDay),
      labs.egfr(80, sameDay),
      labs.pth(4, sameDay),
    ];
    expect(patientView(normal)).toEqual([]);
  });
});
