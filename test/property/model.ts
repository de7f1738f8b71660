/**
 * The generated patient, as a spec the oracle reads and a renderer turns into R4
 * resources. Codes, code systems and unit factors are restated here from
 * ../shared/guideline/codes.md — on purpose not imported from src/, so that the
 * oracle does not share the service's tables (a wrong entry there would otherwise
 * pass unnoticed).
 */

export const SYS = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  icd10No: 'urn:oid:2.16.578.1.12.4.1.1.7110',
  atc: 'http://www.whocc.no/atc',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  ucum: 'http://unitsofmeasure.org',
  nlk: 'urn:oid:2.16.578.1.12.4.1.1.7280',
  npuMedcom: 'urn:oid:1.2.208.176.2.1',
  npu: 'http://npu-terminology.org',
  interpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  clinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  verification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
} as const;

export const DAY = 24 * 60 * 60 * 1000;

export type Analyte =
  | 'calciumTotal'
  | 'calciumCorrected'
  | 'albumin'
  | 'creatinine'
  | 'egfr'
  | 'vitaminD'
  | 'p1np'
  | 'tsh'
  | 'ft4'
  | 'pth';

export interface CodingSpec {
  system: string;
  code: string;
}

const loinc = (code: string): CodingSpec => ({ system: SYS.loinc, code });
const npu = (code: string): CodingSpec => ({ system: SYS.npu, code });
const npuMedcom = (code: string): CodingSpec => ({ system: SYS.npuMedcom, code });
const nlk = (code: string): CodingSpec => ({ system: SYS.nlk, code });

/** codes.md "Laboratory": every coding an EHR may send for the analyte. */
export const LAB_CODINGS: Record<Analyte, readonly CodingSpec[]> = {
  calciumTotal: [loinc('2000-8'), loinc('17861-6'), npu('NPU01443'), npuMedcom('NPU01443')],
  calciumCorrected: [loinc('29265-6'), nlk('NOR15246')],
  albumin: [loinc('1751-7'), npu('NPU19673')],
  creatinine: [loinc('14682-9'), loinc('2160-0'), npu('NPU18016')],
  egfr: [loinc('98979-8'), loinc('62238-1'), loinc('33914-3'), loinc('48642-3'), nlk('NOR25909')],
  vitaminD: [loinc('62292-8'), loinc('1989-3'), loinc('14635-7'), npuMedcom('NPU10267')],
  p1np: [loinc('77370-5'), npu('NPU19893')],
  tsh: [loinc('3016-3'), loinc('11580-8'), npu('NPU03577')],
  ft4: [loinc('3024-7'), loinc('14920-3'), npu('NPU03579')],
  pth: [loinc('2731-8'), loinc('14866-8'), npu('NPU03028')],
};

/**
 * codes.md "unit (UCUM)": the canonical unit and the other UCUM codes with their
 * factor to it (UCUM accepts `l` and `L` for litre).
 */
export const UNITS: Record<Analyte, { canonical: string; others: Record<string, number> }> = {
  calciumTotal: { canonical: 'mmol/L', others: { 'mmol/l': 1, 'mg/dL': 1 / 4.008 } },
  calciumCorrected: { canonical: 'mmol/L', others: { 'mg/dL': 1 / 4.008 } },
  albumin: { canonical: 'g/L', others: { 'g/dL': 10, 'g/l': 1 } },
  creatinine: { canonical: 'umol/L', others: { 'mg/dL': 88.4 } },
  egfr: { canonical: 'mL/min/{1.73_m2}', others: {} },
  vitaminD: { canonical: 'nmol/L', others: { 'ng/mL': 2.496 } },
  p1np: { canonical: 'ug/L', others: { 'ng/mL': 1 } },
  tsh: { canonical: 'm[IU]/L', others: {} },
  ft4: { canonical: 'pmol/L', others: {} },
  pth: { canonical: 'pmol/L', others: { 'pg/mL': 1 / 9.43 } },
};

/** Units that are not a UCUM code for the analyte (or not UCUM at all): never usable. */
export const ODD_UNITS = ['mg/L', 'mmol', 'mL/min', '%', 'U/L', 'mmol/mol'] as const;

export type Comparator = '<' | '<=' | '>=' | '>';

/** When a record was made: exact instants, a whole day, a whole month, or not at all. */
export type When =
  | { kind: 'instant'; offsetMinutes: number; style: 'Z' | 'offset' | 'period' }
  | { kind: 'day'; offsetMinutes: number }
  | { kind: 'month'; offsetMinutes: number }
  | { kind: 'none' };

export type Subject = 'self' | 'other' | 'none' | 'absolute' | 'versioned';

export type UnitSpec =
  | { kind: 'canonical' }
  | { kind: 'other'; code: string }
  | { kind: 'odd'; code: string }
  | { kind: 'text-only'; text: string }
  | { kind: 'wrong-system'; code: string }
  | { kind: 'none' };

