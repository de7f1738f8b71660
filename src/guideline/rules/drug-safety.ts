/**
 * Drug safety from the drug-state model (rules.md "More rules (turn 2)"): R26
 * atypical femur fracture (patient-view warning, critical when a bisphosphonate or
 * denosumab is ordered), and at order time R27 jaw osteonecrosis, R28 oral
 * bisphosphonate with eGFR < 35, R29 a documented intolerance, R32 an order the
 * service could not read.
 */
import {
  ANTIRESORPTIVE_EXPOSURE,
  ORAL_BISPHOSPHONATES,
  OSTEOPOROSIS_DRUGS,
  type MedicationClass,
} from '../../fhir/code-lists';
import type { DraftMedicationOrder, Fracture, PatientSnapshot } from '../../patient/snapshot';
import type { GuidelineConfig } from '../config';
import {
  diagnosisEvidence,
  drugEvidence,
  fractureEvidence,
  intoleranceEvidence,
  intolerancesOf,
  jawOsteonecrosis,
} from '../facts';
import type { Evidence, Finding } from '../finding';
import { labEvidence, lowEgfr } from '../labs';

const R29_DRUGS: readonly MedicationClass[] = [
  ...OSTEOPOROSIS_DRUGS,
  'denosumabOncology',
  'calcium',
  'vitaminD',
];

const isAntiresorptive = (draft: DraftMedicationOrder) =>
  ANTIRESORPTIVE_EXPOSURE.includes(draft.drug);

/** R26 · atypical-femur-fracture at patient-view: check the X-ray, image the other femur, pause, refer. */
export function atypicalFemurFracture(snapshot: PatientSnapshot): Finding | undefined {
  const fracture = snapshot.atypicalFemurFractures[0];
  if (!fracture) return undefined;
  return {
    rule: 'R26',
    code: 'atypical-femur-fracture',
    indicator: 'warning',
    reasons: atypicalReasons(snapshot),
    params: atypicalParams(fracture),
    evidence: atypicalEvidence(snapshot, fracture),
  };
}

function atypicalReasons(snapshot: PatientSnapshot): string[] {
  const bisphosphonateRunning = [...ORAL_BISPHOSPHONATES, 'zoledronicAcid' as const].some(
    (drug) => snapshot.medications[drug]?.current,
  );
  return ['possible-atypical', 'work-up', ...(bisphosphonateRunning ? ['pause'] : [])];
}

function atypicalParams(fracture: Fracture & { exposureYears: number }): Finding['params'] {
  return { exposureYears: fracture.exposureYears, fractureDate: fracture.date ?? '–' };
}

function atypicalEvidence(snapshot: PatientSnapshot, fracture: Fracture): Evidence[] {
  const exposure = ANTIRESORPTIVE_EXPOSURE.map((drug) => snapshot.medications[drug]).filter(
    (history) => history !== undefined,
  );
  return [fractureEvidence(fracture), ...exposure.map(drugEvidence)];
}

