/**
 * Runs the rules that apply to a hook and returns one finding per recommendation
 * code (rules.md: "One card per code per response"), the most severe first.
 */
import type { PatientSnapshot } from '../patient/snapshot';
import type { GuidelineConfig } from './config';
import { withoutBlockedSuggestions } from './coherence';
import type { Finding } from './finding';
import {
  anabolicReferral,
  antiresorptiveIndicated,
  calciumVitaminD,
  screeningLabsMissing,
  treatWithoutDxa,
} from './rules/before-treatment';
import {
  hypercalcaemia,
  hyperthyroidismSuspected,
  hypocalcaemia,
  renalImpairment,
  vitaminDLowCard,
} from './rules/blood-results';
import { atypicalFemurFracture } from './rules/drug-safety';
import { dxaNeeded, secondaryOsteoporosis } from './rules/referrals';
import {
  denosumabOverdue,
  dxaDue,
  fallRiskAssessment,
  followupLabsDue,
  maxDurationReached,
  teriparatideTransition,
  treatmentPauseConsider,
  treatmentResponseInadequate,
  zoledronicAcidNextDose,
} from './rules/follow-up';
import { orderFindings } from './rules/orders';
import { fractureChain, flsGroup } from './rules/pathways';
import { PROFILE_SETTINGS, type Profile, type ProfileSettings } from './profiles';

export type HookKind = 'patient-view' | 'order';

type PatientRule = (
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
  profile: ProfileSettings,
) => Finding | undefined;

/** In rules.md order; the engine then applies the precedence between them. */
const PATIENT_VIEW_RULES: readonly PatientRule[] = [
  (snapshot, config, now) => screeningLabsMissing(snapshot, config, now),
  calciumVitaminD,
  (snapshot, config, now, profile) =>
    antiresorptiveIndicated(snapshot, config, now, {
      clinicalOsteoporosisOnly: profile.clinicalOsteoporosisOnly,
      norwegianReimbursement: profile.norwegianReimbursement,
    }),
  treatWithoutDxa,
  anabolicReferral,
  hypocalcaemia,
  hypercalcaemia,
  // R7 blocks vitamin D as well as calcium (rules.md "Coherence"): no R8 while R7 stands.
  vitaminDLowCard,
  hyperthyroidismSuspected,
  renalImpairment,
  maxDurationReached,
  followupLabsDue,
  dxaDue,
  treatmentResponseInadequate,
  treatmentPauseConsider,
  zoledronicAcidNextDose,
  denosumabOverdue,
  teriparatideTransition,
  fallRiskAssessment,
  atypicalFemurFracture,
  secondaryOsteoporosis,
  dxaNeeded,
];

/** The pathway rule each profile adds (rules.md "Profiles and languages"). */
const PATHWAY_RULES: Readonly<Record<Profile, readonly PatientRule[]>> = {
  no: [],
  dk: [flsGroup],
  se: [fractureChain],
};

const SEVERITY = { critical: 0, warning: 1, info: 2 } as const;

export function evaluate(
  hook: HookKind,
  snapshot: PatientSnapshot,
  now: Date,
  config: GuidelineConfig,
  profile: Profile = 'no',
): Finding[] {
  const settings = PROFILE_SETTINGS[profile];
  const rules = [...PATIENT_VIEW_RULES, ...PATHWAY_RULES[profile]];
  const findings =
    hook === 'patient-view'
      ? applyPrecedence(rules.flatMap((rule) => rule(snapshot, config, now, settings) ?? []))
      : orderFindings(snapshot, now, config);
  const byCode = new Map<string, Finding>();
  for (const finding of findings) {
    const kept = byCode.get(finding.code);
    if (!kept || SEVERITY[finding.indicator] < SEVERITY[kept.indicator])
      byCode.set(finding.code, finding);
  }
  return withoutBlockedSuggestions([...byCode.values()]).sort(
    (a, b) => SEVERITY[a.indicator] - SEVERITY[b.indicator],
  );
}

/**
 * Precedence between rules (rules.md): anabolic criteria come with a referral, not
 * an antiresorptive start — unless teriparatide is contraindicated, when the
 * antiresorptive stays the recommendation. (Hypercalcaemia blocking the calcium
 * recommendation is decided inside R2.)
 */
function applyPrecedence(findings: Finding[]): Finding[] {
  const referral = findings.find((finding) => finding.code === 'anabolic-referral');
  if (!referral || referral.reasons.includes('teriparatide-contraindicated')) return findings;
  return findings.filter((finding) => finding.code !== 'antiresorptive-indicated');
}
