/** Order-time safety (rules.md "At order time"): R11, R13, and R6 / R7 / R8 on a drafted antiresorptive. */
import {
  activeRequest,
  administration,
  condition,
  daysAgo,
  DRUGS,
  draftWithDose,
  icd10,
  labs,
  medicationRequest,
  patient,
  yearsAgo,
} from '../helpers/fhir';
import { codesOf, only, orderTime } from './evaluate';

const za = () =>
  medicationRequest(DRUGS.zoledronicAcid, { id: 'draft-za', text: 'Aclasta 5 mg/100 mL' });
const normalCalcium = () => [labs.calcium(2.4, daysAgo(20)), labs.albumin(41.3, daysAgo(20))];

describe('R11 · contraindication-zoledronic-acid (000: "Kontraindisert ved eGFR < 35 ml/min")', () => {
  test.each([
    ['eGFR 34 (20 days ago)', [labs.egfr(34, daysAgo(20))], 'critical', ['egfr-low']],
    ['eGFR 35 (20 days ago)', [labs.egfr(35, daysAgo(20))], undefined, []],
    ['no eGFR at all', [], 'warning', ['egfr-unknown']],
    ['eGFR 60 from 100 days ago', [labs.egfr(60, daysAgo(100))], 'warning', ['egfr-unknown']],
    ['eGFR 60 from 91 days ago', [labs.egfr(60, daysAgo(91))], undefined, []],
    ['eGFR 30 from 200 days ago', [labs.egfr(30, daysAgo(200))], 'critical', ['egfr-low']],
  ])('%s', (_label, kidney, indicator, reasons) => {
    const findings = orderTime([...normalCalcium(), ...kidney], [za()]);
    const r11 = findings.find((finding) => finding.code === 'contraindication-zoledronic-acid');
    expect(r11?.indicator).toBe(indicator);
    expect(r11?.reasons ?? []).toEqual(reasons);
  });

  test('hypocalcaemia also contraindicates the infusion', () => {
    const findings = orderTime(
      [labs.calcium(2.0, daysAgo(5)), labs.albumin(41.3, daysAgo(5)), labs.egfr(70, daysAgo(5))],
      [za()],
    );
    const r11 = only(findings, 'contraindication-zoledronic-acid');
    expect(r11.indicator).toBe('critical');
    expect(r11.reasons).toEqual(['hypocalcaemia']);
  });

  test('the critical card names the draft and offers to remove it', () => {
    const r11 = only(
      orderTime([...normalCalcium(), labs.egfr(28, daysAgo(3))], [za()]),
      'contraindication-zoledronic-acid',
    );
    expect(r11.drafts).toEqual(['MedicationRequest/draft-za']);
    expect(r11.params.orders).toBe('Aclasta 5 mg/100 mL');
    expect(r11.suggestions).toEqual([
      { kind: 'remove-draft', draft: 'MedicationRequest/draft-za' },
    ]);
  });

  test('kidney function unknown: a warning that offers the creatinine order, not removal', () => {
    const r11 = only(orderTime(normalCalcium(), [za()]), 'contraindication-zoledronic-acid');
    expect(r11.suggestions).toEqual([{ kind: 'order-labs', labs: ['creatinine'] }]);
    expect(r11.evidence).toContainEqual({ item: 'egfr', notes: ['missing'] });
  });

  test('no zoledronic acid drafted → no R11', () => {
    const alendronate = medicationRequest(DRUGS.alendronate, { id: 'aln' });
    expect(codesOf(orderTime([labs.egfr(20, daysAgo(3))], [alendronate]))).not.toContain(
      'contraindication-zoledronic-acid',
    );
  });
});

