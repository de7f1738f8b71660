/**
 * Clinical facts the rules share, derived from the snapshot as rules.md
 * "Definitions" says. Pure functions of (snapshot, now, config).
 */
import { ANTIRESORPTIVE_DRUGS, OSTEOPOROSIS_DRUGS, type MedicationClass } from '../fhir/code-lists';
import { DAY_MS, monthsBetween } from '../patient/dates';
import type {
  Diagnosis,
  DrugHistory,
  Fracture,
  Intolerance,
  PatientSnapshot,
  TScore,
} from '../patient/snapshot';
import type { GuidelineConfig } from './config';
import type { Evidence } from './finding';

const YEAR_MS = 365.25 * DAY_MS;

/** Indication rules apply from this age (rules.md "Scope"); unknown age is out of scope, and said nowhere as normal. */
export function inScope(snapshot: PatientSnapshot, config: GuidelineConfig): boolean {
  return snapshot.ageYears !== undefined && snapshot.ageYears >= config.scope.minAge;
}

/** The most recent T-score per site (the lowest of that day's values), spine and hip. */
export function latestTScoresBySite(snapshot: PatientSnapshot): TScore[] {
  const bySite = new Map<string, TScore>();
  for (const score of snapshot.tScores) {
    const kept = bySite.get(score.site);
    if (!kept || score.time > kept.time || (score.time === kept.time && score.value < kept.value)) {
      bySite.set(score.site, score);
    }
  }
  return [...bySite.values()];
}

/** rules.md "Lowest T-score": the lowest of the most recent T-scores at spine, total hip and femoral neck / femur. */
export function lowestTScore(snapshot: PatientSnapshot): TScore | undefined {
  return latestTScoresBySite(snapshot).reduce<TScore | undefined>(
    (lowest, score) => (!lowest || score.value < lowest.value ? score : lowest),
    undefined,
  );
}

export function isOlderThanYears(time: number, years: number, now: Date): boolean {
  return now.getTime() - time > years * YEAR_MS;
}

/**
 * The patient's osteoporosis treatment for the indication rules (rules.md "Drug
 * state"): a current or lapsed osteoporosis drug — a lapsed denosumab patient is on
 * treatment (R21), never a new start (R3 / R4) — or denosumab 120 mg while it runs.
 */
export function onTreatment(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): DrugHistory | undefined {
  const drugs = OSTEOPOROSIS_DRUGS.map((drug) => snapshot.medications[drug]);
  return (
    drugs.find((history) => history?.state === 'current') ??
    drugs.find((history) => history?.state === 'lapsed') ??
    denosumabWithoutFollowOn(snapshot, config, now) ??
    (snapshot.medications.denosumabOncology?.current
      ? snapshot.medications.denosumabOncology
      : undefined)
  );
}

/**
 * Denosumab stopped without a follow-on drug, within the window R21 speaks in: the
 * patient is still managed as on denosumab (R21), never as a new start.
 */
export function denosumabWithoutFollowOn(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): DrugHistory | undefined {
  const history = snapshot.medications.denosumab;
  if (!history || history.switchedTo || history.lastTime === undefined) return undefined;
  return monthsBetween(history.lastTime, now.getTime()) <= config.denosumab.recentMonths
    ? history
    : undefined;
}

/** Documented intolerances of a drug (AllergyIntolerance, stop with a reason). */
export function intolerancesOf(snapshot: PatientSnapshot, drug: MedicationClass): Intolerance[] {
  return snapshot.intolerances.filter((intolerance) => intolerance.drug === drug);
}

export function intoleranceEvidence(intolerance: Intolerance): Evidence {
  return {
    item: 'intolerance',
    value: intolerance.text ?? intolerance.drug,
    ...(intolerance.date ? { date: intolerance.date } : {}),
    source: intolerance.source,
    site: intolerance.drug,
    notes: [intolerance.kind === 'allergy' ? 'allergy-record' : 'stop-reason'],
  };
}

/** Drug-related osteonecrosis of the jaw on record (R27). */
export function jawOsteonecrosis(snapshot: PatientSnapshot): Diagnosis[] {
  return snapshot.diagnoses.filter((diagnosis) => diagnosis.kind === 'jawOsteonecrosis');
}

