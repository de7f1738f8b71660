/**
 * The FLS worklist (../shared/guideline/pathway.md): for one patient found by the
 * population search, the sentinel fracture of the period, the step, the overdue
 * flags, the routing, the patient-view card codes, and how the patient counts for
 * each quality indicator. Pure: a function of (the patient's FHIR resources, the
 * period, now, the guideline config, the profile) — no Express, no I/O.
 *
 * One engine, two views: the snapshot is built by src/patient/build.ts and the
 * rules run through src/guideline/engine.ts exactly as for a patient-view hook;
 * the worklist reads their findings. "Is treatment indicated at 16 weeks" builds
 * the same snapshot at that date (data after it is then future-dated and unused).
 */
import type { Condition, FhirResource } from 'fhir/r4';
import { buildSnapshot, distinctVersions } from '../patient/build';
import { isExcluded, readFracture } from '../patient/conditions';
import { ageInYears, DAY_MS, toTime } from '../patient/dates';
import { belongsTo, referenceOf } from '../patient/references';
import type { Fracture, FractureSite, PatientSnapshot } from '../patient/snapshot';
import { snapshotSettings, type GuidelineConfig } from '../guideline/config';
import { evaluate } from '../guideline/engine';
import type { Finding } from '../guideline/finding';
import type { Profile } from '../guideline/profiles';
import { SCREENING_ANALYTES } from '../guideline/rules/before-treatment';
import { osteoporosisTreatment, withoutOsteoporosisDrugs } from './treatment';

export const STEPS = [
  'labs-missing',
  'dxa-missing',
  'decision-due',
  'no-treatment-indicated',
  'on-treatment',
  'follow-up-due',
  'secondary-referral',
  'undecided',
] as const;
export type WorklistStep = (typeof STEPS)[number];

export const OVERDUE_FLAGS = ['dxa', 'falls', 'treatment'] as const;
export type OverdueFlag = (typeof OVERDUE_FLAGS)[number];

export const INDICATOR_IDS = [
  'identified',
  'risk-assessed-12w',
  'dxa-12w',
  'falls-assessed-16w',
  'treatment-indicated',
  'treatment-started-16w',
  'on-treatment-52w',
  'completeness',
] as const;
export type IndicatorId = (typeof INDICATOR_IDS)[number];

/**
 * How one patient counts for one indicator: `met` / `not-met` (in the denominator),
 * `undecided` (the data cannot decide it), `pending` (its window has not closed
 * yet: counted once it has), `not-applicable` (outside its denominator, e.g.
 * started-within-16-weeks for a patient with no indication).
 */
export type IndicatorOutcome = 'met' | 'not-met' | 'undecided' | 'pending' | 'not-applicable';

export type FractureGroup = 'spine' | 'non-spine';

export interface SentinelFracture {
  date: string;
  site: FractureSite;
  code: string;
  /** `Condition/{id}` */
  source: string;
}

export interface WorklistRow {
  patientId: string;
  /** Whole years at the sentinel fracture. */
  age?: number;
  sex?: string;
  sentinelFracture?: SentinelFracture;
  group?: FractureGroup;
  step: WorklistStep;
  /** Why the step is `undecided` (or what could not be read): never patient data. */
  undecidedReason?: string;
  daysSinceFracture?: number;
  overdue: OverdueFlag[];
  /** dk: the FLS group card (R24); se: the fracture-chain card (R25); else null. */
  routing: string | null;
  /** The patient-view card codes for this patient now. */
  cards: string[];
  /** How the patient counts for each indicator (patients outside the population: none). */
  outcomes: Partial<Record<IndicatorId, IndicatorOutcome>>;
}

/** A patient the fracture search found who is not in the worklist, and why. */
export interface ExcludedPatient {
  patientId: string;
  reason: 'no-fracture-in-period' | 'atypical-femur-fracture';
}

export type PatientResult =
  { kind: 'row'; row: WorklistRow } | { kind: 'excluded'; excluded: ExcludedPatient };

export interface Period {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  /** YYYY-MM-DD, inclusive. */
  to: string;
}

export interface WorklistSettings {
  period: Period;
  now: Date;
  guideline: GuidelineConfig;
  profile: Profile;
}

