/**
 * Property 2: the service never recommends a drug that the patient's own data
 * contraindicates (rules.md R10–R14, with R6 / R7 at order time), judged by the
 * oracle (oracle.ts), never by the service's own functions. Returns the
 * violations as sentences, so a failure reads as a clinical statement.
 */
import { draftLabel, type Hook } from './arbitraries';
import { cardsWithCode, codeOf, deletions, statesReason, type Card } from './cards';
import type { DraftSpec, Drug, PatientSpec } from './model';
import {
  certainIntolerance,
  dailyDoseMg,
  isAntiresorptive,
  ORAL_BISPHOSPHONATES,
  orderedDrafts,
  RULES_MD,
  verdictOf,
  type Verdict,
} from './oracle';

/** How often each situation came up: a property that never met its case proves nothing. */
export type Coverage = Record<string, number>;

export function count(coverage: Coverage, situation: string): void {
  coverage[situation] = (coverage[situation] ?? 0) + 1;
}

const ref = (draft: DraftSpec): string => `MedicationRequest/${draft.id}`;

export function safetyViolations(
  spec: PatientSpec,
  hook: Hook,
  cards: readonly Card[],
  coverage: Coverage,
): string[] {
  const verdict = verdictOf(spec);
  return [
    ...(hook === 'patient-view'
      ? patientViewViolations(spec, verdict, cards, coverage)
      : orderViolations(spec, hook, verdict, cards, coverage)),
    ...suggestedDrugViolations(spec, hook, verdict, cards, coverage),
  ];
}

/** ATC codes (codes.md) of the drugs a one-click suggestion would order, by the oracle's names. */
const SUGGESTED_ATC: Record<string, string> = {
  M05BA04: 'alendronate',
  M05BA07: 'risedronate',
  M05BA06: 'ibandronate',
  M05BA08: 'zoledronicAcid',
  M05BX04: 'denosumab',
  A12AX: 'calcium',
  A11CC05: 'vitaminD',
};

/** The drugs the card's suggestions would order (MedicationRequests they create), by ATC. */
function suggestedDrugs(card: Card): string[] {
  return (card.suggestions ?? []).flatMap((suggestion) =>
    suggestion.actions.flatMap((action) => {
      const resource = action.resource as
        | {
            resourceType: string;
            medicationCodeableConcept?: { coding?: { system?: string; code?: string }[] };
          }
        | undefined;
      if (action.type !== 'create' || resource?.resourceType !== 'MedicationRequest') return [];
      return (resource.medicationCodeableConcept?.coding ?? []).flatMap((coding) =>
        coding.system === 'http://www.whocc.no/atc' && coding.code && SUGGESTED_ATC[coding.code]
          ? [SUGGESTED_ATC[coding.code] as string]
          : [],
      );
    }),
  );
}

/**
 * rules.md "Coherence": a suggestion never orders what the data rules out — judged from
 * the oracle's reading of the data, whatever card offers it: zoledronic acid or an oral
 * bisphosphonate with eGFR < 35 (R10, R11, R28), an antiresorptive with hypocalcaemia
 * (R6) or jaw osteonecrosis / an atypical femur fracture on record (R26, R27), calcium or
 * vitamin D with hypercalcaemia / PHPT (R7, R13), a drug the allergy list rules out (R29).
 */
function suggestedDrugViolations(
  spec: PatientSpec,
  hook: Hook,
  verdict: Verdict,
  cards: readonly Card[],
  coverage: Coverage,
): string[] {
  const out: string[] = [];
  const antiresorptive = [
    'alendronate',
    'risedronate',
    'ibandronate',
    'zoledronicAcid',
    'denosumab',
  ];
  for (const card of cards) {
    for (const drug of suggestedDrugs(card)) {
      count(coverage, `${hook}: suggestion orders ${drug}`);
      const why: string[] = [];
      if (
        verdict.egfr === 'low' &&
        ['zoledronicAcid', 'alendronate', 'risedronate', 'ibandronate'].includes(drug)
      )
        why.push('eGFR < 35 (R10, R11, R28)');
      if (verdict.calcium === 'low' && antiresorptive.includes(drug))
        why.push('hypocalcaemia (R6)');
      if (verdict.jawOsteonecrosis && antiresorptive.includes(drug))
        why.push('jaw osteonecrosis (R27)');
      if (verdict.atypicalFemurFracture && antiresorptive.includes(drug))
        why.push('atypical femur fracture (R26)');
      if ((drug === 'calcium' || drug === 'vitaminD') && verdict.contraindicated.calcium.length > 0)
        why.push(verdict.contraindicated.calcium.join(', '));
      if (drug === 'vitaminD' && verdict.calcium === 'high') why.push('hypercalcaemia (R7)');
      if (certainIntolerance(spec, drug as Drug)) why.push('documented intolerance (R29)');
      if (why.length > 0)
        out.push(`${codeOf(card)} suggests ordering ${drug} despite ${why.join('; ')}`);
    }
  }
  return out;
}

