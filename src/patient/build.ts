/**
 * Builds the PatientSnapshot from the FHIR resources of one request. Resources of
 * another patient and entered-in-error / cancelled ones are dropped, copies collapse
 * (distinctVersions);
 * values without a usable unit or date are listed as unusable, never guessed;
 * a malformed resource is listed and skipped, so it cannot cost the patient the
 * cards the other resources support.
 */
import type { Condition, FhirResource, Medication, Patient } from 'fhir/r4';
import {
  ANALYTES,
  ANTIRESORPTIVE_EXPOSURE,
  DXA_PROCEDURE_CODES,
  type Analyte,
  type MedicationClass,
} from '../fhir/code-lists';
import { compileCodeSet } from '../fhir/codes';
import { paths } from '../fhir/paths';
import { readDiagnosis, readFemurShaftFracture, readFracture } from './conditions';
import { ageInYears, DAY_MS, toTime } from './dates';
import { readDrafts, readMedicationModel } from './medications';
import { datedRecord, FALL_RISK, readObservation, type ObservationSink } from './observations';
import { belongsTo, referenceOf } from './references';
import type { Diagnosis, DrugHistory, Fracture, LabResult, PatientSnapshot } from './snapshot';

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
  /** Antiresorptive exposure before a subtrochanteric / shaft fracture that makes it atypical (R26). */
  atypicalFemurExposureYears: number;
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
  let dxaProcedureTime: number | undefined;

  for (const resource of distinctVersions(input.resources)) {
    if (resource.resourceType === 'Medication') {
      if (typeof resource.id === 'string') medications.set(`Medication/${resource.id}`, resource);
      continue;
    }
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
          if (DXA_PROCEDURE.matchesConcept(resource.code)) {
            dxaProcedure = true;
            const time = toTime(paths.performedDate(resource));
            if (time !== undefined && time <= now.getTime())
              dxaProcedureTime = Math.max(dxaProcedureTime ?? -Infinity, time);
          }
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
      malformed.push(referenceOf(resource));
    }
  }

  const model = readMedicationModel(unique, patientId, medications, now, input.settings, malformed);
  const fractures: Fracture[] = [];
  const siteFractures: Fracture[] = [];
  const atypicalFemurFractures: PatientSnapshot['atypicalFemurFractures'] = [];
  for (const condition of conditions) {
    try {
      const shaft = readFemurShaftFracture(condition);
      const exposureYears =
        shaft?.time !== undefined ? antiresorptiveYearsBefore(model.histories, shaft.time) : 0;
      if (shaft && exposureYears >= input.settings.atypicalFemurExposureYears) {
        // rules.md "Coherence": an atypical femur fracture is not a fragility fracture for R3–R5, R23.
        atypicalFemurFractures.push(
          Object.assign({ ...shaft }, { exposureYears: Math.floor(exposureYears * 10) / 10 }),
        );
        continue;
      }
      const fracture = readFracture(
        condition,
        patient?.birthDate,
        input.settings.fragilityMinAge,
        now,
      );
      if (fracture) fractures.push(fracture);
      const atAnyAge = readFracture(condition, patient?.birthDate, 0, now);
      if (atAnyAge) siteFractures.push(atAnyAge);
    } catch {
      malformed.push(referenceOf(condition));
    }
  }

  // Every list in a fixed order, so that the same data in any order gives the same cards.
  for (const results of Object.values(sink.labs)) results.sort(newestFirst);
  diagnoses.sort((a, b) => a.source.localeCompare(b.source) || a.code.localeCompare(b.code));
  sink.unusable.sort(
    (a, b) =>
      a.source.localeCompare(b.source) ||
      a.reason.localeCompare(b.reason) ||
      (a.value ?? 0) - (b.value ?? 0),
  );
  sink.tScores.sort(newestFirst);
  sink.frax.sort(newestFirst);
  sink.fallRiskAssessments.sort(newestFirst);
  const byDateDesc = (a: Fracture, b: Fracture) =>
    (b.time ?? -Infinity) - (a.time ?? -Infinity) || a.source.localeCompare(b.source);
  fractures.sort(byDateDesc);
  siteFractures.sort(byDateDesc);
  atypicalFemurFractures.sort(byDateDesc);
  const draftReading = readDrafts(input, medications, malformed);
  const latestTScoreTime = sink.tScores[0]?.time;
  const latestDxaTime =
    latestTScoreTime === undefined && dxaProcedureTime === undefined
      ? undefined
      : Math.max(latestTScoreTime ?? -Infinity, dxaProcedureTime ?? -Infinity);

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
    siteFractures,
    atypicalFemurFractures,
    ...(latestDxaTime !== undefined ? { latestDxaTime } : {}),
    intolerances: model.intolerances,
    uncheckedDrafts: draftReading.unchecked,
    unreadableMedications: model.unreadable,
    medications: model.histories,
    fallRiskAssessments: sink.fallRiskAssessments,
    drafts: draftReading.drafts,
  };
}

