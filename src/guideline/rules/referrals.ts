/**
 * Referrals the data calls for before the indication rules can judge (rules.md
 * "More rules (turn 2)"): R30 secondary osteoporosis under 50 (specialist work-up,
 * seed 000 first paragraph) and R31 a DXA so that R3(a) / (b) can be judged.
 */
import { FRACTURE_RISK_DRUGS } from '../../fhir/code-lists';
import { monthsBetween } from '../../patient/dates';
import type { PatientSnapshot } from '../../patient/snapshot';
import type { GuidelineConfig } from '../config';
import {
  drugEvidence,
  fractureEvidence,
  inScope,
  isOlderThanYears,
  lowestTScore,
  onTreatment,
  ongoingGlucocorticoid,
  tScoreEvidence,
} from '../facts';
import type { Evidence, Finding } from '../finding';
import { treatWithoutDxaApplies } from './before-treatment';

/** R30 · secondary-osteoporosis: under 50 with a fragility-site fracture or T-score ≤ −2.5 → specialist work-up. */
export function secondaryOsteoporosis(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
): Finding | undefined {
  if (snapshot.ageYears === undefined || snapshot.ageYears >= config.scope.minAge) return undefined;
  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  const params: Finding['params'] = { age: snapshot.ageYears, minAge: config.scope.minAge };
  const fracture = snapshot.siteFractures[0];
  if (fracture) {
    reasons.push('fracture');
    evidence.push(fractureEvidence(fracture));
  }
  const lowest = lowestTScore(snapshot);
  if (lowest && lowest.value <= config.indication.osteoporosisTScore) {
    reasons.push('t-score');
    evidence.push(tScoreEvidence(lowest));
    params.tScore = lowest.value;
  }
  if (reasons.length === 0) return undefined;
  reasons.push('refer');
  return {
    rule: 'R30',
    code: 'secondary-osteoporosis',
    indicator: 'info',
    reasons,
    params,
    evidence,
    // 000: worked up and treated by endocrinology or rheumatology (named first) — one referral.
    suggestions: [
      { kind: 'refer', to: 'endocrinology', recommended: true },
      { kind: 'refer', to: 'rheumatology' },
    ],
    alternatives: true,
  };
}

/** R31 · dxa-needed: a risk factor that needs a DXA, no DXA within 2 years, no current drug. */
export function dxaNeeded(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  if (!inScope(snapshot, config) || onTreatment(snapshot, config, now)) return undefined;
  const d = config.dxaNeeded;
  if (
    snapshot.latestDxaTime !== undefined &&
    !isOlderThanYears(snapshot.latestDxaTime, d.dxaWithinYears, now)
  )
    return undefined;
  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  const params: Finding['params'] = { dxaWithinYears: d.dxaWithinYears };
  // A fracture R4 covers is treated without waiting for a DXA: no DXA referral then.
  const fracture = snapshot.fractures[0];
  if (fracture && !treatWithoutDxaApplies(snapshot, config, now)) {
    reasons.push('fracture');
    evidence.push(fractureEvidence(fracture));
  }
  const glucocorticoid = ongoingGlucocorticoid(snapshot, now);
  if (
    glucocorticoid?.mgPerDay !== undefined &&
    glucocorticoid.mgPerDay >= config.indication.prednisoloneMgPerDay &&
    glucocorticoid.months > d.glucocorticoidMonths
  ) {
    reasons.push('glucocorticoid');
    params.prednisoloneMgPerDay = glucocorticoid.mgPerDay;
    evidence.push({
      item: 'glucocorticoid',
      value: glucocorticoid.mgPerDay,
      unit: 'mg/d',
      ...(glucocorticoid.history.courseStart
        ? { date: glucocorticoid.history.courseStart.date }
        : {}),
      source: glucocorticoid.history.sources[glucocorticoid.history.sources.length - 1] ?? '',
    });
  }
  const riskDrugs: string[] = [];
  for (const drug of FRACTURE_RISK_DRUGS) {
    const history = snapshot.medications[drug];
    if (!history?.current || !history.courseStart) continue;
    if (monthsBetween(history.courseStart.time, now.getTime()) < d.riskDrugMonths) continue;
    riskDrugs.push(drug);
    evidence.push(drugEvidence(history));
  }
  if (riskDrugs.length > 0) reasons.push('risk-drug');
  if (reasons.length === 0) return undefined;
  evidence.push(
    snapshot.tScores[0] ? tScoreEvidence(snapshot.tScores[0]) : { item: 'dxa', notes: ['missing'] },
  );
  return {
    rule: 'R31',
    code: 'dxa-needed',
    indicator: 'info',
    reasons: [...reasons, 'purpose'],
    params,
    terms: { riskDrugs: { dictionary: 'drugs', keys: riskDrugs } },
    evidence,
    suggestions: [{ kind: 'order-dxa' }],
  };
}
