/**
 * A realistic, deterministic fracture-liaison patient with exactly N resources, for
 * the benchmark: years of osteoporosis blood tests (LOINC and NPU codes, mmol/L and
 * mg/dL, some with reference ranges and lab flags), DXA T-scores at lumbar spine /
 * total hip / femoral neck and FRAX every ~2 years, fracture and co-morbidity
 * Conditions (ICD-10 with and without the dot, SNOMED CT), medication history
 * (alendronate course, zoledronic acid infusions, denosumab injections,
 * prednisolone, calcium + vitamin D) as MedicationRequest / Statement /
 * Administration, and DXA / fracture-surgery Procedures.
 *
 * The newest results carry findings (eGFR 31, 25-OH vitamin D 38 nmol/L), so the
 * service renders cards as it would for a real FLS patient; everything is dated
 * relative to `now`, which is the service's clock too.
 */
import type {
  Coding,
  FhirResource,
  MedicationAdministration,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Procedure,
} from 'fhir/r4';
import { SYSTEM } from '../src/fhir/systems';
import { seededRandom } from './random';
import {
  atc,
  condition,
  DRUGS,
  hookRequest,
  icd10,
  icd10No,
  medicationRequest,
  npu,
  observation,
  prefetchFor,
  type ObservationOptions,
} from '../test/helpers/fhir';

export const SIZES = [10, 100, 1000] as const;
const DAY = 24 * 60 * 60 * 1000;
const HISTORY_YEARS = 10;

const loinc = (code: string, display?: string): Coding => ({
  system: SYSTEM.loinc,
  code,
  ...(display ? { display } : {}),
});
const sct = (code: string, display: string): Coding => ({ system: SYSTEM.snomed, code, display });

interface Analyte {
  coding: (visit: number) => Coding;
  unit: (visit: number) => string;
  value: (rnd: () => number, visit: number) => number;
  range?: { low: number; high: number };
}

const around = (centre: number, spread: number, decimals: number) => (rnd: () => number) =>
  Number((centre + (rnd() - 0.5) * 2 * spread).toFixed(decimals));

/** The routine panel: every visit. Visit 0 is the newest and carries the findings. */
const ROUTINE: Analyte[] = [
  {
    // Total calcium: LOINC mmol/L, NPU, and every 5th visit a US-style mg/dL result.
    coding: (v) =>
      v % 5 === 4 ? loinc('17861-6') : v % 2 ? npu('NPU01443') : loinc('2000-8', 'Calcium'),
    unit: (v) => (v % 5 === 4 ? 'mg/dL' : 'mmol/L'),
    value: (rnd, v) => (v % 5 === 4 ? around(9.4, 0.5, 1)(rnd) : around(2.35, 0.1, 2)(rnd)),
    range: { low: 2.15, high: 2.51 },
  },
  {
    coding: (v) => (v % 2 ? npu('NPU19673') : loinc('1751-7', 'Albumin')),
    unit: () => 'g/L',
    value: around(40, 3, 0),
    range: { low: 36, high: 48 },
  },
  {
    coding: (v) => (v % 2 ? npu('NPU18016') : loinc('14682-9', 'Creatinine')),
    unit: () => 'umol/L',
    value: (rnd, v) => (v === 0 ? 145 : around(105, 15, 0)(rnd)),
    range: { low: 45, high: 90 },
  },
  {
    coding: () => loinc('98979-8', 'eGFR CKD-EPI 2021'),
    unit: () => 'mL/min/{1.73_m2}',
    value: (rnd, v) => (v === 0 ? 31 : around(48, 8, 0)(rnd)),
  },
  {
    coding: (v) => (v % 2 ? npu('NPU10267') : loinc('62292-8', '25-OH vitamin D')),
    unit: () => 'nmol/L',
    value: (rnd, v) => (v === 0 ? 38 : around(70, 20, 0)(rnd)),
  },
];

