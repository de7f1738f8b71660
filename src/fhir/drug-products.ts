/**
 * Product-level drug codes (RxNorm clinical / branded drugs) and the drug names
 * the service recognises, kept as data with the source of each entry
 * (../shared/guideline/codes.md "Turn 2 additions"). A product that no list holds
 * is not guessed from its text: R32 (order-not-checked) reports it instead.
 *
 * Status as in code-lists.ts: V verified against a public source, M seen in one or
 * more secondary sources (no RxNav page was reachable from this project), U unverified.
 */
import type { CodeStatus } from './code-lists';

export interface ProductCode {
  code: string;
  display: string;
  status: CodeStatus;
  source: string;
}

const SYNTHEA = 'Synthea medication cost table and test data (public repositories)';

/**
 * RxNorm products per drug class. Only codes seen with the same display in
 * independent public sources are listed; a site adds its own with LOCAL_CODES_FILE.
 */
export const RXNORM_PRODUCTS = {
  alendronate: [
    {
      code: '904431',
      display: 'alendronic acid 70 MG Oral Tablet',
      status: 'M',
      source:
        'Seen from a real CDS client (issue 12, codes.md); Synthea care-plan data ("Alendronate sodium 70 MG Oral Tablet") and a C-CDA sample ("alendronate (FOSAMAX) 70 MG tablet", RxNorm OID)',
    },
  ],
  zoledronicAcid: [
    {
      code: '1114085',
      display: '100 ML zoledronic acid 0.04 MG/ML Injection',
      status: 'M',
      source: 'Public CQL / quality-measure medication list (one source)',
    },
  ],
  denosumab: [
    {
      code: '993452',
      display: '1 ML denosumab 60 MG/ML Prefilled Syringe (Prolia)',
      status: 'M',
      source: SYNTHEA,
    },
  ],
  denosumabOncology: [
    {
      code: '1046402',
      display: '1.7 ML denosumab 70 MG/ML Injection [Xgeva]',
      status: 'M',
      source: 'Public CDS test data (one source); 120 mg = 1.7 mL × 70 mg/mL',
    },
  ],
  calcium: [
    {
      code: '318076',
      display: 'calcium carbonate 500 MG Oral Tablet',
      status: 'M',
      source: `Seen from a real CDS client (codes.md); ${SYNTHEA}; FHIR IG examples (several sources)`,
    },
  ],
} as const satisfies Record<string, readonly ProductCode[]>;

/**
 * Names of covered drugs (ingredients and brands, in the profile languages) that
 * R32 looks for in the text of a draft whose coding is not recognised. Lower case,
 * matched at a word start: "prolia" matches "Prolia 60 mg injeksjonsvæske".
 */
export const COVERED_DRUG_NAMES: Readonly<Record<string, readonly string[]>> = {
  alendronate: ['alendron', 'fosamax', 'binosto', 'adrovance', 'fosavance'],
  ibandronate: ['ibandron', 'bonviva'],
  risedronate: ['risedron', 'optinate', 'actonel'],
  zoledronicAcid: ['zoledron', 'aclasta', 'zometa'],
  denosumab: ['denosumab', 'prolia', 'xgeva'],
  romosozumab: ['romosozumab', 'evenity'],
  teriparatide: ['teriparatid', 'forsteo', 'terrosa', 'movymia', 'sondelbay'],
  abaloparatide: ['abaloparatid', 'eladynos'],
  calcium: ['calcium', 'kalsium', 'kalcium', 'calcigran', 'calcichew'],
};
