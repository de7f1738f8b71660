/**
 * The three CDS services and their prefetch templates. The templates ask for the
 * data the guideline rules read (../shared/guideline/rules.md), with R4 search
 * syntax. Labs and bone measurements are filtered by the code lists; Conditions,
 * medication history (requests, statements, administrations, dispenses), the
 * allergy list and Procedures are fetched whole because ICD-10 and ATC
 * classes (M80.-, H02AB) cannot be expressed as token searches.
 */
import { BONE_CODES, LAB_CODES, type CodeEntry } from '../fhir/code-lists';
import { tokenList } from '../fhir/codes';

export type HookName = 'patient-view' | 'order-select' | 'order-sign';

export interface CdsServiceDefinition {
  id: string;
  hook: HookName;
  title: string;
  description: string;
  prefetch: Record<string, string>;
}

const flatten = (lists: Record<string, readonly CodeEntry[]>): CodeEntry[] =>
  Object.values(lists).flat();

/** `|` is URL-encoded in templates (HAPI and others require it); `,` separates alternatives. */
const tokens = (lists: Record<string, readonly CodeEntry[]>): string =>
  tokenList(flatten(lists))
    .split(',')
    .map((token) => encodeURIComponent(token))
    .join(',');

/** Prefetch key → query template. Same data for every hook: order checks need the whole picture. */
export const PREFETCH_TEMPLATES: Readonly<Record<string, string>> = {
  patient: 'Patient/{{context.patientId}}',
  labs: `Observation?patient={{context.patientId}}&code=${tokens(LAB_CODES)}&_sort=-date`,
  boneDensity: `Observation?patient={{context.patientId}}&code=${tokens(BONE_CODES)}&_sort=-date`,
  conditions: 'Condition?patient={{context.patientId}}',
  // `_include`: a Medication the history refers to (by reference, not contained) comes with it.
  medicationRequests:
    'MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication',
  medicationStatements:
    'MedicationStatement?patient={{context.patientId}}&_include=MedicationStatement:medication',
  medicationAdministrations:
    'MedicationAdministration?patient={{context.patientId}}&_include=MedicationAdministration:medication',
  medicationDispenses:
    'MedicationDispense?patient={{context.patientId}}&_include=MedicationDispense:medication',
  allergies: 'AllergyIntolerance?patient={{context.patientId}}',
  procedures: 'Procedure?patient={{context.patientId}}',
};

export const SERVICES: readonly CdsServiceDefinition[] = [
  {
    id: 'fls-patient-view',
    hook: 'patient-view',
    title: 'Osteoporosis and fracture follow-up',
    description:
      'When a chart opens: osteoporosis and fracture-liaison follow-up after the Helse ' +
      'Stavanger routine — missing screening tests, calcium / vitamin D, whether an ' +
      'antiresorptive or a referral for anabolic treatment is indicated, blood results ' +
      'to handle before treatment, monitoring and DXA that are due, treatment response, ' +
      'pauses, the next zoledronic acid infusion, overdue denosumab and fall-risk assessment.',
    prefetch: PREFETCH_TEMPLATES,
  },
  {
    id: 'fls-order-select',
    hook: 'order-select',
    title: 'Osteoporosis drug order check (on select)',
    description:
      'When an osteoporosis drug or calcium is selected in an order: checks it against the ' +
      "patient's calcium, vitamin D, PTH, kidney function, diagnoses and treatment history, " +
      'and stops orders the guideline contraindicates (e.g. zoledronic acid with eGFR below ' +
      '35, teriparatide after skeletal radiotherapy, a 7th zoledronic acid infusion).',
    prefetch: PREFETCH_TEMPLATES,
  },
  {
    id: 'fls-order-sign',
    hook: 'order-sign',
    title: 'Osteoporosis drug order check (before signing)',
    description:
      'Before orders are signed: the same safety checks as on select, over every unsigned ' +
      'order, so that a contraindicated osteoporosis drug or calcium order is not signed.',
    prefetch: PREFETCH_TEMPLATES,
  },
];

export function findService(id: string): CdsServiceDefinition | undefined {
  return SERVICES.find((service) => service.id === id);
}
