/**
 * Medication history per drug class from MedicationRequest, MedicationStatement
 * and MedicationAdministration (rules.md "Current drug", "Glucocorticoid
 * exposure"). Drafts of the current order-select / order-sign call are read
 * separately (readDrafts).
 */
import type {
  CodeableConcept,
  Coding,
  Dosage,
  FhirResource,
  Medication,
  MedicationAdministration,
  MedicationRequest,
  MedicationStatement,
} from 'fhir/r4';
import {
  MEDICATION_CODES,
  PREDNISOLONE_EQUIVALENT,
  type MedicationClass,
} from '../fhir/code-lists';
import { compileClassifier } from '../fhir/codes';
import { paths } from '../fhir/paths';
import { DAY_MS, toTime } from './dates';
import { dailyDoseMg } from './dosage';
import { belongsTo, referenceOf } from './references';
import type { Dose, DraftMedicationOrder, DrugHistory } from './snapshot';

const CLASSIFIER = compileClassifier(MEDICATION_CODES);
const PREDNISOLONE_FACTOR = new Map(
  PREDNISOLONE_EQUIVALENT.map((entry) => [entry.atc, entry.factor]),
);

export interface MedicationSettings {
  /** Days one dose / prescription covers, per drug (rules.md "Current drug"). */
  coverageDays: Record<MedicationClass, number>;
  /** Gaps up to this long do not break a continuous course. */
  courseGapDays: number;
}

const EXCLUDED_STATUS = new Set([
  'entered-in-error',
  'cancelled',
  'draft',
  'not-taken',
  'not-done',
  'unknown',
]);
/** The same dose recorded twice (order and administration) lies within a few days. */
const SAME_DOSE_MS = 14 * DAY_MS;

interface Exposure {
  drug: MedicationClass;
  coding: Coding;
  source: string;
  start: number;
  startDate: string;
  end?: number;
  active: boolean;
  /** A dated single dose (infusion, injection, one administration). */
  dose: boolean;
  fromAdministration: boolean;
  dosages?: readonly Dosage[];
}

export function readMedicationHistory(
  resources: readonly FhirResource[],
  patientId: string,
  medications: ReadonlyMap<string, Medication>,
  now: Date,
  settings: MedicationSettings,
  malformed: string[],
): Partial<Record<MedicationClass, DrugHistory>> {
  const exposures: Exposure[] = [];
  for (const resource of resources) {
    if (
      resource.resourceType !== 'MedicationRequest' &&
      resource.resourceType !== 'MedicationStatement' &&
      resource.resourceType !== 'MedicationAdministration'
    ) {
      continue;
    }
    try {
      if (!belongsTo(resource, patientId) || EXCLUDED_STATUS.has(resource.status)) continue;
      const exposure = exposureOf(resource, medications);
      if (exposure) exposures.push(exposure);
    } catch {
      malformed.push(referenceOf(resource));
    }
  }
  // The same data in any resource order gives the same history (and the same evidence rows).
  exposures.sort((a, b) => a.start - b.start || a.source.localeCompare(b.source));
  const byDrug = new Map<MedicationClass, Exposure[]>();
  for (const exposure of exposures) {
    byDrug.set(exposure.drug, [...(byDrug.get(exposure.drug) ?? []), exposure]);
  }
  const out: Partial<Record<MedicationClass, DrugHistory>> = {};
  for (const [drug, list] of byDrug) out[drug] = history(drug, list, now.getTime(), settings);
  return out;
}

