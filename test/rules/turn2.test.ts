/** R26–R32 (rules.md "More rules (turn 2)"), on both sides of every threshold. */
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import {
  activeRequest,
  allergy,
  atc,
  condition,
  daysAgo,
  DRUGS,
  fracture,
  icd10,
  icd10No,
  labs,
  medicationRequest,
  monthsAgo,
  patient,
  rxnorm,
  statement,
  stoppedRequest,
  tScore,
  yearsAgo,
} from '../helpers/fhir';
import { codesOf, only, orderTime, patientView } from './evaluate';

const aged = (age: number, gender: 'female' | 'male' = 'female') =>
  patient({ birthDate: daysAgo(Math.round((age + 0.5) * 365.25)).slice(0, 10), gender });
const shaftFracture = (onset: string) => condition(icd10('S72.3'), { onset });
const draft = (coding = DRUGS.alendronate, id = 'draft-1') => medicationRequest(coding, { id });

describe('R26 · atypical-femur-fracture (S72.2 / S72.3 after ≥ 3 years of antiresorptive)', () => {
  test.each([
    ['2.8 years of alendronate before the fracture', 2.8, false],
    ['3.2 years of alendronate before the fracture', 3.2, true],
  ])('%s', (_label, years, fires) => {
    const resources = [
      statement(DRUGS.alendronate, yearsAgo(years + 0.5)),
      shaftFracture(monthsAgo(6)),
    ];
    expect(codesOf(patientView(resources)).includes('atypical-femur-fracture')).toBe(fires);
  });

  test('S72.2 (subtrochanteric, Norwegian code S722) after 5 years of alendronate: warning; no anabolic referral, no fall-risk card', () => {
    const resources = [
      statement(DRUGS.alendronate, yearsAgo(5)),
      condition(icd10No('S722'), { onset: monthsAgo(2) }),
      tScore('spine', -2.3, monthsAgo(30)),
    ];
    const findings = patientView(resources);
    expect(only(findings, 'atypical-femur-fracture').indicator).toBe('warning');
    expect(only(findings, 'atypical-femur-fracture').reasons).toContain('pause');
    // rules.md "Coherence": an atypical femur fracture is not a fragility fracture for R3–R5, R23.
    expect(codesOf(findings)).not.toContain('anabolic-referral');
    expect(codesOf(findings)).not.toContain('fall-risk-assessment');
  });

  test('the same fracture without antiresorptive exposure stays a hip fracture', () => {
    const findings = patientView([condition(icd10('S72.2'), { onset: monthsAgo(2) })]);
    expect(codesOf(findings)).not.toContain('atypical-femur-fracture');
    expect(codesOf(findings)).toContain('fall-risk-assessment');
  });

  test('at order time a bisphosphonate or denosumab drafted for such a patient is critical', () => {
    const resources = [statement(DRUGS.alendronate, yearsAgo(5)), shaftFracture(monthsAgo(2))];
    for (const coding of [DRUGS.alendronate, DRUGS.denosumab, rxnorm('904431')]) {
      const finding = only(orderTime(resources, [draft(coding)]), 'atypical-femur-fracture');
      expect(finding.indicator).toBe('critical');
      expect(finding.suggestions).toEqual([
        { kind: 'remove-draft', draft: 'MedicationRequest/draft-1' },
      ]);
    }
    expect(codesOf(orderTime(resources, [draft(DRUGS.calciumVitaminD)]))).not.toContain(
      'atypical-femur-fracture',
    );
  });
});

describe('R27 · jaw-osteonecrosis-history (M87.1 on record, antiresorptive drafted)', () => {
  test.each([
    ['zoledronic acid', DRUGS.zoledronicAcid, true],
    ['denosumab', DRUGS.denosumab, true],
    ['alendronate by RxNorm product', rxnorm('904431'), true],
    ['teriparatide (not antiresorptive)', DRUGS.teriparatide, false],
  ])('%s drafted', (_label, coding, fires) => {
    const resources = [
      condition(icd10('M87.18'), { onset: yearsAgo(1), clinicalStatus: 'resolved' }),
    ];
    const findings = orderTime(resources, [draft(coding)]);
    expect(codesOf(findings).includes('jaw-osteonecrosis-history')).toBe(fires);
    if (fires) expect(only(findings, 'jaw-osteonecrosis-history').indicator).toBe('critical');
  });

  test('no jaw osteonecrosis on record → no card', () => {
    expect(codesOf(orderTime([], [draft(DRUGS.zoledronicAcid)]))).not.toContain(
      'jaw-osteonecrosis-history',
    );
  });
});

