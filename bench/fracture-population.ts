/**
 * N synthetic fracture patients for the worklist at scale (docs/worklist.md "Scale"),
 * deterministic from a seed and a date, and a loader into a FHIR server.
 *
 * Each patient has about 50 resources: the Patient, a sentinel fracture Condition
 * in the period (ICD-10 hip / vertebra / wrist / humerus / pelvis), two or three
 * other diagnoses, years of osteoporosis blood tests (LOINC, UCUM units), DXA
 * T-scores (spine, total hip, femoral neck) and FRAX, calcium + vitamin D, an old
 * bisphosphonate course or prednisolone, and — depending on where the patient is
 * in the pathway — screening labs after the fracture, a DXA after it, a fall-risk
 * assessment, and a treatment started. The mix lands patients at every worklist
 * step (labs missing, DXA missing, decision due, no treatment indicated, on
 * treatment, follow-up due, under 50, a few undecided and a few outside the period).
 *
 * Ids are `fp-<seed>-<n>-…`; loaded into a server (transactionBundle), the server
 * assigns its own ids and the Patient keeps `fp-…` as an identifier.
 */
import type {
  Bundle,
  BundleEntry,
  Coding,
  Condition,
  FhirResource,
  MedicationAdministration,
  MedicationStatement,
  Observation,
  Patient,
  Procedure,
} from 'fhir/r4';
import { createHash } from 'node:crypto';
import { SYSTEM } from '../src/fhir/systems';
import { seededRandom } from './random';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Where in the pathway a generated patient is meant to be (the worklist decides the step). */
export const SCENARIOS = [
  'labs-missing',
  'dxa-missing',
  'decision-due',
  'no-treatment-indicated',
  'on-treatment',
  'stopped-treatment',
  'under-50',
  'no-birth-date',
  'fracture-before-period',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Share of each scenario (sums to 1). */
const MIX: readonly [Scenario, number][] = [
  ['labs-missing', 0.18],
  ['dxa-missing', 0.17],
  ['decision-due', 0.15],
  ['no-treatment-indicated', 0.1],
  ['on-treatment', 0.25],
  ['stopped-treatment', 0.05],
  ['under-50', 0.04],
  ['no-birth-date', 0.02],
  ['fracture-before-period', 0.04],
];

const FRACTURE_SITES: readonly { code: string; display: string; weight: number }[] = [
  { code: 'S72.0', display: 'Fracture of neck of femur', weight: 0.25 },
  { code: 'S72.1', display: 'Pertrochanteric fracture', weight: 0.1 },
  { code: 'S22.0', display: 'Fracture of thoracic vertebra', weight: 0.15 },
  { code: 'S32.0', display: 'Fracture of lumbar vertebra', weight: 0.05 },
  { code: 'S52.5', display: 'Fracture of lower end of radius', weight: 0.3 },
  { code: 'S42.2', display: 'Fracture of upper end of humerus', weight: 0.1 },
  { code: 'S32.5', display: 'Fracture of pubis', weight: 0.05 },
];

const OTHER_DIAGNOSES: readonly Coding[] = [
  { system: SYSTEM.icd10, code: 'I10', display: 'Essential hypertension' },
  { system: SYSTEM.icd10, code: 'E11.9', display: 'Type 2 diabetes' },
  { system: SYSTEM.icd10, code: 'J44.9', display: 'COPD' },
  { system: SYSTEM.icd10, code: 'M06.9', display: 'Rheumatoid arthritis' },
  { system: SYSTEM.icd10, code: 'I48.9', display: 'Atrial fibrillation' },
  { system: SYSTEM.icd10, code: 'F03', display: 'Dementia' },
];

/** The blood tests of one visit: LOINC, UCUM unit, centre and spread of the value. */
const PANEL: readonly { loinc: string; unit: string; centre: number; spread: number }[] = [
  { loinc: '2000-8', unit: 'mmol/L', centre: 2.35, spread: 0.12 }, // calcium
  { loinc: '1751-7', unit: 'g/L', centre: 40, spread: 4 }, // albumin
  { loinc: '14682-9', unit: 'umol/L', centre: 80, spread: 20 }, // creatinine
  { loinc: '98979-8', unit: 'mL/min/{1.73_m2}', centre: 70, spread: 20 }, // eGFR
  { loinc: '62292-8', unit: 'nmol/L', centre: 65, spread: 25 }, // 25-OH vitamin D
  { loinc: '3016-3', unit: 'm[IU]/L', centre: 1.8, spread: 1 }, // TSH
  { loinc: '14920-3', unit: 'pmol/L', centre: 15, spread: 3 }, // free T4
];
const PTH = { loinc: '14866-8', unit: 'pmol/L', centre: 5, spread: 2 };
const P1NP = { loinc: '77370-5', unit: 'ug/L', centre: 45, spread: 15 };
const DXA_SITES = [
  { loinc: '38267-1', offset: 0 }, // lumbar spine
  { loinc: '38264-8', offset: 0.3 }, // total hip
  { loinc: '38263-0', offset: -0.1 }, // femoral neck
] as const;

const ATC = {
  alendronate: { system: SYSTEM.atc, code: 'M05BA04', display: 'Alendronsyre' },
  zoledronicAcid: { system: SYSTEM.atc, code: 'M05BA08', display: 'Zoledronsyre' },
  denosumab: { system: SYSTEM.atc, code: 'M05BX04', display: 'Denosumab' },
  calciumVitaminD: { system: SYSTEM.atc, code: 'A12AX', display: 'Kalsium og vitamin D' },
  prednisolone: { system: SYSTEM.atc, code: 'H02AB06', display: 'Prednisolon' },
} as const;

export interface PopulationOptions {
  seed: number;
  /** The worklist's "now"; everything is dated relative to it. */
  now: Date;
  /** The worklist period: sentinel fractures fall in it (YYYY-MM-DD). */
  period: { from: string; to: string };
}

export interface GeneratedPatient {
  patientId: string;
  scenario: Scenario;
  resources: FhirResource[];
}

/** The worklist period of the benchmark: the two years before `now`. */
export function defaultPeriod(now: Date): { from: string; to: string } {
  const to = now.toISOString().slice(0, 10);
  const from = new Date(now.getTime() - 730 * DAY_MS).toISOString().slice(0, 10);
  return { from, to };
}

function pick<T>(rnd: () => number, weighted: readonly (readonly [T, number])[]): T {
  let x = rnd();
  let last: T | undefined;
  for (const [value, weight] of weighted) {
    if (x < weight) return value;
    x -= weight;
    last = value;
  }
  if (last === undefined) throw new Error('pick: nothing to pick from');
  return last;
}

const isoDay = (time: number): string => new Date(time).toISOString().slice(0, 10);
const isoTime = (time: number): string => new Date(time).toISOString();

/** The `index`-th patient (0-based) of the population of `options.seed`. */
export function generatePatient(index: number, options: PopulationOptions): GeneratedPatient {
  // One stream per patient: patient n is the same whatever N is.
  const rnd = seededRandom((options.seed * 1_000_003 + index * 7919) >>> 0);
  const now = options.now.getTime();
  const patientId = `fp-${options.seed}-${index}`;
  const subject = { reference: `Patient/${patientId}` };
  let serial = 0;
  const id = (kind: string): string => `${patientId}-${kind}${serial++}`;
  const scenario = pick(rnd, MIX);
  const periodStart = Date.parse(`${options.period.from}T00:00:00Z`);
  const periodEnd = Math.min(now, Date.parse(`${options.period.to}T23:59:59Z`));

  // The sentinel fracture: somewhere in the period (before it for the out-of-period ones).
  const fractureTime =
    scenario === 'fracture-before-period'
      ? periodStart - (30 + Math.floor(rnd() * 300)) * DAY_MS
      : periodStart + Math.floor(rnd() * Math.max(1, (periodEnd - periodStart) / DAY_MS)) * DAY_MS;
  const age = scenario === 'under-50' ? 38 + Math.floor(rnd() * 11) : 55 + Math.floor(rnd() * 36);
  const birth = fractureTime - (age * 365.25 + Math.floor(rnd() * 300)) * DAY_MS;
  const female = rnd() < 0.78;
  const after = (days: number): number => Math.min(now - DAY_MS, fractureTime + days * DAY_MS);
  const daysSince = Math.floor((now - fractureTime) / DAY_MS);

  const resources: FhirResource[] = [];
  const patient: Patient = {
    resourceType: 'Patient',
    id: patientId,
    gender: female ? 'female' : 'male',
    ...(scenario === 'no-birth-date' ? {} : { birthDate: isoDay(birth) }),
    name: [{ family: `Testesen${index}`, given: [female ? 'Kari' : 'Ola'] }],
  };
  resources.push(patient);

  const site = pick(
    rnd,
    FRACTURE_SITES.map((s) => [s, s.weight] as const),
  );
  const sentinel: Condition = {
    resourceType: 'Condition',
    id: id('fx'),
    clinicalStatus: { coding: [{ system: SYSTEM.conditionClinical, code: 'active' }] },
    verificationStatus: { coding: [{ system: SYSTEM.conditionVerification, code: 'confirmed' }] },
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/condition-category',
            code: 'encounter-diagnosis',
          },
        ],
      },
    ],
    code: { coding: [{ system: SYSTEM.icd10, code: site.code, display: site.display }] },
    subject,
    onsetDateTime: isoDay(fractureTime),
    recordedDate: isoDay(fractureTime),
  };
  resources.push(sentinel);
  const diagnoses = 2 + Math.floor(rnd() * 2);
  for (let n = 0; n < diagnoses; n += 1) {
    const coding: Coding = OTHER_DIAGNOSES[Math.floor(rnd() * OTHER_DIAGNOSES.length)] ?? {
      system: SYSTEM.icd10,
      code: 'I10',
    };
    resources.push({
      resourceType: 'Condition',
      id: id('dx'),
      clinicalStatus: { coding: [{ system: SYSTEM.conditionClinical, code: 'active' }] },
      verificationStatus: {
        coding: [{ system: SYSTEM.conditionVerification, code: 'confirmed' }],
      },
      code: { coding: [coding] },
      subject,
      onsetDateTime: isoDay(fractureTime - (400 + Math.floor(rnd() * 3000)) * DAY_MS),
    });
  }
  // Fracture surgery for a hip fracture.
  if (site.code.startsWith('S72')) {
    resources.push({
      resourceType: 'Procedure',
      id: id('op'),
      status: 'completed',
      code: { coding: [{ system: SYSTEM.snomed, code: '179072001', display: 'Hip fixation' }] },
      subject,
      performedDateTime: isoTime(fractureTime + DAY_MS),
    } satisfies Procedure);
  }

  const value = (centre: number, spread: number, decimals = 1): number =>
    Number((centre + (rnd() - 0.5) * 2 * spread).toFixed(decimals));
  const lab = (
    test: { loinc: string; unit: string; centre: number; spread: number },
    time: number,
    override?: number,
  ): Observation => ({
    resourceType: 'Observation',
    id: id('lab'),
    status: 'final',
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
    code: { coding: [{ system: SYSTEM.loinc, code: test.loinc }] },
    subject,
    effectiveDateTime: isoTime(time),
    valueQuantity: {
      value: override ?? value(test.centre, test.spread, test.unit === 'mmol/L' ? 2 : 1),
      unit: test.unit,
      system: SYSTEM.ucum,
      code: test.unit,
    },
  });
  const visit = (time: number, extras: boolean): void => {
    for (const test of PANEL) resources.push(lab(test, time));
    if (extras) {
      resources.push(lab(PTH, time));
      resources.push(lab(P1NP, time));
    }
  };
  // History: three visits in the years before the fracture (too old to count for it).
  for (let n = 3; n >= 1; n -= 1) {
    visit(fractureTime - (n * 380 + Math.floor(rnd() * 60)) * DAY_MS, n === 1);
  }
  const dxa = (time: number, spineT: number): void => {
    for (const dxaSite of DXA_SITES) {
      resources.push({
        resourceType: 'Observation',
        id: id('dxa'),
        status: 'final',
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: 'imaging',
              },
            ],
          },
        ],
        code: { coding: [{ system: SYSTEM.loinc, code: dxaSite.loinc }] },
        subject,
        effectiveDateTime: isoTime(time),
        valueQuantity: {
          value: Number((spineT + dxaSite.offset).toFixed(1)),
          system: SYSTEM.ucum,
          code: '{T-score}',
          unit: 'T-score',
        },
      });
    }
  };
  // An old DXA (years before: does not count for this fracture).
  dxa(fractureTime - (900 + Math.floor(rnd() * 500)) * DAY_MS, value(-1.6, 0.6));

  const medication = (coding: Coding, start: number, end?: number): MedicationStatement => ({
    resourceType: 'MedicationStatement',
    id: id('ms'),
    status: end === undefined ? 'active' : 'completed',
    medicationCodeableConcept: { coding: [coding], text: coding.display },
    subject,
    effectivePeriod: {
      start: isoDay(start),
      ...(end !== undefined ? { end: isoDay(end) } : {}),
    },
  });
  resources.push(medication(ATC.calciumVitaminD, fractureTime - 800 * DAY_MS));
  if (rnd() < 0.3) {
    resources.push(
      medication(ATC.prednisolone, fractureTime - 700 * DAY_MS, fractureTime - 500 * DAY_MS),
    );
  }

  const afterFracture = scenario !== 'labs-missing' && scenario !== 'fracture-before-period';
  // Labs after the fracture (complete screening) for everyone past the labs step.
  if (afterFracture && daysSince > 7) visit(after(7 + Math.floor(rnd() * 20)), true);
  // The DXA after the fracture: osteoporotic for a treatment decision, normal-ish otherwise.
  const dxaAfter = ['decision-due', 'on-treatment', 'stopped-treatment', 'under-50'].includes(
    scenario,
  )
    ? value(-3, 0.4)
    : scenario === 'no-treatment-indicated'
      ? value(-0.6, 0.4)
      : undefined;
  if (dxaAfter !== undefined && daysSince > 30) dxa(after(30 + Math.floor(rnd() * 40)), dxaAfter);
  if (rnd() < 0.5 && daysSince > 20) {
    resources.push({
      resourceType: 'Procedure',
      id: id('falls'),
      status: 'completed',
      code: { coding: [{ system: SYSTEM.snomed, code: '414191008' }] },
      subject,
      performedDateTime: isoTime(after(20 + Math.floor(rnd() * 60))),
    });
  }
  if ((scenario === 'on-treatment' || scenario === 'stopped-treatment') && daysSince > 80) {
    const start = after(80 + Math.floor(rnd() * 40));
    const drug = rnd();
    if (scenario === 'stopped-treatment') {
      resources.push(
        medication(ATC.alendronate, start, Math.min(now - DAY_MS, start + 90 * DAY_MS)),
      );
    } else if (drug < 0.5) {
      resources.push(medication(ATC.alendronate, start));
    } else {
      const coding = drug < 0.75 ? ATC.zoledronicAcid : ATC.denosumab;
      const every = coding === ATC.denosumab ? 182 : 365;
      for (let time = start; time < now; time += every * DAY_MS) {
        resources.push({
          resourceType: 'MedicationAdministration',
          id: id('ma'),
          status: 'completed',
          medicationCodeableConcept: { coding: [coding], text: coding.display },
          subject,
          effectiveDateTime: isoTime(time),
        } satisfies MedicationAdministration);
      }
    }
    // Monitoring after treatment started.
    if (now - start > 200 * DAY_MS) visit(start + 180 * DAY_MS, true);
  }
  // Fill the history up to about 50 resources with older routine blood tests.
  let back = 4;
  while (resources.length < 44) {
    visit(fractureTime - (back * 380 + Math.floor(rnd() * 60)) * DAY_MS, false);
    back += 1;
  }
  return { patientId, scenario, resources };
}

