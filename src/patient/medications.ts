/**
 * The drug-state model (rules.md "Drug state"): one history per drug class, built
 * once per request from MedicationRequest, MedicationStatement,
 * MedicationAdministration and MedicationDispense — whatever subset the EHR sends —
 * with its state (current / lapsed / stopped, a switch), its courses and doses,
 * and denosumab 120 mg (oncology) told apart from 60 mg. Documented intolerances
 * come from AllergyIntolerance and from stops with a reason. Every rule reads this
 * model; none re-derives drug history. Drafts of the current order-select /
 * order-sign call are read separately (readDrafts).
 */
import type {
  AllergyIntolerance,
  CodeableConcept,
  Coding,
  Dosage,
  FhirResource,
  Medication,
  MedicationAdministration,
  MedicationDispense,
  MedicationRequest,
  MedicationStatement,
  Reference,
} from 'fhir/r4';
import {
  MEDICATION_CODES,
  OSTEOPOROSIS_DRUGS,
  PREDNISOLONE_EQUIVALENT,
  type MedicationClass,
} from '../fhir/code-lists';
import { COVERED_DRUG_NAMES } from '../fhir/drug-products';
import { compileClassifier } from '../fhir/codes';
import { paths } from '../fhir/paths';
import { DAY_MS, toTime } from './dates';
import { dailyDoseMg } from './dosage';
import { belongsTo, referenceOf } from './references';
import type {
  Dose,
  DraftMedicationOrder,
  DrugAssumption,
  DrugHistory,
  Intolerance,
  UncheckedDraft,
  UnreadableMedication,
} from './snapshot';

type MedicationUse =
  MedicationRequest | MedicationStatement | MedicationAdministration | MedicationDispense;

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
  /** A dated single dose (infusion, injection, one administration, a dispense). */
  dose: boolean;
  fromAdministration: boolean;
  dosages?: readonly Dosage[];
  /** A stop is recorded on this resource (status stopped, or a statusReason). */
  stop?: { reason?: string };
}

export interface MedicationModel {
  histories: Partial<Record<MedicationClass, DrugHistory>>;
  intolerances: Intolerance[];
  unreadable: UnreadableMedication[];
}

export function readMedicationHistory(
  resources: readonly FhirResource[],
  patientId: string,
  medications: ReadonlyMap<string, Medication>,
  now: Date,
  settings: MedicationSettings,
  malformed: string[],
): Partial<Record<MedicationClass, DrugHistory>> {
  return readMedicationModel(resources, patientId, medications, now, settings, malformed).histories;
}

