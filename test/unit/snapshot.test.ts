import { buildSnapshot } from '../../src/patient/build';
import { DEFAULT_GUIDELINE_CONFIG, snapshotSettings } from '../../src/guideline/config';

const SETTINGS = snapshotSettings(DEFAULT_GUIDELINE_CONFIG);
import {
  activeRequest,
  administration,
  condition,
  daysAgo,
  DRUGS,
  icd10,
  icd10No,
  labs,
  medicationRequest,
  NOW,
  npu,
  nlk,
  observation,
  patient,
  PATIENT_ID,
  fracture,
  statement,
  tScore,
} from '../helpers/fhir';
import type { FhirResource, Medication } from 'fhir/r4';

const snapshot = (
  resources: FhirResource[],
  extra: Partial<Parameters<typeof buildSnapshot>[0]> = {},
) => buildSnapshot({ patientId: PATIENT_ID, resources, now: NOW, settings: SETTINGS, ...extra });

describe('patient snapshot: labs', () => {
  test('latest valid result per analyte, newest first, in the canonical unit', () => {
    const s = snapshot([
      labs.calcium(2.3, daysAgo(400)),
      labs.calciumMgDl(8.4, daysAgo(5)),
      labs.calcium(2.2, daysAgo(40)),
    ]);
    expect(s.labs.calciumTotal.map((result) => result.value)).toEqual([2.0958, 2.2, 2.3]);
    expect(s.labs.calciumTotal[0]?.unit).toBe('mmol/L');
  });

  test('NPU- and NLK-coded results are read like LOINC-coded ones', () => {
    const s = snapshot([
      observation(npu('NPU01443'), 2.41, daysAgo(3)),
      observation(nlk('NOR25909'), 33, daysAgo(3), { unit: 'mL/min/{1.73_m2}' }),
    ]);
    expect(s.labs.calciumTotal[0]?.value).toBe(2.41);
    expect(s.labs.egfr[0]?.value).toBe(33);
  });

  test('effectivePeriod.start is the date of a result', () => {
    const s = snapshot([labs.vitaminD(45, daysAgo(9), { asPeriod: true })]);
    expect(s.labs.vitaminD[0]?.date).toBe(daysAgo(9));
  });

  test.each(['entered-in-error', 'cancelled', 'preliminary', 'registered'] as const)(
    'a %s result is ignored',
    (status) => {
      const s = snapshot([labs.vitaminD(20, daysAgo(1), { status })]);
      expect(s.labs.vitaminD).toEqual([]);
      expect(s.unusable).toEqual([]);
    },
  );

  test('amended and corrected results count', () => {
    const s = snapshot([
      labs.vitaminD(20, daysAgo(1), { status: 'amended' }),
      labs.vitaminD(30, daysAgo(2), { status: 'corrected' }),
    ]);
    expect(s.labs.vitaminD).toHaveLength(2);
  });

  test("another patient's results are ignored, and so are results naming no patient", () => {
    const other = labs.vitaminD(20, daysAgo(1), { patientId: 'someone-else' });
    const anonymous = labs.vitaminD(21, daysAgo(1));
    delete anonymous.subject;
    const s = snapshot([other, anonymous]);
    expect(s.labs.vitaminD).toEqual([]);
  });

  test('the same Observation in two prefetch keys counts once', () => {
    const result = labs.vitaminD(20, daysAgo(1), { id: 'vd-1' });
    expect(snapshot([result, { ...result }]).labs.vitaminD).toHaveLength(1);
  });

  test.each([
    ['no date', labs.vitaminD(20, daysAgo(1), { noDate: true }), 'no-date'],
    [
      'a future date',
      labs.vitaminD(20, new Date(NOW.getTime() + 3 * 86400000).toISOString()),
      'future-date',
    ],
    [
      'a unit string only',
      labs.vitaminD(20, daysAgo(1), { unitSystem: 'http://example.org/not-ucum' }),
      'unit-not-ucum',
    ],
    ['an unknown UCUM unit', labs.vitaminD(20, daysAgo(1), { unit: 'mg/L' }), 'unit-unknown'],
    ['no unit', labs.vitaminD(20, daysAgo(1), { unit: null }), 'unit-unknown'],
    ['no value', labs.vitaminD(undefined as unknown as number, daysAgo(1)), 'no-value'],
  ])('a result with %s is reported as unusable, not guessed', (_label, resource, reason) => {
    const s = snapshot([resource]);
    expect(s.labs.vitaminD).toEqual([]);
    expect(s.unusable).toEqual([
      expect.objectContaining({
        measure: 'vitaminD',
        reason,
        source: `Observation/${resource.id}`,
      }),
    ]);
  });

  test("the laboratory's reference range is converted to the canonical unit", () => {
    const s = snapshot([
      labs.calciumMgDl(8.0, daysAgo(2), { referenceRange: { low: 8.6, high: 10.2 } }),
    ]);
    expect(s.labs.calciumTotal[0]?.referenceRange).toEqual({ low: 2.1457, high: 2.5449 });
  });

  test("the laboratory's interpretation flag is read from v3 ObservationInterpretation", () => {
    const s = snapshot([labs.tsh(0.2, daysAgo(2), { interpretation: 'L' })]);
    expect(s.labs.tsh[0]?.interpretation).toBe('low');
  });
});

