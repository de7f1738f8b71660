/**
 * The test's own reading of ../shared/guideline/rules.md (Definitions, R6, R7,
 * R10–R14), applied to the generated PatientSpec — not to the service's snapshot,
 * and without calling any function of src/. It answers only what the data makes
 * certain: every reading rules.md leaves open (which of two results on nearly the
 * same day is "the newest", which albumin pairs with a calcium, whether a flag or
 * the value decides, a result whose value or date cannot be read) is kept as a
 * possibility, and a verdict is certain only when every possibility agrees.
 *
 * That makes the oracle conservative in the direction each property needs:
 * - "the drug is contraindicated" is claimed only when certain, so a property
 *   "then the service must say so" never fails on a judgement call;
 * - "kidney function is known to be fine" is claimed only when certain, so the
 *   property "otherwise a zoledronic acid order must get a card" never lets
 *   missing or unreadable data pass as normal (rules.md: "Missing data is never
 *   read as normal").
 */
import { NOW } from '../helpers/fhir';
import {
  ANTIRESORPTIVES,
  DAY,
  UNITS,
  type Analyte,
  type ConditionKind,
  type DoseSpec,
  type DraftSpec,
  type Drug,
  type FlagCode,
  type LabSpec,
  type PatientSpec,
  type When,
} from './model';
import { selectedDrafts, type Hook } from './arbitraries';

/** rules.md "Definitions" and R10–R14, restated (the service's values live in src/guideline/config.ts). */
export const RULES_MD = {
  egfrBelow: 35, // R10, R11, R14: eGFR < 35 mL/min/1.73 m²
  calciumLow: 2.15, // corrected Ca low < 2.15 mmol/L
  calciumHigh: 2.51, // corrected Ca high > 2.51 mmol/L
  albuminReference: 41.3, // Ca + 0.02 × (41.3 − albumin g/L)
  albuminFactor: 0.02,
  pairingDays: 7, // a Ca and albumin drawn within 7 days of each other
  pthLow: 1.5, // PTH low < 1.5 pmol/L
  pthHigh: 7.0, // PTH high > 7.0 pmol/L
  recentDays: 92, // "Lab recent": 3 months (R11: "no eGFR … in the last 3 months")
  calciumTabletMaxMg: 500, // R14: > 500 mg/day as tablets with eGFR < 35
  /** A result dated more than this ahead of now is a data error (docs/decisions.md). */
  futureToleranceMs: DAY,
} as const;

const HOUR = 60 * 60 * 1000;
/** Margins that keep the oracle off the thresholds' edges (rounding of converted units, boundaries of windows). */
const EPS: Record<Analyte, number> = {
  calciumTotal: 0.005,
  calciumCorrected: 0.005,
  albumin: 0.05,
  creatinine: 0.5,
  egfr: 0, // no unit conversion: "< 35" is exact
  vitaminD: 0.05,
  p1np: 0.05,
  tsh: 0.005,
  ft4: 0.05,
  pth: 0.01,
};

export type Level = 'low' | 'normal' | 'high';
/** A certain judgement, or 'unknown' when the possibilities disagree or a value cannot be read. */
export type Certain = Level | 'unknown';

interface Interval {
  lo: number;
  hi: number;
}

/** One result as the oracle sees it: when it may have been drawn, and what its value may be. */
interface Reading {
  tMin: number;
  tMax: number;
  /** undefined: the result exists but cannot be read (no value, unit not a UCUM code for the analyte). */
  value?: Interval;
  /** Possible judgements by the lab's own flag / range (none: judged by the value alone). */
  flag?: FlagCode;
  /** Reference range in canonical units; `unreadable` when its unit is not usable. */
  range?: { low?: number; high?: number } | 'unreadable';
  /** It is open whether this result counts at all (e.g. its date may or may not lie in the future). */
  wildcard: boolean;
}

const USABLE_STATUS = new Set(['final', 'amended', 'corrected']);