/** The drug-state model of one request (rules.md "Drug state"). */
export function readMedicationModel(
  resources: readonly FhirResource[],
  patientId: string,
  medications: ReadonlyMap<string, Medication>,
  now: Date,
  settings: MedicationSettings,
  malformed: string[],
): MedicationModel {
  const exposures: Exposure[] = [];
  const undated = new Map<MedicationClass, string[]>();
  const intolerances: Intolerance[] = [];
  const unreadable: UnreadableMedication[] = [];
  for (const resource of resources) {
    if (resource.resourceType === 'AllergyIntolerance') {
      try {
        if (!belongsTo(resource, patientId)) continue;
        const intolerance = intoleranceOf(resource);
        if (intolerance) intolerances.push(intolerance);
      } catch {
        malformed.push(referenceOf(resource));
      }
      continue;
    }
    if (
      resource.resourceType !== 'MedicationRequest' &&
      resource.resourceType !== 'MedicationStatement' &&
      resource.resourceType !== 'MedicationAdministration' &&
      resource.resourceType !== 'MedicationDispense'
    ) {
      continue;
    }
    try {
      if (!belongsTo(resource, patientId) || EXCLUDED_STATUS.has(resource.status)) continue;
      const read = exposureOf(resource, medications);
      if (read === 'undated') continue;
      if (read && 'undatedDrug' in read) {
        undated.set(read.undatedDrug, [...(undated.get(read.undatedDrug) ?? []), read.source]);
        continue;
      }
      if (read) exposures.push(read);
      else {
        const record = unreadableRecord(resource, medications);
        if (record) unreadable.push(record);
      }
    } catch {
      malformed.push(referenceOf(resource));
    }
  }
  // The same data in any resource order gives the same history (and the same evidence rows).
  exposures.sort((a, b) => a.start - b.start || a.source.localeCompare(b.source));
  const byDrug = new Map<MedicationClass, Exposure[]>();
  for (const exposure of exposures) {
    const list = byDrug.get(exposure.drug);
    if (list) list.push(exposure);
    else byDrug.set(exposure.drug, [exposure]);
  }
  const histories: Partial<Record<MedicationClass, DrugHistory>> = {};
  for (const [drug, list] of byDrug)
    histories[drug] = history(drug, list, now.getTime(), settings, undated.get(drug) ?? []);
  // A drug given only by undated administrations: taken, but when is unknown (lapsed, not current).
  for (const [drug, sources] of undated) {
    if (histories[drug]) continue;
    histories[drug] = {
      drug,
      state: 'lapsed',
      current: false,
      courses: [],
      assumptions: ['undated-administration'],
      cumulativeDays: 0,
      doses: [],
      sources: [...sources].sort(),
    };
  }
  markSwitches(histories);
  for (const history of Object.values(histories)) {
    if (history?.stop?.reason) {
      intolerances.push({
        drug: history.drug,
        kind: 'stop-reason',
        ...(history.stop.date ? { date: history.stop.date } : {}),
        text: history.stop.reason,
        source: history.stop.source,
      });
    }
  }
  intolerances.sort((a, b) => a.source.localeCompare(b.source) || a.drug.localeCompare(b.drug));
  // In any resource order, the same list.
  unreadable.sort((a, b) => a.reference.localeCompare(b.reference));
  return { histories, intolerances, unreadable };
}

/**
 * A switch: another osteoporosis drug started after this one's last dose. The older
 * drug is then stopped (rules.md "Drug state") unless it is itself still current.
 */
function markSwitches(histories: Partial<Record<MedicationClass, DrugHistory>>): void {
  const drugs = OSTEOPOROSIS_DRUGS.map((drug) => histories[drug]).filter(
    (history): history is DrugHistory => history !== undefined,
  );
  for (const history of drugs) {
    if (history.current || history.lastTime === undefined) continue;
    const last = history.lastTime;
    const next = drugs
      .filter((other) => other.drug !== history.drug)
      .map((other) => ({
        drug: other.drug,
        start: other.courses.find((course) => course.start > last)?.start,
      }))
      .filter(
        (candidate): candidate is { drug: MedicationClass; start: number } =>
          candidate.start !== undefined,
      )
      .sort((a, b) => a.start - b.start)[0];
    if (next) {
      history.switchedTo = next.drug;
      history.state = 'stopped';
    }
  }
}

const ACTIVE_ALLERGY = new Set(['active']);
const EXCLUDED_ALLERGY_VERIFICATION = new Set(['refuted', 'entered-in-error']);

/** codes.md "intolerance": AllergyIntolerance.code with the drug's code, clinicalStatus active, not refuted. */
function intoleranceOf(resource: AllergyIntolerance): Intolerance | undefined {
  const clinical = statusCodes(resource.clinicalStatus);
  if (clinical.length > 0 && !clinical.some((code) => ACTIVE_ALLERGY.has(code))) return undefined;
  if (
    statusCodes(resource.verificationStatus).some((code) => EXCLUDED_ALLERGY_VERIFICATION.has(code))
  )
    return undefined;
  const match = CLASSIFIER.classify(resource.code);
  if (!match) return undefined;
  const reaction = resource.reaction?.[0]?.manifestation?.[0];
  const text = conceptText(reaction);
  const date = resource.recordedDate ?? paths.onsetDate(resource);
  return {
    drug: match.key,
    kind: 'allergy',
    ...(typeof date === 'string' ? { date } : {}),
    ...(text ? { text } : {}),
    source: referenceOf(resource),
  };
}

function statusCodes(concept: CodeableConcept | undefined): string[] {
  return (Array.isArray(concept?.coding) ? concept.coding : [])
    .map((coding) => coding?.code)
    .filter((code): code is string => typeof code === 'string');
}