describe('patient snapshot: patient, diagnoses and drafts', () => {
  test('age in whole years at now, and sex', () => {
    const s = snapshot([patient({ birthDate: '1956-11-23', gender: 'male' })]);
    expect(s.ageYears).toBe(69);
    expect(s.sex).toBe('male');
    expect(snapshot([patient({ birthDate: '1956-11-22' })]).ageYears).toBe(70);
  });

  test('no Patient resource: age unknown (not assumed)', () => {
    expect(snapshot([]).ageYears).toBeUndefined();
  });

  test('primary hyperparathyroidism in WHO or Norwegian ICD-10', () => {
    const s = snapshot([
      condition(icd10('E21.0'), { id: 'c1' }),
      condition(icd10No('E835'), { id: 'c2' }),
    ]);
    expect(s.diagnoses.map((d) => d.kind)).toEqual([
      'primaryHyperparathyroidism',
      'hypercalcaemia',
    ]);
  });

  test('resolved, entered-in-error and refuted diagnoses do not count', () => {
    const s = snapshot([
      condition(icd10('E21.0'), { clinicalStatus: 'resolved' }),
      condition(icd10('E21.0'), { verificationStatus: 'entered-in-error' }),
      condition(icd10('E21.0'), { verificationStatus: 'refuted' }),
    ]);
    expect(s.diagnoses).toEqual([]);
  });

  test('order-select: only the selected drafts; cancelled drafts and other patients are ignored', () => {
    const za = medicationRequest(DRUGS.zoledronicAcid, { id: 'za' });
    const alendronate = medicationRequest(DRUGS.alendronate, { id: 'aln' });
    const cancelled = medicationRequest(DRUGS.denosumab, { id: 'dmab', status: 'cancelled' });
    const foreign = medicationRequest(DRUGS.teriparatide, { id: 'pth', patientId: 'other' });
    const s = snapshot([], {
      draftOrders: [za, alendronate, cancelled, foreign],
      selections: ['MedicationRequest/za', 'MedicationRequest/dmab', 'MedicationRequest/pth'],
    });
    expect(s.drafts).toEqual([
      { reference: 'MedicationRequest/za', drug: 'zoledronicAcid', display: 'Zoledronsyre' },
    ]);
  });

  test('a draft coded through a contained Medication is recognised', () => {
    const draft = medicationRequest(DRUGS.zoledronicAcid, { id: 'za' });
    delete draft.medicationCodeableConcept;
    const medication: Medication = {
      resourceType: 'Medication',
      id: 'med',
      code: { coding: [DRUGS.zoledronicAcid], text: 'Aclasta 5 mg' },
    };
    draft.contained = [medication];
    draft.medicationReference = { reference: '#med' };
    expect(snapshot([], { draftOrders: [draft] }).drafts).toEqual([
      { reference: 'MedicationRequest/za', drug: 'zoledronicAcid', display: 'Aclasta 5 mg' },
    ]);
  });
});