export const WEEK_MS = 7 * DAY_MS;
export const WINDOWS = {
  dxaWeeks: 12,
  fallsWeeks: 16,
  treatmentWeeks: 16,
  onTreatmentWeeks: 52,
} as const;
/** pathway.md: a DXA / labs from this long before the fracture count for it. */
const DXA_BEFORE_MS = 6 * 30.4375 * DAY_MS;
const FOLLOW_UP_RULES = new Set(['R16', 'R17', 'R20', 'R21', 'R22']);
const INDICATION_RULES = new Set(['R3', 'R4', 'R5']);
/** R26 (atypical femur fracture): subtrochanteric / femoral shaft, ICD-10 S72.2 / S72.3. */
const AFF_CODE = /^S72\.?[23]/i;
const AFF_MIN_YEARS = 3;

/** Inclusive bounds of the period in epoch ms (the whole of `to` counts). */
export function periodBounds(period: Period): { start: number; end: number } {
  return {
    start: Date.parse(`${period.from}T00:00:00.000Z`),
    end: Date.parse(`${period.to}T23:59:59.999Z`),
  };
}

/** The worklist row for one patient (or why the patient is not on the list). */
export function evaluatePatient(
  patientId: string,
  resources: readonly FhirResource[],
  settings: WorklistSettings,
): PatientResult {
  const { now, guideline, profile } = settings;
  const build = (at: Date): PatientSnapshot =>
    buildSnapshot({ patientId, resources, now: at, settings: snapshotSettings(guideline) });
  const snapshot = build(now);
  const base = { patientId, overdue: [], routing: null, cards: [], outcomes: {} };
  if (!resources.some((r) => r.resourceType === 'Patient' && r.id === patientId)) {
    return undecided({ ...base }, 'the Patient resource could not be read');
  }
  const treatment = osteoporosisTreatment(snapshot, now);

  // The sentinel fracture: the first fracture of the period (any age: under 50 is R30's).
  const { start, end } = periodBounds(settings.period);
  const candidates: Fracture[] = [];
  let unreadableCondition: string | undefined;
  for (const resource of distinctVersions(resources)) {
    if (resource.resourceType !== 'Condition') continue;
    try {
      if (!belongsTo(resource, patientId) || isExcluded(resource as Condition)) continue;
      // Any age (minAge 0): under 50 is R30's. Without a birth date the site still
      // classifies (the stand-in date only passes readFracture's age check); the
      // row then says undecided, as the age at the fracture is unknown.
      const fracture = readFracture(resource, snapshot.birthDate ?? '0001-01-01', 0, now);
      if (fracture?.time !== undefined && fracture.time >= start && fracture.time <= end)
        candidates.push(fracture);
    } catch {
      unreadableCondition ??= referenceOf(resource);
    }
  }
  candidates.sort((a, b) => (a.time ?? 0) - (b.time ?? 0) || a.source.localeCompare(b.source));
  // Not R26 yet in the rule set: its definition (rules.md) read here from the fracture data.
  const isAtypical = (fracture: Fracture): boolean =>
    AFF_CODE.test(fracture.code) &&
    treatment.antiresorptiveYearsBefore(fracture.time ?? 0) >= AFF_MIN_YEARS;
  const sentinel = candidates.find((fracture) => !isAtypical(fracture));
  if (!sentinel || sentinel.time === undefined || sentinel.date === undefined) {
    if (unreadableCondition) {
      return undecided(base, `${unreadableCondition} could not be read`);
    }
    return {
      kind: 'excluded',
      excluded: {
        patientId,
        reason: candidates.length > 0 ? 'atypical-femur-fracture' : 'no-fracture-in-period',
      },
    };
  }
  const fractureTime = sentinel.time;
  const age = ageInYears(snapshot.birthDate, new Date(fractureTime));
  const findings = evaluate('patient-view', snapshot, now, guideline, profile);
  const row: WorklistRow = {
    ...base,
    ...(age !== undefined ? { age } : {}),
    ...(snapshot.sex ? { sex: snapshot.sex } : {}),
    sentinelFracture: {
      date: sentinel.date,
      site: sentinel.site,
      code: sentinel.code,
      source: sentinel.source,
    },
    group: sentinel.site === 'vertebra' ? 'spine' : 'non-spine',
    step: 'undecided',
    daysSinceFracture: Math.floor((now.getTime() - fractureTime) / DAY_MS),
    routing: routingOf(findings, profile),
    cards: findings.map((finding) => finding.code),
  };
  if (age === undefined) return undecided(row, 'no birth date: the age at the fracture is unknown');
  // Not R30 yet in the rule set: under 50 at the fracture is a specialist referral (pathway.md).
  if (age < guideline.scope.minAge)
    return { kind: 'row', row: { ...row, step: 'secondary-referral' } };

  const at = (weeks: number) => fractureTime + weeks * WEEK_MS;
  const closed = (weeks: number) => now.getTime() >= at(weeks);
  const indicationAt = (time: number): Finding[] =>
    evaluate(
      'patient-view',
      withoutOsteoporosisDrugs(time >= now.getTime() ? snapshot : build(new Date(time))),
      time >= now.getTime() ? now : new Date(time),
      guideline,
      profile,
    ).filter((finding) => INDICATION_RULES.has(finding.rule));

  const indicatedNow = indicationAt(now.getTime());
  const r4Now = indicatedNow.some((finding) => finding.rule === 'R4');
  const labsComplete = screeningCompleteSince(
    snapshot,
    fractureTime - guideline.screening.recentDays * DAY_MS,
  );
  const dxaFrom = fractureTime - DXA_BEFORE_MS;
  const dxaSince = snapshot.tScores.some((score) => score.time >= dxaFrom);
  const started = treatment.currentNow || treatment.startedSince(fractureTime);

  // Started since the fracture but stopped, and the rules (which see no current drug)
  // indicate treatment again: the decision is due again (a Decision, docs/worklist.md).
  const stopped =
    started &&
    !treatment.currentNow &&
    findings.some((finding) => INDICATION_RULES.has(finding.rule));
  // A lapsed drug is still the patient's treatment (rules.md "Drug state": R3–R5 stay
  // silent, R21 speaks), so the worklist agrees with the cards: on treatment, and a
  // follow-up is due when a follow-up rule fires (e.g. denosumab overdue).
  const onTreatment = (started && !stopped) || treatment.lapsedNow;
  let step: WorklistStep;
  if ((started || treatment.lapsedNow) && findings.some((f) => FOLLOW_UP_RULES.has(f.rule))) {
    step = 'follow-up-due';
  } else if (onTreatment) step = 'on-treatment';
  else if (!labsComplete) step = 'labs-missing';
  else if (!dxaSince && !r4Now) step = 'dxa-missing';
  else if (indicatedNow.length > 0) step = 'decision-due';
  else step = 'no-treatment-indicated';

  const overdue: OverdueFlag[] = [];
  if (closed(WINDOWS.dxaWeeks) && !dxaSince && !r4Now) overdue.push('dxa');
  if (
    closed(WINDOWS.fallsWeeks) &&
    !snapshot.fallRiskAssessments.some((record) => record.time >= fractureTime)
  )
    overdue.push('falls');
  if (
    closed(WINDOWS.treatmentWeeks) &&
    indicatedNow.length > 0 &&
    !treatment.currentDuring(fractureTime, now.getTime()) &&
    !treatment.startedSince(fractureTime)
  )
    overdue.push('treatment');

  // The indicators (pathway.md "Quality indicators").
  const dayPrecision = sentinel.date.length >= 10;
  const unreadable = unreadableKinds(snapshot);
  const windowed = (weeks: number, met: boolean, couldBeHidden: boolean): IndicatorOutcome => {
    if (!dayPrecision) return 'undecided';
    if (met) return 'met';
    if (!closed(weeks)) return 'pending';
    return couldBeHidden ? 'undecided' : 'not-met';
  };
  const inWindow = (time: number, from: number, weeks: number) => time >= from && time <= at(weeks);
  const dxaMet = snapshot.tScores.some((score) => inWindow(score.time, dxaFrom, WINDOWS.dxaWeeks));
  const fraxMet = (snapshot.fraxMajor ? [snapshot.fraxMajor] : []).some((record) =>
    inWindow(record.time, dxaFrom, WINDOWS.dxaWeeks),
  );
  const r4At12 = indicationAt(Math.min(now.getTime(), at(WINDOWS.dxaWeeks))).some(
    (finding) => finding.rule === 'R4',
  );
  const indicatedAt16 =
    indicationAt(Math.min(now.getTime(), at(WINDOWS.treatmentWeeks))).length > 0;
  const outcomes: Partial<Record<IndicatorId, IndicatorOutcome>> = {
    identified: 'met',
    'risk-assessed-12w': windowed(WINDOWS.dxaWeeks, dxaMet || fraxMet || r4At12, unreadable.bone),
    'dxa-12w': windowed(WINDOWS.dxaWeeks, dxaMet, unreadable.bone),
    'falls-assessed-16w': windowed(
      WINDOWS.fallsWeeks,
      snapshot.fallRiskAssessments.some((record) =>
        inWindow(record.time, fractureTime, WINDOWS.fallsWeeks),
      ),
      unreadable.falls,
    ),
    'treatment-indicated': indicatedAt16 ? 'met' : 'not-met',
  };
  if (indicatedAt16) {
    outcomes['treatment-started-16w'] = windowed(
      WINDOWS.treatmentWeeks,
      treatment.currentDuring(fractureTime, at(WINDOWS.treatmentWeeks)),
      unreadable.medication,
    );
    outcomes['on-treatment-52w'] = closed(WINDOWS.onTreatmentWeeks)
      ? windowed(
          WINDOWS.onTreatmentWeeks,
          treatment.currentAt(at(WINDOWS.onTreatmentWeeks)),
          unreadable.medication,
        )
      : 'pending';
  } else {
    outcomes['treatment-started-16w'] = 'not-applicable';
    outcomes['on-treatment-52w'] = 'not-applicable';
  }
  outcomes.completeness = Object.values(outcomes).includes('undecided') ? 'not-met' : 'met';
  return { kind: 'row', row: { ...row, step, overdue, outcomes } };
}