function conceptText(concept: CodeableConcept | undefined): string | undefined {
  if (typeof concept?.text === 'string' && concept.text) return concept.text;
  const display = (Array.isArray(concept?.coding) ? concept.coding : []).find(
    (coding) => typeof coding?.display === 'string' && coding.display,
  )?.display;
  return display;
}

function exposureOf(
  resource: MedicationUse,
  medications: ReadonlyMap<string, Medication>,
): Exposure | { undatedDrug: MedicationClass; source: string } | 'undated' | undefined {
  const medication = resolveMedication(resource, medications);
  const match = classifyMedication(medication);
  if (!match) return undefined;
  const dosages =
    resource.resourceType === 'MedicationRequest'
      ? resource.dosageInstruction
      : resource.resourceType === 'MedicationStatement'
        ? resource.dosage
        : resource.resourceType === 'MedicationDispense'
          ? resource.dosageInstruction
          : undefined;
  const drug: MedicationClass =
    match.key === 'denosumab' && isOncologyDenosumab(medication, dosages, resource)
      ? 'denosumabOncology'
      : match.key;
  const coding = match.coding;
  const source = referenceOf(resource);
  const stopReason = conceptText(
    'statusReason' in resource
      ? Array.isArray(resource.statusReason)
        ? resource.statusReason[0]
        : resource.statusReason
      : undefined,
  );
  switch (resource.resourceType) {
    case 'MedicationAdministration': {
      if (resource.status !== 'completed') return undefined;
      const date = paths.effectiveDate(resource);
      const start = toTime(date);
      if (!date || start === undefined) return { undatedDrug: drug, source };
      return {
        drug,
        coding,
        source,
        start,
        startDate: date,
        active: false,
        dose: true,
        fromAdministration: true,
      };
    }
    case 'MedicationDispense': {
      if (resource.status !== 'completed') return undefined;
      const date = resource.whenHandedOver ?? resource.whenPrepared;
      const start = toTime(date);
      if (!date || start === undefined) return { undatedDrug: drug, source };
      const supply = resource.daysSupply?.value;
      return {
        drug,
        coding,
        source,
        start,
        startDate: date,
        ...(typeof supply === 'number' && supply > 0 ? { end: start + supply * DAY_MS } : {}),
        active: false,
        dose: true,
        fromAdministration: false,
        ...(dosages ? { dosages } : {}),
      };
    }
    case 'MedicationStatement': {
      const date = paths.effectiveDate(resource) ?? resource.dateAsserted;
      const start = toTime(date);
      if (!date || start === undefined) return 'undated';
      const end = toTime(resource.effectivePeriod?.end);
      const single = typeof resource.effectiveDateTime === 'string';
      const stopped = resource.status === 'stopped' || stopReason !== undefined;
      return {
        drug,
        coding,
        source,
        start,
        startDate: date,
        ...(end !== undefined ? { end } : {}),
        active: resource.status === 'active',
        dose: single,
        fromAdministration: false,
        dosages: resource.dosage,
        ...(stopped ? { stop: stopReason ? { reason: stopReason } : {} } : {}),
      };
    }
    case 'MedicationRequest': {
      const bounds = resource.dosageInstruction?.[0]?.timing?.repeat?.boundsPeriod;
      const date =
        bounds?.start ?? resource.authoredOn ?? resource.dispenseRequest?.validityPeriod?.start;
      const start = toTime(date);
      if (!date || start === undefined) return 'undated';
      const supplyDays = resource.dispenseRequest?.expectedSupplyDuration?.value;
      const end =
        toTime(bounds?.end) ??
        toTime(resource.dispenseRequest?.validityPeriod?.end) ??
        (typeof supplyDays === 'number' ? start + supplyDays * DAY_MS : undefined);
      const stopped = resource.status === 'stopped' || stopReason !== undefined;
      return {
        drug,
        coding,
        source,
        start,
        startDate: date,
        ...(end !== undefined ? { end } : {}),
        active: resource.status === 'active',
        dose: resource.status === 'completed',
        fromAdministration: false,
        dosages: resource.dosageInstruction,
        ...(stopped ? { stop: stopReason ? { reason: stopReason } : {} } : {}),
      };
    }
  }
}