/** The time window a FHIR date covers: an instant, a day, a month. */
export function timeWindow(when: When): Interval | undefined {
  if (when.kind === 'none') return undefined;
  const time = NOW.getTime() - when.offsetMinutes * 60 * 1000;
  if (when.kind === 'instant') return { lo: time, hi: time };
  const date = new Date(time);
  if (when.kind === 'day') {
    const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
    return { lo: start, hi: start + DAY - 1 };
  }
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const next = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { lo: start, hi: next - 1 };
}

function factorOf(lab: LabSpec): number | undefined {
  const units = UNITS[lab.analyte];
  if (lab.unit.kind === 'canonical') return 1;
  if (lab.unit.kind === 'other') return units.others[lab.unit.code];
  return undefined;
}

function valueInterval(lab: LabSpec, value: number | undefined): Interval | undefined {
  const factor = factorOf(lab);
  if (value === undefined || factor === undefined) return undefined;
  const scaled = value * factor;
  switch (lab.comparator) {
    case '<':
    case '<=':
      return { lo: -Infinity, hi: scaled };
    case '>':
    case '>=':
      return { lo: scaled, hi: Infinity };
    default:
      return { lo: scaled, hi: scaled };
  }
}

/** The readings of one analyte: results that count (or may count), each conflicting version as its own reading. */
function readings(spec: PatientSpec, analyte: Analyte): Reading[] {
  const out: Reading[] = [];
  for (const lab of spec.labs) {
    if (lab.analyte !== analyte) continue;
    // Not a result of this patient's record (docs/decisions.md: only final / amended / corrected count;
    // a resource naming another patient or none is not this patient's).
    if (!USABLE_STATUS.has(lab.status)) continue;
    if (lab.subject === 'other' || lab.subject === 'none') continue;
    const window = timeWindow(lab.when);
    if (!window) continue; // undated: cannot be placed in time (docs/decisions.md: unusable)
    const limit = NOW.getTime() + RULES_MD.futureToleranceMs;
    if (window.lo > limit + HOUR) continue; // certainly dated in the future: a data error
    // Near the limit it is open whether the service counts it. A partial date that has
    // begun ("2026-11" this month) stands for a time up to now: a result is not drawn later.
    const wildcard = window.lo > limit - HOUR;
    window.hi = Math.max(window.lo, Math.min(window.hi, limit));
    const factor = factorOf(lab);
    const range =
      lab.range === undefined
        ? undefined
        : lab.range.unit === 'odd' || factor === undefined
          ? ('unreadable' as const)
          : {
              ...(lab.range.low !== undefined ? { low: lab.range.low * factor } : {}),
              ...(lab.range.high !== undefined ? { high: lab.range.high * factor } : {}),
            };
    const versions = lab.conflictValue === undefined ? [lab.value] : [lab.value, lab.conflictValue];
    for (const value of versions) {
      const interval = valueInterval(lab, value);
      out.push({
        tMin: window.lo,
        tMax: window.hi,
        ...(interval ? { value: interval } : {}),
        ...(lab.flag ? { flag: lab.flag.code } : {}),
        ...(range ? { range } : {}),
        wildcard,
      });
    }
  }
  return out;
}

/** The readings that may be "the newest": every one whose window reaches the latest possible start. */
function newest(list: readonly Reading[], slackMs = 0): Reading[] {
  if (list.length === 0) return [];
  const latestStart = Math.max(...list.map((reading) => reading.tMin));
  return list.filter((reading) => reading.tMax >= latestStart - slackMs);
}

function agree(levels: readonly Certain[]): Certain {
  const first = levels[0];
  if (first === undefined) return 'unknown';
  return levels.every((level) => level === first) ? first : 'unknown';
}

