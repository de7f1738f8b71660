/**
 * Code lists the service recognises, restated from ../shared/guideline/codes.md.
 * Status: V verified against a public source, M one secondary source, U unverified
 * (codes.md's own marks). Sites add local codes with LOCAL_CODES_FILE (see config).
 *
 * `descendants: true` is only used for ICD-10 and ATC, whose codes are fixed-length
 * hierarchies (ICD-10 category = 3 characters, ATC levels = 1/3/4/5/7): the entry
 * then also matches its subcodes (M80 matches M80.0 and M800). See codes.ts.
 */
import { RXNORM_PRODUCTS, type ProductCode } from './drug-products';
import { SYSTEM } from './systems';

export type CodeStatus = 'V' | 'M' | 'U';

export interface CodeEntry {
  system: string;
  code: string;
  status: CodeStatus;
  descendants?: boolean;
  note?: string;
}

const loinc = (code: string, status: CodeStatus = 'V', note?: string): CodeEntry => ({
  system: SYSTEM.loinc,
  code,
  status,
  ...(note ? { note } : {}),
});
const npu = (code: string, status: CodeStatus = 'V'): CodeEntry => ({
  system: SYSTEM.npu,
  code,
  status,
});
const nlk = (code: string, status: CodeStatus = 'V'): CodeEntry => ({
  system: SYSTEM.nlk,
  code,
  status,
});
const sct = (code: string, status: CodeStatus = 'V', note?: string): CodeEntry => ({
  system: SYSTEM.snomed,
  code,
  status,
  ...(note ? { note } : {}),
});
const icd = (code: string, status: CodeStatus = 'V', descendants = true): CodeEntry => ({
  system: SYSTEM.icd10,
  code,
  status,
  descendants,
});
const atc = (code: string, status: CodeStatus = 'V', descendants = true): CodeEntry => ({
  system: SYSTEM.atc,
  code,
  status,
  descendants,
});
const rxnorm = (code: string, note: string): CodeEntry => ({
  system: SYSTEM.rxnorm,
  code,
  status: 'U',
  note,
});
/** RxNorm products (drug-products.ts), each with its status and source. */
const products = (list: readonly ProductCode[]): CodeEntry[] =>
  list.map((product) => ({
    system: SYSTEM.rxnorm,
    code: product.code,
    status: product.status,
    note: `${product.display} — ${product.source}`,
  }));

/** Laboratory analytes (codes.md, "Laboratory"). */
export const LAB_CODES = {
  calciumTotal: [loinc('2000-8'), loinc('17861-6'), npu('NPU01443')],
  calciumCorrected: [loinc('29265-6'), nlk('NOR15246')],
  calciumIonised: [loinc('1995-0'), loinc('1994-3'), npu('NPU04144')],
  albumin: [loinc('1751-7'), npu('NPU19673', 'M')],
  creatinine: [loinc('14682-9'), loinc('2160-0'), npu('NPU18016'), npu('NPU04998')],
  egfr: [
    loinc('98979-8'),
    loinc('62238-1'),
    loinc('88293-6'),
    loinc('88294-4'),
    loinc('33914-3'),
    loinc('48642-3'),
    loinc('48643-1'),
    loinc('50044-7'),
    loinc('98980-6'),
    nlk('NOR25909'),
  ],
  vitaminD: [
    loinc('62292-8'),
    loinc('1989-3'),
    loinc('14635-7'),
    loinc('83070-3', 'M'),
    npu('NPU10267'),
  ],
  p1np: [loinc('77370-5', 'M'), npu('NPU19893')],
  tsh: [loinc('3016-3'), loinc('11580-8'), npu('NPU03577', 'M')],
  ft4: [loinc('3024-7'), loinc('14920-3'), npu('NPU03579')],
  pth: [loinc('2731-8'), loinc('14866-8'), npu('NPU03028')],
} as const satisfies Record<string, readonly CodeEntry[]>;

export type Analyte = keyof typeof LAB_CODES;
export const ANALYTES = Object.keys(LAB_CODES) as Analyte[];

