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

export type DiagnosisKind = 'primaryHyperparathyroidism' | 'hypercalcaemia';

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
  /** Drafted medication orders this hook call is about (order-select: the selections). */
  drafts: DraftMedicationOrder[];
}