function exposureOf(
  resource: MedicationRequest | MedicationStatement | MedicationAdministration,
  medications: ReadonlyMap<string, Medication>,
): Exposure | undefined {
  const concept = medicationConcept(resource, medications);
  const match = CLASSIFIER.classify(concept);
  if (!match) return undefined;
  const base = { drug: match.key, coding: match.coding, source: referenceOf(resource) };
  switch (resource.resourceType) {
    case 'MedicationAdministration': {
      if (resource.status !== 'completed') return undefined;
      const date = paths.effectiveDate(resource);
      const start = toTime(date);
      if (!date || start === undefined) return undefined;
      return {
        ...base,
        start,
        startDate: date,
        active: false,
        dose: true,
        fromAdministration: true,
      };
    }
    case 'MedicationStatement': {
      const date = paths.effectiveDate(resource) ?? resource.dateAsserted;
      const start = toTime(date);
      if (!date || start === undefined) return undefined;
      const end = toTime(resource.effectivePeriod?.end);
      const single = typeof resource.effectiveDateTime === 'string';
      return {
        ...base,
        start,
        startDate: date,
        ...(end !== undefined ? { end } : {}),
        active: resource.status === 'active',
        dose: single,
        fromAdministration: false,
        dosages: resource.dosage,
      };
    }
    case 'MedicationRequest': {
      const bounds = resource.dosageInstruction?.[0]?.timing?.repeat?.boundsPeriod;
      const date =
        bounds?.start ?? resource.authoredOn ?? resource.dispenseRequest?.validityPeriod?.start;
      const start = toTime(date);
      if (!date || start === undefined) return undefined;
      const supplyDays = resource.dispenseRequest?.expectedSupplyDuration?.value;
      const end =
        toTime(bounds?.end) ??
        toTime(resource.dispenseRequest?.validityPeriod?.end) ??
        (typeof supplyDays === 'number' ? start + supplyDays * DAY_MS : undefined);
      return {
        ...base,
        start,
        startDate: date,
        ...(end !== undefined ? { end } : {}),
        active: resource.status === 'active',
        dose: resource.status === 'completed',
        fromAdministration: false,
        dosages: resource.dosageInstruction,
      };
    }
  }
}

function history(
  drug: MedicationClass,
  exposures: Exposure[],
  now: number,
  settings: MedicationSettings,
): DrugHistory {
  const coverage = settings.coverageDays[drug] * DAY_MS;
  const intervals = exposures
    .map((exposure) => {
      const end = exposure.active
        ? Math.max(exposure.end ?? now, exposure.start)
        : (exposure.end ?? exposure.start + coverage);
      return {
        start: exposure.start,
        end: exposure.dose ? Math.max(end, exposure.start + coverage) : end,
      };
    })
    .sort((a, b) => a.start - b.start);
  const courses: { start: number; end: number }[] = [];
  for (const interval of intervals) {
    const last = courses[courses.length - 1];
    if (last && interval.start <= last.end + settings.courseGapDays * DAY_MS)
      last.end = Math.max(last.end, interval.end);
    else courses.push({ ...interval });
  }
  const lastCourse = courses[courses.length - 1];
  const activeOrder = exposures.find(
    (exposure) => exposure.active && (exposure.end === undefined || exposure.end >= now),
  );
  const current = activeOrder !== undefined || (lastCourse !== undefined && lastCourse.end >= now);
  const cumulativeDays = courses.reduce(
    (sum, course) => sum + Math.max(0, Math.min(course.end, now) - course.start) / DAY_MS,
    0,
  );
  const courseStartExposure =
    lastCourse && exposures.find((exposure) => exposure.start === lastCourse.start);
  const dosing = activeOrder ?? latest(exposures.filter((exposure) => exposure.dosages));
  const dailyDose = dosing?.dosages ? dailyDoseMg(dosing.dosages) : undefined;
  const factor = dosing ? PREDNISOLONE_FACTOR.get(dosing.coding.code ?? '') : undefined;
  return {
    drug,
    current,
    ...(lastCourse && courseStartExposure
      ? { courseStart: { date: courseStartExposure.startDate, time: lastCourse.start } }
      : {}),
    ...(lastCourse ? { coverageEnd: lastCourse.end } : {}),
    cumulativeDays: Math.round(cumulativeDays),
    doses: dosesOf(exposures),
    ...(dailyDose !== undefined && current ? { dailyDoseMg: dailyDose } : {}),
    ...(dailyDose !== undefined && current && factor !== undefined
      ? { prednisoloneMgPerDay: Math.round(dailyDose * factor * 100) / 100 }
      : {}),
    sources: exposures.map((exposure) => exposure.source),
  };
}

