/**
 * Builds the PatientSnapshot from the FHIR resources of one request. Resources of
 * another patient, entered-in-error / cancelled ones and duplicates are dropped;
 * values without a usable unit or date are listed as unusable, never guessed.
 */
import type {
  CodeableConcept,
  Coding,
  Condition,
  FhirResource,
  Medication,
  MedicationRequest,
  Observation,
  Patient,
  Quantity,
} from 'fhir/r4';
import {
  ANALYTES,
  CONDITION_CODES,
  LAB_CODES,
  MEDICATION_CODES,
  type Analyte,
} from '../fhir/code-lists';
import { compileClassifier } from '../fhir/codes';
import { paths } from '../fhir/paths';
import { SYSTEM } from '../fhir/systems';
import { normaliseQuantity, type Measure } from '../fhir/units';
import { ageInYears, DAY_MS, toTime } from './dates';
import { belongsTo, referenceOf } from './references';
import type {
  Diagnosis,
  DiagnosisKind,
  DraftMedicationOrder,
  Interpretation,
  LabResult,
  PatientSnapshot,
  UnusableObservation,
} from './snapshot';

// Compiled once at start-up.
const LAB_CLASSIFIER = compileClassifier(LAB_CODES);
const DIAGNOSIS_CLASSIFIER = compileClassifier<DiagnosisKind>({
  primaryHyperparathyroidism: CONDITION_CODES.primaryHyperparathyroidism,
  hypercalcaemia: CONDITION_CODES.hypercalcaemia,
});
const MEDICATION_CLASSIFIER = compileClassifier(MEDICATION_CODES);

const USABLE_OBSERVATION_STATUS = new Set(['final', 'amended', 'corrected']);
const INACTIVE_CLINICAL_STATUS = new Set(['inactive', 'resolved', 'remission']);
const EXCLUDED_VERIFICATION_STATUS = new Set(['entered-in-error', 'refuted']);
const EXCLUDED_REQUEST_STATUS = new Set(['entered-in-error', 'cancelled', 'revoked']);
/** Results dated more than a day ahead of now are data errors, not measurements. */
const FUTURE_TOLERANCE_MS = DAY_MS;

export interface SnapshotInput {
  patientId: string;
  /** Every resource from the resolved prefetch. */
  resources: readonly FhirResource[];
  /** Entries of context.draftOrders (order-select / order-sign). */
  draftOrders?: readonly FhirResource[];
  /** order-select: the drafts the clinician just selected ("Type/id"). */
  selections?: readonly string[];
  now: Date;
}

export function buildSnapshot(input: SnapshotInput): PatientSnapshot {
  const { patientId, now } = input;
  const labs = Object.fromEntries(
    ANALYTES.map((analyte) => [analyte, [] as LabResult[]]),
  ) as Record<Analyte, LabResult[]>;
  const unusable: UnusableObservation[] = [];
  const malformed: string[] = [];
  const diagnoses: Diagnosis[] = [];
  const medications = new Map<string, Medication>();
  let patient: Patient | undefined;
  const seen = new Set<string>();

  for (const resource of input.resources) {
    if (resource.resourceType === 'Medication') {
      if (resource.id) medications.set(`Medication/${resource.id}`, resource);
      continue;
    }
    const reference = referenceOf(resource);
    if (resource.id && seen.has(reference)) continue;
    seen.add(reference);
    // One malformed resource must not cost the patient the cards the others support.
    try {
      if (!belongsTo(resource, patientId)) continue;
      switch (resource.resourceType) {
        case 'Patient':
          patient = resource;
          break;
        case 'Observation':
          readObservation(resource, now, labs, unusable);
          break;
        case 'Condition': {
          const diagnosis = readCondition(resource);
          if (diagnosis) diagnoses.push(diagnosis);
          break;
        }
        default:
          break;
      }
    } catch {
      malformed.push(reference);
    }
  }

  for (const results of Object.values(labs)) results.sort(newestFirst);
  const drafts = readDrafts(input, medications, malformed);
  return {
    patientId,
    birthDate: patient?.birthDate,
    ageYears: ageInYears(patient?.birthDate, now),
    sex: patient?.gender,
    labs,
    unusable,
    malformed,
    diagnoses,
    drafts,
  };
}

function newestFirst(a: LabResult, b: LabResult): number {
  return b.time - a.time || a.source.localeCompare(b.source);
}