export function diagnosisEvidence(diagnosis: Diagnosis): Evidence {
  return {
    item: 'diagnosis',
    value: diagnosis.code,
    ...(diagnosis.date ? { date: diagnosis.date } : {}),
    source: diagnosis.source,
  };
}

/** The patient's current osteoporosis drug (antiresorptive or anabolic), if any. */
export function currentOsteoporosisDrug(snapshot: PatientSnapshot): DrugHistory | undefined {
  return OSTEOPOROSIS_DRUGS.map((drug) => snapshot.medications[drug]).find(
    (history) => history?.current,
  );
}

export function currentDrug(
  snapshot: PatientSnapshot,
  drug: MedicationClass,
): DrugHistory | undefined {
  const history = snapshot.medications[drug];
  return history?.current ? history : undefined;
}

export function takesCalciumOrVitaminD(snapshot: PatientSnapshot): boolean {
  return Boolean(snapshot.medications.calcium?.current || snapshot.medications.vitaminD?.current);
}

export interface GlucocorticoidExposure {
  history: DrugHistory;
  /** Prednisolone-equivalent mg/day; undefined when the dose is not stated in mg. */
  mgPerDay?: number;
  months: number;
}

/** Ongoing systemic glucocorticoid (rules.md "Glucocorticoid exposure"). */
export function ongoingGlucocorticoid(
  snapshot: PatientSnapshot,
  now: Date,
): GlucocorticoidExposure | undefined {
  const history = currentDrug(snapshot, 'glucocorticoidSystemic');
  if (!history?.courseStart) return undefined;
  return {
    history,
    ...(history.prednisoloneMgPerDay !== undefined
      ? { mgPerDay: history.prednisoloneMgPerDay }
      : {}),
    months: monthsBetween(history.courseStart.time, now.getTime()),
  };
}

export function isRecent(fracture: Fracture, months: number, now: Date): boolean {
  return fracture.time !== undefined && monthsBetween(fracture.time, now.getTime()) <= months;
}

/** Clinical osteoporosis: a hip or vertebral fragility fracture (001). */
export function clinicalOsteoporosisFractures(snapshot: PatientSnapshot): Fracture[] {
  return snapshot.fractures.filter(
    (fracture) => fracture.site === 'hip' || fracture.site === 'vertebra',
  );
}

export function vertebralFractureCount(snapshot: PatientSnapshot): number {
  return new Set(snapshot.fractures.filter((f) => f.site === 'vertebra').map((f) => f.distinctKey))
    .size;
}

/** An antiresorptive course the patient was on at `time` for longer than `months` months. */
export function antiresorptiveCourseAt(
  snapshot: PatientSnapshot,
  time: number,
  months: number,
): DrugHistory | undefined {
  return ANTIRESORPTIVE_DRUGS.map((drug) => snapshot.medications[drug]).find(
    (history) =>
      history?.courseStart !== undefined &&
      history.coverageEnd !== undefined &&
      time <= history.coverageEnd &&
      monthsBetween(history.courseStart.time, time) > months,
  );
}

export function tScoreEvidence(score: TScore): Evidence {
  return {
    item: 'tScore',
    value: score.value,
    date: score.date,
    source: score.source,
    site: score.site,
  };
}

export function fractureEvidence(fracture: Fracture): Evidence {
  return {
    item: 'fracture',
    value: fracture.code,
    ...(fracture.date ? { date: fracture.date } : {}),
    source: fracture.source,
    site: fracture.site,
    ...(fracture.mechanism === 'assumed' ? { notes: ['mechanism-assumed' as const] } : {}),
  };
}

export function drugEvidence(history: DrugHistory): Evidence {
  return {
    item: 'drug',
    value: history.drug,
    ...(history.courseStart ? { date: history.courseStart.date } : {}),
    source: history.sources[history.sources.length - 1] ?? '',
    notes: [
      history.state === 'current'
        ? 'current-course'
        : history.state === 'lapsed'
          ? 'lapsed-course'
          : 'stopped-course',
      ...history.assumptions,
    ],
  };
}

export function yearsBetween(from: number, to: number): number {
  return (to - from) / YEAR_MS;
}
