/**
 * Blood results, rules R6–R10 (rules.md "Blood results"; seed 000, "Forklaring for
 * blodprøvepakke"). On patient-view they warn; at order time orders.ts reuses the
 * same judgements for the drafted drug.
 */
import type { PatientSnapshot } from '../../patient/snapshot';
import type { GuidelineConfig } from '../config';
import { inScope, takesCalciumOrVitaminD } from '../facts';
import type { Evidence, Finding, SuggestionSpec } from '../finding';
import { dueWindow } from '../suggestions';
import {
  correctedCalcium,
  isBelow,
  judge,
  labEvidence,
  lowEgfr,
  type CorrectedCalcium,
} from '../labs';

/** R6 · hypocalcaemia: corrected calcium below the range. */
export function hypocalcaemia(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
): Finding | undefined {
  const calcium = correctedCalcium(snapshot, config);
  if (calcium?.judgement.level !== 'low') return undefined;
  return {
    rule: 'R6',
    code: 'hypocalcaemia',
    indicator: 'warning',
    reasons: calciumReasons(calcium, 'calcium-low'),
    params: { calcium: calcium.value, calciumDate: calcium.date },
    evidence: calcium.evidence,
  };
}

/** R7 · hypercalcaemia: corrected calcium above the range, or a PHPT / hypercalcaemia diagnosis; PTH interpreted. */
export function hypercalcaemia(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
): Finding | undefined {
  const calcium = correctedCalcium(snapshot, config);
  const high = calcium?.judgement.level === 'high';
  const diagnoses = snapshot.diagnoses.filter(
    (diagnosis) =>
      diagnosis.kind === 'primaryHyperparathyroidism' || diagnosis.kind === 'hypercalcaemia',
  );
  if (!high && diagnoses.length === 0) return undefined;

  const reasons = high && calcium ? calciumReasons(calcium, 'calcium-high') : [];
  const evidence: Evidence[] = high && calcium ? [...calcium.evidence] : [];
  for (const diagnosis of diagnoses) {
    reasons.push(`diagnosis-${diagnosis.kind}`);
    evidence.push({
      item: 'diagnosis',
      value: diagnosis.code,
      date: diagnosis.date,
      source: diagnosis.source,
    });
  }
  // R7 blocks vitamin D too: a low 25-OH D is named here, as part of the work-up (rules.md "Coherence").
  const vitaminD = snapshot.labs.vitaminD[0];
  const params: Finding['params'] =
    calcium && high ? { calcium: calcium.value, calciumDate: calcium.date } : {};
  if (vitaminD && isBelow(vitaminD, config.vitaminD.lowBelow) === true) {
    reasons.push('vitamin-d-low');
    params.vitaminD = vitaminD.value;
    params.vitaminDDate = vitaminD.date;
    evidence.push(labEvidence('vitaminD', vitaminD, ['default-threshold']));
  }
  const pth = snapshot.labs.pth[0];
  const finding: Finding = {
    rule: 'R7',
    code: 'hypercalcaemia',
    indicator: 'warning',
    reasons: [...new Set(reasons)],
    params,
    evidence,
  };
  if (!pth) {
    finding.reasons.push('pth-missing');
    finding.evidence.push({ item: 'pth', notes: ['missing'] });
    finding.suggestions = [{ kind: 'order-labs', labs: ['pth'], recommended: true }, ENDOCRINOLOGY];
    return finding;
  }
  const judgement = judge(pth, { low: config.pth.lowBelow, high: config.pth.highAbove });
  finding.reasons.push(`pth-${judgement.level}`);
  finding.params.pth = pth.value;
  finding.params.pthDate = pth.date;
  finding.evidence.push(labEvidence('pth', pth, [judgement.basis]));
  finding.suggestions = [ENDOCRINOLOGY];
  return finding;
}

/** 000: "Høy verdi: må avklares og evt henvises endokrinolog". */
const ENDOCRINOLOGY: SuggestionSpec = { kind: 'refer', to: 'endocrinology' };

