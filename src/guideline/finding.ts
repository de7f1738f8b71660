/** What a rule returns: a recommendation code with the evidence it rests on. Rendered by src/cards. */
import type { Due, OrderableLabKey, ReferralTarget } from '../fhir/orderables';
import type { RegimenKey, SupplementAmounts } from '../fhir/regimens';
import type { Indicator, RecommendationCode, RuleId } from './catalogue';

/** What a row of evidence shows (an analyte, a diagnosis, a draft order …); labels live in cards/. */
export type EvidenceItem =
  | 'calciumCorrected'
  | 'calciumTotal'
  | 'albumin'
  | 'creatinine'
  | 'egfr'
  | 'vitaminD'
  | 'tsh'
  | 'ft4'
  | 'pth'
  | 'p1np'
  | 'diagnosis'
  | 'draftOrder'
  | 'tScore'
  | 'frax'
  | 'fracture'
  | 'drug'
  | 'dose'
  | 'glucocorticoid'
  | 'fallRiskAssessment'
  | 'dxa'
  | 'intolerance'
  | 'uncheckedOrder'
  | 'medicationRecord';

/** How a value was judged or obtained; each has a sentence in cards/. */
export type EvidenceNote =
  | 'lab-reported'
  | 'computed-from-albumin'
  | 'not-albumin-corrected'
  | 'lab-flag'
  | 'lab-reference-range'
  | 'default-threshold'
  | 'missing'
  | 'too-old'
  | 'unusable'
  | 'mechanism-assumed'
  | 'current-course'
  | 'past-course'
  | 'older-than-5-years'
  | 'lapsed-course'
  | 'stopped-course'
  | 'status-conflict'
  | 'undated-administration'
  | 'allergy-record'
  | 'stop-reason';

export interface Evidence {
  item: EvidenceItem;
  value?: number | string;
  comparator?: string;
  unit?: string;
  date?: string;
  /** `Observation/123`, `Condition/9`, `MedicationRequest/draft-1`. */
  source?: string;
  /** A code shown translated (bone site, fracture site, drug class). */
  site?: string;
  notes?: EvidenceNote[];
}

/** One medication of a suggested order, with the supplement's amounts where it has them. */
export interface MedicationSpec {
  regimen: RegimenKey;
  amounts?: SupplementAmounts;
  /** YYYY-MM-DD the first dose is due (the next infusion, the switch), when not now. */
  startDate?: string;
}

/**
 * A suggestion the card offers; rendered into CDS Hooks actions by src/cards. The
 * actions of one suggestion run as one transaction (CDS Hooks 2.0), so a start of
 * treatment carries its supplement and its first monitoring labs.
 */
export type SuggestionSpec =
  | { kind: 'remove-draft'; draft: string }
  | { kind: 'order-labs'; labs: readonly OrderableLab[]; due?: Due; recommended?: boolean }
  | { kind: 'order-dxa'; due?: Due; recommended?: boolean }
  | {
      kind: 'start-medication';
      medications: readonly MedicationSpec[];
      /** Monitoring labs ordered with the start (R16: 3 months after starting). */
      monitoring?: { labs: readonly OrderableLab[]; due: Due };
      recommended?: boolean;
    }
  /** R14: the drafted MedicationRequest with the dose changed (an `update` of the draft). */
  | { kind: 'change-draft-dose'; draft: string; amounts: SupplementAmounts }
  /** R19: the patient's current MedicationRequest put on hold (an `update`). */
  | { kind: 'hold-medication'; order: string; drug: string }
  | { kind: 'refer'; to: ReferralTarget; due?: Due; recommended?: boolean }
  /** A letter to the patient (seed 003 / 004), its text in the profile's language. */
  | { kind: 'letter'; letter: string; recommended?: boolean };

export type SuggestionKind = SuggestionSpec['kind'];

export type OrderableLab = OrderableLabKey;

/** Dictionaries of translated terms in cards/<language>.json. */
export type TermDictionary = 'labs' | 'drugs' | 'sites' | 'blockers';

export interface Finding {
  rule: RuleId;
  code: RecommendationCode;
  indicator: Indicator;
  /** Keys of the reason sentences in the card text (cards/<lang>.json → codes.<code>.reasons). */
  reasons: string[];
  /** Values the card texts fill in ({calcium}, {egfr} …). */
  params: Record<string, string | number>;
  /** Lists the card texts fill in translated ({missing} → "albumin, TSH"): placeholder → dictionary + keys. */
  terms?: Record<string, { dictionary: TermDictionary; keys: readonly string[] }>;
  evidence: Evidence[];
  /** A summary ending appended to the chosen summary (cards/<lang>.json → codes.<code>.summary[key]). */
  summarySuffix?: string;
  /** Order-time findings: the draft orders (`MedicationRequest/x`) the card is about. */
  drafts?: string[];
  suggestions?: SuggestionSpec[];
  /** The suggestions are alternatives: the clinician picks at most one (CDS Hooks `at-most-one`). */
  alternatives?: boolean;
}