/** low / normal / high of a value against limits, or unknown when it lies within eps of one or a comparator leaves it open. */
function byValue(
  value: Interval,
  low: number | undefined,
  high: number | undefined,
  eps: number,
): Certain {
  if (low !== undefined && value.hi < low - eps) return 'low';
  if (high !== undefined && value.lo > high + eps) return 'high';
  const aboveLow = low === undefined || value.lo >= low + eps;
  const belowHigh = high === undefined || value.hi <= high - eps;
  return aboveLow && belowHigh ? 'normal' : 'unknown';
}

const FLAG_LEVEL: Record<FlagCode, Certain> = {
  L: 'low',
  LL: 'low',
  H: 'high',
  HH: 'high',
  N: 'normal',
  A: 'unknown', // "abnormal" says neither low nor high
};

/**
 * The judgements a result allows (rules.md: the default limits "unless the
 * Observation's referenceRange / interpretation says otherwise"): the lab's flag
 * and the value against the range are both possible readings. A range that gives
 * one limit only leaves the other side to the default — a missing limit is not
 * read as "no limit".
 */
function judgements(
  value: Interval,
  reading: Pick<Reading, 'flag' | 'range'>,
  defaults: { low: number; high: number },
  eps: number,
  useFlag = true,
): Certain[] {
  const out: Certain[] = [];
  if (useFlag && reading.flag) out.push(FLAG_LEVEL[reading.flag]);
  if (reading.range === 'unreadable') out.push('unknown');
  const low = reading.range && reading.range !== 'unreadable' ? reading.range.low : undefined;
  const high = reading.range && reading.range !== 'unreadable' ? reading.range.high : undefined;
  out.push(byValue(value, low ?? defaults.low, high ?? defaults.high, eps));
  return out;
}

/** eGFR: certainly below 35 (however old: docs/decisions.md, R11), certainly ≥ 35 and recent, or neither. */
export function egfrVerdict(spec: PatientSpec): 'low' | 'recent-normal' | 'unknown' {
  const candidates = newest(readings(spec, 'egfr'));
  if (candidates.length === 0) return 'unknown';
  if (candidates.some((reading) => reading.wildcard || !reading.value)) return 'unknown';
  const values = candidates.map((reading) => reading.value as Interval);
  if (values.every((value) => value.hi < RULES_MD.egfrBelow - EPS.egfr)) return 'low';
  const recentSince = NOW.getTime() - RULES_MD.recentDays * DAY + DAY;
  if (
    values.every((value) => value.lo >= RULES_MD.egfrBelow + EPS.egfr) &&
    candidates.every((reading) => reading.tMin >= recentSince)
  )
    return 'recent-normal';
  return 'unknown';
}

/**
 * Corrected calcium (rules.md "Definitions"): a lab-reported corrected Ca, or
 * total Ca + 0.02 × (41.3 − albumin) with an albumin within 7 days, or — with no
 * albumin near — the total Ca itself (docs/decisions.md; the card says so).
 */
export function calciumVerdict(spec: PatientSpec): Certain {
  const corrected = readings(spec, 'calciumCorrected');
  const total = readings(spec, 'calciumTotal');
  const albumin = readings(spec, 'albumin');
  // "Newest" between a reported and a total Ca drawn within a day or two of each other is a judgement call: both count.
  const candidates = newest([...corrected, ...total], 2 * DAY);
  if (candidates.length === 0) return 'unknown';
  const defaults = { low: RULES_MD.calciumLow, high: RULES_MD.calciumHigh };
  const eps = EPS.calciumTotal;
  const levels: Certain[] = [];
  for (const reading of candidates) {
    if (reading.wildcard || !reading.value) return 'unknown';
    if (corrected.includes(reading)) {
      levels.push(...judgements(reading.value, reading, defaults, eps));
      continue;
    }
    const window = RULES_MD.pairingDays * DAY;
    const near = albumin.filter((candidate) => distance(candidate, reading).min <= window + HOUR);
    const surelyPaired = near.some(
      (candidate) => !candidate.wildcard && distance(candidate, reading).max <= window - HOUR,
    );
    for (const pair of near) {
      if (pair.wildcard || !pair.value) return 'unknown';
      const value = {
        lo: reading.value.lo + RULES_MD.albuminFactor * (RULES_MD.albuminReference - pair.value.hi),
        hi: reading.value.hi + RULES_MD.albuminFactor * (RULES_MD.albuminReference - pair.value.lo),
      };
      levels.push(...judgements(value, reading, defaults, eps));
    }
    if (!surelyPaired) levels.push(...judgements(reading.value, reading, defaults, eps));
  }
  return agree(levels);
}