export type FlagCode = 'L' | 'LL' | 'H' | 'HH' | 'N' | 'A';

export interface LabSpec {
  id: string;
  analyte: Analyte;
  coding: CodingSpec;
  /** The value as sent, in the unit sent; undefined = no value (dataAbsentReason). */
  value?: number;
  unit: UnitSpec;
  comparator?: Comparator;
  status: 'final' | 'amended' | 'corrected' | 'preliminary' | 'entered-in-error' | 'cancelled';
  when: When;
  subject: Subject;
  range?: { low?: number; high?: number; unit: 'same' | 'odd' };
  flag?: { code: FlagCode; system: 'v3' | 'local' };
  /** A second resource with the same id whose value differs (a re-sent, changed result). */
  conflictValue?: number;
  /** Exact copies sent as well (the same resource twice, maybe under another prefetch key). */
  copies: number;
}

export type BoneSite = 'spine' | 'hip' | 'femur' | 'forearm';
export const BONE_CODES: Record<BoneSite | 'frax', string> = {
  spine: '38267-1',
  hip: '38264-8',
  femur: '38263-0',
  forearm: '38265-5',
  frax: '90265-0',
};

export interface BoneSpec {
  id: string;
  measure: BoneSite | 'frax';
  value: number;
  unit: 'canonical' | 'none' | 'odd';
  status: 'final' | 'preliminary' | 'entered-in-error';
  when: When;
  copies: number;
}

/** Diagnoses the contraindications need (codes.md "Conditions and history"), fractures, others. */
export type ConditionKind =
  | 'phpt'
  | 'hypercalcaemia'
  | 'boneMetastasis'
  | 'bonePrimary'
  | 'radiotherapy'
  | 'hyperthyroidism'
  | 'osteoporosis'
  | 'hipFracture'
  | 'vertebralFracture'
  | 'radiusFracture'
  | 'humerusFracture'
  | 'osteoporoticFracture'
  | 'ankleFracture'
  | 'hypertension'
  | 'jawOsteonecrosis'
  | 'femurShaftFracture';

/** Codings per kind: [ICD-10 WHO, Norwegian ICD-10 (no dot), SNOMED CT or a subcode]. */
export const CONDITION_CODINGS: Record<ConditionKind, readonly CodingSpec[]> = {
  phpt: [
    { system: SYS.icd10, code: 'E21.0' },
    { system: SYS.icd10No, code: 'E210' },
    { system: SYS.snomed, code: '36348003' },
  ],
  hypercalcaemia: [
    { system: SYS.icd10, code: 'E83.5' },
    { system: SYS.icd10No, code: 'E835' },
    { system: SYS.snomed, code: '66931009' },
  ],
  boneMetastasis: [
    { system: SYS.icd10, code: 'C79.5' },
    { system: SYS.icd10No, code: 'C795' },
    { system: SYS.snomed, code: '94222008' },
  ],
  bonePrimary: [
    { system: SYS.icd10, code: 'C41.2' },
    { system: SYS.icd10No, code: 'C402' },
    { system: SYS.icd10, code: 'C40' },
  ],
  radiotherapy: [
    { system: SYS.icd10, code: 'Z92.3' },
    { system: SYS.icd10No, code: 'Z923' },
  ],
  hyperthyroidism: [
    { system: SYS.icd10, code: 'E05.0' },
    { system: SYS.snomed, code: '34486009' },
  ],
  osteoporosis: [
    { system: SYS.icd10, code: 'M81.0' },
    { system: SYS.snomed, code: '64859006' },
  ],
  hipFracture: [
    { system: SYS.icd10, code: 'S72.0' },
    { system: SYS.icd10No, code: 'S721' },
    { system: SYS.snomed, code: '5913000' },
  ],
  vertebralFracture: [
    { system: SYS.icd10, code: 'S22.0' },
    { system: SYS.icd10, code: 'S32.0' },
    { system: SYS.snomed, code: '42942008' },
  ],
  radiusFracture: [
    { system: SYS.icd10, code: 'S52.5' },
    { system: SYS.icd10No, code: 'S525' },
  ],
  humerusFracture: [{ system: SYS.icd10, code: 'S42.2' }],
  osteoporoticFracture: [
    { system: SYS.icd10, code: 'M80.0' },
    { system: SYS.icd10No, code: 'M800' },
    { system: SYS.snomed, code: '443165006' },
  ],
  ankleFracture: [{ system: SYS.icd10, code: 'S82.5' }],
  hypertension: [{ system: SYS.icd10, code: 'I10' }],
  // codes.md "Turn 2 additions": M87.1 (national extension M87.18); S72.2 subtrochanteric, S72.3 shaft.
  jawOsteonecrosis: [
    { system: SYS.icd10, code: 'M87.1' },
    { system: SYS.icd10, code: 'M87.18' },
    { system: SYS.icd10No, code: 'M871' },
  ],
  femurShaftFracture: [
    { system: SYS.icd10, code: 'S72.3' },
    { system: SYS.icd10No, code: 'S723' },
    { system: SYS.icd10, code: 'S72.2' },
  ],
};