/** DXA T-scores and FRAX (codes.md, "Bone density and risk"). */
export const BONE_CODES = {
  tScoreLumbarSpine: [loinc('38267-1')],
  tScoreSpine: [loinc('104938-6')],
  tScoreFemur: [loinc('38263-0'), loinc('80948-3'), loinc('80947-5')],
  tScoreHip: [loinc('38264-8'), loinc('80946-7'), loinc('80945-9')],
  /** Forearm: recognised so it is never mistaken for a hip / spine T-score. */
  tScoreForearm: [loinc('38265-5')],
  fraxMajor: [loinc('90265-0')],
  fraxHip: [loinc('90266-8')],
} as const satisfies Record<string, readonly CodeEntry[]>;

/** Conditions and history (codes.md, "Conditions and history"). */
export const CONDITION_CODES = {
  hipFracture: [icd('S72.0'), icd('S72.1'), icd('S72.2'), sct('5913000'), sct('704330001', 'M')],
  vertebralFracture: [icd('S22.0'), icd('S32.0'), icd('M48.5'), sct('42942008')],
  distalRadiusFracture: [icd('S52.5'), icd('S52.6'), sct('263199001', 'M')],
  proximalHumerusFracture: [icd('S42.2')],
  pelvisFracture: [
    icd('S32.1'),
    icd('S32.2'),
    icd('S32.3'),
    icd('S32.4'),
    icd('S32.5'),
    icd('S32.7'),
    icd('S32.8'),
  ],
  /** Coded as osteoporotic / pathological: the low-energy mechanism is on record. */
  osteoporoticFracture: [icd('M80'), sct('443165006'), sct('704330001', 'M')],
  osteoporosis: [icd('M81'), sct('64859006')],
  osteopenia: [icd('M85.8', 'M'), sct('312894000')],
  primaryHyperparathyroidism: [icd('E21.0'), sct('36348003')],
  hypercalcaemia: [icd('E83.5'), sct('66931009')],
  boneMalignancy: [icd('C79.5'), icd('C40'), icd('C41'), sct('94222008')],
  hyperthyroidism: [icd('E05'), sct('34486009')],
  radiotherapyHistory: [icd('Z92.3')],
  /** Drug-related osteonecrosis of the jaw (R27): M87.1 and national extensions (M87.18). SNOMED CT: none verified. */
  jawOsteonecrosis: [icd('M87.1', 'M')],
  /** Subtrochanteric (S72.2) and femoral shaft (S72.3) fractures: atypical after long antiresorptive use (R26). */
  femurShaftOrSubtrochanteric: [icd('S72.2'), icd('S72.3')],
} as const satisfies Record<string, readonly CodeEntry[]>;

/**
 * Medication classes (codes.md, "Medication"). ATC codes match on the class or the
 * substance. RxNorm ingredient codes are U: listed so ingredient-level codings are
 * recognised; product-level (SCD) codes need local lists.
 */
export const MEDICATION_CODES = {
  alendronate: [
    atc('M05BA04'),
    atc('M05BB03'),
    rxnorm('46041', 'alendronate (IN)'),
    ...products(RXNORM_PRODUCTS.alendronate),
  ],
  ibandronate: [atc('M05BA06'), rxnorm('115264', 'ibandronate (IN)')],
  risedronate: [atc('M05BA07'), rxnorm('73056', 'risedronate (IN)')],
  zoledronicAcid: [
    atc('M05BA08'),
    rxnorm('77655', 'zoledronic acid (IN)'),
    ...products(RXNORM_PRODUCTS.zoledronicAcid),
  ],
  /** Denosumab 60 mg 6-monthly (Prolia); 120 mg is told apart by product, strength or schedule (medications.ts). */
  denosumab: [
    atc('M05BX04'),
    rxnorm('993449', 'denosumab (IN)'),
    ...products(RXNORM_PRODUCTS.denosumab),
  ],
  /** Denosumab 120 mg (Xgeva) for bone metastases / myeloma: antiresorptive exposure, not osteoporosis treatment. */
  denosumabOncology: [...products(RXNORM_PRODUCTS.denosumabOncology)],
  romosozumab: [atc('M05BX06')],
  teriparatide: [atc('H05AA02'), rxnorm('110634', 'teriparatide (IN)')],
  abaloparatide: [atc('H05AA04')],
  /** Calcium, alone or combined with vitamin D (A12AX). */
  calcium: [
    atc('A12AX'),
    atc('A12AA04', 'M'),
    rxnorm('1897', 'calcium carbonate (IN)'),
    ...products(RXNORM_PRODUCTS.calcium),
  ],
  /** Plain vitamin D. */
  vitaminD: [atc('A11CC05', 'U'), rxnorm('2418', 'cholecalciferol (IN)')],
  glucocorticoidSystemic: [atc('H02AB')],
  /** Aromatase inhibitors (R31): anastrozole, letrozole, exemestane. */
  aromataseInhibitor: [atc('L02BG')],
  /** Androgen deprivation (R31): GnRH agonists, antiandrogens, degarelix / abiraterone. */
  androgenDeprivation: [atc('L02AE'), atc('L02BB'), atc('L02BX')],
} as const satisfies Record<string, readonly CodeEntry[]>;