describe('patient snapshot: malformed FHIR never crashes and is never read as a value', () => {
  const subject = { reference: `Patient/${PATIENT_ID}` };
  const calciumCode = { coding: [{ system: 'http://loinc.org', code: '2000-8' }] };
  const valueQuantity = { value: 2.0, system: 'http://unitsofmeasure.org', code: 'mmol/L' };
  test.each([
    ['code as a string', { code: 'x', effectiveDateTime: '2026-11-01', valueQuantity }],
    [
      'coding as a string',
      { code: { coding: 'abc' }, effectiveDateTime: '2026-11-01', valueQuantity },
    ],
    [
      'a numeric code',
      {
        code: { coding: [{ system: 'http://loinc.org', code: 2000 }] },
        effectiveDateTime: '2026-11-01',
        valueQuantity,
      },
    ],
    ['a numeric date', { code: calciumCode, effectiveDateTime: 5, valueQuantity }],
    [
      'a string value',
      {
        code: calciumCode,
        effectiveDateTime: '2026-11-01',
        valueQuantity: { ...valueQuantity, value: '2.0' },
      },
    ],
    [
      'a subject that is a string',
      {
        code: calciumCode,
        effectiveDateTime: '2026-11-01',
        valueQuantity,
        subject: 'Patient/pat-1',
      },
    ],
  ])('an Observation with %s', (_label, fields) => {
    const resource = {
      resourceType: 'Observation',
      id: 'odd',
      status: 'final',
      subject,
      ...fields,
    } as unknown as FhirResource;
    const s = buildSnapshot({
      patientId: PATIENT_ID,
      resources: [resource, labs.calcium(2.4, daysAgo(30), { id: 'ok' })],
      now: NOW,
      settings: SETTINGS,
    });
    // The well-formed older result is still read; the odd one never becomes a value.
    expect(s.labs.calciumTotal.map((result) => result.source)).toEqual(['Observation/ok']);
  });

  test('an unreadable reference range is dropped: the value is read and judged by the guideline defaults', () => {
    const resource = {
      resourceType: 'Observation',
      id: 'odd-range',
      status: 'final',
      subject,
      code: calciumCode,
      effectiveDateTime: daysAgo(2),
      valueQuantity,
      referenceRange: 'x',
    } as unknown as FhirResource;
    const [result] = buildSnapshot({
      patientId: PATIENT_ID,
      resources: [resource],
      now: NOW,
      settings: SETTINGS,
    }).labs.calciumTotal;
    expect(result?.value).toBe(2.0);
    expect(result?.referenceRange).toBeUndefined();
  });

  test('a draft with a malformed contained list does not crash; the well-formed draft is still read', () => {
    const draft = {
      resourceType: 'MedicationRequest',
      id: 'odd',
      status: 'draft',
      subject,
      medicationCodeableConcept: { coding: [DRUGS.zoledronicAcid] },
      contained: 'x',
    };
    const weird = {
      ...draft,
      id: 'weird',
      medicationCodeableConcept: undefined,
      medicationReference: { reference: '#m' },
    };
    const s = buildSnapshot({
      patientId: PATIENT_ID,
      resources: [],
      draftOrders: [draft, weird] as unknown as FhirResource[],
      now: NOW,
      settings: SETTINGS,
    });
    expect(s.drafts.map((d) => d.reference)).toEqual(['MedicationRequest/odd']);
  });
});