/** The order-time findings of this module, for the drafts of one call. */
export function drugSafetyAtOrder(snapshot: PatientSnapshot, config: GuidelineConfig): Finding[] {
  const findings: Finding[] = [];
  const antiresorptives = snapshot.drafts.filter(isAntiresorptive);
  const fracture = snapshot.atypicalFemurFractures[0];
  if (fracture && antiresorptives.length > 0) {
    findings.push(
      onDrafts(
        {
          rule: 'R26',
          code: 'atypical-femur-fracture',
          indicator: 'critical',
          reasons: [...atypicalReasons(snapshot), 'order'],
          params: atypicalParams(fracture),
          evidence: atypicalEvidence(snapshot, fracture),
        },
        antiresorptives,
        true,
      ),
    );
  }
  const jaw = jawOsteonecrosis(snapshot);
  if (jaw.length > 0 && antiresorptives.length > 0) {
    findings.push(
      onDrafts(
        {
          rule: 'R27',
          code: 'jaw-osteonecrosis-history',
          indicator: 'critical',
          reasons: ['jaw-osteonecrosis', 'oral-surgery'],
          params: {},
          evidence: jaw.map(diagnosisEvidence),
        },
        antiresorptives,
        true,
      ),
    );
  }
  const oral = snapshot.drafts.filter((draft) => ORAL_BISPHOSPHONATES.includes(draft.drug));
  const egfr = lowEgfr(snapshot, config);
  if (oral.length > 0 && egfr) {
    findings.push(
      onDrafts(
        {
          rule: 'R28',
          code: 'contraindication-oral-bisphosphonate',
          indicator: 'critical',
          reasons: ['egfr-low'],
          params: { egfr: egfr.value, egfrDate: egfr.date, egfrBelow: config.kidney.egfrBelow },
          evidence: [labEvidence('egfr', egfr, ['default-threshold'])],
        },
        oral,
        true,
      ),
    );
  }
  // R29: a drafted osteoporosis drug, calcium or vitamin D with a documented intolerance.
  const intolerant = snapshot.drafts.filter(
    (draft) => R29_DRUGS.includes(draft.drug) && intolerancesOf(snapshot, draft.drug).length > 0,
  );
  if (intolerant.length > 0) {
    const records = [...new Set(intolerant.map((draft) => draft.drug))].flatMap((drug) =>
      intolerancesOf(snapshot, drug),
    );
    const first = records[0];
    findings.push(
      onDrafts(
        {
          rule: 'R29',
          code: 'drug-intolerance',
          indicator: 'warning',
          reasons: [
            ...(records.some((record) => record.kind === 'allergy') ? ['allergy'] : []),
            ...(records.some((record) => record.kind === 'stop-reason') ? ['stop-reason'] : []),
          ],
          params: {
            recordDate: first?.date ?? '–',
            recordText: records.map((record) => record.text ?? '–').join('; '),
          },
          terms: {
            drug: {
              dictionary: 'drugs',
              keys: [...new Set(intolerant.map((draft) => draft.drug as MedicationClass))],
            },
          },
          evidence: records.map(intoleranceEvidence),
        },
        intolerant,
        true,
      ),
    );
  }
  const unchecked = snapshot.uncheckedDrafts;
  if (unchecked.length > 0) {
    findings.push({
      rule: 'R32',
      code: 'order-not-checked',
      indicator: 'info',
      reasons: [...new Set(unchecked.map((draft) => draft.why))],
      params: {
        orders: unchecked.map((draft) => draft.display).join(', '),
        codes: unchecked.map((draft) => draft.codes ?? '–').join('; '),
      },
      terms: {
        drug: {
          dictionary: 'drugs',
          keys: [...new Set(unchecked.map((draft) => draft.namedDrug))],
        },
      },
      evidence: unchecked.map((draft) => ({
        item: 'uncheckedOrder' as const,
        value: draft.codes ?? draft.display,
        source: draft.reference,
      })),
      drafts: unchecked.map((draft) => draft.reference),
    });
  }
  return findings;
}

/** An order-time finding about these drafts, with the offer to remove them when the order would harm. */
function onDrafts(
  finding: Finding,
  drafts: readonly DraftMedicationOrder[],
  offerRemoval: boolean,
): Finding {
  return {
    ...finding,
    reasons: finding.reasons.includes('order') ? finding.reasons : [...finding.reasons, 'order'],
    params: { ...finding.params, orders: drafts.map((draft) => draft.display).join(', ') },
    evidence: [
      ...finding.evidence,
      ...drafts.map((draft) => ({
        item: 'draftOrder' as const,
        value: draft.display,
        source: draft.reference,
      })),
    ],
    drafts: drafts.map((draft) => draft.reference),
    ...(offerRemoval
      ? {
          suggestions: drafts.map((draft) => ({
            kind: 'remove-draft' as const,
            draft: draft.reference,
          })),
        }
      : {}),
  };
}