function distance(a: Reading, b: Reading): { min: number; max: number } {
  const min = Math.max(0, a.tMin - b.tMax, b.tMin - a.tMax);
  const max = Math.max(Math.abs(a.tMax - b.tMin), Math.abs(b.tMax - a.tMin));
  return { min, max };
}

/** PTH of the newest result: flag, range, else > 7.0 pmol/L high. */
export function pthVerdict(spec: PatientSpec): Certain {
  const candidates = newest(readings(spec, 'pth'));
  if (candidates.length === 0) return 'unknown';
  const levels: Certain[] = [];
  for (const reading of candidates) {
    if (reading.wildcard || !reading.value) return 'unknown';
    levels.push(
      ...judgements(
        reading.value,
        reading,
        { low: RULES_MD.pthLow, high: RULES_MD.pthHigh },
        EPS.pth,
      ),
    );
  }
  return agree(levels);
}

const CURRENT_CLINICAL = new Set(['active', 'recurrence', 'relapse']);

/**
 * A diagnosis certainly on record for this patient: confirmed (or no verification
 * status) and clinically current. Radiotherapy is history: any clinical status.
 * A Condition without clinicalStatus is open to reading, so it is not certain.
 */
export function certainDiagnosis(spec: PatientSpec, kinds: readonly ConditionKind[]): boolean {
  return spec.conditions.some(
    (condition) =>
      kinds.includes(condition.kind) &&
      condition.subject === 'self' &&
      (condition.verificationStatus === undefined ||
        condition.verificationStatus === 'confirmed') &&
      (condition.kind === 'radiotherapy' ||
        (condition.clinicalStatus !== undefined && CURRENT_CLINICAL.has(condition.clinicalStatus))),
  );
}

/** Drugs R28 names (rules.md: alendronate or risedronate; codes.md "Turn 2": the oral bisphosphonates). */
export const ORAL_BISPHOSPHONATES: readonly Drug[] = ['alendronate', 'risedronate'];
const YEAR = 365.25 * DAY;
/** rules.md R26: ≥ 3 years of exposure; the oracle claims it only with a margin. */
const ATYPICAL_EXPOSURE_MS = 3.2 * YEAR;

/** R29: a drug the allergy list certainly records an intolerance of (active, confirmed). */
export function certainIntolerance(spec: PatientSpec, drug: Drug): boolean {
  return spec.allergies.some(
    (allergy) =>
      allergy.drug === drug &&
      allergy.clinical === 'active' &&
      allergy.verification === 'confirmed',
  );
}

/**
 * R26: a subtrochanteric / femoral shaft fracture certainly preceded by ≥ 3 years of
 * antiresorptive exposure — an active, open-ended statement or prescription of a
 * bisphosphonate or denosumab that certainly started more than 3.2 years before the
 * fracture (the only exposure the oracle is sure of: dose records leave coverage open).
 */
export function certainAtypicalFemurFracture(spec: PatientSpec): boolean {
  const fractures = spec.conditions.filter(
    (condition) =>
      condition.kind === 'femurShaftFracture' &&
      condition.subject === 'self' &&
      (condition.verificationStatus === undefined || condition.verificationStatus === 'confirmed'),
  );
  return fractures.some((fracture) => {
    const onset = timeWindow(fracture.onset);
    if (!onset || onset.hi > NOW.getTime()) return false;
    return spec.medications.some((medication) => {
      const start = timeWindow(medication.start);
      return (
        ANTIRESORPTIVES.includes(medication.drug) &&
        medication.type !== 'MedicationAdministration' &&
        medication.status === 'active' &&
        medication.durationDays === undefined &&
        start !== undefined &&
        start.hi <= onset.lo - ATYPICAL_EXPOSURE_MS
      );
    });
  });
}