function undecided(
  row: Omit<WorklistRow, 'step'> & Partial<WorklistRow>,
  reason: string,
): PatientResult {
  return {
    kind: 'row',
    row: {
      ...row,
      step: 'undecided',
      undecidedReason: reason,
      outcomes: Object.fromEntries(
        INDICATOR_IDS.map((id) => [id, id === 'completeness' ? 'not-met' : 'undecided']),
      ),
    },
  };
}

function routingOf(findings: readonly Finding[], profile: Profile): string | null {
  const rule = profile === 'dk' ? 'R24' : profile === 'se' ? 'R25' : undefined;
  return findings.find((finding) => finding.rule === rule)?.code ?? null;
}

/** R1's screening package, each part with a result drawn at or after `since`. */
function screeningCompleteSince(snapshot: PatientSnapshot, since: number): boolean {
  return Object.values(SCREENING_ANALYTES).every((analytes) =>
    analytes.some((analyte) => (snapshot.labs[analyte][0]?.time ?? -Infinity) >= since),
  );
}

/**
 * Data that was sent but could not be read, by what it could have decided: a
 * T-score / FRAX without a usable date or unit, a malformed Observation (bone,
 * fall risk), Procedure (fall risk) or medication resource. Results dated after
 * now are not counted: they cannot have happened yet.
 */
function unreadableKinds(snapshot: PatientSnapshot): {
  bone: boolean;
  falls: boolean;
  medication: boolean;
} {
  const malformed = (prefixes: string[]) =>
    snapshot.malformed.some((reference) => prefixes.some((prefix) => reference.startsWith(prefix)));
  return {
    bone:
      snapshot.unusable.some(
        (result) =>
          (result.measure === 'tScore' || result.measure === 'frax') &&
          result.reason !== 'future-date',
      ) || malformed(['Observation/']),
    falls: malformed(['Observation/', 'Procedure/']),
    medication: malformed([
      'MedicationRequest/',
      'MedicationStatement/',
      'MedicationAdministration/',
    ]),
  };
}

/** A FHIR date (YYYY-MM-DD) that is a real calendar date. */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const time = toTime(value);
  return time !== undefined && new Date(time).toISOString().slice(0, 10) === value;
}
