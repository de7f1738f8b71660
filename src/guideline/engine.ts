/**
 * Runs the rules that apply to a hook and returns one finding per recommendation
 * code (rules.md: "One card per code per response"), the most severe first.
 */
import type { PatientSnapshot } from '../patient/snapshot';
import type { GuidelineConfig } from './config';
import type { Finding } from './finding';
import {
  hypercalcaemia,
  hyperthyroidismSuspected,
  hypocalcaemia,
  renalImpairment,
  vitaminDLow,
} from './rules/blood-results';
import { orderFindings } from './rules/orders';

export type HookKind = 'patient-view' | 'order';

type PatientRule = (
  snapshot: PatientSnapshot,
  config: GuidelineConfig,
  now: Date,
) => Finding | undefined;

const PATIENT_VIEW_RULES: readonly PatientRule[] = [
  hypocalcaemia,
  hypercalcaemia,
  vitaminDLow,
  hyperthyroidismSuspected,
  renalImpairment,
];

const SEVERITY = { critical: 0, warning: 1, info: 2 } as const;

export function evaluate(
  hook: HookKind,
  snapshot: PatientSnapshot,
  now: Date,
  config: GuidelineConfig,
): Finding[] {
  const findings =
    hook === 'patient-view'
      ? PATIENT_VIEW_RULES.flatMap((rule) => rule(snapshot, config, now) ?? [])
      : orderFindings(snapshot, now, config);
  const byCode = new Map<string, Finding>();
  for (const finding of findings) {
    const kept = byCode.get(finding.code);
    if (!kept || SEVERITY[finding.indicator] < SEVERITY[kept.indicator])
      byCode.set(finding.code, finding);
  }
  return [...byCode.values()].sort((a, b) => SEVERITY[a.indicator] - SEVERITY[b.indicator]);
}
