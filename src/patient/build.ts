/**
 * Builds the PatientSnapshot from the FHIR resources of one request. Resources of
 * another patient, entered-in-error / cancelled ones and duplicates are dropped;
 * values without a usable unit or date are listed as unusable, never guessed;
 * a malformed resource is listed and skipped, so it cannot cost the patient the
 * cards the other resources support.
 */
import type { Condition, FhirResource, Medication, Patient } from 'fhir/r4';
import {
  ANALYTES,
  DXA_PROCEDURE_CODES,
  type Analyte,
  type MedicationClass,
} from '../fhir/code-lists';
import { compileCodeSet } from '../fhir/codes';
import { paths } from '../fhir/paths';
import { readDiagnosis, readFracture } from './conditions';
import { ageInYears } from './dates';
import { readDrafts, readMedicationHistory } from './medications';
import { datedRecord, FALL_RISK, readObservation, type ObservationSink } from './observations';
import { belongsTo, referenceOf } from './references';
import type { Diagnosis, Fracture, LabResult, PatientSnapshot } from './snapshot';

const DXA_PROCEDURE = compileCodeSet(DXA_PROCEDURE_CODES);
const EXCLUDED_PROCEDURE_STATUS = new Set([
  'entered-in-error',
  'not-done',
  'preparation',
  'unknown',
]);

export interface SnapshotSettings {
  /** Days one dose / prescription covers, per drug (rules.md "Current drug"). */
  coverageDays: Record<MedicationClass, number>;
  /** Gaps up to this long do not break a continuous course. */
  courseGapDays: number;
  /** A fracture at a typical site counts as fragility fracture from this age at onset. */
  fragilityMinAge: number;
}

export interface SnapshotInput {
  patientId: string;
  /** Every resource from the resolved prefetch. */
  resources: readonly FhirResource[];
  /** Entries of context.draftOrders (order-select / order-sign). */
  draftOrders?: readonly FhirResource[];
  /** order-select: the drafts the clinician just selected ("Type/id"). */
  selections?: readonly string[];
  now: Date;
  settings: SnapshotSettings;
}

export function buildSnapshot(input: SnapshotInput): PatientSnapshot {
  const { patientId, now } = input;
  const sink: ObservationSink = {
    labs: Object.fromEntries(ANALYTES.map((analyte) => [analyte, [] as LabResult[]])) as Record<
      Analyte,
      LabResult[]
    >,
    tScores: [],
    frax: [],
    fallRiskAssessments: [],
    unusable: [],
    dxaSeen: false,
  };
  const malformed: string[] = [];
  const diagnoses: Diagnosis[] = [];
  const conditions: Condition[] = [];
  const medications = new Map<string, Medication>();
  const unique: FhirResource[] = [];
  let patient: Patient | undefined;
  let dxaProcedure = false;
  const seen = new Set<string>();

  for (const resource of input.resources) {
    if (resource.resourceType === 'Medication') {
      if (typeof resource.id === 'string') medications.set(`Medication/${resource.id}`, resource);
      continue;
    }
    const reference = referenceOf(resource);
    if (resource.id && seen.has(reference)) continue;
    seen.add(reference);
    unique.push(resource);
    try {
      if (!belongsTo(resource, patientId)) continue;
      switch (resource.resourceType) {
        case 'Patient':
          patient = resource;
          break;
        case 'Observation':
          readObservation(resource, now, sink);
          break;
        case 'Condition': {
          conditions.push(resource);
          const diagnosis = readDiagnosis(resource);
          if (diagnosis) diagnoses.push(diagnosis);
          break;
        }
        case 'Procedure': {
          if (EXCLUDED_PROCEDURE_STATUS.has(resource.status)) break;
          if (DXA_PROCEDURE.matchesConcept(resource.code)) dxaProcedure = true;
          if (FALL_RISK.matchesConcept(resource.code)) {
            const record = datedRecord(resource, paths.performedDate(resource), now);
            if (record) sink.fallRiskAssessments.push(record);
          }
          break;
        }
        default:
          break;
      }
    } catch {
      malformed.push(reference);
    }
  }

  const fractures: Fracture[] = [];
  for (const condition of conditions) {
    try {
      const fracture = readFracture(
        condition,
        patient?.birthDate,
        input.settings.fragilityMinAge,
        now,
      );
      if (fracture) fractures.push(fracture);
    } catch {
      malformed.push(referenceOf(condition));
    }
  }

  for (const results of Object.values(sink.labs)) results.sort(newestFirst);
  sink.tScores.sort(newestFirst);
  sink.frax.sort(newestFirst);
  sink.fallRiskAssessments.sort(newestFirst);
  fractures.sort(
    (a, b) => (b.time ?? -Infinity) - (a.time ?? -Infinity) || a.source.localeCompare(b.source),
  );

  return {
    patientId,
    birthDate: patient?.birthDate,
    ageYears: ageInYears(patient?.birthDate, now),
    sex: patient?.gender,
    labs: sink.labs,
    unusable: sink.unusable,
    malformed,
    diagnoses,
    tScores: sink.tScores,
    dxaOnRecord: sink.dxaSeen || dxaProcedure,
    ...(sink.frax[0] ? { fraxMajor: sink.frax[0] } : {}),
    fractures,
    medications: readMedicationHistory(
      unique,
      patientId,
      medications,
      now,
      input.settings,
      malformed,
    ),
    fallRiskAssessments: sink.fallRiskAssessments,
    drafts: readDrafts(input, medications, malformed),
  };
}

function newestFirst(
  a: { time: number; source: string },
  b: { time: number; source: string },
): number {
  return b.time - a.time || a.source.localeCompare(b.source);
}
