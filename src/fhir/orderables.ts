/**
 * FHIR resources the cards suggest creating. Lab orders are R4 ServiceRequests
 * coded with the LOINC code of the analyte (codes.md) and categorised as a
 * laboratory procedure (SNOMED CT 108252007); nothing is invented.
 */
import type { ServiceRequest } from 'fhir/r4';
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

/** A draft lab order for the patient, for a card suggestion's `create` action. */
export function labServiceRequest(
  lab: OrderableLabKey,
  patientId: string,
  reasonText: string,
  nordic: LabCodeSystem = 'nlk',
): ServiceRequest {
  const { code, display } = ORDERABLE_LABS[lab];
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'proposal',
    category: [
      { coding: [{ system: SYSTEM.snomed, code: '108252007', display: 'Laboratory procedure' }] },
    ],
    code: {
      coding: [
        { system: SYSTEM.loinc, code, display },
        { system: nordic === 'nlk' ? SYSTEM.nlk : SYSTEM.npu, code: NORDIC_LAB_CODES[lab] },
      ],
    },
    subject: { reference: `Patient/${patientId}` },
    reasonCode: [{ text: reasonText }],
  };
}

/**
 * A draft bone density (DXA) referral. SNOMED CT 312681000 "Bone densitometry" is
 * listed as unverified (U) in code-lists.ts; sites replace it with their own code.
 */
export function dxaServiceRequest(patientId: string, reasonText: string): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'proposal',
    category: [{ coding: [{ system: SYSTEM.snomed, code: '363679005', display: 'Imaging' }] }],
    code: { coding: [{ system: SYSTEM.snomed, code: '312681000', display: 'Bone densitometry' }] },
    subject: { reference: `Patient/${patientId}` },
    reasonCode: [{ text: reasonText }],
  };
}