const ONCOLOGY_TEXT = /\bxgeva\b|\b120\s*mg\b/i;

/**
 * Denosumab 120 mg (Xgeva, bone metastases / myeloma) vs 60 mg (Prolia): by product
 * name or strength in the coding / text, by the Medication's ingredient strength or
 * the dose, or by a 4-weekly schedule (codes.md "Turn 2 additions").
 */
function isOncologyDenosumab(
  medication: ResolvedMedication,
  dosages: readonly Dosage[] | undefined,
  resource: MedicationUse,
): boolean {
  const texts = [
    medication.concept?.text,
    ...(Array.isArray(medication.concept?.coding) ? medication.concept.coding : []).map(
      (coding) => coding?.display,
    ),
  ];
  if (texts.some((text) => typeof text === 'string' && ONCOLOGY_TEXT.test(text))) return true;
  for (const ingredient of medication.resource?.ingredient ?? []) {
    const numerator = ingredient?.strength?.numerator;
    const denominator = ingredient?.strength?.denominator;
    if (numerator?.unit === 'mg' || numerator?.code === 'mg') {
      // Xgeva: 120 mg / 1.7 mL (70 mg/mL); Prolia: 60 mg / 1 mL.
      const mg = numerator.value ?? 0;
      if (mg >= 100 || (mg === 70 && (denominator?.value ?? 1) === 1)) return true;
    }
  }
  const dose =
    resource.resourceType === 'MedicationAdministration'
      ? resource.dosage?.dose
      : dosages?.[0]?.doseAndRate?.[0]?.doseQuantity;
  if (dose && (dose.code === 'mg' || dose.unit === 'mg') && (dose.value ?? 0) >= 100) return true;
  const repeat = dosages?.[0]?.timing?.repeat;
  if (repeat && typeof repeat.period === 'number') {
    const unitDays: Record<string, number> = { d: 1, wk: 7, mo: 30, a: 365 };
    const days = repeat.period * (unitDays[repeat.periodUnit ?? ''] ?? Number.NaN);
    const interval = days / (repeat.frequency ?? 1);
    // Every 3–5 weeks is the oncology schedule; 6-monthly (or anything else) is not.
    if (Number.isFinite(interval) && interval >= 21 && interval <= 35) return true;
  }
  return false;
}

function history(
  drug: MedicationClass,
  exposures: Exposure[],
  now: number,
  settings: MedicationSettings,
  undatedSources: readonly string[],
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
  const activeOrders = exposures.filter(
    (exposure) => exposure.active && (exposure.end === undefined || exposure.end >= now),
  );
  const activeOrder = activeOrders[activeOrders.length - 1];
  // The latest record that is not a stop; a stop counts when nothing newer restarted the drug.
  const lastRecord = latest(exposures);
  const stopRecord = latest(exposures.filter((exposure) => exposure.stop));
  const newestOther = latest(exposures.filter((exposure) => !exposure.stop));
  const stopCounts =
    stopRecord !== undefined &&
    (newestOther === undefined ||
      (stopRecord.end ?? stopRecord.start) >= newestOther.start ||
      stopRecord.start >= newestOther.start);
  const assumptions: DrugAssumption[] = [];
  // Contradictory data (an active statement / order and a later stop): the model keeps
  // the drug current — the conservative reading for every rule — and the cards say so.
  if (activeOrder && stopCounts) assumptions.push('status-conflict');
  if (undatedSources.length > 0) assumptions.push('undated-administration');
  const coverageRunning = lastCourse !== undefined && lastCourse.end >= now && !stopCounts;
  const current = activeOrder !== undefined || coverageRunning;
  const cumulativeDays = courses.reduce(
    (sum, course) => sum + Math.max(0, Math.min(course.end, now) - course.start) / DAY_MS,
    0,
  );
  const courseStartExposure =
    lastCourse && exposures.find((exposure) => exposure.start === lastCourse.start);
  const dosing = activeOrder ?? latest(exposures.filter((exposure) => exposure.dosages));
  const dailyDose = dosing?.dosages ? dailyDoseMg(dosing.dosages) : undefined;
  const factor = dosing ? PREDNISOLONE_FACTOR.get(dosing.coding.code ?? '') : undefined;
  const stopDate = stopRecord
    ? stopRecord.end !== undefined
      ? new Date(stopRecord.end).toISOString().slice(0, 10)
      : stopRecord.startDate
    : undefined;
  return {
    drug,
    state: current ? 'current' : stopCounts ? 'stopped' : 'lapsed',
    current,
    ...(lastRecord ? { lastTime: lastRecord.start, lastDate: lastRecord.startDate } : {}),
    ...(stopCounts && stopRecord
      ? {
          stop: stopOf(stopDate, stopRecord.source, stopRecord.stop?.reason),
        }
      : {}),
    courses,
    assumptions,
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
    sources: [...exposures.map((exposure) => exposure.source), ...undatedSources],
  };
}