/** Patients `start` … `start + count - 1` of the population. */
export function* generatePopulation(
  count: number,
  options: PopulationOptions,
  start = 0,
): Generator<GeneratedPatient> {
  for (let index = start; index < start + count; index += 1) yield generatePatient(index, options);
}

/** A UUID made from a text (SHA-1): the same resource gets the same `urn:uuid` every time. */
function uuidOf(text: string): string {
  const hex = createHash('sha1').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A transaction Bundle that creates every resource of the patients (POST, `urn:uuid`
 * fullUrls; references to the Patient point at its `urn:uuid`). The server assigns
 * the ids: HAPI resolves client-assigned ids (PUT) with a query that grows with the
 * database, so 10,000 patients by PUT load quadratically slower.
 */
export function transactionBundle(patients: readonly GeneratedPatient[]): Bundle {
  const entries: BundleEntry[] = [];
  for (const patient of patients) {
    const patientUrl = `urn:uuid:${uuidOf(patient.patientId)}`;
    const ownReference = `Patient/${patient.patientId}`;
    for (const resource of patient.resources) {
      const { id, ...body } = resource;
      const text = JSON.stringify(body).replaceAll(`"${ownReference}"`, `"${patientUrl}"`);
      entries.push({
        fullUrl:
          resource.resourceType === 'Patient'
            ? patientUrl
            : `urn:uuid:${uuidOf(`${resource.resourceType}/${id ?? ''}`)}`,
        resource: {
          ...(JSON.parse(text) as FhirResource),
          // The generator's id stays readable as an identifier (Patient only: the worklist shows ids).
          ...(resource.resourceType === 'Patient'
            ? { identifier: [{ system: 'urn:fls:bench-patient', value: patient.patientId }] }
            : {}),
        } as FhirResource,
        request: { method: 'POST', url: resource.resourceType },
      });
    }
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

export interface LoadProgress {
  loaded: number;
  resources: number;
}

/**
 * Loads patients `start` … `start + count - 1` into a FHIR server: transaction
 * Bundles of `batchSize` patients, `parallel` Bundles in flight at most. Bundles are
 * made as they are sent, never all at once.
 */
export async function loadPopulation(
  baseUrl: string,
  count: number,
  options: PopulationOptions & {
    start?: number;
    batchSize?: number;
    parallel?: number;
    onProgress?: (progress: LoadProgress) => void;
  },
): Promise<LoadProgress> {
  const batchSize = options.batchSize ?? 20;
  const parallel = options.parallel ?? 2;
  const start = options.start ?? 0;
  const progress: LoadProgress = { loaded: 0, resources: 0 };
  let next = start;
  const end = start + count;
  const worker = async (): Promise<void> => {
    while (next < end) {
      const from = next;
      const size = Math.min(batchSize, end - from);
      next += size;
      const patients = [...generatePopulation(size, options, from)];
      const bundle = transactionBundle(patients);
      const response = await fetch(baseUrl, {
        method: 'POST',
        headers: { Accept: 'application/fhir+json', 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify(bundle),
      });
      if (!response.ok) {
        const text = await response.text();
        throw new Error(`loading patients ${from}…: HTTP ${response.status} ${text.slice(0, 300)}`);
      }
      await response.arrayBuffer();
      progress.loaded += size;
      progress.resources += bundle.entry?.length ?? 0;
      options.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return progress;
}
