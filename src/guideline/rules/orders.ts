/**
 * Order-time safety (rules.md "At order time"): cards about the drafted order only,
 * critical when the order would harm, each naming its draft and offering to remove
 * it. R11, R13, and R6 / R7 / R8 for a drafted antiresorptive; R26–R29 and R32
 * (drug-safety.ts).
 */
import {
  ANTIRESORPTIVE_EXPOSURE,
  CALCIUM_PRODUCTS,
  OSTEOPOROSIS_DRUGS,
} from '../../fhir/code-lists';
import { DAY_MS, latestTime } from '../../patient/dates';
import type { DraftMedicationOrder, PatientSnapshot, UnusableReason } from '../../patient/snapshot';
import type { GuidelineConfig } from '../config';
import type { Evidence, Finding } from '../finding';
import { correctedCalcium, isBelow, labEvidence, lowEgfr } from '../labs';
import { screeningLabsMissing, teriparatideContraindications } from './before-treatment';
import { hypercalcaemia, hypocalcaemia, vitaminDLow } from './blood-results';
import { drugSafetyAtOrder } from './drug-safety';
import { maxDurationFacts } from './follow-up';

export function orderFindings(
  snapshot: PatientSnapshot,
  now: Date,
  config: GuidelineConfig,
): Finding[] {
  const findings: Finding[] = [];
  // Denosumab 120 mg lowers calcium as much as 60 mg: R6 / R7 / R8 apply to every antiresorptive.
  const antiresorptives = snapshot.drafts.filter((draft) =>
    ANTIRESORPTIVE_EXPOSURE.includes(draft.drug),
  );
  if (antiresorptives.length > 0) {
    const onDraft = forDrafts(antiresorptives);
    const low = hypocalcaemia(snapshot, config);
    if (low) findings.push(onDraft(low, 'critical', true));
    const high = hypercalcaemia(snapshot, config);
    if (high) findings.push(onDraft(high, 'critical', true));
    // R7 blocks vitamin D too: with hypercalcaemia its card names the low vitamin D (no R8 card).
    const vitaminD = high ? undefined : vitaminDLow(snapshot, config);
    if (vitaminD) findings.push(onDraft(vitaminD, 'warning', false));
  }
  const zoledronic = snapshot.drafts.filter((draft) => draft.drug === 'zoledronicAcid');
  const r11 = zoledronicAcidContraindication(snapshot, zoledronic, now, config);
  if (r11) findings.push(r11);
  const calcium = snapshot.drafts.filter((draft) => CALCIUM_PRODUCTS.includes(draft.drug));
  const r13 = calciumContraindication(snapshot, calcium, config);
  if (r13) findings.push(r13);
  const r14 = calciumDoseLimit(snapshot, calcium, config);
  if (r14) findings.push(r14);
  const teriparatide = snapshot.drafts.filter((draft) => draft.drug === 'teriparatide');
  const r12 = teriparatideContraindication(snapshot, teriparatide, config);
  if (r12) findings.push(r12);
  const r15 = maxDurationAtOrder(snapshot, now, config);
  if (r15) findings.push(r15);
  findings.push(...drugSafetyAtOrder(snapshot, config));
  const osteoporosisDrafts = snapshot.drafts.filter((draft) =>
    OSTEOPOROSIS_DRUGS.includes(draft.drug),
  );
  if (osteoporosisDrafts.length > 0) {
    const r1 = screeningLabsMissing(snapshot, config, now, { orderingOsteoporosisDrug: true });
    if (r1) {
      findings.push({
        ...r1,
        params: { ...r1.params, orders: draftNames(osteoporosisDrafts) },
        evidence: [...r1.evidence, ...osteoporosisDrafts.map(draftEvidence)],
        drafts: osteoporosisDrafts.map((draft) => draft.reference),
      });
    }
  }
  return findings;
}

/** R12 · teriparatide drafted with a known contraindication (000 "Kontraindikasjoner: …"). */
function teriparatideContraindication(
  snapshot: PatientSnapshot,
  drafts: DraftMedicationOrder[],
  config: GuidelineConfig,
): Finding | undefined {
  if (drafts.length === 0) return undefined;
  const found = teriparatideContraindications(snapshot, config);
  if (found.reasons.length === 0) return undefined;
  return {
    rule: 'R12',
    code: 'contraindication-teriparatide',
    indicator: 'critical',
    reasons: found.reasons,
    params: { orders: draftNames(drafts) },
    evidence: [...found.evidence, ...drafts.map(draftEvidence)],
    drafts: drafts.map((draft) => draft.reference),
    suggestions: drafts.map((draft) => ({ kind: 'remove-draft' as const, draft: draft.reference })),
  };
}