export interface Verdict {
  egfr: ReturnType<typeof egfrVerdict>;
  calcium: Certain;
  pth: Certain;
  /** R27: drug-related jaw osteonecrosis certainly on record. */
  jawOsteonecrosis: boolean;
  /** R26: an atypical femur fracture is certain. */
  atypicalFemurFracture: boolean;
  /** Why each drug is certainly contraindicated (empty: not certainly). */
  contraindicated: Record<'zoledronicAcid' | 'teriparatide' | 'calcium', string[]>;
}

/** What rules.md R10–R13 make certain about this patient. */
export function verdictOf(spec: PatientSpec): Verdict {
  const egfr = egfrVerdict(spec);
  const calcium = calciumVerdict(spec);
  const pth = pthVerdict(spec);
  const phptOrHypercalcaemia = certainDiagnosis(spec, ['phpt', 'hypercalcaemia']);
  const zoledronicAcid = [
    ...(egfr === 'low' ? ['egfr < 35 (R10, R11)'] : []),
    ...(calcium === 'low' ? ['hypocalcaemia (R11)'] : []),
  ];
  const teriparatide = [
    ...(calcium === 'high' ? ['hypercalcaemia (R12)'] : []),
    ...(phptOrHypercalcaemia ? ['hypercalcaemia / PHPT diagnosis (R12)'] : []),
    ...(pth === 'high' ? ['raised PTH (R12)'] : []),
    ...(certainDiagnosis(spec, ['radiotherapy']) ? ['radiotherapy (R12)'] : []),
    ...(certainDiagnosis(spec, ['boneMetastasis', 'bonePrimary']) ? ['bone malignancy (R12)'] : []),
  ];
  const calciumSupplement = [
    ...(calcium === 'high' ? ['hypercalcaemia (R13)'] : []),
    ...(phptOrHypercalcaemia ? ['hypercalcaemia / PHPT diagnosis (R13)'] : []),
  ];
  return {
    egfr,
    calcium,
    pth,
    jawOsteonecrosis: certainDiagnosis(spec, ['jawOsteonecrosis']),
    atypicalFemurFracture: certainAtypicalFemurFracture(spec),
    contraindicated: { zoledronicAcid, teriparatide, calcium: calciumSupplement },
  };
}

const PERIOD_DAYS = { d: 1, wk: 7, h: 1 / 24 } as const;
const MG = { mg: 1, g: 1000 } as const;

/** R14: the draft's daily dose in mg, or undefined when the order does not state it in mg. */
export function dailyDoseMg(doses: readonly DoseSpec[]): number | undefined {
  if (doses.length === 0) return undefined;
  let total = 0;
  for (const dose of doses) {
    if ((dose.unit !== 'mg' && dose.unit !== 'g') || !dose.timing) return undefined;
    const { frequency, period, periodUnit } = dose.timing;
    total += (dose.value * MG[dose.unit] * frequency) / (period * PERIOD_DAYS[periodUnit]);
  }
  return total;
}

/** The drafts this hook call is about: not withdrawn, and for order-select only the selected ones. */
export function orderedDrafts(spec: PatientSpec, hook: Hook): DraftSpec[] {
  if (hook === 'patient-view') return [];
  const drafts = hook === 'order-select' ? selectedDrafts(spec.drafts) : spec.drafts;
  return drafts.filter((draft) => draft.status === 'draft' || draft.status === 'active');
}

export const isAntiresorptive = (drug: Drug): boolean => ANTIRESORPTIVES.includes(drug);