/** The stop of a history; built field by field, not by spreads (see docs/benchmark.md, Node 20). */
function stopOf(
  date: string | undefined,
  source: string,
  reason: string | undefined,
): NonNullable<DrugHistory['stop']> {
  const stop: NonNullable<DrugHistory['stop']> = date ? { date, source } : { source };
  if (reason) stop.reason = reason;
  return stop;
}

function latest(exposures: Exposure[]): Exposure | undefined {
  return exposures.reduce<Exposure | undefined>(
    (best, exposure) => (!best || exposure.start >= best.start ? exposure : best),
    undefined,
  );
}

/**
 * Doses given: administrations, dated one-off statements, and completed orders or
 * dispenses when no administration is on record for the drug. One dose recorded
 * twice is counted once.
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

interface ResolvedMedication {
  /** The code to classify: medicationCodeableConcept, or the Medication's code. */
  concept?: CodeableConcept;
  /** The Medication resource (contained or fetched), when medication[x] is a reference. */
  resource?: Medication;
  /** A reference that does not resolve (not contained, not fetched). */
  unresolved?: Reference;
}

/** medication[x]: a CodeableConcept, or a reference to a contained or fetched Medication. */
function resolveMedication(
  resource: MedicationUse,
  medications: ReadonlyMap<string, Medication>,
): ResolvedMedication {
  const concept = paths.medicationConcept(resource);
  if (concept) return { concept };
  const reference = paths.medicationReference(resource);
  const target = reference?.reference;
  if (typeof target !== 'string') return reference ? { unresolved: reference } : {};
  const found = target.startsWith('#')
    ? ((Array.isArray(resource.contained) ? resource.contained : []).find(
        (candidate) => candidate.resourceType === 'Medication' && candidate.id === target.slice(1),
      ) as Medication | undefined)
    : medications.get(target);
  return found ? { concept: found.code, resource: found } : { unresolved: reference };
}

/** The Medication's code, else one of its ingredients (a Medication coded only by ingredient). */
function classifyMedication(
  medication: ResolvedMedication,
): { key: MedicationClass; coding: Coding } | undefined {
  const byCode = CLASSIFIER.classify(medication.concept);
  if (byCode) return byCode;
  for (const ingredient of medication.resource?.ingredient ?? []) {
    const match = CLASSIFIER.classify(ingredient?.itemCodeableConcept);
    if (match) return match;
  }
  return undefined;
}

/** medication[x] as a CodeableConcept (the Medication's code when referenced). */
export function medicationConcept(
  resource: MedicationRequest | MedicationStatement | MedicationAdministration,
  medications: ReadonlyMap<string, Medication>,
): CodeableConcept | undefined {
  return resolveMedication(resource, medications).concept;
}

export interface DraftInput {
  patientId: string;
  draftOrders?: readonly FhirResource[];
  selections?: readonly string[];
}

export interface DraftReading {
  drafts: DraftMedicationOrder[];
  unchecked: UncheckedDraft[];
}

/**
 * The medication orders this hook call is about (order-select: only the
 * selections). A draft whose coding is not recognised but whose text names a
 * covered drug is listed as unchecked (R32): the service never stays silent on an
 * order it could not read.
 */
