/**
 * The drug-state model (rules.md "Drug state"): one history per drug from every
 * medication resource type and the allergy list, with current / lapsed / stopped,
 * switches, documented intolerances, denosumab 60 mg vs 120 mg, and conservative
 * readings of contradictory data.
 */
import type { FhirResource, Medication, MedicationRequest } from 'fhir/r4';
import { DEFAULT_GUIDELINE_CONFIG, snapshotSettings } from '../../src/guideline/config';
import { buildSnapshot } from '../../src/patient/build';
import type { PatientSnapshot } from '../../src/patient/snapshot';
import {
  activeRequest,
  administration,
  allergy,
  atc,
  dispense,
  DRUGS,
  medicationRequest,
  monthsAgo,
  NOW,
  patient,
  PATIENT_ID,
  rxnorm,
  statement,
  stoppedRequest,
  yearsAgo,
} from '../helpers/fhir';

function snapshotOf(resources: FhirResource[], drafts: MedicationRequest[] = []): PatientSnapshot {
  return buildSnapshot({
    patientId: PATIENT_ID,
    resources: [patient(), ...resources],
    draftOrders: drafts,
    now: NOW,
    settings: snapshotSettings(DEFAULT_GUIDELINE_CONFIG),
  });
}

describe('drug state: current / lapsed / stopped', () => {
  test.each([
    [
      'denosumab injection 5 months ago: current',
      [administration(DRUGS.denosumab, monthsAgo(5))],
      'current',
    ],
    [
      'denosumab injection 9 months ago, nothing since: lapsed',
      [administration(DRUGS.denosumab, monthsAgo(9))],
      'lapsed',
    ],
    [
      'denosumab 9 months ago, a stop recorded since: stopped',
      [
        administration(DRUGS.denosumab, monthsAgo(9)),
        stoppedRequest(DRUGS.denosumab, monthsAgo(9), monthsAgo(8)),
      ],
      'stopped',
    ],
    [
      'an active statement: current whatever its age',
      [statement(DRUGS.alendronate, yearsAgo(3))],
      'current',
    ],
  ])('%s', (_label, resources, state) => {
    const drug = resources[0]?.resourceType === 'MedicationStatement' ? 'alendronate' : 'denosumab';
    expect(snapshotOf(resources).medications[drug]?.state).toBe(state);
  });

  test('a switch: alendronate started after the last denosumab dose stops denosumab', () => {
    const snapshot = snapshotOf([
      administration(DRUGS.denosumab, monthsAgo(14)),
      administration(DRUGS.denosumab, monthsAgo(8)),
      activeRequest(DRUGS.alendronate, monthsAgo(3)),
    ]);
    expect(snapshot.medications.denosumab).toMatchObject({
      state: 'stopped',
      switchedTo: 'alendronate',
    });
    expect(snapshot.medications.alendronate?.state).toBe('current');
  });

  test('dispenses alone are a full history (coverage from the days supplied)', () => {
    const snapshot = snapshotOf([
      dispense(DRUGS.alendronate, monthsAgo(5), { daysSupply: 84 }),
      dispense(DRUGS.alendronate, monthsAgo(2), { daysSupply: 84 }),
    ]);
    expect(snapshot.medications.alendronate?.state).toBe('current');
    expect(snapshot.medications.alendronate?.courseStart?.date).toBe(monthsAgo(5));
  });

  test('an active statement and a later stopped request: kept current, the assumption recorded', () => {
    const history = snapshotOf([
      statement(DRUGS.alendronate, yearsAgo(2)),
      stoppedRequest(DRUGS.alendronate, yearsAgo(2), monthsAgo(1)),
    ]).medications.alendronate;
    expect(history?.state).toBe('current');
    expect(history?.assumptions).toContain('status-conflict');
  });

  test('administrations without a date: the drug was taken (lapsed, never a new start), timing unknown', () => {
    const undated = { ...administration(DRUGS.denosumab, monthsAgo(1)) } as Record<string, unknown>;
    delete undated.effectiveDateTime;
    const history = snapshotOf([undated as unknown as FhirResource]).medications.denosumab;
    expect(history).toMatchObject({
      state: 'lapsed',
      doses: [],
      assumptions: ['undated-administration'],
    });
  });
});