describe('R28 · contraindication-oral-bisphosphonate (eGFR < 35)', () => {
  test.each([
    [34, true],
    [35, false],
  ])('alendronate drafted with eGFR %d', (egfr, fires) => {
    const findings = orderTime([labs.egfr(egfr, daysAgo(10))], [draft()]);
    expect(codesOf(findings).includes('contraindication-oral-bisphosphonate')).toBe(fires);
    if (fires)
      expect(only(findings, 'contraindication-oral-bisphosphonate').indicator).toBe('critical');
  });

  test('with eGFR 28, alendronate by its RxNorm product (904431) gets the critical card', () => {
    const findings = orderTime(
      [labs.egfr(28, daysAgo(10))],
      [draft(rxnorm('904431', 'alendronic acid 70 MG Oral Tablet'))],
    );
    expect(only(findings, 'contraindication-oral-bisphosphonate').params.orders).toBe(
      'alendronic acid 70 MG Oral Tablet',
    );
  });

  test('denosumab is not an oral bisphosphonate', () => {
    expect(
      codesOf(orderTime([labs.egfr(28, daysAgo(10))], [draft(DRUGS.denosumab)])),
    ).not.toContain('contraindication-oral-bisphosphonate');
  });
});

describe('R29 · drug-intolerance', () => {
  test.each([
    [
      'an active allergy entry',
      [allergy(DRUGS.alendronate, { recorded: yearsAgo(1), reaction: 'Øsofagitt' })],
      true,
      'allergy',
    ],
    [
      'a refuted allergy entry',
      [allergy(DRUGS.alendronate, { verification: 'refuted' })],
      false,
      undefined,
    ],
    [
      'a stop with a reason',
      [stoppedRequest(DRUGS.alendronate, yearsAgo(2), yearsAgo(1), { reason: 'Magesmerter' })],
      true,
      'stop-reason',
    ],
    [
      'a stop without a reason',
      [stoppedRequest(DRUGS.alendronate, yearsAgo(2), yearsAgo(1))],
      false,
      undefined,
    ],
    ['an intolerance of another drug', [allergy(DRUGS.zoledronicAcid)], false, undefined],
  ] as [string, FhirResource[], boolean, string | undefined][])(
    'alendronate drafted with %s',
    (_label, resources, fires, reason) => {
      const findings = orderTime(resources, [draft()]);
      expect(codesOf(findings).includes('drug-intolerance')).toBe(fires);
      if (reason) {
        const finding = only(findings, 'drug-intolerance');
        expect(finding.indicator).toBe('warning');
        expect(finding.reasons).toContain(reason);
      }
    },
  );
});

describe('R30 · secondary-osteoporosis (under 50)', () => {
  test.each([
    [45, true],
    [49, true],
    [50, false],
  ])('hip fracture at age %d', (age, fires) => {
    const findings = patientView([aged(age), fracture('hip', monthsAgo(2))]);
    expect(codesOf(findings).includes('secondary-osteoporosis')).toBe(fires);
    // No indication cards under 50 (R2–R5).
    if (fires)
      expect(
        codesOf(findings).filter((code) =>
          /antiresorptive|treat-without|anabolic|calcium-vitamin/.test(code),
        ),
      ).toEqual([]);
  });

  test.each([
    [-2.5, true],
    [-2.4, false],
  ])('age 42, T-score %d', (value, fires) => {
    const findings = patientView([aged(42), tScore('spine', value, monthsAgo(1))]);
    expect(codesOf(findings).includes('secondary-osteoporosis')).toBe(fires);
  });
});

