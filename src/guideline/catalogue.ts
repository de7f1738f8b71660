/**
 * The rule catalogue of ../shared/guideline/rules.md: each rule id with its
 * recommendation code and the seed sentences it follows. Cards quote these, so a
 * reader goes from a card to its rule and guideline text in one hop.
 */
import type { Citation, SourceLinkId } from './seeds';

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
  'atypical-femur-fracture',
  'jaw-osteonecrosis-history',
  'contraindication-oral-bisphosphonate',
  'drug-intolerance',
  'secondary-osteoporosis',
  'dxa-needed',
  'order-not-checked',
] as const;

export type RecommendationCode = (typeof RECOMMENDATION_CODES)[number];

/** The project's CodeSystem for recommendation codes (card.source.topic.system); see docs/rule-mapping.md. */
export const RECOMMENDATION_SYSTEM = 'https://fls-cds.example.org/fhir/CodeSystem/recommendation';
/** The project's CodeSystem for override reasons (card.overrideReasons). */
export const OVERRIDE_REASON_SYSTEM = 'https://fls-cds.example.org/fhir/CodeSystem/override-reason';

/**
 * What a card asks of the clinician. It decides which override reasons the card offers:
 * "benefit outweighs risk" answers a safety stop, never a card that recommends starting
 * treatment (cards-style.md; 000: with life expectancy < 5 years follow-up may end).
 */
export type CardKind = 'treatment' | 'safety' | 'work-up' | 'pause' | 'unchecked-order';

export const OVERRIDE_REASON_CODES = [
  'patient-declines',
  'followed-elsewhere',
  'limited-life-expectancy',
  'already-handled',
  'benefit-outweighs-risk',
  'newer-result-elsewhere',
  'fracture-risk-still-high',
  'checked-manually',
] as const;
export type OverrideReasonCode = (typeof OVERRIDE_REASON_CODES)[number];

/** The reasons a card of each kind offers, in the order the EHR lists them. */
export const OVERRIDE_REASONS: Record<CardKind, readonly OverrideReasonCode[]> = {
  treatment: [
    'patient-declines',
    'followed-elsewhere',
    'limited-life-expectancy',
    'already-handled',
  ],
  safety: ['benefit-outweighs-risk', 'newer-result-elsewhere', 'already-handled'],
  'work-up': [
    'already-handled',
    'newer-result-elsewhere',
    'followed-elsewhere',
    'patient-declines',
    'limited-life-expectancy',
  ],
  pause: ['fracture-risk-still-high', 'followed-elsewhere', 'already-handled'],
  // R32: the service could not read the order, so the clinician checked it by hand.
  'unchecked-order': ['checked-manually', 'already-handled'],
};

export const CARD_KINDS: Record<RecommendationCode, CardKind> = {
  'screening-labs-missing': 'work-up',
  'calcium-vitamin-d': 'treatment',
  'antiresorptive-indicated': 'treatment',
  'treat-without-dxa': 'treatment',
  'anabolic-referral': 'treatment',
  hypocalcaemia: 'safety',
  hypercalcaemia: 'safety',
  'vitamin-d-low': 'treatment',
  'hyperthyroidism-suspected': 'work-up',
  'renal-impairment': 'safety',
  'contraindication-zoledronic-acid': 'safety',
  'contraindication-teriparatide': 'safety',
  'contraindication-calcium': 'safety',
  'calcium-dose-limit': 'safety',
  'max-duration-reached': 'safety',
  'followup-labs-due': 'work-up',
  'dxa-due': 'work-up',
  'treatment-response-inadequate': 'treatment',
  'treatment-pause-consider': 'pause',
  'zoledronic-acid-next-dose': 'treatment',
  'denosumab-overdue': 'treatment',
  'teriparatide-transition': 'treatment',
  'fall-risk-assessment': 'work-up',
  'fls-group-1': 'work-up',
  'fls-group-2a': 'work-up',
  'fls-group-2b': 'work-up',
  'fls-group-3': 'work-up',
  'fracture-chain-visit': 'work-up',
  'fracture-chain-no-visit': 'work-up',
  'atypical-femur-fracture': 'safety',
  'jaw-osteonecrosis-history': 'safety',
  'contraindication-oral-bisphosphonate': 'safety',
  'drug-intolerance': 'safety',
  'secondary-osteoporosis': 'work-up',
  'dxa-needed': 'work-up',
  'order-not-checked': 'unchecked-order',
};

