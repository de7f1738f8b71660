/**
 * rules.md "Coherence between cards": a suggestion never orders what another card of
 * the same response blocks. The rules already leave such drugs out of their options
 * (R3's treatmentOptions, R20 / R21 with eGFR < 35); this table is the response-wide
 * rule, applied once after all rules ran, so a new rule cannot break it.
 */
import {
  ANTIRESORPTIVE_DRUGS as ANTIRESORPTIVES,
  ORAL_BISPHOSPHONATES,
  type MedicationClass,
} from '../fhir/code-lists';
import { REGIMENS, type RegimenDrug } from '../fhir/regimens';
import type { RecommendationCode } from './catalogue';
import type { Finding, SuggestionSpec } from './finding';

/** What each card blocks, with the rule sentence that says so. */
export const BLOCKED_BY: Partial<Record<RecommendationCode, readonly MedicationClass[]>> = {
  // R6: "kalsium må normaliseres før oppstart" of antiresorptive treatment.
  hypocalcaemia: ANTIRESORPTIVES,
  // R7: calcium supplement contraindicated; vitamin D too while not worked up.
  hypercalcaemia: ['calcium', 'vitaminD'],
  'contraindication-calcium': ['calcium', 'vitaminD'],
  // R10 / R11 / R28: eGFR < 35 rules out zoledronic acid and oral bisphosphonates.
  'renal-impairment': [...ORAL_BISPHOSPHONATES, 'zoledronicAcid'],
  'contraindication-zoledronic-acid': ['zoledronicAcid'],
  'contraindication-oral-bisphosphonate': ORAL_BISPHOSPHONATES,
  // R26: pause antiresorptives until a possible atypical femur fracture is clarified.
  'atypical-femur-fracture': ANTIRESORPTIVES,
  // R27: no antiresorptive without an oral-surgery assessment.
  'jaw-osteonecrosis-history': ANTIRESORPTIVES,
};

/** The drug classes a suggestion would order. */
export function orderedDrugs(spec: SuggestionSpec): RegimenDrug[] {
  return spec.kind === 'start-medication'
    ? spec.medications.flatMap((medication) => REGIMENS[medication.regimen].drugs)
    : [];
}

/** The findings with every suggestion that orders a drug another finding blocks removed. */
export function withoutBlockedSuggestions(findings: readonly Finding[]): Finding[] {
  const blocked = new Set<string>(findings.flatMap((finding) => BLOCKED_BY[finding.code] ?? []));
  if (blocked.size === 0) return [...findings];
  return findings.map((finding) => {
    const suggestions = finding.suggestions;
    if (!suggestions) return finding;
    const kept = suggestions.filter(
      (spec) => !orderedDrugs(spec).some((drug) => blocked.has(drug)),
    );
    if (kept.length === suggestions.length) return finding;
    // The first remaining alternative becomes the recommended one.
    if (
      finding.alternatives &&
      kept.length > 0 &&
      !kept.some((spec) => 'recommended' in spec && spec.recommended)
    ) {
      kept[0] = { ...kept[0], recommended: true } as SuggestionSpec;
    }
    const rest: Finding = { ...finding };
    delete rest.suggestions;
    return kept.length > 0 ? { ...rest, suggestions: kept } : rest;
  });
}