/** R14 · calcium tablets above 500 mg/day with eGFR < 35; a dose the order does not state cannot be checked. */
function calciumDoseLimit(
  snapshot: PatientSnapshot,
  drafts: DraftMedicationOrder[],
  config: GuidelineConfig,
): Finding | undefined {
  const egfr = lowEgfr(snapshot, config);
  if (drafts.length === 0 || !egfr) return undefined;
  const over = drafts.filter(
    (draft) =>
      draft.dailyDoseMg !== undefined && draft.dailyDoseMg > config.kidney.calciumTabletMaxMg,
  );
  const unknown = drafts.filter((draft) => draft.dailyDoseMg === undefined);
  const concerned = [...over, ...unknown];
  if (concerned.length === 0) return undefined;
  return {
    rule: 'R14',
    code: 'calcium-dose-limit',
    indicator: 'warning',
    reasons: [
      ...(over.length > 0 ? ['dose-above-limit'] : []),
      ...(unknown.length > 0 ? ['dose-unknown'] : []),
    ],
    params: {
      orders: draftNames(concerned),
      egfr: egfr.value,
      egfrDate: egfr.date,
      egfrBelow: config.kidney.egfrBelow,
      calciumTabletMaxMg: config.kidney.calciumTabletMaxMg,
      ...(over[0]?.dailyDoseMg !== undefined ? { dailyDoseMg: over[0].dailyDoseMg } : {}),
    },
    evidence: [labEvidence('egfr', egfr), ...concerned.map(draftEvidence)],
    drafts: concerned.map((draft) => draft.reference),
    // The draft with its dose lowered to the limit (an update of the drafted order).
    suggestions: over.map((draft) => ({
      kind: 'change-draft-dose' as const,
      draft: draft.reference,
      amounts: { calciumMg: config.kidney.calciumTabletMaxMg },
    })),
  };
}

/** R15 at order time: a further dose of a drug at its maximum duration is critical. */
function maxDurationAtOrder(
  snapshot: PatientSnapshot,
  now: Date,
  config: GuidelineConfig,
): Finding | undefined {
  const drafted = new Set(snapshot.drafts.map((draft) => draft.drug));
  const reached = maxDurationFacts(snapshot, config, now, (drug) =>
    drafted.has(drug) ? snapshot.medications[drug] : undefined,
  );
  if (!reached) return undefined;
  const drug = reached.terms?.drug?.keys[0];
  const drafts = snapshot.drafts.filter((draft) => draft.drug === drug);
  return {
    rule: 'R15',
    code: 'max-duration-reached',
    // Seed 000 wins over rules.md here: teriparatide continues "helt frem til ny behandling
    // startes", so a further teriparatide order at 24 months is a warning to switch, not a stop.
    indicator: drug === 'teriparatide' ? 'warning' : 'critical',
    ...reached,
    reasons: [...reached.reasons, 'order'],
    params: { ...reached.params, orders: draftNames(drafts) },
    evidence: [...reached.evidence, ...drafts.map(draftEvidence)],
    drafts: drafts.map((draft) => draft.reference),
    suggestions: drafts.map((draft) => ({ kind: 'remove-draft' as const, draft: draft.reference })),
  };
}

/** Turn a patient-level finding into an order-time one about these drafts. */
function forDrafts(drafts: DraftMedicationOrder[]) {
  return (finding: Finding, indicator: Finding['indicator'], offerRemoval: boolean): Finding => ({
    ...finding,
    indicator,
    reasons: [...finding.reasons, 'order'],
    params: { ...finding.params, orders: draftNames(drafts) },
    evidence: [...finding.evidence, ...drafts.map(draftEvidence)],
    drafts: drafts.map((draft) => draft.reference),
    suggestions: [
      ...(finding.suggestions ?? []),
      ...(offerRemoval
        ? drafts.map((draft) => ({ kind: 'remove-draft' as const, draft: draft.reference }))
        : []),
    ],
  });
}

/** Results that have a date but whose value could not be read (not: undated, dated in the future). */
const VALUE_UNREADABLE: ReadonlySet<UnusableReason> = new Set([
  'no-value',
  'unit-not-ucum',
  'unit-unknown',
]);