/** Years of bisphosphonate / denosumab exposure (any dose, oncology included) before `time` (R26). */
function antiresorptiveYearsBefore(
  histories: Partial<Record<MedicationClass, DrugHistory>>,
  time: number,
): number {
  let days = 0;
  for (const drug of ANTIRESORPTIVE_EXPOSURE) {
    for (const course of histories[drug]?.courses ?? [])
      days += Math.max(0, Math.min(course.end, time) - course.start) / DAY_MS;
  }
  return days / 365.25;
}

/** Newest first; the same time and source (two versions of one result): the lower value first. */
function newestFirst(
  a: { time: number; source: string; value?: number },
  b: { time: number; source: string; value?: number },
): number {
  return b.time - a.time || a.source.localeCompare(b.source) || (a.value ?? 0) - (b.value ?? 0);
}

/**
 * One entry per resource (`Type/id`), whatever order the prefetch lists them in.
 * Exact copies collapse. Differing versions of one resource: the newer by
 * meta.versionId or meta.lastUpdated when that tells; otherwise every version is
 * kept, in a fixed order, so that neither is dropped silently (a rule that reads
 * "the newest eGFR" then sees the lower of two conflicting values) and the same
 * data in any order gives the same snapshot.
 */
export function distinctVersions(resources: readonly FhirResource[]): FhirResource[] {
  // The usual case, every resource once, is told by id alone (no `Type/id` string per resource).
  if (!hasRepeatedReference(resources)) return [...resources];
  const groups = new Map<string, FhirResource[]>();
  const order: (FhirResource | string)[] = [];
  for (const resource of resources) {
    if (typeof resource.id !== 'string' || resource.id === '') {
      order.push(resource);
      continue;
    }
    const reference = referenceOf(resource);
    const group = groups.get(reference);
    if (group) group.push(resource);
    else {
      groups.set(reference, [resource]);
      order.push(reference);
    }
  }
  return order.flatMap((entry) =>
    typeof entry === 'string' ? versionsOf(groups.get(entry) ?? []) : [entry],
  );
}

/** True when two resources share type and id. */
function hasRepeatedReference(resources: readonly FhirResource[]): boolean {
  const typesById = new Map<string, string | string[]>();
  for (const resource of resources) {
    const { id, resourceType } = resource;
    if (typeof id !== 'string' || id === '') continue;
    const seen = typesById.get(id);
    if (seen === undefined) typesById.set(id, resourceType);
    else if (seen === resourceType || (Array.isArray(seen) && seen.includes(resourceType)))
      return true;
    else typesById.set(id, Array.isArray(seen) ? [...seen, resourceType] : [seen, resourceType]);
  }
  return false;
}

function versionsOf(group: readonly FhirResource[]): FhirResource[] {
  if (group.length < 2) return [...group];
  const byContent = new Map<string, FhirResource>();
  for (const resource of group) byContent.set(stableJson(resource), resource);
  const versions = [...byContent.keys()].sort().map((key) => byContent.get(key) as FhirResource);
  if (versions.length === 1) return versions;
  const newest = newestVersion(versions);
  return newest ? [newest] : versions;
}

/** The one version with the highest numeric meta.versionId, else the latest meta.lastUpdated. */
function newestVersion(versions: readonly FhirResource[]): FhirResource | undefined {
  const pick = (rank: (resource: FhirResource) => number | undefined) => {
    const ranks = versions.map(rank);
    if (ranks.some((value) => value === undefined || Number.isNaN(value))) return undefined;
    const best = Math.max(...(ranks as number[]));
    const winners = versions.filter((_, index) => ranks[index] === best);
    return winners.length === 1 ? winners[0] : undefined;
  };
  return (
    pick((resource) => {
      const id = resource.meta?.versionId;
      return typeof id === 'string' && /^\d{1,15}$/.test(id) ? Number(id) : undefined;
    }) ??
    pick((resource) => {
      const updated = resource.meta?.lastUpdated;
      return typeof updated === 'string' ? Date.parse(updated) : undefined;
    })
  );
}

/** JSON with object keys sorted: the same content gives the same text. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
