/**
 * The medication orders the cards suggest, as data: the drug's codes (ATC, and an
 * RxNorm product where one is listed in drug-products.ts), strength, route and
 * schedule. Doses follow rules.md (R3, R5, R21: "alendronate, denosumab or
 * zoledronic acid"; denosumab for osteoporosis is 60 mg every 6 months) and the
 * products' labelling (alendronate 70 mg weekly, zoledronic acid 5 mg yearly); the
 * calcium / vitamin D amounts come from the guideline configuration (R2, R10, R14).
 *
 * Status as in code-lists.ts: V verified against a public source, M one secondary
 * source, U unverified.
 */
import type { Dosage, MedicationRequest } from 'fhir/r4';
import type { CodeStatus } from './code-lists';
import { RXNORM_PRODUCTS } from './drug-products';
import { SYSTEM } from './systems';

export const REGIMEN_KEYS = [
  'alendronateWeekly',
  'risedronateWeekly',
  'ibandronateMonthly',
  'zoledronicAcidYearly',
  'zoledronicAcidOnce',
  'denosumabSixMonthly',
  'calciumVitaminDDaily',
  'colecalciferolDaily',
] as const;
export type RegimenKey = (typeof REGIMEN_KEYS)[number];

/** The drug class a regimen orders (code-lists.ts MedicationClass, or the supplement). */
export type RegimenDrug =
  | 'alendronate'
  | 'risedronate'
  | 'ibandronate'
  | 'zoledronicAcid'
  | 'denosumab'
  | 'calcium'
  | 'vitaminD';

interface Code {
  code: string;
  display: string;
  status: CodeStatus;
}

/** SNOMED CT routes of administration (FHIR R4 example value set "SNOMED CT Route Codes"). */
const ROUTE = {
  oral: { code: '26643006', display: 'Oral route', status: 'V' },
  intravenous: { code: '47625008', display: 'Intravenous route', status: 'V' },
  subcutaneous: { code: '34206005', display: 'Subcutaneous route', status: 'V' },
} as const satisfies Record<string, Code>;

export interface Regimen {
  /** The drug classes the order contains (what another card may block). */
  drugs: readonly RegimenDrug[];
  atc: Code;
  /** An RxNorm product of drug-products.ts, when one fits the strength. */
  rxnorm?: { code: string; display: string };
  route: Code;
  /** Dose per administration, UCUM. */
  dose?: { value: number; unit: string; code: string };
  /** Timing.repeat: a schedule, or `count: 1` for a single dose. */
  timing:
    { frequency: number; period: number; periodUnit: 'd' | 'wk' | 'mo' | 'a' } | { count: number };
  source: string;
}

const PRODUCT_INFORMATION = 'Product information (SmPC) of the drug; rules.md R3 / R21';

