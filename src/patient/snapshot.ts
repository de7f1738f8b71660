/**
 * The typed patient snapshot: everything the rules read, built once per request
 * from FHIR data (build.ts). Values are in canonical units; every fact keeps the
 * id of the resource it came from so cards can show their evidence.
 */
import type { Analyte, MedicationClass } from '../fhir/code-lists';
import type { Comparator, Measure } from '../fhir/units';

export type Interpretation = 'low' | 'high' | 'normal';

export interface LabResult {
  analyte: Analyte;
  value: number;
  /** Canonical UCUM unit of the analyte (units.ts). */
  unit: string;
  /** Set when the lab reported e.g. "<12": the true value lies on that side of `value`. */
  comparator?: Comparator;
  /** effective[x] as recorded. */
  date: string;
  /** effective[x] in epoch milliseconds. */
  time: number;
  /** `Observation/{id}`. */
  source: string;
  /** The laboratory's own reference range, in the canonical unit. */
  referenceRange?: { low?: number; high?: number };
  /** The laboratory's own flag (v3 ObservationInterpretation). */
  interpretation?: Interpretation;
}

export type UnusableReason =
  'no-value' | 'unit-not-ucum' | 'unit-unknown' | 'no-date' | 'future-date';

/** An observation of a known measure that could not be used: reported, never guessed. */
export interface UnusableObservation {
  measure: Measure;
  source: string;
  reason: UnusableReason;
  date?: string;
  value?: number;
  /** The unit as sent (UCUM code or, failing that, the unit text), for the card. */
  unitSent?: string;
}

export type DiagnosisKind =
  | 'primaryHyperparathyroidism'
  | 'hypercalcaemia'
  | 'boneMalignancy'
  | 'hyperthyroidism'
  | 'radiotherapyHistory'
  | 'jawOsteonecrosis';

export interface Diagnosis {
  kind: DiagnosisKind;
  source: string;
  code: string;
  date?: string;
}

/** A medication order drafted in this order-select / order-sign call. */
export interface DraftMedicationOrder {
  /** `MedicationRequest/{id}` as in draftOrders. */
  reference: string;
  drug: MedicationClass;
  /** The order's medication text or coding display, for the card. */
  display: string;
  /** Daily dose in mg when the dosage instruction gives one in mg (undefined: not stated). */
  dailyDoseMg?: number;
}

/** A drafted medication the service could not check (R32): its coding is not recognised, but its text names a covered drug. */
export interface UncheckedDraft {
  reference: string;
  display: string;
  /** The drug class its text names (ingredient or brand). */
  namedDrug: string;
  /** `system|code` of the codings it carried, or undefined when it had none. */
  codes?: string;
  /** Why it could not be read: an unknown coding, no coding, or a Medication reference that does not resolve. */
  why: 'unknown-code' | 'no-code' | 'unresolved-reference';
}

/**
 * A record of the medication history whose drug could not be read: its text names a
 * covered drug but its coding is unknown or missing, or its Medication reference does
 * not resolve. The rules do not guess what it was; the start-treatment cards say so.
 */
export interface UnreadableMedication {
  reference: string;
  /** Its text, when it has one. */
  display?: string;
  /** The covered drug its text names, when it names one. */
  namedDrug?: string;
  why: 'unknown-code' | 'no-code' | 'unresolved-reference';
}

/** A documented intolerance of a drug (rules.md "Drug state"): an AllergyIntolerance, or a stop with a reason. */
export interface Intolerance {
  drug: MedicationClass;
  kind: 'allergy' | 'stop-reason';
  date?: string;
  /** Reaction (allergy) or stop reason, as recorded. */
  text?: string;
  source: string;
}

/** A dated measurement (T-score, FRAX) with its source. */
export interface Measurement {
  value: number;
  date: string;
  time: number;
  source: string;
}

/** DXA sites that count for the indication: spine and hip (forearm is recorded but not used). */
export type BoneSite = 'spine' | 'totalHip' | 'femur';

export interface TScore extends Measurement {
  site: BoneSite;
}

export type FractureSite =
  | 'hip'
  | 'vertebra'
  | 'distalRadius'
  | 'proximalHumerus'
  | 'pelvis'
  | 'unspecified'
  /** Subtrochanteric / femoral shaft (R26 only). */
  | 'femurShaft';