export interface RuleDefinition {
  codes: readonly RecommendationCode[];
  citations: readonly Citation[];
}

/** Further reading per rule: pages the seeds themselves link to. */
export const RULE_LINKS: Partial<Record<RuleId, readonly SourceLinkId[]>> = {
  R1: ['lavenergibrudd'],
  R2: ['lavenergibrudd', 'helsenorge'],
  R3: ['lavenergibrudd', 'frax', 'nrf'],
  R4: ['lavenergibrudd', 'nrf'],
  R5: ['endokrinologi', 'lavenergibrudd'],
  R7: ['endokrinologi'],
  R16: ['p1np'],
  R18: ['lavenergibrudd'],
  R19: ['lavenergibrudd'],
  R20: ['p1np'],
  R21: ['lavenergibrudd'],
  R22: ['lavenergibrudd'],
  R23: ['worldFalls'],
  R27: ['nrf'],
  R30: ['endokrinologi'],
};

export const RULES = {
  R1: {
    codes: ['screening-labs-missing'],
    citations: [
      {
        seed: '000',
        quote:
          '«Osteoporose-primærscreening»-pakke i DIPS Interactor: s-Ca, Albumin, kreatinin (GFR), 25-OH vit D, TSH, FT4.',
      },
    ],
  },
  R2: {
    codes: ['calcium-vitamin-d'],
    citations: [
      { seed: '000', quote: 'Anbefalt inntak (kost/tbl) 1200 mg kalsium og 800 IE vitamin D.' },
      {
        seed: '000',
        quote:
          'a) Skal gis til alle med T-score < -1,0 b) Alle med biokjemisk vitamin D mangel og/eller HYPOkalsemi uansett T-score. c) Alle med pågående glukokortikoidbehandling',
      },
      {
        seed: '000',
        quote: 'Kontraindisert ved hypERkalsemi eller kjent primær hyperparathyroidisme.',
      },
      {
        seed: '000',
        quote:
          'Ved eGFR < 35 bør ikke mer enn 500 mg kalsium gis som tablett (inntak per kost, uproblematisk).',
      },
    ],
  },
  R3: {
    codes: ['antiresorptive-indicated'],
    citations: [
      {
        seed: '000',
        quote:
          'a) T-score ≤ -2,5 i hofte eller rygg med eller uten brudd b) T-score < -1,0 og pasienten (>50 år) bruker kortikosteroider i dose tilsvarende ≥ 5 mg prednisolon i > 3 måneder c) Lavenergibrudd uansett T-score (per definisjon = osteoporose). d) FRAX skår ≥20% 10 års risiko for brudd.',
      },
      {
        seed: '000',
        quote:
          '(Kvinner ≥75 år vil kunne få Prolia på blå resept. For menn uansett alder og kvinner <75 år, må lege søke på § 3 til Helfo)',
      },
      {
        seed: '001',
        quote:
          'Dersom det er åpenbart veldig dårlig tannstatus anbefaler vi en sjekk hos tannlegen før oppstart. Dersom det trengs større inngrep som er i relasjon til kjevebeinet, bør dette gjøres før oppstart av antiresorptiva. Dersom slik behandling er startet, har det ingen nytteverdi å seponere eller pause behandlingen før tanninngrep.',
      },
    ],
  },
  R4: {
    codes: ['treat-without-dxa'],
    citations: [
      {
        seed: '001',
        quote:
          'Det er ofte ikke behov for DXA måling for å stille behandlingsindikasjon dersom det er klare lavenergibrudd hos pasienter med høy alder og stor risiko for refraktur.',
      },
      {
        seed: '001',
        quote:
          'Dersom det er ønskelig med DXA, kan det selvsagt henvises, men det er ikke behov for å vente med oppstart behandling.',
      },
    ],
  },
  R5: {
    codes: ['anabolic-referral'],
    citations: [
      {
        seed: '000',
        quote:
          'Teriparatide (Forsteo el. Terrosa) 20 µg subkutant x 1 daglig i max. 2 år vurderes ved: - alvorlige tilfeller med T-score < -4,0 (< -3,5 for kvinner < 60 år og menn uansett alder) - mange brudd (for eksempel tre eller flere ryggbrudd på diagnosetidspunkt) - alvorlig kompresjonsbrudd i brudd (SQ3 brudd > 40% kompresjon) - nytt brudd under pågående antiresorptiv behandling (> 12 mnd)',
      },
      { seed: '000', quote: 'Anabol behandling initieres i regi av spesialister i sykehus.' },
    ],
  },
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
  R12: {
    codes: ['contraindication-teriparatide'],
    citations: [
      {
        seed: '000',
        quote:
          'Kontraindikasjoner: Hyperkalsemi/forhøyet PTH, tidligere strålebehandling av skjelettet, maligniteter i skjelett/benmetastase.',
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
  R14: {
    codes: ['calcium-dose-limit'],
    citations: [
      {
        seed: '000',
        quote:
          'Ved eGFR < 35 bør ikke mer enn 500 mg kalsium gis som tablett (inntak per kost, uproblematisk).',
      },
    ],
  },
  R15: {
    codes: ['max-duration-reached'],
    citations: [
      { seed: '000', quote: 'Maks behandlingstid for po. bisfosfonat er 10 år.' },
      { seed: '000', quote: 'Maks 6. infusjoner totalt.' },
      { seed: '000', quote: 'Max 2 års behandling.' },
    ],
  },
  R16: {
    codes: ['followup-labs-due'],
    citations: [
      {
        seed: '000',
        quote:
          'Pasienten bør ta nye blodprøver 3 mnd etter oppstart av behandling for kontroll av kalsium og vitamin D status',
      },
      {
        seed: '000',
        quote:
          'Pasienten følges med ny DXA-måling og blodprøver (s-Ca, Albumin, kreatinin (GFR), 25- OH vit D) 2 og 5 år etter start av antiresorptiv behandling.',
      },
      {
        seed: '000',
        quote:
          'Ved behandling med Zoledronsyre tas blodprøve (s-Ca, Albumin, kreatinin (GFR), 25-OH vit D) inkludert beinmarkøren P1NP, etter 1 og 2 år, deretter med 2-3 års intervall.',
      },
      {
        seed: '000',
        quote:
          'Det anbefales kontroll av PINP, albumin-korrigert/fritt kalsium og vitamin D etter 6, 12 og 24 måneder. (Prøven må tas FØR dagens dose av Teriparatide og kalsium).',
      },
    ],
  },
  R17: {
    codes: ['dxa-due'],
    citations: [
      {
        seed: '000',
        quote:
          'Pasienten følges med ny DXA-måling og blodprøver (s-Ca, Albumin, kreatinin (GFR), 25- OH vit D) 2 og 5 år etter start av antiresorptiv behandling.',
      },
      { seed: '000', quote: 'Første DXA- måling gjennomføres etter 2 år.' },
      { seed: '000', quote: 'DXA anbefales etter 12 og 24 måneder.' },
      {
        seed: '000',
        quote:
          'Ved behandlingspause bør indikasjon for reoppstart vurderes med ny DXA-måling etter 2 år.',
      },
      {
        seed: '000',
        quote:
          'T-score i bedring, men fortsatt ≤ -2.5, fortsett uendret behandling. Ny evaluering etter 2-3 år.',
      },
    ],
  },
  R18: {
    codes: ['treatment-response-inadequate'],
    citations: [
      {
        seed: '000',
        quote: 'T-score uendret el forverring: Vurder compliance og bytte av medikasjon.',
      },
      {
        seed: '000',
        quote:
          'Ved manglende effekt på T-score og/eller nye brudd vurder skifte av behandling (Prolia eller anabol terapi).',
      },
    ],
  },
  R19: {
    codes: ['treatment-pause-consider'],
    citations: [
      {
        seed: '000',
        quote:
          'T-score >-2.5 og det ikke er oppstått nye frakturer under behandlingen, vurder behandlingspause med bisfosfonat.',
      },
      {
        seed: '000',
        quote:
          'Vurder behandlingspause etter 3 infusjoner. Dette forutsetter T-score >-2.5 og at det ikke er oppstått nye frakturer under behandlingen.',
      },
    ],
  },
  R20: {
    codes: ['zoledronic-acid-next-dose'],
    citations: [
      { seed: '000', quote: 'Anbefales gitt med 1-3 års intervall.' },
      {
        seed: '000',
        quote:
          '1 års intervall mellom de to første dosene bør spesielt vurderes ved T-score < - 3,0 og/ellerflere brudd.',
      },
      {
        seed: '000',
        quote:
          'Ved mindre alvorlig osteoporose og P1NP < 35 µg/L 1 år etter første dose, kan andre dose utsettes til etter 2 år. 2.dose bør gis etter 2 år dersom DXA fortsatt viser T-score < -2,5 uavhengig av nivå av beinmarkøren.',
      },
      {
        seed: '000',
        quote:
          'Hvis oppnådd ønsket bedring av T-score og P1NP fortsatt < 35 µg/L ved måling etter 4 år, kan 3.dose avventes ytterligere 1 år.',
      },
      { seed: '000', quote: 'Kontraindisert ved eGFR < 35 ml/min' },
    ],
  },
  R21: {
    codes: ['denosumab-overdue'],
    citations: [
      {
        seed: '000',
        quote:
          'Denosumab bør i utgangspunktet gis livslangt da effekten tapes raskt og økt forekomst av kompresjonsbrudd etter seponering er observert i studier.',
      },
      { seed: '000', quote: 'Livslang bruk anbefales ved alder > 70 år ved oppstart.' },
      {
        seed: '000',
        quote:
          'Dersom det er ønskelig å seponere/pause Denosumab hos yngre bør det vurderes å gis 1 dose Zoledronsyre 6-9 mnd etter siste Denosumab injeksjon.',
      },
    ],
  },
  R22: {
    codes: ['teriparatide-transition'],
    citations: [
      {
        seed: '000',
        quote:
          'Ved 24 måneders behandling må det skiftes over til vedlikeholdsbehandling med bisfosfonat eller denosumab. For å unngå tap av effekt må pasienten fortsette med Teriparatide helt frem til ny behandling startes.',
      },
    ],
  },
  R23: {
    codes: ['fall-risk-assessment'],
    citations: [
      {
        seed: '002',
        quote:
          'Foretar fallrisikovurdering (i tråd med lokale retningslinjer) for alle pasienter med lavenergibrudd etter et fall',
      },
      {
        seed: '002',
        quote:
          'Henviser pasienter til spesialist for fallvurdering og fallforebyggende tiltak basert på regionale, nasjonale eller internasjonale retningslinjer, som World Falls Prevention Guidelines',
      },
    ],
  },
  R24: {
    codes: ['fls-group-1', 'fls-group-2a', 'fls-group-2b', 'fls-group-3'],
    citations: [
      {
        seed: '003',
        quote:
          'Gruppe 1: Patient uden osteopeni eller osteoporose, dvs. med normal BMD (ca. 16 %) • Gruppe 2a: Patient med osteopeni, skal typisk henvises til ny scanning inden for 2-10 år (ca. 53%) • Gruppe 2b: Patient med ukompliceret osteoporose, hvor opfølgning, videre behandling og kontrol kan foregå hos egen læge (ca. 20 %) • Gruppe 3: Patient med svær osteoporose, der varetages i hospitalsregi, typisk mhp. knogleopbyggende behandling (ca. 11 %)',
      },
      {
        seed: '003',
        quote:
          'Gruppe 1 får svar på, at de er raske • Gruppe 2a får svar på, at de har osteopeni og skal bestille konsultation hos egen læge forud for ny skanning om x antal år • Gruppe 2b får svar på, at de har ukompliceret osteoporose og skal bestille den første tid til årskontrol ved egen læge, som tager sig af videre information og behandling • Gruppe 3 får svar på, at de har svær osteoporose, og at de indkaldes til et sygehusambulatorium',
      },
    ],
  },
  R25: {
    codes: ['fracture-chain-visit', 'fracture-chain-no-visit'],
    citations: [
      {
        seed: '004',
        quote:
          'Om bentäthetsmätningen visar att det inte är osteoporos behövs inget besök på vårdcentralen. Läkare skickar brevsvar alt. ringer till patienten om normal undersökning.',
      },
      {
        seed: '004',
        quote:
          'Om patienten ska kallas sätts patienten upp på väntelista VL till läkare inom 2 månader, skriv på bokningsunderlaget att det är en Frakturkedjepatient och att prover (osteoporospaket i RoS) ska tas innan läkarbesöket.',
      },
      {
        seed: '004',
        quote:
          'Verkställ behandling enligt remissvar bentäthetsmätning. • Planera uppföljning och eventuell sjukgymnastkontakt.',
      },
    ],
  },
  R26: {
    codes: ['atypical-femur-fracture'],
    citations: [
      { seed: '002', quote: 'Gjenkjenner tegn på en atypisk femurfraktur' },
      {
        decision:
          'rules.md R26: a subtrochanteric / femoral shaft fracture (S72.2, S72.3) after ≥ 3 years of bisphosphonate or denosumab exposure; critical when such a drug is ordered.',
      },
    ],
  },
  R27: {
    codes: ['jaw-osteonecrosis-history'],
    citations: [
      {
        seed: '001',
        quote:
          'Dersom det trengs større inngrep som er i relasjon til kjevebeinet, bør dette gjøres før oppstart av antiresorptiva.',
      },
      {
        decision:
          'rules.md R27: drug-related osteonecrosis of the jaw on record blocks an antiresorptive order until an oral surgeon has assessed the patient.',
      },
    ],
  },
  R28: {
    codes: ['contraindication-oral-bisphosphonate'],
    citations: [
      {
        decision:
          'rules.md R28: oral bisphosphonates are not recommended with eGFR < 35 mL/min (product information; the same limit as zoledronic acid, R11).',
      },
    ],
  },
  R29: {
    codes: ['drug-intolerance'],
    citations: [
      {
        decision:
          'rules.md R29 and "Drug state": an AllergyIntolerance with the drug, or a stop with a reason, is a documented intolerance of that drug.',
      },
    ],
  },
  R30: {
    codes: ['secondary-osteoporosis'],
    citations: [
      {
        seed: '000',
        quote:
          'Endokrinologisk og revmatologisk avdeling utreder og starter behandling ved sekundær osteoporose og etablert osteoporose som krever ekstra kompetanse.',
      },
    ],
  },
  R31: {
    codes: ['dxa-needed'],
    citations: [
      {
        seed: '000',
        quote:
          'T-score < -1,0 og pasienten (>50 år) bruker kortikosteroider i dose tilsvarende ≥ 5 mg prednisolon i > 3 måneder',
      },
      {
        seed: '001',
        quote:
          'Hvem skal screenes med DXA? Her er det litt ulike oppfatninger. Vi mener at det skal ha sannsynlig behandlingsmessig konsekvens',
      },
      {
        seed: '002',
        quote:
          'Foretar ytterligere individuell vurdering for å undersøke om pasienten har andre sykdommer eller bruker medikamenter som kan gi risiko for osteoporose',
      },
      {
        decision:
          'rules.md R31: no DXA within 2 years, no current drug, and a fragility fracture R4 does not cover, ≥ 5 mg prednisolone for > 3 months, or an aromatase inhibitor / androgen deprivation for ≥ 3 months.',
      },
    ],
  },
  R32: {
    codes: ['order-not-checked'],
    citations: [
      {
        decision:
          'rules.md R32: an order the service could not read (a covered drug named only in its text) gets a card saying its checks were not run; never a silent empty answer.',
      },
    ],
  },
} as const satisfies Record<string, RuleDefinition>;

export type RuleId = keyof typeof RULES;