export function readDrafts(
  input: DraftInput,
  medications: ReadonlyMap<string, Medication>,
  malformed: string[],
): DraftReading {
  const selected = input.selections ? new Set(input.selections) : undefined;
  const drafts: DraftMedicationOrder[] = [];
  const unchecked: UncheckedDraft[] = [];
  for (const resource of input.draftOrders ?? []) {
    if (resource.resourceType !== 'MedicationRequest') continue;
    const reference = referenceOf(resource);
    if (selected && !selected.has(reference)) continue;
    try {
      if (EXCLUDED_DRAFT_STATUS.has(resource.status)) continue;
      if (!belongsTo(resource, input.patientId)) continue;
      const medication = resolveMedication(resource, medications);
      const match = classifyMedication(medication);
      if (!match) {
        const named = uncheckedDraft(reference, medication);
        if (named) unchecked.push(named);
        continue;
      }
      const drug: MedicationClass =
        match.key === 'denosumab' &&
        isOncologyDenosumab(medication, resource.dosageInstruction, resource)
          ? 'denosumabOncology'
          : match.key;
      const dose = dailyDoseMg(resource.dosageInstruction);
      drafts.push({
        reference,
        drug,
        display: displayOf(medication.concept, match.coding, reference),
        ...(dose !== undefined ? { dailyDoseMg: dose } : {}),
      });
    } catch {
      malformed.push(reference);
    }
  }
  return { drafts, unchecked };
}

const EXCLUDED_DRAFT_STATUS = new Set(['entered-in-error', 'cancelled', 'revoked']);

/**
 * A history record whose drug could not be read (snapshot `UnreadableMedication`):
 * the same reading as R32 gives a draft, plus any Medication reference that does not
 * resolve, since that record might be an osteoporosis drug.
 */
function unreadableRecord(
  resource: MedicationUse,
  medications: ReadonlyMap<string, Medication>,
): UnreadableMedication | undefined {
  const medication = resolveMedication(resource, medications);
  if (classifyMedication(medication)) return undefined;
  const reference = referenceOf(resource);
  const named = uncheckedDraft(reference, medication);
  if (named)
    return { reference, display: named.display, namedDrug: named.namedDrug, why: named.why };
  if (!medication.unresolved) return undefined;
  const display = medication.unresolved.display;
  return {
    reference,
    ...(typeof display === 'string' && display ? { display } : {}),
    why: 'unresolved-reference',
  };
}

/** R32: the covered drug a draft's text names, when its coding could not be read. */
function uncheckedDraft(
  reference: string,
  medication: ResolvedMedication,
): UncheckedDraft | undefined {
  const texts = [
    medication.concept?.text,
    ...(Array.isArray(medication.concept?.coding) ? medication.concept.coding : []).map(
      (coding) => coding?.display,
    ),
    medication.unresolved?.display,
  ].filter((text): text is string => typeof text === 'string' && text.length > 0);
  const namedDrug = namedCoveredDrug(texts);
  if (!namedDrug) return undefined;
  const codings = (Array.isArray(medication.concept?.coding) ? medication.concept.coding : [])
    .filter((coding) => typeof coding?.code === 'string')
    .map((coding) => `${coding.system ?? '(no system)'}|${coding.code ?? ''}`);
  return {
    reference,
    display: texts[0] ?? reference,
    namedDrug,
    ...(codings.length > 0 ? { codes: codings.join(', ') } : {}),
    why: medication.unresolved
      ? 'unresolved-reference'
      : codings.length > 0
        ? 'unknown-code'
        : 'no-code',
  };
}

/** The covered drug a text names (ingredient or brand, at a word start), if any. */
export function namedCoveredDrug(texts: readonly string[]): string | undefined {
  const words = texts.join(' ').toLowerCase();
  for (const [drug, names] of Object.entries(COVERED_DRUG_NAMES)) {
    if (names.some((name) => new RegExp(`(^|[^\\p{L}])${name}`, 'u').test(words))) return drug;
  }
  return undefined;
}

function displayOf(concept: CodeableConcept | undefined, coding: Coding, fallback: string): string {
  for (const text of [concept?.text, coding.display, coding.code])
    if (typeof text === 'string' && text) return text;
  return fallback;
}
