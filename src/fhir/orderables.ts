/**
 * FHIR resources the cards suggest creating. Lab orders are R4 ServiceRequests
 * coded with the LOINC code of the analyte (codes.md) and categorised as a
 * laboratory procedure (SNOMED CT 108252007); nothing is invented.
 */
import type { CodeableConcept, Communication, ServiceRequest } from 'fhir/r4';
import { SYSTEM } from './systems';

export const ORDERABLE_LABS = {
  pth: { code: '2731-8', display: 'Parathyrin.intact [Mass/volume] in Serum or Plasma' },
  creatinine: { code: '14682-9', display: 'Creatinine [Moles/volume] in Serum or Plasma' },
  albumin: { code: '1751-7', display: 'Albumin [Mass/volume] in Serum or Plasma' },
  calciumTotal: { code: '2000-8', display: 'Calcium [Moles/volume] in Serum or Plasma' },
  vitaminD: {
    code: '62292-8',
    display: '25-Hydroxyvitamin D2+D3 [Mass/volume] in Serum or Plasma',
  },
  tsh: { code: '3016-3', display: 'Thyrotropin [Units/volume] in Serum or Plasma' },
  ft4: { code: '3024-7', display: 'Thyroxine (T4) free [Mass/volume] in Serum or Plasma' },
  p1np: {
    code: '77370-5',
    display: 'Procollagen type I N-terminal propeptide [Mass/volume] in Serum or Plasma',
  },
} as const;

export type OrderableLabKey = keyof typeof ORDERABLE_LABS;

/**
 * The same analytes in NPU (codes.md "Nordic (NPU / NLK)"). Norway's laboratory
 * code list (NLK) carries the NPU codes under its own system URI.
 */
const NORDIC_LAB_CODES: Record<OrderableLabKey, string> = {
  pth: 'NPU03028',
  creatinine: 'NPU18016',
  albumin: 'NPU19673',
  calciumTotal: 'NPU01443',
  vitaminD: 'NPU10267',
  tsh: 'NPU03577',
  ft4: 'NPU03579',
  p1np: 'NPU19893',
};

export type LabCodeSystem = 'nlk' | 'npu';

/** When an order is due: a day, or a window ("2–3 months after starting"). */
export interface Due {
  /** YYYY-MM-DD. */
  start: string;
  /** YYYY-MM-DD, for a window. */
  end?: string;
}

function occurrence(due: Due | undefined): Partial<ServiceRequest> {
  if (!due) return {};
  return due.end
    ? { occurrencePeriod: { start: due.start, end: due.end } }
    : { occurrenceDateTime: due.start };
}

/** The envelope every suggested order shares: a draft proposal for the patient, with its due date and reason. */
function draftServiceRequest(
  fields: Pick<ServiceRequest, 'category' | 'code' | 'orderDetail' | 'performerType'>,
  patientId: string,
  reasonText: string,
  due: Due | undefined,
): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'proposal',
    ...fields,
    subject: { reference: `Patient/${patientId}` },
    ...occurrence(due),
    reasonCode: [{ text: reasonText }],
  };
}

const LAB_CATEGORY = [
  { coding: [{ system: SYSTEM.snomed, code: '108252007', display: 'Laboratory procedure' }] },
];

function labCode(lab: OrderableLabKey, nordic: LabCodeSystem): CodeableConcept {
  const { code, display } = ORDERABLE_LABS[lab];
  return {
    coding: [
      { system: SYSTEM.loinc, code, display },
      { system: nordic === 'nlk' ? SYSTEM.nlk : SYSTEM.npu, code: NORDIC_LAB_CODES[lab] },
    ],
  };
}

/** A draft lab order for the patient, for a card suggestion's `create` action. */
export function labServiceRequest(
  lab: OrderableLabKey,
  patientId: string,
  reasonText: string,
  nordic: LabCodeSystem = 'nlk',
  due?: Due,
): ServiceRequest {
  return draftServiceRequest(
    { category: LAB_CATEGORY, code: labCode(lab, nordic) },
    patientId,
    reasonText,
    due,
  );
}

