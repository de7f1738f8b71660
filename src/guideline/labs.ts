/**
 * Reading lab results the way rules.md "Definitions" says: the laboratory's own
 * flag, then its reference range, then the guideline default; comparators ("<12")
 * decide only when they settle the question; corrected calcium from the lab or
 * computed from calcium and albumin drawn close together.
 */
import type { LabResult, PatientSnapshot } from '../patient/snapshot';
import { DAY_MS } from '../patient/dates';
import type { GuidelineConfig } from './config';
import type { Evidence, EvidenceNote } from './finding';

export type Level = 'low' | 'normal' | 'high' | 'unknown';

export interface Judgement {
  level: Level;
  basis: Extract<EvidenceNote, 'lab-flag' | 'lab-reference-range' | 'default-threshold'>;
}

/** Is the result certainly below `limit`? undefined when a comparator leaves it open. */
export function isBelow(
  result: Pick<LabResult, 'value' | 'comparator'>,
  limit: number,
): boolean | undefined {
  switch (result.comparator) {
    case '<':
      return result.value <= limit ? true : undefined;
    case '<=':
      return result.value < limit ? true : undefined;
    case '>':
      return result.value >= limit ? false : undefined;
    case '>=':
      return result.value >= limit ? false : undefined;
    default:
      return result.value < limit;
  }
}

/** Is the result certainly above `limit`? */
export function isAbove(
  result: Pick<LabResult, 'value' | 'comparator'>,
  limit: number,
): boolean | undefined {
  switch (result.comparator) {
    case '>':
      return result.value >= limit ? true : undefined;
    case '>=':
      return result.value > limit ? true : undefined;
    case '<':
      return result.value <= limit ? false : undefined;
    case '<=':
      return result.value <= limit ? false : undefined;
    default:
      return result.value > limit;
  }
}

/** Low / normal / high by the lab's flag, else its reference range, else the defaults. */
export function judge(
  result: Pick<LabResult, 'value' | 'comparator' | 'referenceRange' | 'interpretation'>,
  defaults: { low?: number; high?: number },
  options: { useFlag?: boolean } = {},
): Judgement {
  if (options.useFlag !== false && result.interpretation) {
    return { level: result.interpretation, basis: 'lab-flag' };
  }
  // A range with one limit only leaves the other side to the default: a missing limit is not "no limit".
  const range = result.referenceRange;
  const low = range?.low ?? defaults.low;
  const high = range?.high ?? defaults.high;
  const sideBasis = (fromRange: boolean): Judgement['basis'] =>
    fromRange ? 'lab-reference-range' : 'default-threshold';
  const below = low === undefined ? false : isBelow(result, low);
  const above = high === undefined ? false : isAbove(result, high);
  if (below) return { level: 'low', basis: sideBasis(range?.low !== undefined) };
  if (above) return { level: 'high', basis: sideBasis(range?.high !== undefined) };
  const basis = sideBasis(range?.low !== undefined || range?.high !== undefined);
  if (below === undefined || above === undefined) return { level: 'unknown', basis };
  return { level: 'normal', basis };
}

export interface CorrectedCalcium {
  value: number;
  date: string;
  time: number;
  judgement: Judgement;
  /** lab-reported, computed-from-albumin, or not-albumin-corrected (no albumin within the window). */
  basis: Extract<EvidenceNote, 'lab-reported' | 'computed-from-albumin' | 'not-albumin-corrected'>;
  evidence: Evidence[];
}

/**
 * The newest calcium status. A lab-reported corrected value wins over a computed
 * one from the same day; a newer total calcium is corrected with the albumin
 * closest in time within the pairing window; without such an albumin it is used
 * uncorrected and says so.
 */
export function correctedCalcium(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
): CorrectedCalcium | undefined {
  const limits = { low: config.calcium.lowBelow, high: config.calcium.highAbove };
  const reported = snapshot.labs.calciumCorrected[0];
  const total = snapshot.labs.calciumTotal[0];
  const totalIsNewer =
    total !== undefined && (reported === undefined || total.time - reported.time >= DAY_MS);

  if (!totalIsNewer) {
    if (!reported) return undefined;
    return {
      value: reported.value,
      date: reported.date,
      time: reported.time,
      judgement: judge(reported, limits),
      basis: 'lab-reported',
      evidence: [labEvidence('calciumCorrected', reported, ['lab-reported'])],
    };
  }

  const albumin = nearestWithin(
    snapshot.labs.albumin,
    total.time,
    config.calcium.pairingWindowDays * DAY_MS,
  );
  if (!albumin || albumin.comparator || total.comparator) {
    const judgement = judge(total, limits);
    return {
      value: total.value,
      date: total.date,
      time: total.time,
      judgement,
      basis: 'not-albumin-corrected',
      evidence: [labEvidence('calciumTotal', total, ['not-albumin-corrected', judgement.basis])],
    };
  }
  const value = round(
    total.value +
      config.calcium.albuminFactor * (config.calcium.albuminReferenceGPerL - albumin.value),
    2,
  );
  // The total calcium's flag judged the uncorrected value, so only its range carries over.
  const judgement = judge({ value, referenceRange: total.referenceRange }, limits, {
    useFlag: false,
  });
  return {
    value,
    date: total.date,
    time: total.time,
    judgement,
    basis: 'computed-from-albumin',
    evidence: [
      {
        item: 'calciumCorrected',
        value,
        unit: 'mmol/L',
        date: total.date,
        notes: ['computed-from-albumin', judgement.basis],
      },
      labEvidence('calciumTotal', total),
      labEvidence('albumin', albumin),
    ],
  };
}

function nearestWithin(
  results: readonly LabResult[],
  time: number,
  windowMs: number,
): LabResult | undefined {
  let best: LabResult | undefined;
  for (const result of results) {
    const distance = Math.abs(result.time - time);
    if (distance <= windowMs && (!best || distance < Math.abs(best.time - time))) best = result;
  }
  return best;
}

/** The latest eGFR when it is certainly below the guideline limit (35: zoledronic acid, calcium tablets). */
export function lowEgfr(snapshot: PatientSnapshot, config: GuidelineConfig): LabResult | undefined {
  const egfr = snapshot.labs.egfr[0];
  return egfr && isBelow(egfr, config.kidney.egfrBelow) === true ? egfr : undefined;
}

export function labEvidence(
  item: Evidence['item'],
  result: LabResult,
  notes?: EvidenceNote[],
): Evidence {
  return {
    item,
    value: result.value,
    ...(result.comparator ? { comparator: result.comparator } : {}),
    unit: result.unit,
    date: result.date,
    source: result.source,
    ...(notes && notes.length > 0 ? { notes } : {}),
  };
}

export function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
