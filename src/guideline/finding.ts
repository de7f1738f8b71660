/** What a rule returns: a recommendation code with the evidence it rests on. Rendered by src/cards. */
import type { OrderableLabKey } from '../fhir/orderables';
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
  | 'diagnosis'
  | 'draftOrder';

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
  | 'unusable';

export interface Evidence {
  item: EvidenceItem;
  value?: number | string;
  comparator?: string;
  unit?: string;
  date?: string;
  /** `Observation/123`, `Condition/9`, `MedicationRequest/draft-1`. */
  source?: string;
  notes?: EvidenceNote[];
}

/** A suggestion the card offers; rendered into CDS Hooks actions by src/cards. */
export type SuggestionSpec =
  { kind: 'remove-draft'; draft: string } | { kind: 'order-labs'; labs: readonly OrderableLab[] };

export type OrderableLab = OrderableLabKey;

export interface Finding {
  rule: RuleId;
  code: RecommendationCode;
  indicator: Indicator;
  /** Keys of the reason sentences in the card text (cards/<lang>.json → codes.<code>.reasons). */
  reasons: string[];
  /** Values the card texts fill in ({calcium}, {egfr} …). */
  params: Record<string, string | number>;
  evidence: Evidence[];
  /** Order-time findings: the draft orders (`MedicationRequest/x`) the card is about. */
  drafts?: string[];
  suggestions?: SuggestionSpec[];
}