describe('R31 · dxa-needed', () => {
  const man55 = aged(55, 'male');
  test.each([
    [
      'prednisolone 10 mg for 4 months',
      [statement(DRUGS.prednisolone, monthsAgo(4), { mgPerDay: 10 })],
      true,
    ],
    [
      'prednisolone 10 mg for 2 months',
      [statement(DRUGS.prednisolone, monthsAgo(2), { mgPerDay: 10 })],
      false,
    ],
    [
      'prednisolone 4 mg for 6 months',
      [statement(DRUGS.prednisolone, monthsAgo(6), { mgPerDay: 4 })],
      false,
    ],
    ['letrozole for 4 months', [activeRequest(atc('L02BG04', 'Letrozol'), monthsAgo(4))], true],
    ['letrozole for 2 months', [activeRequest(atc('L02BG04', 'Letrozol'), monthsAgo(2))], false],
    [
      'leuprorelin for 6 months',
      [activeRequest(atc('L02AE02', 'Leuprorelin'), monthsAgo(6))],
      true,
    ],
  ] as [string, FhirResource[], boolean][])('man of 55, %s, no DXA', (_label, resources, fires) => {
    const findings = patientView([man55, ...resources]);
    expect(codesOf(findings).includes('dxa-needed')).toBe(fires);
    if (fires) expect(only(findings, 'dxa-needed').suggestions).toEqual([{ kind: 'order-dxa' }]);
  });

  test.each([
    ['DXA 1.9 years ago', 1.9, false],
    ['DXA 2.1 years ago', 2.1, true],
  ])('prednisolone 10 mg for 4 months, %s', (_label, years, fires) => {
    const resources = [
      man55,
      statement(DRUGS.prednisolone, monthsAgo(4), { mgPerDay: 10 }),
      tScore('spine', -0.5, yearsAgo(years)),
    ];
    expect(codesOf(patientView(resources)).includes('dxa-needed')).toBe(fires);
  });

  test('a wrist fracture at 72 with no DXA → DXA referral; a hip fracture at 72 is R4 (treat without DXA), no referral', () => {
    expect(codesOf(patientView([aged(72), fracture('radius', monthsAgo(2))]))).toContain(
      'dxa-needed',
    );
    const hip = codesOf(patientView([aged(72), fracture('hip', monthsAgo(2))]));
    expect(hip).toContain('treat-without-dxa');
    expect(hip).not.toContain('dxa-needed');
  });

  test('not while on an osteoporosis drug', () => {
    const resources = [
      man55,
      statement(DRUGS.prednisolone, monthsAgo(4), { mgPerDay: 10 }),
      activeRequest(DRUGS.alendronate, monthsAgo(2)),
    ];
    expect(codesOf(patientView(resources))).not.toContain('dxa-needed');
  });
});

describe('R32 · order-not-checked', () => {
  const withText = (
    text: string,
    coding?: { system: string; code: string },
  ): MedicationRequest => ({
    ...draft(),
    medicationCodeableConcept: { ...(coding ? { coding: [coding] } : {}), text },
  });

  test('a local product code with the text "Prolia 60 mg injeksjonsvæske" → info card naming the code', () => {
    const findings = orderTime(
      [],
      [
        withText('Prolia 60 mg injeksjonsvæske', {
          system: 'urn:oid:2.16.578.1.12.4.1.1.7424',
          code: '999001',
        }),
      ],
    );
    const finding = only(findings, 'order-not-checked');
    expect(finding.indicator).toBe('info');
    expect(finding.params.codes).toBe('urn:oid:2.16.578.1.12.4.1.1.7424|999001');
    expect(finding.terms?.drug?.keys).toEqual(['denosumab']);
    expect(finding.drafts).toEqual(['MedicationRequest/draft-1']);
  });

  test.each([
    ['Kalsium 500 mg + D-vitamin', true],
    ['Paracetamol 1 g', false],
  ])('text only: "%s"', (text, fires) => {
    expect(codesOf(orderTime([], [withText(text)])).includes('order-not-checked')).toBe(fires);
  });

  test('a recognised order never gets it', () => {
    expect(codesOf(orderTime([], [draft(rxnorm('904431'))]))).not.toContain('order-not-checked');
  });
});