export type MedicationClass = keyof typeof MEDICATION_CODES;

/** Drugs that count as osteoporosis treatment (antiresorptive or anabolic). */
export const OSTEOPOROSIS_DRUGS: readonly MedicationClass[] = [
  'alendronate',
  'ibandronate',
  'risedronate',
  'zoledronicAcid',
  'denosumab',
  'romosozumab',
  'teriparatide',
  'abaloparatide',
];

/** Antiresorptive drugs: R6 / R7 / R8 apply when one is ordered (rules.md, "At order time"). */
export const ANTIRESORPTIVE_DRUGS: readonly MedicationClass[] = [
  'alendronate',
  'ibandronate',
  'risedronate',
  'zoledronicAcid',
  'denosumab',
];

/** Antiresorptive exposure for R26 / R27, including denosumab 120 mg (oncology). */
export const ANTIRESORPTIVE_EXPOSURE: readonly MedicationClass[] = [
  ...ANTIRESORPTIVE_DRUGS,
  'denosumabOncology',
];

/** Drugs that raise fracture risk (R31, codes.md "Turn 2 additions"). */
export const FRACTURE_RISK_DRUGS: readonly MedicationClass[] = [
  'aromataseInhibitor',
  'androgenDeprivation',
];

/** Calcium products that R7 / R13 stop when calcium is high. */
export const CALCIUM_PRODUCTS: readonly MedicationClass[] = ['calcium'];

/** Condition.severity marking a vertebral fracture as severe (SQ3, > 40 % height loss); a Decision, see docs/decisions.md. */
export const SEVERE_FRACTURE_CODES = [sct('24484000', 'V', 'Severe (severity modifier)')];

/**
 * Fall-risk assessments (R23). codes.md leaves these unverified (U): sites should
 * add the codes their EHR records.
 */
export const FALL_RISK_ASSESSMENT_CODES = [
  sct('414191008', 'U', 'Falls risk assessment (procedure)'),
  loinc('73830-2', 'U', 'Fall risk assessment'),
];

/** A bone density scan recorded as a procedure (R4 "no DXA on record"); T-score Observations count too. */
export const DXA_PROCEDURE_CODES = [sct('312681000', 'U', 'Bone densitometry (procedure)')];

/** Prednisolone-equivalent factors (codes.md): mg of the drug × factor = mg prednisolone. */
export const PREDNISOLONE_EQUIVALENT: ReadonlyArray<{
  atc: string;
  factor: number;
  status: CodeStatus;
}> = [
  { atc: 'H02AB07', factor: 1, status: 'V' }, // prednisone
  { atc: 'H02AB06', factor: 1, status: 'V' }, // prednisolone
  { atc: 'H02AB04', factor: 1.25, status: 'V' }, // methylprednisolone
  { atc: 'H02AB08', factor: 1.25, status: 'U' }, // triamcinolone
  { atc: 'H02AB09', factor: 0.25, status: 'V' }, // hydrocortisone
  { atc: 'H02AB10', factor: 0.2, status: 'V' }, // cortisone
  { atc: 'H02AB02', factor: 6.67, status: 'V' }, // dexamethasone
  { atc: 'H02AB01', factor: 6.67, status: 'U' }, // betamethasone
  { atc: 'H02AB13', factor: 0.83, status: 'M' }, // deflazacort
];

export const ORAL_BISPHOSPHONATES: readonly MedicationClass[] = [
  'alendronate',
  'ibandronate',
  'risedronate',
];