/** A fragility (low-energy) fracture: coded as such, or at a typical site at age ≥ 50 (then assumed). */
export interface Fracture {
  site: FractureSite;
  /** Onset (or recorded) date; undefined when the record has none. */
  date?: string;
  time?: number;
  source: string;
  code: string;
  mechanism: 'coded' | 'assumed';
  /** Vertebral fracture marked severe (SQ3) in Condition.severity. */
  severe: boolean;
  /** Distinguishes vertebral fractures for counting (body site, else onset, else the resource). */
  distinctKey: string;
}

/** One dose given (administration, or a dated one-off statement), e.g. an infusion or injection. */
export interface Dose {
  date: string;
  time: number;
  source: string;
}

/**
 * rules.md "Drug state": current (active order / statement or a dose within the
 * dosing interval); lapsed (past the interval, no stop, nothing started since);
 * stopped (a stop recorded, or another osteoporosis drug started since: a switch).
 */
export type DrugState = 'current' | 'lapsed' | 'stopped';

/** What the model assumed about data it could not take at face value (shown on the cards). */
export type DrugAssumption = 'status-conflict' | 'undated-administration';

/** What the medication history says about one drug class. */
export interface DrugHistory {
  drug: MedicationClass;
  state: DrugState;
  /** An active order / statement, or a dose recent enough for the drug's dosing interval (state current). */
  current: boolean;
  /** The last dose or record of the drug (epoch ms). */
  lastTime?: number;
  lastDate?: string;
  /** The stop on record, when one is. */
  stop?: { date?: string; source: string; reason?: string };
  /** The osteoporosis drug started after this one's last dose (a switch). */
  switchedTo?: MedicationClass;
  /** The continuous courses, oldest first (epoch ms; end = coverage end). */
  courses: { start: number; end: number }[];
  assumptions: DrugAssumption[];
  /** First date of the current (or last) continuous course. */
  courseStart?: { date: string; time: number };
  /** End of the last course's coverage (last dose + dosing interval, or the order's end). */
  coverageEnd?: number;
  /** Days covered by all courses together, up to now. */
  cumulativeDays: number;
  /** Doses given, oldest first (infusions, injections). */
  doses: Dose[];
  /** Daily dose in mg, from the current order's dosage instruction, when stated in mg. */
  dailyDoseMg?: number;
  /** For glucocorticoids: prednisolone-equivalent mg per day of the current order. */
  prednisoloneMgPerDay?: number;
  sources: string[];
}

export interface AssessmentRecord {
  date: string;
  time: number;
  source: string;
}

export interface PatientSnapshot {
  patientId: string;
  birthDate?: string;
  /** Whole years at "now"; undefined when the birth date is unknown. */
  ageYears?: number;
  sex?: 'male' | 'female' | 'other' | 'unknown';
  /** Valid results per analyte, newest first. */
  labs: Record<Analyte, LabResult[]>;
  unusable: UnusableObservation[];
  /** Resources whose structure could not be read (`Type/id`); their data is not used. */
  malformed: string[];
  diagnoses: Diagnosis[];
  /** DXA T-scores at spine and hip, newest first. */
  tScores: TScore[];
  /** A DXA is on record (T-score Observation or densitometry Procedure). */
  dxaOnRecord: boolean;
  /** Latest FRAX 10-year probability of a major osteoporotic fracture (%). */
  fraxMajor?: Measurement;
  /** Fragility fractures, newest first (undated last). */
  fractures: Fracture[];
  /** Fractures at a typical fragility site at any age (R30, under 50). */
  siteFractures: Fracture[];
  /** Subtrochanteric / femoral shaft fractures after ≥ 3 years of antiresorptive exposure (R26): not fragility fractures for R3–R5, R23. */
  atypicalFemurFractures: (Fracture & { exposureYears: number })[];
  /** The latest DXA (T-score or densitometry procedure), epoch ms. */
  latestDxaTime?: number;
  /** Documented intolerances (AllergyIntolerance, stops with a reason). */
  intolerances: Intolerance[];
  /** Drafts the service could not read (R32). */
  uncheckedDrafts: UncheckedDraft[];
  /** History records whose drug could not be read (never read as "no treatment" silently). */
  unreadableMedications: UnreadableMedication[];
  /** Medication history per drug class (only classes with any record). */
  medications: Partial<Record<MedicationClass, DrugHistory>>;
  fallRiskAssessments: AssessmentRecord[];
  /** Drafted medication orders this hook call is about (order-select: the selections). */
  drafts: DraftMedicationOrder[];
}