describe('drug state: denosumab 60 mg (osteoporosis) vs 120 mg (oncology)', () => {
  const every4Weeks = (resource: MedicationRequest): MedicationRequest => ({
    ...resource,
    dosageInstruction: [{ timing: { repeat: { frequency: 1, period: 4, periodUnit: 'wk' } } }],
  });
  test.each([
    ['the Prolia product (RxNorm 993452)', rxnorm('993452'), 'denosumab'],
    ['the Xgeva product (RxNorm 1046402)', rxnorm('1046402'), 'denosumabOncology'],
    [
      'ATC with the text "Xgeva 120 mg"',
      { ...DRUGS.denosumab, display: 'Xgeva 120 mg' },
      'denosumabOncology',
    ],
    [
      'ATC with the text "Prolia 60 mg"',
      { ...DRUGS.denosumab, display: 'Prolia 60 mg' },
      'denosumab',
    ],
  ])('%s → %s', (_label, coding, drug) => {
    const snapshot = snapshotOf([activeRequest(coding, monthsAgo(2))]);
    expect(Object.keys(snapshot.medications)).toEqual([drug]);
  });

  test.each([
    ['120 mg / 1.7 mL', 120, 1.7, 'denosumabOncology'],
    ['60 mg / 1 mL', 60, 1, 'denosumab'],
  ])('a Medication (ATC) with strength %s → %s', (_label, mg, ml, drug) => {
    const medication: Medication = {
      resourceType: 'Medication',
      id: 'den',
      code: { coding: [DRUGS.denosumab] },
      ingredient: [
        {
          itemCodeableConcept: { coding: [DRUGS.denosumab] },
          strength: {
            numerator: { value: mg, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
            denominator: { value: ml, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' },
          },
        },
      ],
    };
    const request: MedicationRequest = {
      ...activeRequest(DRUGS.denosumab, monthsAgo(2)),
      medicationCodeableConcept: undefined,
      medicationReference: { reference: 'Medication/den' },
    };
    expect(Object.keys(snapshotOf([medication, request]).medications)).toEqual([drug]);
  });

  test('ATC only, given every 4 weeks → oncology', () => {
    const snapshot = snapshotOf([every4Weeks(activeRequest(DRUGS.denosumab, monthsAgo(2)))]);
    expect(Object.keys(snapshot.medications)).toEqual(['denosumabOncology']);
  });
});

describe('documented intolerances', () => {
  test('an active AllergyIntolerance with the drug (ATC or RxNorm) is an intolerance', () => {
    const snapshot = snapshotOf([
      allergy(DRUGS.alendronate, { recorded: yearsAgo(1), reaction: 'Oesophagitt' }),
      allergy(rxnorm('77655'), { recorded: yearsAgo(2) }),
    ]);
    expect(snapshot.intolerances.map((i) => [i.drug, i.kind, i.text ?? null])).toEqual(
      expect.arrayContaining([
        ['alendronate', 'allergy', 'Oesophagitt'],
        ['zoledronicAcid', 'allergy', null],
      ]),
    );
  });

  test.each([
    ['refuted', { verification: 'refuted' }],
    ['entered in error', { verification: 'entered-in-error' }],
    ['resolved', { clinical: 'resolved' }],
  ])('an AllergyIntolerance that is %s is not', (_label, options) => {
    expect(snapshotOf([allergy(DRUGS.alendronate, options)]).intolerances).toEqual([]);
  });

  test('a stop with a reason is an intolerance of that drug, naming the reason', () => {
    const snapshot = snapshotOf([
      stoppedRequest(DRUGS.alendronate, yearsAgo(1), monthsAgo(6), { reason: 'Magesmerter' }),
    ]);
    expect(snapshot.intolerances).toEqual([
      expect.objectContaining({ drug: 'alendronate', kind: 'stop-reason', text: 'Magesmerter' }),
    ]);
    expect(snapshot.medications.alendronate?.state).toBe('stopped');
  });

  test('an allergy to an unrelated drug is not read', () => {
    expect(snapshotOf([allergy(atc('J01CA04', 'Amoksicillin'))]).intolerances).toEqual([]);
  });
});

describe('drug recognition at order time', () => {
  test.each([
    ['ATC', DRUGS.alendronate],
    ['RxNorm ingredient', rxnorm('46041')],
    ['RxNorm product 904431 "alendronic acid 70 MG Oral Tablet"', rxnorm('904431')],
  ])('alendronate ordered by %s is recognised', (_label, coding) => {
    const snapshot = snapshotOf([], [medicationRequest(coding, { id: 'd1' })]);
    expect(snapshot.drafts.map((draft) => draft.drug)).toEqual(['alendronate']);
    expect(snapshot.uncheckedDrafts).toEqual([]);
  });

  test('a contained Medication coded only by ingredient is recognised', () => {
    const contained: Medication = {
      resourceType: 'Medication',
      id: 'med',
      code: { coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.7424', code: '123456' }] },
      ingredient: [{ itemCodeableConcept: { coding: [DRUGS.alendronate] } }],
    };
    const draft: MedicationRequest = {
      ...medicationRequest(DRUGS.alendronate, { id: 'd2' }),
      medicationCodeableConcept: undefined,
      medicationReference: { reference: '#med' },
      contained: [contained],
    };
    expect(snapshotOf([], [draft]).drafts.map((d) => d.drug)).toEqual(['alendronate']);
  });

  test.each([
    [
      'a local product code with the text "Prolia 60 mg injeksjonsvæske"',
      { system: 'urn:oid:2.16.578.1.12.4.1.1.7424', code: '999001' },
      'Prolia 60 mg injeksjonsvæske',
      'denosumab',
      'unknown-code',
    ],
    [
      'no code, text "Alendronat Sandoz 70 mg"',
      undefined,
      'Alendronat Sandoz 70 mg',
      'alendronate',
      'no-code',
    ],
  ])('%s → unchecked (R32), naming the drug', (_label, coding, text, drug, why) => {
    const draft: MedicationRequest = {
      ...medicationRequest(DRUGS.alendronate, { id: 'd3' }),
      medicationCodeableConcept: { ...(coding ? { coding: [coding] } : {}), text },
    };
    const snapshot = snapshotOf([], [draft]);
    expect(snapshot.drafts).toEqual([]);
    expect(snapshot.uncheckedDrafts).toEqual([
      expect.objectContaining({ reference: 'MedicationRequest/d3', namedDrug: drug, why }),
    ]);
  });

  test('a Medication reference that does not resolve, with a display naming a covered drug → unchecked', () => {
    const draft: MedicationRequest = {
      ...medicationRequest(DRUGS.alendronate, { id: 'd4' }),
      medicationCodeableConcept: undefined,
      medicationReference: { reference: 'Medication/unknown', display: 'Aclasta 5 mg' },
    };
    expect(snapshotOf([], [draft]).uncheckedDrafts).toEqual([
      expect.objectContaining({ namedDrug: 'zoledronicAcid', why: 'unresolved-reference' }),
    ]);
  });

  test('an unrelated unknown order (paracetamol) is neither a draft nor unchecked', () => {
    const draft: MedicationRequest = {
      ...medicationRequest(DRUGS.alendronate, { id: 'd5' }),
      medicationCodeableConcept: {
        coding: [{ system: 'urn:x', code: '1' }],
        text: 'Paracetamol 500 mg',
      },
    };
    const snapshot = snapshotOf([], [draft]);
    expect([snapshot.drafts, snapshot.uncheckedDrafts]).toEqual([[], []]);
  });
});