describe('R6 / R7 / R8 at order time, for a drafted antiresorptive', () => {
  const alendronate = () =>
    medicationRequest(DRUGS.alendronate, { id: 'aln', text: 'Alendronat 70 mg' });

  test('hypocalcaemia is critical when an antiresorptive is drafted', () => {
    const finding = only(
      orderTime([labs.calcium(2.05, daysAgo(3)), labs.albumin(41.3, daysAgo(3))], [alendronate()]),
      'hypocalcaemia',
    );
    expect(finding.indicator).toBe('critical');
    expect(finding.drafts).toEqual(['MedicationRequest/aln']);
    expect(finding.reasons).toContain('order');
    expect(finding.suggestions).toEqual([{ kind: 'remove-draft', draft: 'MedicationRequest/aln' }]);
  });

  test('hypercalcaemia is critical when an antiresorptive is drafted', () => {
    const finding = only(orderTime([condition(icd10('E21.0'))], [alendronate()]), 'hypercalcaemia');
    expect(finding.indicator).toBe('critical');
  });

  test('low vitamin D is a warning at order time', () => {
    const finding = only(
      orderTime([labs.vitaminD(35, daysAgo(3))], [alendronate()]),
      'vitamin-d-low',
    );
    expect(finding.indicator).toBe('warning');
    expect(finding.drafts).toEqual(['MedicationRequest/aln']);
  });

  test('order-time cards are about the draft only: no patient-view cards without a relevant draft', () => {
    const prednisolone = medicationRequest(DRUGS.prednisolone, { id: 'pred' });
    expect(
      orderTime([labs.vitaminD(20, daysAgo(3)), labs.tsh(0.1, daysAgo(3))], [prednisolone]),
    ).toEqual([]);
  });
});

describe('R13 · contraindication-calcium (000: "Kontraindisert ved hypERkalsemi eller kjent primær hyperparathyroidisme")', () => {
  const calcium = () =>
    medicationRequest(DRUGS.calciumVitaminD, { id: 'ca', text: 'Calcigran Forte' });

  test.each([
    ['corrected Ca 2.52', [labs.calcium(2.52, daysAgo(3)), labs.albumin(41.3, daysAgo(3))], true],
    ['corrected Ca 2.51', [labs.calcium(2.51, daysAgo(3)), labs.albumin(41.3, daysAgo(3))], false],
    ['primary hyperparathyroidism', [condition(icd10('E21.0'))], true],
  ])('%s', (_label, resources, fires) => {
    const findings = orderTime(resources, [calcium()]);
    const r13 = findings.find((finding) => finding.code === 'contraindication-calcium');
    expect(r13?.indicator === 'critical').toBe(fires);
    if (fires)
      expect(r13?.suggestions).toEqual([{ kind: 'remove-draft', draft: 'MedicationRequest/ca' }]);
  });

  test('a calcium draft does not raise the antiresorptive hypercalcaemia card', () => {
    expect(codesOf(orderTime([condition(icd10('E21.0'))], [calcium()]))).toEqual([
      'contraindication-calcium',
    ]);
  });
});

describe('R12 · contraindication-teriparatide (000: "Kontraindikasjoner: Hyperkalsemi/forhøyet PTH, tidligere strålebehandling av skjelettet, maligniteter i skjelett/benmetastase")', () => {
  const teriparatide = () =>
    medicationRequest(DRUGS.teriparatide, { id: 'pth-draft', text: 'Forsteo 20 µg' });
  test.each([
    ['bone metastasis C79.5', [condition(icd10('C79.5'))], ['ci-bone-malignancy']],
    [
      'radiotherapy history Z92.3 (resolved: still history)',
      [condition(icd10('Z92.3'), { clinicalStatus: 'resolved' })],
      ['ci-radiotherapy'],
    ],
    ['PTH 8.0 pmol/L', [labs.pth(8.0, daysAgo(10))], ['ci-pth-high']],
    [
      'corrected Ca 2.60',
      [labs.calcium(2.6, daysAgo(10)), labs.albumin(41.3, daysAgo(10))],
      ['ci-hypercalcaemia'],
    ],
    [
      'PTH 6.9 and normal calcium',
      [labs.pth(6.9, daysAgo(10)), labs.calcium(2.4, daysAgo(10)), labs.albumin(41.3, daysAgo(10))],
      [],
    ],
  ])('%s', (_label, resources, reasons) => {
    const finding = orderTime(resources, [teriparatide()]).find(
      (f) => f.code === 'contraindication-teriparatide',
    );
    expect(finding?.reasons ?? []).toEqual(reasons);
    if (finding) {
      expect(finding.indicator).toBe('critical');
      expect(finding.suggestions).toEqual([
        { kind: 'remove-draft', draft: 'MedicationRequest/pth-draft' },
      ]);
    }
  });
});

