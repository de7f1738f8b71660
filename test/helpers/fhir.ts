/**
 * Small builders for realistic FHIR R4 test data. Every date is relative to the
 * pinned NOW, so tests never depend on the wall clock.
 */
import type {
  Bundle,
  Coding,
  Condition,
  FhirResource,
  MedicationRequest,
  Observation,
  Patient,
} from 'fhir/r4';
import { LAB_CODES } from '../../src/fhir/code-lists';
import { SYSTEM } from '../../src/fhir/systems';

export const NOW = new Date('2026-11-22T10:00:00Z');
export const PATIENT_ID = 'pat-1';
const DAY = 24 * 60 * 60 * 1000;

/** An ISO dateTime `days` before NOW. */
export function daysAgo(days: number, now: Date = NOW): string {
  return new Date(now.getTime() - days * DAY).toISOString();
}

export function patient(overrides: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    id: PATIENT_ID,
    gender: 'female',
    birthDate: '1948-05-17',
    name: [{ family: 'Nordmann', given: ['Kari'] }],
    ...overrides,
  };
}

export const LOINC = {
  calciumTotal: '2000-8',
  calciumTotalMgDl: '17861-6',
  calciumCorrected: '29265-6',
  albumin: '1751-7',
  creatinine: '14682-9',
  egfr: '98979-8',
  vitaminD: '62292-8',
  tsh: '3016-3',
  ft4: '14920-3',
  pth: '14866-8',
  p1np: '77370-5',
} as const;

let nextId = 1;
const newId = (prefix: string): string => `${prefix}-${nextId++}`;

export interface ObservationOptions {
  id?: string;
  patientId?: string;
  status?: Observation['status'];
  /** UCUM code of the value; null = no unit at all. */
  unit?: string | null;
  unitSystem?: string;
  comparator?: '<' | '<=' | '>=' | '>';
  referenceRange?: { low?: number; high?: number; unit?: string };
  interpretation?: string;
  /** Omit effective[x] (a result without a date). */
  noDate?: boolean;
  /** Use effectivePeriod instead of effectiveDateTime. */
  asPeriod?: boolean;
}

/** A laboratory Observation coded with `coding` (LOINC unless given). */
export function observation(
  coding: Coding,
  value: number | undefined,
  date: string,
  options: ObservationOptions = {},
): Observation {
  const unit = options.unit === undefined ? 'mmol/L' : options.unit;
  const quantityUnit =
    unit === null ? {} : { unit, system: options.unitSystem ?? SYSTEM.ucum, code: unit };
  return {
    resourceType: 'Observation',
    id: options.id ?? newId('obs'),
    status: options.status ?? 'final',
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/observation-category',
            code: 'laboratory',
          },
        ],
      },
    ],
    code: { coding: [coding] },
    subject: { reference: `Patient/${options.patientId ?? PATIENT_ID}` },
    ...(options.noDate
      ? {}
      : options.asPeriod
        ? { effectivePeriod: { start: date, end: date } }
        : { effectiveDateTime: date }),
    ...(value === undefined
      ? { dataAbsentReason: { text: 'not measured' } }
      : {
          valueQuantity: {
            value,
            ...quantityUnit,
            ...(options.comparator ? { comparator: options.comparator } : {}),
          },
        }),
    ...(options.referenceRange
      ? {
          referenceRange: [
            {
              ...(options.referenceRange.low !== undefined
                ? {
                    low: {
                      value: options.referenceRange.low,
                      system: SYSTEM.ucum,
                      code: options.referenceRange.unit ?? unit ?? '',
                      unit: options.referenceRange.unit ?? unit ?? '',
                    },
                  }
                : {}),
              ...(options.referenceRange.high !== undefined
                ? {
                    high: {
                      value: options.referenceRange.high,
                      system: SYSTEM.ucum,
                      code: options.referenceRange.unit ?? unit ?? '',
                      unit: options.referenceRange.unit ?? unit ?? '',
                    },
                  }
                : {}),
            },
          ],
        }
      : {}),
    ...(options.interpretation
      ? {
          interpretation: [
            {
              coding: [{ system: SYSTEM.observationInterpretation, code: options.interpretation }],
            },
          ],
        }
      : {}),
  };
}

const loinc = (code: string): Coding => ({ system: SYSTEM.loinc, code });
export const npu = (code: string): Coding => ({ system: SYSTEM.npu, code });
export const nlk = (code: string): Coding => ({ system: SYSTEM.nlk, code });