/** Every second visit. */
const EXTENDED: Analyte[] = [
  {
    coding: (v) => (v % 4 ? npu('NPU03577') : loinc('3016-3', 'TSH')),
    unit: () => 'm[IU]/L',
    value: around(1.6, 0.8, 2),
    range: { low: 0.4, high: 4.0 },
  },
  {
    coding: (v) => (v % 4 ? npu('NPU03579') : loinc('14920-3', 'Free T4')),
    unit: () => 'pmol/L',
    value: around(15, 3, 1),
    range: { low: 12, high: 22 },
  },
  {
    coding: (v) => (v % 4 ? npu('NPU03028') : loinc('14866-8', 'PTH')),
    unit: () => 'pmol/L',
    value: around(5, 1.5, 1),
    range: { low: 1.5, high: 7.0 },
  },
  {
    coding: (v) => (v % 4 ? npu('NPU19893') : loinc('77370-5', 'P1NP')),
    unit: () => 'ug/L',
    value: around(40, 15, 0),
  },
];

const DXA_SITES: { coding: Coding; unit: string; value: (rnd: () => number) => number }[] = [
  { coding: loinc('38267-1', 'T-score L-spine'), unit: '{T-score}', value: around(-2.7, 0.3, 1) },
  { coding: loinc('38264-8', 'T-score total hip'), unit: '{T-score}', value: around(-2.2, 0.3, 1) },
  {
    coding: loinc('38263-0', 'T-score femoral neck'),
    unit: '{T-score}',
    value: around(-2.6, 0.3, 1),
  },
  { coding: loinc('90265-0', 'FRAX major osteoporotic'), unit: '%', value: around(24, 4, 0) },
  { coding: loinc('90266-8', 'FRAX hip'), unit: '%', value: around(9, 2, 0) },
];

/** Fractures first (an FLS patient), then osteoporosis and everyday co-morbidity. */
const CONDITIONS: { coding: Coding; extra?: Coding; resolved?: boolean }[] = [
  { coding: icd10('S72.0'), extra: sct('5913000', 'Fracture of neck of femur') },
  { coding: icd10No('S525'), extra: sct('263199001', 'Fracture of distal radius') },
  { coding: icd10('M80.0'), extra: sct('443165006', 'Osteoporotic fracture') },
  { coding: icd10('M48.5'), extra: sct('42942008', 'Collapsed vertebra') },
  { coding: icd10('M81.0'), extra: sct('64859006', 'Osteoporosis') },
  { coding: icd10('I10'), extra: sct('38341003', 'Hypertension') },
  { coding: icd10('E11.9'), extra: sct('44054006', 'Type 2 diabetes') },
  { coding: icd10('N18.3'), extra: sct('433144002', 'Chronic kidney disease stage 3') },
  { coding: icd10('J44.9'), extra: sct('13645005', 'COPD') },
  { coding: icd10('M06.9'), extra: sct('69896004', 'Rheumatoid arthritis') },
  { coding: icd10No('S422'), extra: sct('65966004', 'Fracture of humerus'), resolved: true },
];

const CALCIUM_VITAMIN_D = atc('A12AX', 'Kalsium, kombinasjoner med vitamin D');

/** ISO dateTime `days` before now, at a plausible clinic hour. */
function before(now: Date, days: number): string {
  const date = new Date(now.getTime() - days * DAY);
  date.setUTCHours(8, 30, 0, 0);
  return date.toISOString();
}

export interface BenchPatient {
  patientId: string;
  resources: FhirResource[];
  /** The prefetch an EHR would send (every template key filled). */
  prefetch: Record<string, FhirResource>;
  /** A draft zoledronic acid infusion, as order-select sends it. */
  draftOrder: MedicationRequest;
}

export interface Composition {
  patient: number;
  labs: number;
  boneDensity: number;
  conditions: number;
  medications: number;
  procedures: number;
}

/** The element at `index`, counting round the list. */
function cycle<T>(list: readonly T[], index: number): T {
  const item = list[index % list.length];
  if (item === undefined) throw new Error('empty list');
  return item;
}