export interface ConditionSpec {
  id: string;
  kind: ConditionKind;
  coding: CodingSpec;
  clinicalStatus?: 'active' | 'recurrence' | 'relapse' | 'inactive' | 'remission' | 'resolved';
  verificationStatus?:
    'confirmed' | 'unconfirmed' | 'provisional' | 'differential' | 'refuted' | 'entered-in-error';
  onset: When;
  subject: 'self' | 'other';
  severe: boolean;
  bodySite?: string;
  copies: number;
}

/** Drugs (codes.md "Medication", ATC) and one unrelated drug. */
export type Drug =
  | 'zoledronicAcid'
  | 'teriparatide'
  | 'calcium'
  | 'alendronate'
  | 'risedronate'
  | 'denosumab'
  | 'vitaminD'
  | 'prednisolone'
  | 'paracetamol';

export const DRUG_ATC: Record<Drug, readonly string[]> = {
  zoledronicAcid: ['M05BA08'],
  teriparatide: ['H05AA02'],
  calcium: ['A12AX', 'A12AA04'],
  alendronate: ['M05BA04'],
  risedronate: ['M05BA07'],
  denosumab: ['M05BX04'],
  vitaminD: ['A11CC05'],
  prednisolone: ['H02AB06'],
  paracetamol: ['N02BE01'],
};

/** codes.md: the antiresorptives R6 / R7 apply to at order time. */
export const ANTIRESORPTIVES: readonly Drug[] = [
  'zoledronicAcid',
  'alendronate',
  'risedronate',
  'denosumab',
];

/**
 * How the drug is named: an ATC coding (with display or text), a contained Medication, a
 * SNOMED + ATC pair, an RxNorm ingredient, an RxNorm product, or a contained Medication
 * coded only by its ingredient (rules.md "Drug state": every coding the recogniser accepts).
 */
export type DrugCoding =
  | 'atc'
  | 'atc-display'
  | 'contained'
  | 'snomed-and-atc'
  | 'rxnorm-ingredient'
  | 'rxnorm-product'
  | 'contained-ingredient';

/**
 * RxNorm codes restated from codes.md (ingredients) and the products it names (904431,
 * 318076) or that public sources show (993452 Prolia 60 mg, 1114085 zoledronic acid 5 mg / 100 mL).
 */
export const DRUG_RXNORM: Partial<Record<Drug, { ingredient: string; product?: string }>> = {
  alendronate: { ingredient: '46041', product: '904431' },
  risedronate: { ingredient: '73056' },
  zoledronicAcid: { ingredient: '77655', product: '1114085' },
  denosumab: { ingredient: '993449', product: '993452' },
  teriparatide: { ingredient: '110634' },
  calcium: { ingredient: '1897', product: '318076' },
  vitaminD: { ingredient: '2418' },
};

/** An intolerance on the allergy list (AllergyIntolerance). */
export interface AllergySpec {
  id: string;
  drug: Drug;
  atcIndex: number;
  clinical: 'active' | 'inactive' | 'resolved';
  verification: 'confirmed' | 'unconfirmed' | 'refuted' | 'entered-in-error';
}

export interface DoseSpec {
  value: number;
  unit: 'mg' | 'g' | 'tablet' | 'mg-text-only';
  /** timing.repeat; undefined = no timing. */
  timing?: { frequency: number; period: number; periodUnit: 'd' | 'wk' | 'h' };
}

export interface MedSpec {
  id: string;
  drug: Drug;
  atcIndex: number;
  coding: DrugCoding;
  type: 'MedicationAdministration' | 'MedicationStatement' | 'MedicationRequest';
  status: string;
  start: When;
  /** Days after start (statements / requests); undefined = open-ended. */
  durationDays?: number;
  doses: DoseSpec[];
  copies: number;
}

export interface DraftSpec {
  id: string;
  drug: Drug;
  atcIndex: number;
  coding: DrugCoding;
  status: 'draft' | 'active' | 'entered-in-error' | 'cancelled';
  doses: DoseSpec[];
  /** order-select: the clinician selected this draft. */
  selected: boolean;
}

export interface PatientSpec {
  patient:
    | { present: false }
    | {
        present: true;
        birthDate?: string;
        gender?: 'female' | 'male' | 'other' | 'unknown';
      };
  labs: LabSpec[];
  bone: BoneSpec[];
  conditions: ConditionSpec[];
  medications: MedSpec[];
  fallRisk: { id: string; when: When }[];
  allergies: AllergySpec[];
  drafts: DraftSpec[];
}