/** R8 · vitamin-d-low: 25-OH vitamin D below 50 nmol/L. */
export function vitaminDLow(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
): Finding | undefined {
  const vitaminD = snapshot.labs.vitaminD[0];
  if (!vitaminD || isBelow(vitaminD, config.vitaminD.lowBelow) !== true) return undefined;
  return {
    rule: 'R8',
    code: 'vitamin-d-low',
    indicator: 'warning',
    reasons: ['vitamin-d-low'],
    params: {
      vitaminD: vitaminD.value,
      vitaminDDate: vitaminD.date,
      lowBelow: config.vitaminD.lowBelow,
      targetLow: config.vitaminD.targetLow,
      targetHigh: config.vitaminD.targetHigh,
    },
    evidence: [labEvidence('vitaminD', vitaminD, ['default-threshold'])],
  };
}

/** R8 as a card: not while R7 stands (hypercalcaemia / PHPT not worked up), which names the low vitamin D itself. */
export function vitaminDLowCard(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  if (hypercalcaemia(snapshot, config)) return undefined;
  const finding = vitaminDLow(snapshot, config);
  if (!finding) return undefined;
  const retest = dueWindow(now.getTime(), 2, 3);
  const takesSupplement = takesCalciumOrVitaminD(snapshot);
  // In scope and without a supplement, R2's card orders calcium + vitamin D with this re-test.
  if (!takesSupplement && inScope(snapshot, config)) return finding;
  finding.suggestions = [
    takesSupplement
      ? { kind: 'order-labs', labs: ['vitaminD'], due: retest, recommended: true }
      : {
          kind: 'start-medication',
          medications: [
            {
              regimen: 'colecalciferolDaily',
              amounts: { vitaminDIU: config.supplement.vitaminDIUPerDay },
            },
          ],
          monitoring: { labs: ['vitaminD'], due: retest },
          recommended: true,
        },
  ];
  return finding;
}

/** R9 · hyperthyroidism-suspected: TSH below its range and/or FT4 above. */
export function hyperthyroidismSuspected(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
): Finding | undefined {
  const tsh = snapshot.labs.tsh[0];
  const ft4 = snapshot.labs.ft4[0];
  const tshJudgement = tsh && judge(tsh, { low: config.thyroid.tshLowBelow });
  const ft4Judgement = ft4 && judge(ft4, { high: config.thyroid.ft4HighAbove });
  const reasons: string[] = [];
  if (tshJudgement?.level === 'low') reasons.push('tsh-low');
  if (ft4Judgement?.level === 'high') reasons.push('ft4-high');
  if (reasons.length === 0) return undefined;
  const evidence: Evidence[] = [];
  if (tsh && tshJudgement) evidence.push(labEvidence('tsh', tsh, [tshJudgement.basis]));
  else evidence.push({ item: 'tsh', notes: ['missing'] });
  if (ft4 && ft4Judgement) evidence.push(labEvidence('ft4', ft4, [ft4Judgement.basis]));
  else evidence.push({ item: 'ft4', notes: ['missing'] });
  return {
    rule: 'R9',
    code: 'hyperthyroidism-suspected',
    indicator: 'info',
    reasons,
    params: {
      ...(tsh ? { tsh: tsh.value, tshDate: tsh.date } : {}),
      ...(ft4 ? { ft4: ft4.value, ft4Date: ft4.date } : {}),
    },
    evidence,
  };
}

/** R10 · renal-impairment: eGFR below 35. */
export function renalImpairment(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
): Finding | undefined {
  const egfr = lowEgfr(snapshot, config);
  if (!egfr) return undefined;
  return {
    rule: 'R10',
    code: 'renal-impairment',
    indicator: 'warning',
    reasons: ['egfr-low'],
    params: {
      egfr: egfr.value,
      egfrDate: egfr.date,
      egfrBelow: config.kidney.egfrBelow,
      calciumTabletMaxMg: config.kidney.calciumTabletMaxMg,
    },
    evidence: [labEvidence('egfr', egfr, ['default-threshold'])],
  };
}

/** The calcium reason, plus a warning when it could not be albumin-corrected. */
function calciumReasons(calcium: CorrectedCalcium, reason: string): string[] {
  return calcium.basis === 'not-albumin-corrected' ? [reason, 'calcium-not-corrected'] : [reason];
}