/** How many resources of each kind a patient of `n` resources has (patient + the rest). */
export function composition(n: number): Composition {
  if (n < 6) throw new Error('a bench patient needs at least 6 resources');
  const conditions = Math.max(1, Math.round(n * 0.05));
  const medications = Math.max(1, Math.round(n * 0.12));
  const procedures = Math.round(n * 0.02);
  const boneDensity = Math.max(1, Math.round(n * 0.08));
  const labs = n - 1 - conditions - medications - procedures - boneDensity;
  return { patient: 1, labs, boneDensity, conditions, medications, procedures };
}

export function benchPatient(n: number, now: Date, patientId = `pat-bench-${n}`): BenchPatient {
  const rnd = seededRandom(n * 7919 + 17);
  const counts = composition(n);
  const id = (kind: string, index: number) => `${patientId}-${kind}-${index}`;
  const span = HISTORY_YEARS * 365;
  const subject = { reference: `Patient/${patientId}` };
  const resources: FhirResource[] = [
    {
      resourceType: 'Patient',
      id: patientId,
      identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: '17054812345' }],
      name: [{ family: 'Nordmann', given: ['Kari'] }],
      gender: 'female',
      birthDate: '1948-05-17',
      address: [{ city: 'Stavanger', postalCode: '4011', country: 'NO' }],
    },
  ];

  // Blood tests: visits from now backwards over the history, newest first.
  const labs: Observation[] = [];
  const perVisit = ROUTINE.length + EXTENDED.length / 2;
  const visits = Math.max(1, Math.ceil(counts.labs / perVisit));
  for (let visit = 0; labs.length < counts.labs; visit += 1) {
    const date = before(now, 10 + Math.round((visit * span) / visits));
    const panel = visit % 2 === 0 ? [...ROUTINE, ...EXTENDED] : ROUTINE;
    for (const analyte of panel) {
      if (labs.length >= counts.labs) break;
      const unit = analyte.unit(visit);
      const value = analyte.value(rnd, visit);
      const options: ObservationOptions = { id: id('lab', labs.length), patientId, unit };
      if (analyte.range && unit !== 'mg/dL') {
        options.referenceRange = analyte.range;
        if (value < analyte.range.low) options.interpretation = 'L';
        else if (value > analyte.range.high) options.interpretation = 'H';
      }
      labs.push(observation(analyte.coding(visit), value, date, options));
    }
  }

  // DXA: a set of 3 T-scores + 2 FRAX every ~2 years (more often for larger histories).
  const bone: Observation[] = [];
  const sets = Math.max(1, Math.ceil(counts.boneDensity / DXA_SITES.length));
  for (let set = 0; bone.length < counts.boneDensity; set += 1) {
    const date = before(now, 30 + Math.round((set * span) / sets));
    for (const site of DXA_SITES) {
      if (bone.length >= counts.boneDensity) break;
      const dxa = observation(site.coding, site.value(rnd), date, {
        id: id('dxa', bone.length),
        patientId,
        unit: site.unit,
      });
      dxa.category = [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/observation-category',
              code: 'imaging',
            },
          ],
        },
      ];
      bone.push(dxa);
    }
  }

  const conditions = Array.from({ length: counts.conditions }, (_, index) => {
    const spec = cycle(CONDITIONS, index);
    const resource = condition(spec.coding, {
      id: id('cond', index),
      patientId,
      onset: before(now, 40 + Math.round((index * span) / counts.conditions)),
      ...(spec.resolved || index >= CONDITIONS.length ? { clinicalStatus: 'resolved' } : {}),
    });
    if (spec.extra) resource.code = { coding: [spec.coding, spec.extra] };
    return resource;
  });

  const medications: FhirResource[] = [];
  for (let index = 0; index < counts.medications; index += 1) {
    const days = 20 + Math.round((index * span) / counts.medications);
    const date = before(now, days);
    const resourceId = id('med', index);
    switch (index % 7) {
      case 0:
        medications.push(administration(resourceId, DRUGS.zoledronicAcid, '5 mg i.v.', date));
        break;
      case 1:
        medications.push({
          ...medicationRequest(CALCIUM_VITAMIN_D, { id: resourceId, patientId, status: 'active' }),
          authoredOn: date,
        });
        break;
      case 2:
        medications.push(administration(resourceId, DRUGS.denosumab, '60 mg s.c.', date));
        break;
      case 3:
        medications.push({
          ...medicationRequest(DRUGS.alendronate, {
            id: resourceId,
            patientId,
            status: 'completed',
          }),
          authoredOn: date,
          dosageInstruction: [{ text: '70 mg once weekly, fasting, upright 30 min' }],
        });
        break;
      case 4:
        medications.push(statement(resourceId, DRUGS.alendronate, 'completed', date));
        break;
      case 5:
        medications.push({
          ...medicationRequest(DRUGS.prednisolone, {
            id: resourceId,
            patientId,
            status: 'stopped',
          }),
          authoredOn: date,
          dosageInstruction: [{ text: '5 mg daily' }],
        });
        break;
      default:
        medications.push(statement(resourceId, DRUGS.prednisolone, 'active', date));
    }
  }

  const procedures: Procedure[] = Array.from({ length: counts.procedures }, (_, index) => ({
    resourceType: 'Procedure',
    id: id('proc', index),
    status: 'completed',
    code: {
      coding: [
        index % 2 === 0
          ? sct('312681000', 'Bone densitometry')
          : sct('179318002', 'Hemiarthroplasty of hip'),
      ],
    },
    subject,
    performedDateTime: before(
      now,
      35 + Math.round((index * span) / Math.max(1, counts.procedures)),
    ),
  }));

  resources.push(...labs, ...bone, ...conditions, ...medications, ...procedures);
  if (resources.length !== n) throw new Error(`generated ${resources.length} resources, not ${n}`);

  const draftOrder: MedicationRequest = {
    ...medicationRequest(DRUGS.zoledronicAcid, {
      id: `${patientId}-draft-zoledronic`,
      patientId,
      status: 'draft',
      text: 'Zoledronsyre 5 mg i.v. infusjon',
    }),
    authoredOn: now.toISOString(),
    dosageInstruction: [{ text: '5 mg i.v. over at least 15 minutes, once' }],
  };
  return { patientId, resources, prefetch: prefetchFor(resources), draftOrder };

  function administration(
    resourceId: string,
    coding: Coding,
    dose: string,
    date: string,
  ): MedicationAdministration {
    return {
      resourceType: 'MedicationAdministration',
      id: resourceId,
      status: 'completed',
      medicationCodeableConcept: { coding: [coding], text: coding.display },
      subject,
      effectiveDateTime: date,
      dosage: { text: dose },
    };
  }

  function statement(
    resourceId: string,
    coding: Coding,
    status: MedicationStatement['status'],
    date: string,
  ): MedicationStatement {
    return {
      resourceType: 'MedicationStatement',
      id: resourceId,
      status,
      medicationCodeableConcept: { coding: [coding], text: coding.display },
      subject,
      effectivePeriod: { start: date },
      dateAsserted: date,
    };
  }
}

/** The request bodies of the benchmark scenarios for one patient. */
export function requestBodies(patient: BenchPatient): Record<
  'patientView' | 'orderSelect',
  Record<string, unknown>
> & {
  patientViewFhir: (fhirServer: string) => Record<string, unknown>;
} {
  const { patientId, prefetch, draftOrder } = patient;
  return {
    patientView: hookRequest('patient-view', { patientId, prefetch }),
    orderSelect: hookRequest('order-select', {
      patientId,
      prefetch,
      draftOrders: [draftOrder],
      selections: [`MedicationRequest/${draftOrder.id}`],
    }),
    patientViewFhir: (fhirServer) => hookRequest('patient-view', { patientId, fhirServer }),
  };
}