/** Typical Norwegian-lab results with their usual UCUM units. */
export const labs = {
  calcium: (value: number, date: string, options: ObservationOptions = {}) =>
    observation(loinc(LOINC.calciumTotal), value, date, { unit: 'mmol/L', ...options }),
  calciumMgDl: (value: number, date: string, options: ObservationOptions = {}) =>
    observation(loinc(LOINC.calciumTotalMgDl), value, date, { unit: 'mg/dL', ...options }),
  correctedCalcium: (value: number, date: string, options: ObservationOptions = {}) =>
    observation(loinc(LOINC.calciumCorrected), value, date, { unit: 'mmol/L', ...options }),
  albumin: (value: number, date: string, options: ObservationOptions = {}) =>
    observation(loinc(LOINC.albumin), value, date, { unit: 'g/L', ...options }),
  creatinine: (value: number, date: string, options: ObservationOptions = {}) =>
    observation(loinc(LOINC.creatinine), value, date, { unit: 'umol/L', ...options }),
  egfr: (value: number, date: string, options: ObservationOptions = {}) =>
    observation(loinc(LOINC.egfr), value, date, { unit: 'mL/min/{1.73_m2}', ...options }),
  vitaminD: (value: number, date: string, options: ObservationOptions = {}) =>
    observation(loinc(LOINC.vitaminD), value, date, { unit: 'nmol/L', ...options }),
  tsh: (value: number, date: string, options: ObservationOptions = {}) =>
    observation(loinc(LOINC.tsh), value, date, { unit: 'm[IU]/L', ...options }),
  ft4: (value: number, date: string, options: ObservationOptions = {}) =>
    observation(loinc(LOINC.ft4), value, date, { unit: 'pmol/L', ...options }),
  pth: (value: number, date: string, options: ObservationOptions = {}) =>
    observation(loinc(LOINC.pth), value, date, { unit: 'pmol/L', ...options }),
};

export function condition(
  coding: Coding,
  options: {
    id?: string;
    patientId?: string;
    onset?: string;
    clinicalStatus?: string;
    verificationStatus?: string;
  } = {},
): Condition {
  return {
    resourceType: 'Condition',
    id: options.id ?? newId('cond'),
    clinicalStatus: {
      coding: [{ system: SYSTEM.conditionClinical, code: options.clinicalStatus ?? 'active' }],
    },
    verificationStatus: {
      coding: [
        { system: SYSTEM.conditionVerification, code: options.verificationStatus ?? 'confirmed' },
      ],
    },
    code: { coding: [coding] },
    subject: { reference: `Patient/${options.patientId ?? PATIENT_ID}` },
    ...(options.onset ? { onsetDateTime: options.onset } : {}),
  };
}

export const icd10 = (code: string): Coding => ({ system: SYSTEM.icd10, code });
export const icd10No = (code: string): Coding => ({ system: SYSTEM.icd10No, code });
export const atc = (code: string, display?: string): Coding => ({
  system: SYSTEM.atc,
  code,
  ...(display ? { display } : {}),
});

/** Drug codings used in tests (ATC, codes.md). */
export const DRUGS = {
  zoledronicAcid: atc('M05BA08', 'Zoledronsyre'),
  alendronate: atc('M05BA04', 'Alendronsyre'),
  denosumab: atc('M05BX04', 'Denosumab'),
  teriparatide: atc('H05AA02', 'Teriparatid'),
  calciumVitaminD: atc('A12AX', 'Kalsium, kombinasjoner med vitamin D'),
  prednisolone: atc('H02AB06', 'Prednisolon'),
};

export function medicationRequest(
  coding: Coding,
  options: {
    id?: string;
    status?: MedicationRequest['status'];
    patientId?: string;
    text?: string;
  } = {},
): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: options.id ?? newId('medreq'),
    status: options.status ?? 'draft',
    intent: 'order',
    medicationCodeableConcept: { coding: [coding], text: options.text ?? coding.display },
    subject: { reference: `Patient/${options.patientId ?? PATIENT_ID}` },
    authoredOn: NOW.toISOString(),
  };
}