export const REGIMENS: Readonly<Record<RegimenKey, Regimen>> = {
  alendronateWeekly: {
    drugs: ['alendronate'],
    atc: { code: 'M05BA04', display: 'alendronic acid', status: 'V' },
    rxnorm: RXNORM_PRODUCTS.alendronate[0],
    route: ROUTE.oral,
    dose: { value: 70, unit: 'mg', code: 'mg' },
    timing: { frequency: 1, period: 1, periodUnit: 'wk' },
    source: PRODUCT_INFORMATION,
  },
  risedronateWeekly: {
    drugs: ['risedronate'],
    atc: { code: 'M05BA07', display: 'risedronic acid', status: 'V' },
    route: ROUTE.oral,
    dose: { value: 35, unit: 'mg', code: 'mg' },
    timing: { frequency: 1, period: 1, periodUnit: 'wk' },
    source: `${PRODUCT_INFORMATION}; R3 offers it when alendronate is not tolerated (R29)`,
  },
  ibandronateMonthly: {
    drugs: ['ibandronate'],
    atc: { code: 'M05BA06', display: 'ibandronic acid', status: 'V' },
    route: ROUTE.oral,
    dose: { value: 150, unit: 'mg', code: 'mg' },
    timing: { frequency: 1, period: 1, periodUnit: 'mo' },
    source: `${PRODUCT_INFORMATION}; R3 offers it when alendronate and risedronate are not tolerated (R29)`,
  },
  zoledronicAcidYearly: {
    drugs: ['zoledronicAcid'],
    atc: { code: 'M05BA08', display: 'zoledronic acid', status: 'V' },
    route: ROUTE.intravenous,
    dose: { value: 5, unit: 'mg', code: 'mg' },
    timing: { frequency: 1, period: 1, periodUnit: 'a' },
    source: `${PRODUCT_INFORMATION}; 000 "Zoledronsyre (Aclasta)"`,
  },
  zoledronicAcidOnce: {
    drugs: ['zoledronicAcid'],
    atc: { code: 'M05BA08', display: 'zoledronic acid', status: 'V' },
    route: ROUTE.intravenous,
    dose: { value: 5, unit: 'mg', code: 'mg' },
    timing: { count: 1 },
    source:
      '000: "1 dose Zoledronsyre 6-9 mnd etter siste Denosumab injeksjon" (R21, when stopping denosumab is intended)',
  },
  denosumabSixMonthly: {
    drugs: ['denosumab'],
    atc: { code: 'M05BX04', display: 'denosumab', status: 'V' },
    rxnorm: RXNORM_PRODUCTS.denosumab[0],
    route: ROUTE.subcutaneous,
    dose: { value: 60, unit: 'mg', code: 'mg' },
    timing: { frequency: 1, period: 6, periodUnit: 'mo' },
    source: `${PRODUCT_INFORMATION}; rules.md "Drug state": 60 mg every 6 months (Prolia)`,
  },
  calciumVitaminDDaily: {
    drugs: ['calcium', 'vitaminD'],
    atc: {
      code: 'A12AX',
      display: 'calcium, combinations with vitamin D and/or other drugs',
      status: 'V',
    },
    route: ROUTE.oral,
    // The amounts are the configuration's (supplement, kidney): set per order.
    timing: { frequency: 1, period: 1, periodUnit: 'd' },
    source:
      '000 Behandlingsvalg 1: 1200 mg calcium (diet + tablet) and 800 IU vitamin D; ≤ 500 mg as tablets with eGFR < 35',
  },
  colecalciferolDaily: {
    drugs: ['vitaminD'],
    atc: { code: 'A11CC05', display: 'colecalciferol', status: 'U' },
    route: ROUTE.oral,
    timing: { frequency: 1, period: 1, periodUnit: 'd' },
    source: '000 Behandlingsvalg 1 (800 IU vitamin D daily); R8 re-test after 2–3 months',
  },
};

/** The supplement's amounts for one order (configuration, capped by the kidney rule). */
export interface SupplementAmounts {
  calciumMg?: number;
  vitaminDIU?: number;
}

export interface MedicationTexts {
  /** The product as the prescriber reads it ("Alendronat 70 mg tablett"). */
  name: string;
  /** The dosage instruction ("1 tablett 1 gang i uken, fastende …"). */
  dosage: string;
}

/** A draft MedicationRequest for the regimen, coded and dosed as FHIR R4 expects. */
export function medicationRequest(
  key: RegimenKey,
  patientId: string,
  texts: MedicationTexts,
  reasonText: string,
  amounts: SupplementAmounts = {},
  startDate?: string,
): MedicationRequest {
  const regimen = REGIMENS[key];
  const coding = [
    { system: SYSTEM.atc, code: regimen.atc.code, display: regimen.atc.display },
    ...(regimen.rxnorm
      ? [{ system: SYSTEM.rxnorm, code: regimen.rxnorm.code, display: regimen.rxnorm.display }]
      : []),
  ];
  return {
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent: 'proposal',
    medicationCodeableConcept: { coding, text: texts.name },
    subject: { reference: `Patient/${patientId}` },
    reasonCode: [{ text: reasonText }],
    dosageInstruction: [dosage(regimen, texts.dosage, amounts, startDate)],
  };
}

function dosage(
  regimen: Regimen,
  text: string,
  amounts: SupplementAmounts,
  startDate: string | undefined,
): Dosage {
  const doses = regimen.dose
    ? [regimen.dose]
    : amounts.calciumMg !== undefined && regimen.drugs.includes('calcium')
      ? [{ value: amounts.calciumMg, unit: 'mg', code: 'mg' }]
      : amounts.vitaminDIU !== undefined
        ? [{ value: amounts.vitaminDIU, unit: 'IU', code: '[iU]' }]
        : [];
  return {
    text,
    timing: {
      repeat: { ...regimen.timing, ...(startDate ? { boundsPeriod: { start: startDate } } : {}) },
    },
    route: {
      coding: [{ system: SYSTEM.snomed, code: regimen.route.code, display: regimen.route.display }],
    },
    ...(doses.length > 0
      ? {
          doseAndRate: doses.map((dose) => ({
            doseQuantity: {
              value: dose.value,
              unit: dose.unit,
              code: dose.code,
              system: SYSTEM.ucum,
            },
          })),
        }
      : {}),
  };
}
