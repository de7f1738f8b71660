/**
 * Nordic pathways after a DXA in a fracture patient: the Danish FLS groups (R24,
 * seed 003) and the Swedish fracture chain (R25, seed 004). The groups' T-score
 * limits are the WHO categories plus R5 (a rules.md Decision: seed 003 names the
 * groups and the routing, not the limits).
 */
import { DAY_MS } from '../../patient/dates';
import type { PatientSnapshot } from '../../patient/snapshot';
import type { GuidelineConfig } from '../config';
import {
  clinicalOsteoporosisFractures,
  fractureEvidence,
  inScope,
  lowestTScore,
  tScoreEvidence,
} from '../facts';
import type { Evidence, Finding } from '../finding';
import {
  anabolicReferral,
  antiresorptiveIndicated,
  missingScreeningLabs,
} from './before-treatment';

interface DxaReply {
  lowest: NonNullable<ReturnType<typeof lowestTScore>>;
  evidence: Evidence[];
}

/** A fracture patient in scope with a DXA in the last 3 months (the "DXA reply"). */
function dxaReply(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): DxaReply | undefined {
  if (!inScope(snapshot, config) || snapshot.fractures.length === 0) return undefined;
  const lowest = lowestTScore(snapshot);
  const since = now.getTime() - config.pathway.dxaRecentDays * DAY_MS;
  if (!lowest || (snapshot.tScores[0]?.time ?? -Infinity) < since) return undefined;
  return {
    lowest,
    evidence: [tScoreEvidence(lowest), ...snapshot.fractures.slice(0, 3).map(fractureEvidence)],
  };
}

/** R24 · fls-group-1 / 2a / 2b / 3 (Danish profile, seed 003). */
export function flsGroup(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  const reply = dxaReply(snapshot, config, now);
  if (!reply) return undefined;
  const params: Finding['params'] = { tScore: reply.lowest.value, dxaDate: reply.lowest.date };
  const clinical = clinicalOsteoporosisFractures(snapshot).length > 0;
  const base = { rule: 'R24' as const, params, evidence: reply.evidence };
  // Every FLS patient's DXA ends in a letter (003): the card drafts it.
  const letter = (code: string) => ({
    suggestions: [{ kind: 'letter' as const, letter: code, recommended: true }],
  });
  if (anabolicReferral(snapshot, config)) {
    return {
      ...base,
      code: 'fls-group-3',
      ...letter('fls-group-3'),
      indicator: 'warning',
      reasons: ['severe', 'hospital', 'letter'],
    };
  }
  // Treatment indicated by another criterion (e.g. FRAX) is GP follow-up too: the cards must agree.
  const treat =
    reply.lowest.value <= config.indication.osteoporosisTScore ||
    clinical ||
    antiresorptiveIndicated(snapshot, config, now, { clinicalOsteoporosisOnly: true }) !==
      undefined;
  if (treat) {
    return {
      ...base,
      code: 'fls-group-2b',
      ...letter('fls-group-2b'),
      indicator: 'info',
      reasons: [clinical ? 'clinical-osteoporosis' : 'osteoporosis', 'gp-annual', 'letter'],
    };
  }
  if (reply.lowest.value < config.indication.lowBoneMassTScore) {
    return {
      ...base,
      code: 'fls-group-2a',
      ...letter('fls-group-2a'),
      indicator: 'info',
      reasons: ['osteopenia', 'gp-before-rescan', 'letter'],
    };
  }
  return {
    ...base,
    code: 'fls-group-1',
    indicator: 'info',
    reasons: ['normal', 'letter'],
    ...letter('fls-group-1'),
  };
}

/** R25 · fracture-chain-visit / fracture-chain-no-visit (Swedish profile, seed 004). */
export function fractureChain(
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
): Finding | undefined {
  const reply = dxaReply(snapshot, config, now);
  if (!reply) return undefined;
  const params: Finding['params'] = {
    tScore: reply.lowest.value,
    dxaDate: reply.lowest.date,
    visitWithinMonths: config.pathway.visitWithinMonths,
  };
  const osteoporosis =
    reply.lowest.value <= config.indication.osteoporosisTScore ||
    clinicalOsteoporosisFractures(snapshot).length > 0;
  // A treatment indication from another criterion needs the doctor's visit too: the cards must agree.
  const treatmentIndicated =
    antiresorptiveIndicated(snapshot, config, now, { clinicalOsteoporosisOnly: true }) !==
      undefined || anabolicReferral(snapshot, config) !== undefined;
  if (!osteoporosis && !treatmentIndicated) {
    return {
      rule: 'R25',
      code: 'fracture-chain-no-visit',
      indicator: 'info',
      reasons: ['no-osteoporosis', 'letter'],
      params,
      evidence: reply.evidence,
      suggestions: [{ kind: 'letter', letter: 'fracture-chain-no-visit', recommended: true }],
    };
  }
  // The package orders only what was not drawn within the screening window (rules.md "Coherence").
  const missing = missingScreeningLabs(
    snapshot,
    now.getTime() - config.screening.recentDays * DAY_MS,
  );
  return {
    rule: 'R25',
    code: 'fracture-chain-visit',
    indicator: 'info',
    reasons: [
      osteoporosis ? 'osteoporosis' : 'treatment-indicated',
      'waiting-list',
      missing.length > 0 ? 'lab-package' : 'lab-package-recent',
      'letter',
      'doctor',
    ],
    params: { ...params, recentDays: config.screening.recentDays },
    evidence: reply.evidence,
    suggestions: [
      ...(missing.length > 0
        ? [{ kind: 'order-labs' as const, labs: missing, recommended: true }]
        : []),
      { kind: 'letter', letter: 'fracture-chain-visit', recommended: true },
    ],
  };
}