/** patient-view: cards that recommend a drug must not do so silently when the data rules it out. */
function patientViewViolations(
  spec: PatientSpec,
  verdict: Verdict,
  cards: readonly Card[],
  coverage: Coverage,
): string[] {
  const out: string[] = [];
  const present = (code: string) => cardsWithCode(cards, code).length > 0;
  const each = (code: string, check: (card: Card) => string | undefined) => {
    for (const card of cardsWithCode(cards, code)) {
      const problem = check(card);
      if (problem) out.push(problem);
    }
  };

  if (verdict.egfr === 'low') {
    count(coverage, 'patient-view: eGFR certainly < 35');
    if (!present('renal-impairment')) out.push('eGFR < 35 but no renal-impairment card (R10)');
    each('antiresorptive-indicated', (card) => {
      count(coverage, 'patient-view: antiresorptive card with eGFR < 35');
      return statesReason(card, 'zoledronic-acid-ruled-out')
        ? undefined
        : 'antiresorptive-indicated offers zoledronic acid with eGFR < 35 (R3, R10)';
    });
    each('zoledronic-acid-next-dose', (card) => {
      count(coverage, 'patient-view: next zoledronic acid dose with eGFR < 35');
      return statesReason(card, 'egfr-low')
        ? undefined
        : 'zoledronic-acid-next-dose plans an infusion with eGFR < 35 without saying it is contraindicated (R10, R20)';
    });
    each('denosumab-overdue', (card) =>
      statesReason(card, 'stopping-zoledronic-acid') &&
      !statesReason(card, 'zoledronic-acid-contraindicated')
        ? 'denosumab-overdue suggests zoledronic acid with eGFR < 35 (R10, R21)'
        : undefined,
    );
  }
  if (verdict.calcium === 'low') {
    count(coverage, 'patient-view: hypocalcaemia certain');
    if (!present('hypocalcaemia')) out.push('corrected calcium low but no hypocalcaemia card (R6)');
    each('antiresorptive-indicated', (card) =>
      statesReason(card, 'check-hypocalcaemia')
        ? undefined
        : 'antiresorptive-indicated does not say low calcium must be normalised first (R3, R6, R11)',
    );
  }
  if (verdict.contraindicated.calcium.length > 0) {
    count(coverage, 'patient-view: calcium contraindicated');
    if (present('calcium-vitamin-d'))
      out.push(
        `calcium-vitamin-d recommends calcium despite ${verdict.contraindicated.calcium.join(', ')} (R2, R13)`,
      );
    if (!present('hypercalcaemia'))
      out.push('hypercalcaemia / PHPT but no hypercalcaemia card (R7)');
    each('antiresorptive-indicated', (card) =>
      statesReason(card, 'check-hypercalcaemia')
        ? undefined
        : 'antiresorptive-indicated (with calcium and vitamin D) does not mention hypercalcaemia (R3, R13)',
    );
  }
  if (verdict.atypicalFemurFracture) {
    count(coverage, 'patient-view: atypical femur fracture certain');
    if (!present('atypical-femur-fracture'))
      out.push('atypical femur fracture after ≥ 3 years of antiresorptive but no card (R26)');
  }
  if (verdict.egfr === 'low' || verdict.jawOsteonecrosis) {
    // R3 never offers what R27 / R28 block: the card says so (rules.md "Coherence").
    each('antiresorptive-indicated', (card) => {
      if (verdict.egfr === 'low' && !statesReason(card, 'oral-bisphosphonate-ruled-out'))
        return 'antiresorptive-indicated offers an oral bisphosphonate with eGFR < 35 (R3, R28)';
      if (verdict.jawOsteonecrosis && !statesReason(card, 'jaw-osteonecrosis'))
        return 'antiresorptive-indicated does not name the jaw osteonecrosis on record (R3, R27)';
      return undefined;
    });
  }
  for (const drug of ['alendronate', 'denosumab', 'zoledronicAcid'] as const) {
    if (!certainIntolerance(spec, drug)) continue;
    each('antiresorptive-indicated', (card) => {
      count(coverage, 'patient-view: antiresorptive card with an intolerance');
      return statesReason(card, 'intolerance-ruled-out')
        ? undefined
        : `antiresorptive-indicated offers ${drug} despite a documented intolerance (R3, R29)`;
    });
  }
  if (verdict.contraindicated.teriparatide.length > 0) {
    count(coverage, 'patient-view: teriparatide contraindicated');
    each('anabolic-referral', (card) => {
      count(coverage, 'patient-view: anabolic referral with teriparatide contraindicated');
      return statesReason(card, 'teriparatide-contraindicated') && !statesReason(card, 'refer')
        ? undefined
        : `anabolic-referral refers for teriparatide despite ${verdict.contraindicated.teriparatide.join(', ')} (R5, R12)`;
    });
  }
  return out;
}