describe('R14 · calcium-dose-limit (000: "Ved eGFR < 35 bør ikke mer enn 500 mg kalsium gis som tablett")', () => {
  test.each([
    [
      '1000 mg/day, eGFR 30',
      draftWithDose(DRUGS.calciumVitaminD, 1000, { id: 'ca' }),
      30,
      ['dose-above-limit'],
    ],
    ['500 mg/day, eGFR 30', draftWithDose(DRUGS.calciumVitaminD, 500, { id: 'ca' }), 30, []],
    ['1000 mg/day, eGFR 35', draftWithDose(DRUGS.calciumVitaminD, 1000, { id: 'ca' }), 35, []],
    [
      'no dose stated, eGFR 30 (cannot be checked: said so)',
      medicationRequest(DRUGS.calciumVitaminD, { id: 'ca' }),
      30,
      ['dose-unknown'],
    ],
  ])('%s', (_label, draft, egfr, reasons) => {
    const finding = orderTime([labs.egfr(egfr, daysAgo(10))], [draft]).find(
      (f) => f.code === 'calcium-dose-limit',
    );
    expect(finding?.reasons ?? []).toEqual(reasons);
    if (finding) expect(finding.indicator).toBe('warning');
  });
});

describe('R15 at order time: a further dose at the maximum is critical', () => {
  test('a 7th zoledronic acid infusion drafted after 6', () => {
    const infusions = [10, 8, 6, 4, 2, 0.5].map((years) =>
      administration(DRUGS.zoledronicAcid, yearsAgo(years)),
    );
    const findings = orderTime(
      [
        ...infusions,
        labs.egfr(60, daysAgo(10)),
        labs.calcium(2.4, daysAgo(10)),
        labs.albumin(41.3, daysAgo(10)),
      ],
      [za()],
    );
    const finding = only(findings, 'max-duration-reached');
    expect(finding.indicator).toBe('critical');
    expect(finding.reasons).toEqual(['zoledronic-acid', 'order']);
    expect(finding.suggestions).toEqual([
      { kind: 'remove-draft', draft: 'MedicationRequest/draft-za' },
    ]);
  });

  test('teriparatide at 24 months: a warning to switch, not a stop (000: "fortsette med Teriparatide helt frem til ny behandling startes")', () => {
    const draft = medicationRequest(DRUGS.teriparatide, { id: 'pth' });
    const finding = only(
      orderTime([activeRequest(DRUGS.teriparatide, daysAgo(745))], [draft]),
      'max-duration-reached',
    );
    expect(finding.indicator).toBe('warning');
    expect(finding.reasons).toEqual(['teriparatide', 'order']);
  });

  test('the 6th infusion drafted after 5 is allowed', () => {
    const infusions = [8, 6, 4, 2, 0.5].map((years) =>
      administration(DRUGS.zoledronicAcid, yearsAgo(years)),
    );
    expect(codesOf(orderTime([...infusions, labs.egfr(60, daysAgo(10))], [za()]))).not.toContain(
      'max-duration-reached',
    );
  });
});

describe('R1 at order time: an osteoporosis drug being ordered without the screening package', () => {
  test('alendronate drafted, no labs → screening-labs-missing naming the draft', () => {
    const finding = only(
      orderTime([], [medicationRequest(DRUGS.alendronate, { id: 'aln' })]),
      'screening-labs-missing',
    );
    expect(finding.reasons).toEqual(['order', 'missing']);
    expect(finding.drafts).toEqual(['MedicationRequest/aln']);
  });

  test('not for a patient under 50 (indication scope), while the safety rules still apply', () => {
    const young = patient({ birthDate: '1990-01-01' });
    const findings = orderTime([young, labs.egfr(20, daysAgo(5))], [za()]);
    expect(codesOf(findings)).toEqual(['contraindication-zoledronic-acid']);
  });
});
