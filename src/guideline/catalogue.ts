/**
 * The rule catalogue of ../shared/guideline/rules.md: each rule id with its
 * recommendation code and the seed sentences it follows. Cards quote these, so a
 * reader goes from a card to its rule and guideline text in one hop.
 */
import type { Citation } from './seeds';

export type Indicator = 'info' | 'warning' | 'critical';

export const RECOMMENDATION_CODES = [
  'screening-labs-missing',
  'calcium-vitamin-d',
  'antiresorptive-indicated',
  'treat-without-dxa',
  'anabolic-referral',
  'hypocalcaemia',
  'hypercalcaemia',
  'vitamin-d-low',
  'hyperthyroidism-suspected',
  'renal-impairment',
  'contraindication-zoledronic-acid',
  'contraindication-teriparatide',
  'contraindication-calcium',
  'calcium-dose-limit',
  'max-duration-reached',
  'followup-labs-due',
  'dxa-due',
  'treatment-response-inadequate',
  'treatment-pause-consider',
  'zoledronic-acid-next-dose',
  'denosumab-overdue',
  'teriparatide-transition',
  'fall-risk-assessment',
  'fls-group-1',
  'fls-group-2a',
  'fls-group-2b',
  'fls-group-3',
  'fracture-chain-visit',
  'fracture-chain-no-visit',
] as const;

export type RecommendationCode = (typeof RECOMMENDATION_CODES)[number];

/** The project's CodeSystem for recommendation codes (card.source.topic.system); see README. */
export const RECOMMENDATION_SYSTEM = 'https://fls-cds.example.org/fhir/CodeSystem/recommendation';
/** The project's CodeSystem for override reasons (card.overrideReasons). */
export const OVERRIDE_REASON_SYSTEM = 'https://fls-cds.example.org/fhir/CodeSystem/override-reason';

export interface RuleDefinition {
  codes: readonly RecommendationCode[];
  citations: readonly Citation[];
}

export const RULES = {
  R6: {
    codes: ['hypocalcaemia'],
    citations: [
      {
        seed: '000',
        quote:
          'Lav verdi: antiresorptiv behandling senker kalsiumnivå, kalsium må normaliseres før oppstart.',
      },
    ],
  },
  R7: {
    codes: ['hypercalcaemia'],
    citations: [
      {
        seed: '000',
        quote:
          'Høy verdi: må avklares og evt henvises endokrinolog. Kontroller PTH. Høy PTH, vurder primær paratyreoidisme. Lav PTH, vurder cancer/ sarkoidose.',
      },
      {
        seed: '000',
        quote: 'Kontraindisert ved hypERkalsemi eller kjent primær hyperparathyroidisme.',
      },
    ],
  },
  R8: {
    codes: ['vitamin-d-low'],
    citations: [
      { seed: '000', quote: '25 OH vit D >50 tilstrebes før oppstart antiresorptiv behandling.' },
      {
        seed: '000',
        quote:
          'Optimalt vitamin D nivå er 75-100 nmol/L. … Viktig … med ny måling 2-3 måneder etter oppstart av substitusjonsbehandling for å tilse at behandlingsmålet oppnås.',
      },
    ],
  },
  R9: {
    codes: ['hyperthyroidism-suspected'],
    citations: [
      { seed: '000', quote: 'TSH, FT4: For å utelukke hypertyreose som årsak til osteoporose' },
    ],
  },
  R10: {
    codes: ['renal-impairment'],
    citations: [
      { seed: '000', quote: 'Kreatinin: Obs. Aclasta kontraindisert ved eGFR < 35 ml/min' },
      {
        seed: '000',
        quote:
          'Ved eGFR < 35 bør ikke mer enn 500 mg kalsium gis som tablett (inntak per kost, uproblematisk).',
      },
    ],
  },
  R11: {
    codes: ['contraindication-zoledronic-acid'],
    citations: [
      { seed: '000', quote: 'Kontraindisert ved eGFR < 35 ml/min' },
      {
        seed: '000',
        quote:
          'Lav verdi: antiresorptiv behandling senker kalsiumnivå, kalsium må normaliseres før oppstart.',
      },
    ],
  },
  R13: {
    codes: ['contraindication-calcium'],
    citations: [
      {
        seed: '000',
        quote: 'Kontraindisert ved hypERkalsemi eller kjent primær hyperparathyroidisme.',
      },
    ],
  },
} as const satisfies Record<string, RuleDefinition>;

export type RuleId = keyof typeof RULES;