describe('patient snapshot: medication history (rules.md "Current drug", "Glucocorticoid exposure")', () => {
  test('zoledronic acid: infusions counted once each, even when ordered and administered', () => {
    const infusion = (days: number) => administration(DRUGS.zoledronicAcid, daysAgo(days));
    const order = {
      ...activeRequest(DRUGS.zoledronicAcid, daysAgo(733)),
      status: 'completed' as const,
    };
    const s = snapshot([infusion(1096), infusion(730), order]);
    const history = s.medications.zoledronicAcid;
    expect(history?.doses.map((dose) => dose.date)).toEqual([daysAgo(1096), daysAgo(730)]);
    expect(history?.current).toBe(true);
  });

  test('denosumab: current within 6 months of the last injection, not after', () => {
    expect(
      snapshot([administration(DRUGS.denosumab, daysAgo(150))]).medications.denosumab?.current,
    ).toBe(true);
    expect(
      snapshot([administration(DRUGS.denosumab, daysAgo(200))]).medications.denosumab?.current,
    ).toBe(false);
  });

  test('a stopped course and a new one after a gap over 3 months: the course start is the new one, the years add up', () => {
    const s = snapshot([
      statement(DRUGS.alendronate, daysAgo(3000), { end: daysAgo(1500) }),
      statement(DRUGS.alendronate, daysAgo(1000)),
    ]);
    const history = s.medications.alendronate;
    expect(history?.courseStart?.date).toBe(daysAgo(1000));
    expect(history?.cumulativeDays).toBe(2500);
  });

  test('prednisolone-equivalent daily dose from the dosage instruction: dexamethasone 1.5 mg/day = 10 mg', () => {
    const dexamethasone = { system: 'http://www.whocc.no/atc', code: 'H02AB02' };
    const history = snapshot([activeRequest(dexamethasone, daysAgo(120), { mgPerDay: 1.5 })])
      .medications.glucocorticoidSystemic;
    expect(history?.dailyDoseMg).toBe(1.5);
    expect(history?.prednisoloneMgPerDay).toBeCloseTo(10.0, 1);
  });

  test('a glucocorticoid without a dose in mg has no daily dose (not guessed)', () => {
    const history = snapshot([activeRequest(DRUGS.prednisolone, daysAgo(120))]).medications
      .glucocorticoidSystemic;
    expect(history?.current).toBe(true);
    expect(history?.prednisoloneMgPerDay).toBeUndefined();
  });

  test('entered-in-error administrations do not count', () => {
    const wrong = {
      ...administration(DRUGS.denosumab, daysAgo(30)),
      status: 'entered-in-error',
    } as FhirResource;
    expect(snapshot([wrong]).medications.denosumab).toBeUndefined();
  });
});

describe('patient snapshot: fractures and bone density', () => {
  test('a typical-site fracture at ≥ 50 is assumed low-energy; a coded osteoporotic one is coded', () => {
    const s = snapshot([
      patient(),
      fracture('radius', daysAgo(100)),
      fracture('osteoporotic', daysAgo(50)),
    ]);
    expect(s.fractures.map((f) => [f.site, f.mechanism])).toEqual([
      ['unspecified', 'coded'],
      ['distalRadius', 'assumed'],
    ]);
  });

  test('an ankle fracture is not a fragility fracture; a wrist fracture at 40 is not either', () => {
    expect(snapshot([patient(), fracture('ankle', daysAgo(100))]).fractures).toEqual([]);
    expect(
      snapshot([patient({ birthDate: '1980-01-01' }), fracture('radius', '2020-05-01')]).fractures,
    ).toEqual([]);
  });

  test('T-scores per site from LOINC codes; forearm is recorded as a DXA but never as a hip / spine site', () => {
    const s = snapshot([tScore('spine', -2.1, daysAgo(30)), tScore('forearm', -3.0, daysAgo(30))]);
    expect(s.tScores.map((score) => [score.site, score.value])).toEqual([['spine', -2.1]]);
    expect(s.dxaOnRecord).toBe(true);
  });
});

describe('patient snapshot: the same data in any resource order', () => {
  test('medication history, fractures and labs do not depend on the order resources arrive in', () => {
    const resources: FhirResource[] = [
      patient(),
      statement(DRUGS.denosumab, daysAgo(900), { id: 'dmab-statement' }),
      administration(DRUGS.denosumab, daysAgo(900), { id: 'dmab-1' }),
      administration(DRUGS.denosumab, daysAgo(720), { id: 'dmab-2' }),
      activeRequest(DRUGS.denosumab, daysAgo(400), { id: 'dmab-rx' }),
      fracture('radius', daysAgo(300)),
      labs.vitaminD(40, daysAgo(20)),
      labs.vitaminD(60, daysAgo(200)),
    ];
    const forward = snapshot(resources);
    const backward = snapshot([...resources].reverse());
    expect(backward.medications).toEqual(forward.medications);
    expect(backward.fractures).toEqual(forward.fractures);
    expect(backward.labs).toEqual(forward.labs);
  });
});