/** A site's code for its osteoporosis lab package (e.g. DIPS "Osteoporose-primærscreening"). */
export interface LabPackageCode {
  system: string;
  code: string;
  display: string;
}

/** The labs as one order of the site's package: the package code, each analyte in orderDetail. */
export function labPackageServiceRequest(
  labs: readonly OrderableLabKey[],
  packageCode: LabPackageCode,
  patientId: string,
  reasonText: string,
  nordic: LabCodeSystem = 'nlk',
  due?: Due,
): ServiceRequest {
  return draftServiceRequest(
    {
      category: LAB_CATEGORY,
      code: { coding: [{ ...packageCode }], text: packageCode.display },
      orderDetail: labs.map((lab) => labCode(lab, nordic)),
    },
    patientId,
    reasonText,
    due,
  );
}

/**
 * A draft bone density (DXA) referral. SNOMED CT 312681000 "Bone densitometry" is
 * listed as unverified (U) in code-lists.ts; sites replace it with their own code.
 */
export function dxaServiceRequest(
  patientId: string,
  reasonText: string,
  due?: Due,
): ServiceRequest {
  return draftServiceRequest(
    {
      category: [{ coding: [{ system: SYSTEM.snomed, code: '363679005', display: 'Imaging' }] }],
      code: {
        coding: [{ system: SYSTEM.snomed, code: '312681000', display: 'Bone densitometry' }],
      },
    },
    patientId,
    reasonText,
    due,
  );
}

/**
 * Referrals the cards suggest (R5, R7, R30: endocrinology / rheumatology; R23: fall
 * prevention). Category "Patient referral" (SNOMED CT 3457005, FHIR R4 ServiceRequest
 * category example value set). The referral codes: 306118006 "Referral to
 * endocrinology service" (M: public FHIR profiles and a terminology review); no
 * rheumatology or falls-service concept could be verified here, so those use the
 * parent 306206005 "Referral to service" (M) with the service named in
 * performerType's text. Sites put their own codes in the same place.
 */
export const REFERRALS = {
  endocrinology: { code: '306118006', display: 'Referral to endocrinology service', status: 'M' },
  rheumatology: { code: '306206005', display: 'Referral to service', status: 'M' },
  fallPrevention: { code: '306206005', display: 'Referral to service', status: 'M' },
} as const;

export type ReferralTarget = keyof typeof REFERRALS;
export const REFERRAL_TARGETS = [
  'endocrinology',
  'rheumatology',
  'fallPrevention',
] as const satisfies readonly ReferralTarget[];

export function referralServiceRequest(
  target: ReferralTarget,
  patientId: string,
  serviceName: string,
  reasonText: string,
  due?: Due,
): ServiceRequest {
  const { code, display } = REFERRALS[target];
  return draftServiceRequest(
    {
      category: [
        { coding: [{ system: SYSTEM.snomed, code: '3457005', display: 'Patient referral' }] },
      ],
      code: { coding: [{ system: SYSTEM.snomed, code, display }], text: serviceName },
      performerType: { text: serviceName },
    },
    patientId,
    reasonText,
    due,
  );
}

/**
 * A draft letter to the patient (seed 003's group letters, seed 004's letter): a
 * Communication in preparation, sent by mail (v3 ParticipationMode MAILWRIT), the
 * text in the profile's language.
 */
export function letterCommunication(
  patientId: string,
  text: string,
  language: string,
  topic: string,
): Communication {
  return {
    resourceType: 'Communication',
    status: 'preparation',
    language,
    medium: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode',
            code: 'MAILWRIT',
            display: 'mail',
          },
        ],
      },
    ],
    subject: { reference: `Patient/${patientId}` },
    recipient: [{ reference: `Patient/${patientId}` }],
    topic: { text: topic },
    payload: [{ contentString: text }],
  };
}