export function searchset(resources: readonly FhirResource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    entry: resources.map((resource) => ({
      fullUrl: `http://ehr.example.org/fhir/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}

const LAB_LOINC = new Set<string>(
  Object.values(LAB_CODES)
    .flat()
    .map((entry) => entry.code),
);

/**
 * The prefetch an EHR would send for these resources: every key of the services'
 * templates filled (an empty searchset where the patient has nothing).
 */
export function prefetchFor(resources: readonly FhirResource[]): Record<string, FhirResource> {
  const by = (predicate: (resource: FhirResource) => boolean) =>
    searchset(resources.filter(predicate));
  const isLab = (resource: FhirResource) =>
    resource.resourceType === 'Observation' &&
    (resource.code.coding ?? []).some(
      (coding) => coding.code !== undefined && LAB_LOINC.has(coding.code),
    );
  const patientResource = resources.find((resource) => resource.resourceType === 'Patient');
  return {
    ...(patientResource ? { patient: patientResource } : {}),
    labs: by(isLab),
    boneDensity: by((resource) => resource.resourceType === 'Observation' && !isLab(resource)),
    conditions: by((resource) => resource.resourceType === 'Condition'),
    medicationRequests: by((resource) => resource.resourceType === 'MedicationRequest'),
    medicationStatements: by((resource) => resource.resourceType === 'MedicationStatement'),
    medicationAdministrations: by(
      (resource) => resource.resourceType === 'MedicationAdministration',
    ),
    medicationDispenses: by((resource) => resource.resourceType === 'MedicationDispense'),
    allergies: by((resource) => resource.resourceType === 'AllergyIntolerance'),
    procedures: by((resource) => resource.resourceType === 'Procedure'),
  };
}

export const HOOK_INSTANCE = 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea';

export interface HookRequestOptions {
  patientId?: string;
  prefetch?: Record<string, FhirResource | null>;
  draftOrders?: MedicationRequest[];
  selections?: string[];
  fhirServer?: string;
  accessToken?: string;
}

/** A CDS Hooks request body for the hook. */
export function hookRequest(
  hook: 'patient-view' | 'order-select' | 'order-sign',
  options: HookRequestOptions = {},
): Record<string, unknown> {
  const patientId = options.patientId ?? PATIENT_ID;
  const context: Record<string, unknown> = { userId: 'Practitioner/prac-1', patientId };
  if (hook !== 'patient-view') {
    const drafts = options.draftOrders ?? [];
    context.draftOrders = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: drafts.map((resource) => ({ resource })),
    };
    if (hook === 'order-select') {
      context.selections =
        options.selections ?? drafts.map((draft) => `MedicationRequest/${draft.id}`);
    }
  }
  return {
    hook,
    hookInstance: HOOK_INSTANCE,
    context,
    ...(options.fhirServer ? { fhirServer: options.fhirServer } : {}),
    ...(options.accessToken
      ? {
          fhirAuthorization: {
            access_token: options.accessToken,
            token_type: 'Bearer',
            expires_in: 300,
            scope: 'patient/*.read',
            subject: 'fls-cds',
          },
        }
      : {}),
    ...(options.prefetch ? { prefetch: options.prefetch } : {}),
  };
}

// ---- Bone density, fractures, medication history ----

const DXA_LOINC = {
  spine: '38267-1',
  hip: '38264-8',
  femur: '38263-0',
  forearm: '38265-5',
} as const;

/** A DXA T-score at spine (L1–L4), total hip, femoral neck / femur, or forearm. */
export function tScore(
  site: keyof typeof DXA_LOINC,
  value: number,
  date: string,
  options: { id?: string } = {},
): Observation {
  return {
    resourceType: 'Observation',
    id: options.id ?? newId('dxa'),
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'imaging' },
        ],
      },
    ],
    code: { coding: [{ system: SYSTEM.loinc, code: DXA_LOINC[site] }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: date,
    valueQuantity: { value, system: SYSTEM.ucum, code: '{T-score}', unit: 'T-score' },
  };
}

export function frax(percent: number, date: string): Observation {
  return {
    resourceType: 'Observation',
    id: newId('frax'),
    status: 'final',
    code: { coding: [{ system: SYSTEM.loinc, code: '90265-0' }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: date,
    valueQuantity: { value: percent, system: SYSTEM.ucum, code: '%', unit: '%' },
  };
}

const FRACTURE_CODES = {
  hip: icd10('S72.0'),
  vertebra: icd10('S22.0'),
  radius: icd10('S52.5'),
  humerus: icd10('S42.2'),
  ankle: icd10('S82.5'),
  osteoporotic: icd10('M80.0'),
  vertebraSnomed: { system: SYSTEM.snomed, code: '42942008' },
} as const;

/** A fracture Condition with onset date. */
export function fracture(
  kind: keyof typeof FRACTURE_CODES,
  onset: string,
  options: { id?: string; severe?: boolean; bodySite?: string; status?: string } = {},
): Condition {
  const base = condition(FRACTURE_CODES[kind], {
    onset,
    ...(options.id ? { id: options.id } : {}),
  });
  return {
    ...base,
    ...(options.status
      ? { clinicalStatus: { coding: [{ system: SYSTEM.conditionClinical, code: options.status }] } }
      : {}),
    ...(options.severe
      ? { severity: { coding: [{ system: SYSTEM.snomed, code: '24484000', display: 'Severe' }] } }
      : {}),
    ...(options.bodySite
      ? { bodySite: [{ coding: [{ system: SYSTEM.snomed, code: options.bodySite }] }] }
      : {}),
  };
}

/** A completed administration (an infusion, an injection, a dose). */
export function administration(
  coding: Coding,
  date: string,
  options: { id?: string } = {},
): FhirResource {
  return {
    resourceType: 'MedicationAdministration',
    id: options.id ?? newId('admin'),
    status: 'completed',
    medicationCodeableConcept: { coding: [coding] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: date,
  };
}

/** A dose per day in mg, once daily. */
function dailyDosage(mgPerDay: number) {
  return {
    timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' as const } },
    doseAndRate: [
      { doseQuantity: { value: mgPerDay, system: SYSTEM.ucum, code: 'mg', unit: 'mg' } },
    ],
  };
}

/** A MedicationStatement over a period; `end` omitted and status active = ongoing. */
export function statement(
  coding: Coding,
  start: string,
  options: {
    end?: string;
    status?: 'active' | 'completed' | 'stopped';
    mgPerDay?: number;
    id?: string;
  } = {},
): FhirResource {
  return {
    resourceType: 'MedicationStatement',
    id: options.id ?? newId('stmt'),
    status: options.status ?? (options.end ? 'completed' : 'active'),
    medicationCodeableConcept: { coding: [coding], text: coding.display },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectivePeriod: { start, ...(options.end ? { end: options.end } : {}) },
    ...(options.mgPerDay !== undefined ? { dosage: [dailyDosage(options.mgPerDay)] } : {}),
  };
}

/** An active prescription (MedicationRequest) authored on `start`. */
export function activeRequest(
  coding: Coding,
  start: string,
  options: { mgPerDay?: number; id?: string } = {},
): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: options.id ?? newId('rx'),
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { coding: [coding], text: coding.display },
    subject: { reference: `Patient/${PATIENT_ID}` },
    authoredOn: start,
    ...(options.mgPerDay !== undefined
      ? { dosageInstruction: [dailyDosage(options.mgPerDay)] }
      : {}),
  };
}

/** A draft order with a daily dose in mg (order-time rules). */
export function draftWithDose(
  coding: Coding,
  mgPerDay: number,
  options: { id?: string; text?: string } = {},
): MedicationRequest {
  return { ...medicationRequest(coding, options), dosageInstruction: [dailyDosage(mgPerDay)] };
}

export function fallRiskAssessmentProcedure(date: string): FhirResource {
  return {
    resourceType: 'Procedure',
    id: newId('proc'),
    status: 'completed',
    code: { coding: [{ system: SYSTEM.snomed, code: '414191008' }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    performedDateTime: date,
  };
}

export const yearsAgo = (years: number): string => daysAgo(Math.round(years * 365.25));
export const monthsAgo = (months: number): string => daysAgo(Math.round(months * 30.4375));

export const rxnorm = (code: string, display?: string): Coding => ({
  system: SYSTEM.rxnorm,
  code,
  ...(display ? { display } : {}),
});

/** An AllergyIntolerance recording an intolerance of a drug (active, confirmed unless told). */
export function allergy(
  coding: Coding,
  options: {
    id?: string;
    recorded?: string;
    reaction?: string;
    verification?: string;
    clinical?: string;
  } = {},
): FhirResource {
  return {
    resourceType: 'AllergyIntolerance',
    id: options.id ?? newId('allergy'),
    clinicalStatus: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
          code: options.clinical ?? 'active',
        },
      ],
    },
    verificationStatus: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
          code: options.verification ?? 'confirmed',
        },
      ],
    },
    type: 'intolerance',
    code: { coding: [coding] },
    patient: { reference: `Patient/${PATIENT_ID}` },
    ...(options.recorded ? { recordedDate: options.recorded } : {}),
    ...(options.reaction ? { reaction: [{ manifestation: [{ text: options.reaction }] }] } : {}),
  };
}

/** A completed dispense (a pack handed over), with its days' supply when given. */
export function dispense(
  coding: Coding,
  date: string,
  options: { id?: string; daysSupply?: number } = {},
): FhirResource {
  return {
    resourceType: 'MedicationDispense',
    id: options.id ?? newId('disp'),
    status: 'completed',
    medicationCodeableConcept: { coding: [coding] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    whenHandedOver: date,
    ...(options.daysSupply !== undefined
      ? { daysSupply: { value: options.daysSupply, unit: 'd', system: SYSTEM.ucum, code: 'd' } }
      : {}),
  };
}

/** A prescription stopped on `stopped` (boundsPeriod end), with a stop reason when given. */
export function stoppedRequest(
  coding: Coding,
  start: string,
  stopped: string,
  options: { id?: string; reason?: string } = {},
): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: options.id ?? newId('rx'),
    status: 'stopped',
    intent: 'order',
    medicationCodeableConcept: { coding: [coding], text: coding.display },
    subject: { reference: `Patient/${PATIENT_ID}` },
    authoredOn: start,
    dosageInstruction: [{ timing: { repeat: { boundsPeriod: { start, end: stopped } } } }],
    ...(options.reason ? { statusReason: { text: options.reason } } : {}),
  };
}