function readObservation(
  observation: Observation,
  now: Date,
  labs: Record<Analyte, LabResult[]>,
  unusable: UnusableObservation[],
): void {
  if (!USABLE_OBSERVATION_STATUS.has(observation.status)) return;
  const match = LAB_CLASSIFIER.classify(observation.code);
  if (!match) return;
  const analyte = match.key;
  const source = referenceOf(observation);
  const date = paths.effectiveDate(observation);
  const time = toTime(date);
  const quantity = paths.valueQuantity(observation);
  const report = (reason: UnusableObservation['reason']): void => {
    unusable.push({
      measure: analyte,
      source,
      reason,
      ...(date ? { date } : {}),
      ...(typeof quantity?.value === 'number' ? { value: quantity.value } : {}),
      ...(unitSent(quantity) ? { unitSent: unitSent(quantity) } : {}),
    });
  };
  if (date === undefined || time === undefined) return report('no-date');
  if (time > now.getTime() + FUTURE_TOLERANCE_MS) return report('future-date');
  const value = normaliseQuantity(analyte, quantity);
  if (!value.ok) return report(value.reason);
  const range = referenceRangeOf(analyte, observation);
  const interpretation = interpretationOf(observation);
  labs[analyte].push({
    analyte,
    value: value.value,
    unit: value.unit,
    ...(value.comparator ? { comparator: value.comparator } : {}),
    date,
    time,
    source,
    ...(range ? { referenceRange: range } : {}),
    ...(interpretation ? { interpretation } : {}),
  });
}

function unitSent(quantity: Quantity | undefined): string | undefined {
  const unit = quantity?.code ?? quantity?.unit;
  return typeof unit === 'string' ? unit : undefined;
}

function referenceRangeOf(measure: Measure, observation: Observation): LabResult['referenceRange'] {
  const range = observation.referenceRange?.find((candidate) => candidate.low || candidate.high);
  if (!range) return undefined;
  const low = range.low ? normaliseQuantity(measure, range.low) : undefined;
  const high = range.high ? normaliseQuantity(measure, range.high) : undefined;
  // A range whose units cannot be read is not used (the default thresholds apply instead).
  if ((low && !low.ok) || (high && !high.ok)) return undefined;
  const out: { low?: number; high?: number } = {};
  if (low?.ok) out.low = low.value;
  if (high?.ok) out.high = high.value;
  return out;
}

const INTERPRETATION: Record<string, Interpretation> = {
  L: 'low',
  LL: 'low',
  LU: 'low',
  H: 'high',
  HH: 'high',
  HU: 'high',
  N: 'normal',
};

function interpretationOf(observation: Observation): Interpretation | undefined {
  for (const concept of observation.interpretation ?? []) {
    for (const coding of concept.coding ?? []) {
      if (
        coding.system === SYSTEM.observationInterpretation &&
        coding.code &&
        INTERPRETATION[coding.code]
      ) {
        return INTERPRETATION[coding.code];
      }
    }
  }
  return undefined;
}

function codeOf(coding: Coding): string {
  return coding.code ?? '';
}

function readCondition(condition: Condition): Diagnosis | undefined {
  if (hasStatus(condition.verificationStatus?.coding, EXCLUDED_VERIFICATION_STATUS))
    return undefined;
  // A condition without clinicalStatus is taken as current: unknown is not "resolved".
  if (hasStatus(condition.clinicalStatus?.coding, INACTIVE_CLINICAL_STATUS)) return undefined;
  const match = DIAGNOSIS_CLASSIFIER.classify(condition.code);
  if (!match) return undefined;
  const date = paths.onsetDate(condition) ?? paths.recordedDate(condition);
  return {
    kind: match.key,
    source: referenceOf(condition),
    code: codeOf(match.coding),
    ...(date ? { date } : {}),
  };
}

function hasStatus(codings: Coding[] | undefined, statuses: Set<string>): boolean {
  return (codings ?? []).some((coding) => coding.code !== undefined && statuses.has(coding.code));
}

function readDrafts(
  input: SnapshotInput,
  medications: Map<string, Medication>,
  malformed: string[],
): DraftMedicationOrder[] {
  const selected = input.selections ? new Set(input.selections) : undefined;
  const drafts: DraftMedicationOrder[] = [];
  for (const resource of input.draftOrders ?? []) {
    if (resource.resourceType !== 'MedicationRequest') continue;
    const reference = referenceOf(resource);
    if (selected && !selected.has(reference)) continue;
    try {
      if (EXCLUDED_REQUEST_STATUS.has(resource.status)) continue;
      if (!belongsTo(resource, input.patientId)) continue;
      const concept = medicationConceptOf(resource, medications);
      const match = MEDICATION_CLASSIFIER.classify(concept);
      if (!match) continue;
      drafts.push({
        reference,
        drug: match.key,
        display: displayOf(concept, match.coding, reference),
      });
    } catch {
      malformed.push(reference);
    }
  }
  return drafts;
}

function displayOf(concept: CodeableConcept | undefined, coding: Coding, fallback: string): string {
  for (const text of [concept?.text, coding.display, coding.code])
    if (typeof text === 'string' && text) return text;
  return fallback;
}

/** medication[x]: a CodeableConcept, or a reference to a contained or fetched Medication. */
function medicationConceptOf(request: MedicationRequest, medications: Map<string, Medication>) {
  const concept = paths.medicationConcept(request);
  if (concept) return concept;
  const target = paths.medicationReference(request)?.reference;
  if (!target) return undefined;
  if (typeof target !== 'string') return undefined;
  if (target.startsWith('#')) {
    const contained = (Array.isArray(request.contained) ? request.contained : []).find(
      (resource) => resource.resourceType === 'Medication' && resource.id === target.slice(1),
    ) as Medication | undefined;
    return contained?.code;
  }
  return medications.get(target)?.code;
}