function latest(exposures: Exposure[]): Exposure | undefined {
  return exposures.reduce<Exposure | undefined>(
    (best, exposure) => (!best || exposure.start > best.start ? exposure : best),
    undefined,
  );
}

/**
 * Doses given: administrations, dated one-off statements, and completed orders
 * when no administration is on record for the drug. One dose recorded twice is
 * counted once.
 */
function dosesOf(exposures: Exposure[]): Dose[] {
  const hasAdministrations = exposures.some((exposure) => exposure.fromAdministration);
  const candidates = exposures
    .filter(
      (exposure) =>
        exposure.dose &&
        (exposure.fromAdministration ||
          exposure.source.startsWith('MedicationStatement') ||
          !hasAdministrations),
    )
    .sort((a, b) => a.start - b.start || a.source.localeCompare(b.source));
  const doses: Dose[] = [];
  for (const exposure of candidates) {
    const last = doses[doses.length - 1];
    if (last && exposure.start - last.time < SAME_DOSE_MS) continue;
    doses.push({ date: exposure.startDate, time: exposure.start, source: exposure.source });
  }
  return doses;
}

/** medication[x]: a CodeableConcept, or a reference to a contained or fetched Medication. */
export function medicationConcept(
  resource: MedicationRequest | MedicationStatement | MedicationAdministration,
  medications: ReadonlyMap<string, Medication>,
): CodeableConcept | undefined {
  const concept = paths.medicationConcept(resource);
  if (concept) return concept;
  const target = paths.medicationReference(resource)?.reference;
  if (typeof target !== 'string') return undefined;
  if (target.startsWith('#')) {
    const contained = (Array.isArray(resource.contained) ? resource.contained : []).find(
      (candidate) => candidate.resourceType === 'Medication' && candidate.id === target.slice(1),
    ) as Medication | undefined;
    return contained?.code;
  }
  return medications.get(target)?.code;
}

export interface DraftInput {
  patientId: string;
  draftOrders?: readonly FhirResource[];
  selections?: readonly string[];
}

/** The medication orders this hook call is about (order-select: only the selections). */
export function readDrafts(
  input: DraftInput,
  medications: ReadonlyMap<string, Medication>,
  malformed: string[],
): DraftMedicationOrder[] {
  const selected = input.selections ? new Set(input.selections) : undefined;
  const drafts: DraftMedicationOrder[] = [];
  for (const resource of input.draftOrders ?? []) {
    if (resource.resourceType !== 'MedicationRequest') continue;
    const reference = referenceOf(resource);
    if (selected && !selected.has(reference)) continue;
    try {
      if (EXCLUDED_DRAFT_STATUS.has(resource.status)) continue;
      if (!belongsTo(resource, input.patientId)) continue;
      const concept = medicationConcept(resource, medications);
      const match = CLASSIFIER.classify(concept);
      if (!match) continue;
      const dose = dailyDoseMg(resource.dosageInstruction);
      drafts.push({
        reference,
        drug: match.key,
        display: displayOf(concept, match.coding, reference),
        ...(dose !== undefined ? { dailyDoseMg: dose } : {}),
      });
    } catch {
      malformed.push(reference);
    }
  }
  return drafts;
}

const EXCLUDED_DRAFT_STATUS = new Set(['entered-in-error', 'cancelled', 'revoked']);

function displayOf(concept: CodeableConcept | undefined, coding: Coding, fallback: string): string {
  for (const text of [concept?.text, coding.display, coding.code])
    if (typeof text === 'string' && text) return text;
  return fallback;
}