/** R11 · zoledronic acid with eGFR < 35 or hypocalcaemia (critical); kidney function unknown (warning). */
function zoledronicAcidContraindication(
  snapshot: PatientSnapshot,
  drafts: DraftMedicationOrder[],
  now: Date,
  config: GuidelineConfig,
): Finding | undefined {
  if (drafts.length === 0) return undefined;
  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  const params: Finding['params'] = {
    orders: draftNames(drafts),
    egfrBelow: config.kidney.egfrBelow,
  };
  let critical = false;
  const suggestions: NonNullable<Finding['suggestions']> = [];

  const egfr = snapshot.labs.egfr[0];
  const recentSince = now.getTime() - config.orders.recentLabDays * DAY_MS;
  const recent = egfr !== undefined && egfr.time >= recentSince;
  if (egfr && lowEgfr(snapshot, config)) {
    critical = true;
    reasons.push('egfr-low');
    params.egfr = egfr.value;
    params.egfrDate = egfr.date;
    evidence.push(
      labEvidence('egfr', egfr, recent ? ['default-threshold'] : ['default-threshold', 'too-old']),
    );
  } else if (!recent) {
    reasons.push('egfr-unknown');
    params.recentLabDays = config.orders.recentLabDays;
    if (egfr) evidence.push(labEvidence('egfr', egfr, ['too-old']));
    else evidence.push({ item: 'egfr', notes: ['missing'] });
    const creatinine = snapshot.labs.creatinine[0];
    if (creatinine) evidence.push(labEvidence('creatinine', creatinine));
    suggestions.push({ kind: 'order-labs', labs: ['creatinine'] });
  } else {
    // Recent, but not known to be ≥ 35: "<40" / ">30" leaves it open, and so does an eGFR
    // that may be newer (a partial date covers its whole month) and is, or may be, below the
    // limit or could not be read. Missing data is never read as normal.
    const mayBeNewer = (date: string | undefined) => (latestTime(date) ?? -Infinity) > egfr.time;
    const unreadable = snapshot.unusable.find(
      (result) =>
        result.measure === 'egfr' && VALUE_UNREADABLE.has(result.reason) && mayBeNewer(result.date),
    );
    const lowerRival = snapshot.labs.egfr
      .slice(1)
      .some(
        (result) => mayBeNewer(result.date) && isBelow(result, config.kidney.egfrBelow) !== false,
      );
    if (unreadable || lowerRival || isBelow(egfr, config.kidney.egfrBelow) === undefined) {
      reasons.push('egfr-inconclusive');
      params.egfrDate = (unreadable ?? egfr).date ?? egfr.date;
      evidence.push(labEvidence('egfr', egfr));
      if (unreadable) {
        evidence.push({
          item: 'egfr',
          ...(unreadable.value !== undefined ? { value: unreadable.value } : {}),
          ...(unreadable.unitSent ? { unit: unreadable.unitSent } : {}),
          ...(unreadable.date ? { date: unreadable.date } : {}),
          source: unreadable.source,
          notes: ['unusable'],
        });
      }
      suggestions.push({ kind: 'order-labs', labs: ['creatinine'] });
    }
  }

  const calcium = correctedCalcium(snapshot, config);
  if (calcium?.judgement.level === 'low') {
    critical = true;
    reasons.push('hypocalcaemia');
    params.calcium = calcium.value;
    params.calciumDate = calcium.date;
    evidence.push(...calcium.evidence);
  }
  if (reasons.length === 0) return undefined;
  if (critical)
    suggestions.unshift(
      ...drafts.map((draft) => ({ kind: 'remove-draft' as const, draft: draft.reference })),
    );
  return {
    rule: 'R11',
    code: 'contraindication-zoledronic-acid',
    indicator: critical ? 'critical' : 'warning',
    reasons,
    params,
    evidence: [...evidence, ...drafts.map(draftEvidence)],
    drafts: drafts.map((draft) => draft.reference),
    suggestions,
  };
}

/** R13 · calcium ordered with hypercalcaemia or primary hyperparathyroidism. */
function calciumContraindication(
  snapshot: PatientSnapshot,
  drafts: DraftMedicationOrder[],
  config: GuidelineConfig,
): Finding | undefined {
  if (drafts.length === 0) return undefined;
  const high = hypercalcaemia(snapshot, config);
  if (!high) return undefined;
  return {
    ...high,
    rule: 'R13',
    code: 'contraindication-calcium',
    indicator: 'critical',
    params: { ...high.params, orders: draftNames(drafts) },
    evidence: [...high.evidence, ...drafts.map(draftEvidence)],
    drafts: drafts.map((draft) => draft.reference),
    suggestions: drafts.map((draft) => ({ kind: 'remove-draft' as const, draft: draft.reference })),
  };
}

function draftNames(drafts: DraftMedicationOrder[]): string {
  return drafts.map((draft) => draft.display).join(', ');
}

function draftEvidence(draft: DraftMedicationOrder): Evidence {
  return { item: 'draftOrder', value: draft.display, source: draft.reference };
}