/** order-select / order-sign: every drafted drug the data contraindicates gets its card, naming the draft. */
function orderViolations(
  spec: PatientSpec,
  hook: Hook,
  verdict: Verdict,
  cards: readonly Card[],
  coverage: Coverage,
): string[] {
  const out: string[] = [];
  const drafts = orderedDrafts(spec, hook);
  const concerned = new Set(drafts.map(ref));
  for (const card of cards) {
    for (const target of deletions(card)) {
      if (!concerned.has(target))
        out.push(`${codeOf(card)} offers to delete ${target}, which this call is not about`);
    }
  }
  /**
   * A card with this code that names the draft as the clinician wrote it (its data-table row;
   * each generated draft has its own text) and, when critical is required, offers its removal.
   */
  const flags = (code: string, draft: DraftSpec, critical: boolean): boolean =>
    cardsWithCode(cards, code).some(
      (card) =>
        card.detail.includes(`| ${draftLabel(draft)} |`) &&
        (!critical || (card.indicator === 'critical' && deletions(card).includes(ref(draft)))),
    );
  const require = (code: string, draft: DraftSpec, critical: boolean, why: string) => {
    count(coverage, `${hook}: ${code}${critical ? ' (critical)' : ''}`);
    if (!flags(code, draft, critical))
      out.push(
        `${draft.drug} drafted (${ref(draft)}) with ${why}, but no ${critical ? 'critical ' : ''}${code} card names it${critical ? ' and offers its removal' : ''}`,
      );
  };

  for (const draft of drafts) {
    const { contraindicated } = verdict;
    if (draft.drug === 'zoledronicAcid') {
      if (contraindicated.zoledronicAcid.length > 0)
        require('contraindication-zoledronic-acid', draft, true, contraindicated.zoledronicAcid.join(
          ', ',
        ));
      else if (verdict.egfr !== 'recent-normal')
        require('contraindication-zoledronic-acid', draft, false, 'no eGFR that is certainly ≥ 35 in the last 3 months (R11: kidney function unknown)');
    }
    if (draft.drug === 'teriparatide' && contraindicated.teriparatide.length > 0)
      require('contraindication-teriparatide', draft, true, contraindicated.teriparatide.join(
        ', ',
      ));
    if (draft.drug === 'calcium') {
      if (contraindicated.calcium.length > 0)
        require('contraindication-calcium', draft, true, contraindicated.calcium.join(', '));
      const dose = dailyDoseMg(draft.doses);
      if (
        verdict.egfr === 'low' &&
        (dose === undefined || dose > RULES_MD.calciumTabletMaxMg + 0.5)
      )
        require('calcium-dose-limit', draft, false, `eGFR < 35 and ${dose === undefined ? 'no dose in mg' : `${dose} mg/day`} (R14)`);
    }
    if (isAntiresorptive(draft.drug)) {
      if (verdict.atypicalFemurFracture)
        require('atypical-femur-fracture', draft, true, 'an atypical femur fracture on record (R26)');
      if (verdict.jawOsteonecrosis)
        require('jaw-osteonecrosis-history', draft, true, 'drug-related jaw osteonecrosis on record (R27)');
    }
    if (ORAL_BISPHOSPHONATES.includes(draft.drug) && verdict.egfr === 'low')
      require('contraindication-oral-bisphosphonate', draft, true, 'eGFR < 35 (R28)');
    if (
      certainIntolerance(spec, draft.drug) &&
      draft.drug !== 'paracetamol' &&
      draft.drug !== 'prednisolone'
    )
      require('drug-intolerance', draft, false, 'a documented intolerance on the allergy list (R29)');
    if (isAntiresorptive(draft.drug)) {
      if (verdict.calcium === 'low')
        require('hypocalcaemia', draft, true, 'hypocalcaemia (R6 at order time)');
      if (contraindicated.calcium.length > 0)
        require('hypercalcaemia', draft, true, `${contraindicated.calcium.join(', ')} (R7 at order time)`);
    }
  }
  return out;
}
