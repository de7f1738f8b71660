/**
 * The orders the rules suggest, built from the configuration: which regimen a drug
 * class is ordered as, the supplement's amounts (capped by the kidney rule, R10 /
 * R14), and when the first monitoring labs are due (R16). Rules decide whether to
 * suggest; these helpers only say how the order reads.
 */
import type { MedicationClass } from '../fhir/code-lists';
import type { Due, OrderableLabKey } from '../fhir/orderables';
import type { RegimenKey, SupplementAmounts } from '../fhir/regimens';
import type { PatientSnapshot } from '../patient/snapshot';
import type { GuidelineConfig } from './config';
import type { MedicationSpec, SuggestionSpec } from './finding';
import { intolerancesOf } from './facts';
import { lowEgfr } from './labs';

/** The antiresorptives a card may start, as the regimen each is ordered as. */
export const START_REGIMENS: Partial<Record<MedicationClass, RegimenKey>> = {
  alendronate: 'alendronateWeekly',
  risedronate: 'risedronateWeekly',
  ibandronate: 'ibandronateMonthly',
  zoledronicAcid: 'zoledronicAcidYearly',
  denosumab: 'denosumabSixMonthly',
};

/**
 * Which drug the data favours among those left open (R3: "alendronate, denosumab or
 * zoledronic acid"; the issue and rules.md: denosumab when bisphosphonates are ruled
 * out): an oral bisphosphonate first, then zoledronic acid, then denosumab.
 */
const PREFERENCE: readonly MedicationClass[] = [
  'alendronate',
  'risedronate',
  'ibandronate',
  'zoledronicAcid',
  'denosumab',
];

/** Calcium / vitamin D per day as tablets: the configured tablet dose, at most 500 mg with eGFR < 35. */
export function supplementAmounts(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
): Required<SupplementAmounts> {
  const tablet = config.supplement.calciumTabletMg;
  return {
    calciumMg: lowEgfr(snapshot, config)
      ? Math.min(tablet, config.kidney.calciumTabletMaxMg)
      : tablet,
    vitaminDIU: config.supplement.vitaminDIUPerDay,
  };
}

/**
 * The supplement as orders: calcium + vitamin D, or vitamin D alone when calcium is
 * not tolerated; nothing the allergy list or a stop reason rules out (R29).
 */
export function supplementSpecs(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
): MedicationSpec[] {
  const amounts = supplementAmounts(snapshot, config);
  if (intolerancesOf(snapshot, 'vitaminD').length > 0) return [];
  if (intolerancesOf(snapshot, 'calcium').length > 0)
    return [{ regimen: 'colecalciferolDaily', amounts: { vitaminDIU: amounts.vitaminDIU } }];
  return [{ regimen: 'calciumVitaminDDaily', amounts }];
}

/** YYYY-MM-DD of `time`. */
export function isoDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** A window `fromMonths`–`toMonths` (whole calendar months) after `time`. */
export function dueWindow(time: number, fromMonths: number, toMonths: number): Due {
  return { start: isoDay(addMonths(time, fromMonths)), end: isoDay(addMonths(time, toMonths)) };
}

/** The same day `months` calendar months later (clamped to the month's last day, as 31.01 + 1 → 28.02). */
function addMonths(time: number, months: number): number {
  const date = new Date(time);
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + Math.round(months));
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date.getTime();
}

/** A due window, or a single day when it has shrunk to one (an overdue order is for today). */
export function dueBetween(from: number, to: number): Due {
  const start = isoDay(from);
  const end = isoDay(to);
  return end === start ? { start } : { start, end };
}

/** An order's due day: the milestone, or today when it has passed (an overdue order is for now). */
export function notBefore(at: number, now: Date): Due {
  return { start: isoDay(Math.max(at, now.getTime())) };
}

/** Calcium is always ordered with albumin (rules.md "Coherence": corrected calcium needs both). */
export const START_MONITORING_LABS: readonly OrderableLabKey[] = [
  'calciumTotal',
  'albumin',
  'vitaminD',
];

/**
 * Start-of-treatment suggestions, one per drug left open, the favoured one marked
 * recommended: each creates the drug, the supplement (when `withSupplement`), and the
 * R16 labs 3 months (± 1) after the start.
 */
export function startTreatmentSuggestions(
  options: readonly MedicationClass[],
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
  settings: { withSupplement: boolean; startAt?: number },
): SuggestionSpec[] {
  const open = PREFERENCE.filter((drug) => options.includes(drug) && START_REGIMENS[drug]);
  const start = settings.startAt ?? now.getTime();
  const f = config.followUp;
  return open.map((drug, index) => ({
    kind: 'start-medication' as const,
    medications: [
      { regimen: START_REGIMENS[drug] as RegimenKey },
      ...(settings.withSupplement ? supplementSpecs(snapshot, config) : []),
    ],
    monitoring: {
      labs: START_MONITORING_LABS,
      due: dueWindow(
        start,
        f.startLabsMonths - f.startLabsWindowMonths,
        f.startLabsMonths + f.startLabsWindowMonths,
      ),
    },
    recommended: index === 0,
  }));
}
