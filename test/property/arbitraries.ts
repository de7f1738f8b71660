/**
 * fast-check arbitraries for hostile but valid R4 patients (issue #8), and the
 * renderer from a PatientSpec to the resources an EHR would prefetch. Valid FHIR
 * throughout (required elements present, codes from the value sets), but
 * everything optional may be missing, odd or contradictory: units in other or
 * unknown UCUM codes, no value, no date, partial dates, future dates, statuses
 * entered-in-error / cancelled / preliminary, comparators, one-sided reference
 * ranges, lab flags, duplicates and conflicting versions, other patients' data,
 * and histories of hundreds of resources.
 */
import fc from 'fast-check';
import type {
  AllergyIntolerance,
  Condition,
  Dosage,
  FhirResource,
  Medication,
  MedicationAdministration,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Procedure,
  Quantity,
} from 'fhir/r4';
import { NOW, PATIENT_ID } from '../helpers/fhir';
import {
  ANTIRESORPTIVES,
  BONE_CODES,
  CONDITION_CODINGS,
  DAY,
  DRUG_ATC,
  DRUG_RXNORM,
  LAB_CODINGS,
  ODD_UNITS,
  SYS,
  UNITS,
  type AllergySpec,
  type Analyte,
  type BoneSpec,
  type Comparator,
  type ConditionKind,
  type ConditionSpec,
  type DoseSpec,
  type DraftSpec,
  type Drug,
  type DrugCoding,
  type LabSpec,
  type MedSpec,
  type PatientSpec,
  type Subject,
  type UnitSpec,
  type When,
} from './model';

const MINUTE = 60 * 1000;
const MINUTES_PER_DAY = 24 * 60;

// ---- dates -------------------------------------------------------------------

/** Minutes before NOW: mostly the last months (the 3-month windows), then years back, some in the future. */
const pastMinutes = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 130 * MINUTES_PER_DAY }) },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 130 * MINUTES_PER_DAY, max: 12 * 365 * MINUTES_PER_DAY }),
  },
  // Within the service's one-day tolerance (clock skew, time zones) …
  { weight: 1, arbitrary: fc.integer({ min: -12 * 60, max: 0 }) },
  // … and well beyond it: a data error.
  { weight: 1, arbitrary: fc.integer({ min: -400 * MINUTES_PER_DAY, max: -2 * MINUTES_PER_DAY }) },
);

export const whenArb: fc.Arbitrary<When> = fc.oneof(
  {
    weight: 14,
    arbitrary: fc.record({
      kind: fc.constant('instant' as const),
      offsetMinutes: pastMinutes,
      style: fc.constantFrom('Z' as const, 'offset' as const, 'period' as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('day' as const), offsetMinutes: pastMinutes }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('month' as const), offsetMinutes: pastMinutes }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
);

/** Onsets and medication dates: never in the future, seldom missing. */
const historyWhenArb: fc.Arbitrary<When> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('instant' as const),
      offsetMinutes: fc.integer({ min: 0, max: 12 * 365 * MINUTES_PER_DAY }),
      style: fc.constantFrom('Z' as const, 'offset' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('day' as const),
      offsetMinutes: fc.integer({ min: MINUTES_PER_DAY, max: 12 * 365 * MINUTES_PER_DAY }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
);

const iso = (time: number): string => new Date(time).toISOString();

/** A local time with a fixed offset (Norway: +01:00 in winter, +02:00 in summer). */
function withOffset(time: number, hours: number): string {
  const local = new Date(time + hours * 60 * MINUTE).toISOString().slice(0, 19);
  return `${local}+0${hours}:00`;
}

/** The FHIR date / dateTime / Period for `when`, or undefined for "no date". */
export function renderWhen(when: When): string | { start: string; end: string } | undefined {
  if (when.kind === 'none') return undefined;
  const time = NOW.getTime() - when.offsetMinutes * MINUTE;
  switch (when.kind) {
    case 'instant':
      if (when.style === 'Z') return iso(time);
      if (when.style === 'offset') return withOffset(time, 1 + (Math.abs(when.offsetMinutes) % 2));
      return { start: iso(time), end: iso(time) };
    case 'day':
      return iso(time).slice(0, 10);
    case 'month':
      return iso(time).slice(0, 7);
  }
}

function effective(when: When): Pick<Observation, 'effectiveDateTime' | 'effectivePeriod'> {
  const rendered = renderWhen(when);
  if (rendered === undefined) return {};
  return typeof rendered === 'string'
    ? { effectiveDateTime: rendered }
    : { effectivePeriod: rendered };
}

function dateTimeOf(when: When): string | undefined {
  const rendered = renderWhen(when);
  return typeof rendered === 'string' ? rendered : rendered?.start;
}

// ---- laboratory --------------------------------------------------------------

/** Canonical values per analyte, dense around the guideline thresholds. */
const CANONICAL_VALUE: Record<Analyte, fc.Arbitrary<number>> = {
  calciumTotal: fc.oneof(decimal(1.5, 3.3, 2), decimal(2.0, 2.7, 2)),
  calciumCorrected: fc.oneof(decimal(1.6, 3.2, 2), decimal(2.05, 2.65, 2)),
  albumin: fc.oneof(decimal(18, 52, 0), decimal(35, 45, 1)),
  creatinine: decimal(40, 400, 0),
  egfr: fc.oneof(decimal(5, 120, 0), decimal(25, 45, 0)),
  vitaminD: decimal(8, 160, 0),
  p1np: decimal(10, 120, 0),
  tsh: decimal(0.01, 8, 2),
  ft4: decimal(8, 40, 1),
  pth: fc.oneof(decimal(0.5, 25, 1), decimal(5, 9, 1)),
};

/** Typical laboratory reference ranges, in the canonical unit. */
const TYPICAL_RANGE: Record<Analyte, { low: number; high: number }> = {
  calciumTotal: { low: 2.15, high: 2.51 },
  calciumCorrected: { low: 2.15, high: 2.51 },
  albumin: { low: 36, high: 48 },
  creatinine: { low: 45, high: 90 },
  egfr: { low: 60, high: 200 },
  vitaminD: { low: 50, high: 150 },
  p1np: { low: 15, high: 80 },
  tsh: { low: 0.4, high: 4.5 },
  ft4: { low: 12, high: 22 },
  pth: { low: 1.5, high: 7.0 },
};

function decimal(min: number, max: number, decimals: number): fc.Arbitrary<number> {
  const scale = 10 ** decimals;
  return fc
    .integer({ min: Math.round(min * scale), max: Math.round(max * scale) })
    .map((value) => value / scale);
}

const round = (value: number, decimals: number): number =>
  Math.round(value * 10 ** decimals) / 10 ** decimals;

const subjectArb: fc.Arbitrary<Subject> = fc.oneof(
  { weight: 40, arbitrary: fc.constant('self' as const) },
  { weight: 2, arbitrary: fc.constant('absolute' as const) },
  { weight: 2, arbitrary: fc.constant('versioned' as const) },
  { weight: 3, arbitrary: fc.constant('other' as const) },
  { weight: 2, arbitrary: fc.constant('none' as const) },
);

const copiesArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.constant(1) },
  { weight: 1, arbitrary: fc.constant(2) },
);

function unitArb(analyte: Analyte): fc.Arbitrary<UnitSpec> {
  const others = Object.keys(UNITS[analyte].others);
  return fc.oneof(
    { weight: 14, arbitrary: fc.constant({ kind: 'canonical' as const }) },
    ...(others.length > 0
      ? [
          {
            weight: 5,
            arbitrary: fc.constantFrom(...others).map((code) => ({ kind: 'other' as const, code })),
          },
        ]
      : []),
    {
      weight: 1,
      arbitrary: fc.constantFrom(...ODD_UNITS).map((code) => ({ kind: 'odd' as const, code })),
    },
    {
      weight: 1,
      arbitrary: fc.constant({ kind: 'text-only' as const, text: UNITS[analyte].canonical }),
    },
    {
      weight: 1,
      arbitrary: fc.constant({ kind: 'wrong-system' as const, code: UNITS[analyte].canonical }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  );
}

/** The value as sent in `unit`: converted from canonical for the other UCUM codes, rounded as a lab would. */
function inUnit(analyte: Analyte, canonical: number, unit: UnitSpec): number {
  if (unit.kind !== 'other') return canonical;
  const factor = UNITS[analyte].others[unit.code] ?? 1;
  return round(canonical / factor, 2);
}

const comparatorArb: fc.Arbitrary<Comparator | undefined> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom<Comparator>('<', '<=', '>', '>=') },
);

const statusArb = fc.oneof(
  { weight: 30, arbitrary: fc.constant('final' as const) },
  { weight: 2, arbitrary: fc.constant('amended' as const) },
  { weight: 2, arbitrary: fc.constant('corrected' as const) },
  { weight: 3, arbitrary: fc.constant('preliminary' as const) },
  { weight: 3, arbitrary: fc.constant('entered-in-error' as const) },
  { weight: 2, arbitrary: fc.constant('cancelled' as const) },
);

function labArb(analyte: Analyte): fc.Arbitrary<Omit<LabSpec, 'id'>> {
  return fc
    .record({
      coding: fc.constantFrom(...LAB_CODINGS[analyte]),
      canonical: CANONICAL_VALUE[analyte],
      hasValue: fc.oneof({ weight: 15, arbitrary: fc.constant(true) }, fc.constant(false)),
      unit: unitArb(analyte),
      comparator: comparatorArb,
      status: statusArb,
      when: whenArb,
      subject: subjectArb,
      range: fc.option(
        fc.record({
          sides: fc.constantFrom('both' as const, 'low' as const, 'high' as const),
          shift: decimal(-0.1, 0.1, 2),
          odd: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, fc.constant(true)),
        }),
        { freq: 4 },
      ),
      flag: fc.option(
        fc.record({
          code: fc.constantFrom(
            'L' as const,
            'LL' as const,
            'H' as const,
            'HH' as const,
            'N' as const,
            'A' as const,
          ),
          system: fc.oneof(
            { weight: 6, arbitrary: fc.constant('v3' as const) },
            fc.constant('local' as const),
          ),
        }),
        { freq: 6 },
      ),
      conflict: fc.option(CANONICAL_VALUE[analyte], { freq: 15 }),
      copies: copiesArb,
    })
    .map((drawn): Omit<LabSpec, 'id'> => {
      const typical = TYPICAL_RANGE[analyte];
      const range = drawn.range
        ? {
            ...(drawn.range.sides !== 'high'
              ? {
                  low: inUnit(analyte, round(typical.low * (1 + drawn.range.shift), 2), drawn.unit),
                }
              : {}),
            ...(drawn.range.sides !== 'low'
              ? {
                  high: inUnit(
                    analyte,
                    round(typical.high * (1 + drawn.range.shift), 2),
                    drawn.unit,
                  ),
                }
              : {}),
            unit: drawn.range.odd ? ('odd' as const) : ('same' as const),
          }
        : undefined;
      return {
        analyte,
        coding: drawn.coding,
        ...(drawn.hasValue ? { value: inUnit(analyte, drawn.canonical, drawn.unit) } : {}),
        unit: drawn.unit,
        ...(drawn.comparator && drawn.hasValue ? { comparator: drawn.comparator } : {}),
        status: drawn.status,
        when: drawn.when,
        subject: drawn.subject,
        ...(range ? { range } : {}),
        ...(drawn.flag ? { flag: drawn.flag } : {}),
        ...(drawn.conflict !== null && drawn.hasValue
          ? { conflictValue: inUnit(analyte, drawn.conflict, drawn.unit) }
          : {}),
        copies: drawn.copies,
      };
    });
}

/** The analytes the contraindications read come most often; the others keep the rest of the rules busy. */
const analyteArb: fc.Arbitrary<Analyte> = fc.oneof(
  { weight: 5, arbitrary: fc.constant('egfr' as const) },
  { weight: 5, arbitrary: fc.constant('calciumTotal' as const) },
  { weight: 2, arbitrary: fc.constant('calciumCorrected' as const) },
  { weight: 4, arbitrary: fc.constant('albumin' as const) },
  { weight: 3, arbitrary: fc.constant('pth' as const) },
  { weight: 2, arbitrary: fc.constant('vitaminD' as const) },
  { weight: 1, arbitrary: fc.constant('creatinine' as const) },
  { weight: 1, arbitrary: fc.constant('p1np' as const) },
  { weight: 1, arbitrary: fc.constant('tsh' as const) },
  { weight: 1, arbitrary: fc.constant('ft4' as const) },
);

/** Lists shrink by dropping elements; ids follow the position (`lab1`, `lab2`, …). */
function listOf<T>(
  item: fc.Arbitrary<Omit<T, 'id'>>,
  prefix: string,
  bounds: readonly [number, number],
): fc.Arbitrary<T[]> {
  return fc
    .array(item, { minLength: bounds[0], maxLength: bounds[1] })
    .map((items) => items.map((entry, index) => ({ ...entry, id: `${prefix}${index + 1}` }) as T));
}

const anyLabArb = analyteArb.chain(labArb);

/**
 * Clean, recent results of the analytes the contraindications read (final, this
 * patient, canonical unit, drawn in the last 60 days): without them hostile data
 * would seldom make a contraindication certain, and property 2 would seldom bite.
 */
const cleanLabArb: fc.Arbitrary<Omit<LabSpec, 'id'>> = fc
  .record({
    analyte: fc.constantFrom<Analyte>(
      'egfr',
      'egfr',
      'calciumTotal',
      'albumin',
      'calciumCorrected',
      'pth',
    ),
    offsetMinutes: fc.integer({ min: 60, max: 60 * MINUTES_PER_DAY }),
  })
  .chain(({ analyte, offsetMinutes }) =>
    CANONICAL_VALUE[analyte].map((value): Omit<LabSpec, 'id'> => ({
      analyte,
      coding: LAB_CODINGS[analyte][0] as LabSpec['coding'],
      value,
      unit: { kind: 'canonical' },
      status: 'final',
      when: { kind: 'instant', offsetMinutes, style: 'Z' },
      subject: 'self',
      copies: 0,
    })),
  );

export function renderQuantity(
  analyteUnit: { canonical: string },
  value: number,
  unit: UnitSpec,
): Quantity {
  switch (unit.kind) {
    case 'canonical':
      return { value, unit: analyteUnit.canonical, system: SYS.ucum, code: analyteUnit.canonical };
    case 'other':
    case 'odd':
      return { value, unit: unit.code, system: SYS.ucum, code: unit.code };
    case 'text-only':
      return { value, unit: unit.text };
    case 'wrong-system':
      return { value, unit: unit.code, system: 'http://example.org/lab-units', code: unit.code };
    case 'none':
      return { value };
  }
}

function subjectOf(subject: Subject): Pick<Observation, 'subject'> {
  switch (subject) {
    case 'self':
      return { subject: { reference: `Patient/${PATIENT_ID}` } };
    case 'absolute':
      return { subject: { reference: `http://ehr.example.org/fhir/Patient/${PATIENT_ID}` } };
    case 'versioned':
      return { subject: { reference: `Patient/${PATIENT_ID}/_history/3` } };
    case 'other':
      return { subject: { reference: 'Patient/pat-2' } };
    case 'none':
      return {};
  }
}

const FLAG_SYSTEM = { v3: SYS.interpretation, local: 'http://lab.example.org/flags' } as const;

export function renderLab(lab: LabSpec, value: number | undefined = lab.value): Observation {
  const units = UNITS[lab.analyte];
  const quantity =
    value === undefined
      ? undefined
      : {
          ...renderQuantity(units, value, lab.unit),
          ...(lab.comparator ? { comparator: lab.comparator } : {}),
        };
  const rangeUnit: UnitSpec = lab.range?.unit === 'odd' ? { kind: 'odd', code: 'mmol' } : lab.unit;
  const rangeQuantity = (bound: number): Quantity => renderQuantity(units, bound, rangeUnit);
  return {
    resourceType: 'Observation',
    id: lab.id,
    status: lab.status,
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
    code: { coding: [lab.coding] },
    ...subjectOf(lab.subject),
    ...effective(lab.when),
    ...(quantity
      ? { valueQuantity: quantity }
      : {
          dataAbsentReason: {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'error' },
            ],
          },
        }),
    ...(lab.range
      ? {
          referenceRange: [
            {
              ...(lab.range.low !== undefined ? { low: rangeQuantity(lab.range.low) } : {}),
              ...(lab.range.high !== undefined ? { high: rangeQuantity(lab.range.high) } : {}),
            },
          ],
        }
      : {}),
    ...(lab.flag
      ? {
          interpretation: [
            { coding: [{ system: FLAG_SYSTEM[lab.flag.system], code: lab.flag.code }] },
          ],
        }
      : {}),
  };
}

// ---- bone density --------------------------------------------------------------

const boneArb: fc.Arbitrary<Omit<BoneSpec, 'id'>> = (() => {
  return fc
    .record({
      measure: fc.constantFrom(
        'spine' as const,
        'hip' as const,
        'femur' as const,
        'forearm' as const,
        'frax' as const,
      ),
      tScore: decimal(-5, 1, 1),
      frax: decimal(2, 45, 1),
      unit: fc.oneof(
        { weight: 8, arbitrary: fc.constant('canonical' as const) },
        { weight: 2, arbitrary: fc.constant('none' as const) },
        { weight: 1, arbitrary: fc.constant('odd' as const) },
      ),
      status: fc.oneof(
        { weight: 10, arbitrary: fc.constant('final' as const) },
        fc.constant('preliminary' as const),
        fc.constant('entered-in-error' as const),
      ),
      when: whenArb,
      copies: copiesArb,
    })
    .map(({ measure, tScore, frax, ...rest }) => ({
      measure,
      value: measure === 'frax' ? frax : tScore,
      ...rest,
    }));
})();

export function renderBone(bone: BoneSpec): Observation {
  const canonical = bone.measure === 'frax' ? '%' : '{T-score}';
  const quantity: Quantity =
    bone.unit === 'canonical'
      ? { value: bone.value, system: SYS.ucum, code: canonical, unit: canonical }
      : bone.unit === 'none'
        ? { value: bone.value }
        : { value: bone.value, system: SYS.ucum, code: 'g/cm2', unit: 'g/cm2' };
  return {
    resourceType: 'Observation',
    id: bone.id,
    status: bone.status,
    code: { coding: [{ system: SYS.loinc, code: BONE_CODES[bone.measure] }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    ...effective(bone.when),
    valueQuantity: quantity,
  };
}

// ---- conditions ----------------------------------------------------------------

const conditionKindArb: fc.Arbitrary<ConditionKind> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('phpt' as const) },
  { weight: 3, arbitrary: fc.constant('hypercalcaemia' as const) },
  { weight: 2, arbitrary: fc.constant('boneMetastasis' as const) },
  { weight: 1, arbitrary: fc.constant('bonePrimary' as const) },
  { weight: 2, arbitrary: fc.constant('radiotherapy' as const) },
  { weight: 1, arbitrary: fc.constant('hyperthyroidism' as const) },
  { weight: 1, arbitrary: fc.constant('osteoporosis' as const) },
  { weight: 3, arbitrary: fc.constant('hipFracture' as const) },
  { weight: 4, arbitrary: fc.constant('vertebralFracture' as const) },
  { weight: 2, arbitrary: fc.constant('radiusFracture' as const) },
  { weight: 1, arbitrary: fc.constant('humerusFracture' as const) },
  { weight: 2, arbitrary: fc.constant('osteoporoticFracture' as const) },
  { weight: 1, arbitrary: fc.constant('ankleFracture' as const) },
  { weight: 1, arbitrary: fc.constant('hypertension' as const) },
  { weight: 2, arbitrary: fc.constant('jawOsteonecrosis' as const) },
  { weight: 2, arbitrary: fc.constant('femurShaftFracture' as const) },
);

const conditionArb: fc.Arbitrary<Omit<ConditionSpec, 'id'>> = conditionKindArb.chain((kind) =>
  fc
    .record({
      coding: fc.constantFrom(...CONDITION_CODINGS[kind]),
      clinicalStatus: fc.option(
        fc.oneof(
          { weight: 8, arbitrary: fc.constant('active' as const) },
          fc.constantFrom(
            'recurrence' as const,
            'relapse' as const,
            'inactive' as const,
            'remission' as const,
            'resolved' as const,
          ),
        ),
        { freq: 8 },
      ),
      verificationStatus: fc.option(
        fc.oneof(
          { weight: 10, arbitrary: fc.constant('confirmed' as const) },
          fc.constantFrom(
            'unconfirmed' as const,
            'provisional' as const,
            'differential' as const,
            'refuted' as const,
            'entered-in-error' as const,
          ),
        ),
        { freq: 6 },
      ),
      onset: historyWhenArb,
      subject: fc.oneof(
        { weight: 12, arbitrary: fc.constant('self' as const) },
        fc.constant('other' as const),
      ),
      severe: fc.boolean(),
      bodySite: fc.option(fc.constantFrom('122496007', '181827008', '421060004'), { freq: 3 }),
      copies: copiesArb,
    })
    .map((drawn): Omit<ConditionSpec, 'id'> => ({
      kind,
      coding: drawn.coding,
      // con-5: no clinicalStatus on a Condition entered in error.
      ...(drawn.clinicalStatus && drawn.verificationStatus !== 'entered-in-error'
        ? { clinicalStatus: drawn.clinicalStatus }
        : {}),
      ...(drawn.verificationStatus ? { verificationStatus: drawn.verificationStatus } : {}),
      onset: drawn.onset,
      subject: drawn.subject,
      severe: drawn.severe && kind === 'vertebralFracture',
      ...(drawn.bodySite && kind === 'vertebralFracture' ? { bodySite: drawn.bodySite } : {}),
      copies: drawn.copies,
    })),
);

export function renderCondition(spec: ConditionSpec): Condition {
  const onset = dateTimeOf(spec.onset);
  return {
    resourceType: 'Condition',
    id: spec.id,
    ...(spec.clinicalStatus
      ? { clinicalStatus: { coding: [{ system: SYS.clinical, code: spec.clinicalStatus }] } }
      : {}),
    ...(spec.verificationStatus
      ? {
          verificationStatus: {
            coding: [{ system: SYS.verification, code: spec.verificationStatus }],
          },
        }
      : {}),
    code: { coding: [spec.coding] },
    subject: { reference: spec.subject === 'self' ? `Patient/${PATIENT_ID}` : 'Patient/pat-2' },
    ...(onset ? { onsetDateTime: onset } : {}),
    ...(spec.severe
      ? { severity: { coding: [{ system: SYS.snomed, code: '24484000', display: 'Severe' }] } }
      : {}),
    ...(spec.bodySite
      ? { bodySite: [{ coding: [{ system: SYS.snomed, code: spec.bodySite }] }] }
      : {}),
  };
}

// ---- medications ---------------------------------------------------------------

const drugArb: fc.Arbitrary<Drug> = fc.oneof(
  { weight: 4, arbitrary: fc.constant('zoledronicAcid' as const) },
  { weight: 3, arbitrary: fc.constant('teriparatide' as const) },
  { weight: 4, arbitrary: fc.constant('calcium' as const) },
  { weight: 2, arbitrary: fc.constant('alendronate' as const) },
  { weight: 1, arbitrary: fc.constant('risedronate' as const) },
  { weight: 2, arbitrary: fc.constant('denosumab' as const) },
  { weight: 1, arbitrary: fc.constant('vitaminD' as const) },
  { weight: 1, arbitrary: fc.constant('prednisolone' as const) },
  { weight: 1, arbitrary: fc.constant('paracetamol' as const) },
);

const drugCodingArb: fc.Arbitrary<DrugCoding> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('atc' as const) },
  { weight: 2, arbitrary: fc.constant('atc-display' as const) },
  { weight: 2, arbitrary: fc.constant('contained' as const) },
  { weight: 1, arbitrary: fc.constant('snomed-and-atc' as const) },
  { weight: 2, arbitrary: fc.constant('rxnorm-ingredient' as const) },
  { weight: 2, arbitrary: fc.constant('rxnorm-product' as const) },
  { weight: 1, arbitrary: fc.constant('contained-ingredient' as const) },
);

const doseArb: fc.Arbitrary<DoseSpec> = fc.record({
  value: fc.constantFrom(0.5, 1, 2, 20, 250, 400, 500, 1000),
  unit: fc.oneof(
    { weight: 6, arbitrary: fc.constant('mg' as const) },
    { weight: 2, arbitrary: fc.constant('g' as const) },
    { weight: 1, arbitrary: fc.constant('tablet' as const) },
    { weight: 1, arbitrary: fc.constant('mg-text-only' as const) },
  ),
  timing: fc.option(
    fc.record({
      frequency: fc.constantFrom(1, 2, 3),
      period: fc.constantFrom(1, 2),
      periodUnit: fc.constantFrom('d' as const, 'wk' as const, 'h' as const),
    }),
    { freq: 6 },
  ),
});

const dosesArb = fc.oneof(
  { weight: 3, arbitrary: fc.array(doseArb, { minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.array(doseArb, { minLength: 0, maxLength: 2 }) },
);

/**
 * A course of infusions or injections as an FLS patient has them: zoledronic acid
 * yearly, or denosumab every 6 months with the last dose some months back (R20, R21).
 */
const courseArb: fc.Arbitrary<Omit<MedSpec, 'id'>[]> = fc
  .record({
    drug: fc.constantFrom('zoledronicAcid' as const, 'denosumab' as const),
    doses: fc.integer({ min: 1, max: 4 }),
    lastMonthsAgo: fc.integer({ min: 2, max: 20 }),
  })
  .map(({ drug, doses, lastMonthsAgo }) => {
    const intervalMonths = drug === 'zoledronicAcid' ? 12 : 6;
    return Array.from({ length: doses }, (_, index) => ({
      drug,
      atcIndex: 0,
      coding: 'atc' as const,
      type: 'MedicationAdministration' as const,
      status: 'completed',
      start: {
        kind: 'instant' as const,
        offsetMinutes: Math.round(
          (lastMonthsAgo + index * intervalMonths) * 30.4375 * MINUTES_PER_DAY,
        ),
        style: 'Z' as const,
      },
      doses: [],
      copies: 0,
    }));
  });

const MED_STATUS = {
  MedicationAdministration: [
    'completed',
    'completed',
    'in-progress',
    'not-done',
    'entered-in-error',
    'stopped',
  ],
  MedicationStatement: [
    'active',
    'active',
    'completed',
    'stopped',
    'entered-in-error',
    'intended',
    'not-taken',
  ],
  MedicationRequest: [
    'active',
    'active',
    'completed',
    'stopped',
    'cancelled',
    'entered-in-error',
    'on-hold',
  ],
} as const;

const medArb: fc.Arbitrary<Omit<MedSpec, 'id'>> = (() => {
  return fc
    .record({
      drug: drugArb,
      atcIndex: fc.nat(1),
      coding: drugCodingArb,
      type: fc.constantFrom(
        'MedicationAdministration' as const,
        'MedicationStatement' as const,
        'MedicationRequest' as const,
      ),
      statusIndex: fc.nat(6),
      start: historyWhenArb,
      durationDays: fc.option(fc.integer({ min: 1, max: 4000 }), { freq: 2 }),
      doses: dosesArb,
      copies: copiesArb,
    })
    .map(({ statusIndex, durationDays, ...drawn }) => {
      const statuses = MED_STATUS[drawn.type];
      return {
        ...drawn,
        status: statuses[statusIndex % statuses.length] ?? statuses[0],
        ...(durationDays !== null ? { durationDays } : {}),
      };
    });
})();

/** The drug's ATC code (one of its listed codes). */
export function atcOf(drug: Drug, index: number): string {
  const codes = DRUG_ATC[drug];
  return codes[index % codes.length] ?? codes[0] ?? '';
}

/** medication[x] as a CodeableConcept or a reference to a contained Medication. */
function medicationOf(
  drug: Drug,
  atcIndex: number,
  coding: DrugCoding,
  text: string,
): Pick<MedicationRequest, 'medicationCodeableConcept' | 'medicationReference' | 'contained'> {
  const atc = { system: SYS.atc, code: atcOf(drug, atcIndex) };
  const rx = DRUG_RXNORM[drug];
  // A drug without an RxNorm code of that kind in the list is named by ATC.
  const rxCode = coding === 'rxnorm-product' ? (rx?.product ?? rx?.ingredient) : rx?.ingredient;
  switch (coding) {
    case 'rxnorm-ingredient':
    case 'rxnorm-product':
      return {
        medicationCodeableConcept: {
          coding: [rxCode ? { system: SYS.rxnorm, code: rxCode } : atc],
          text,
        },
      };
    case 'contained-ingredient': {
      const medication: Medication = {
        resourceType: 'Medication',
        id: 'med',
        // A local product code the service does not know; the ingredient names the drug.
        code: { coding: [{ system: 'urn:oid:2.16.578.1.12.4.1.1.7424', code: '100001' }], text },
        ingredient: [{ itemCodeableConcept: { coding: [atc] } }],
      };
      return { contained: [medication], medicationReference: { reference: '#med' } };
    }
    case 'atc':
      return { medicationCodeableConcept: { coding: [atc], text } };
    case 'atc-display':
      return { medicationCodeableConcept: { coding: [{ ...atc, display: text }] } };
    case 'snomed-and-atc':
      return {
        medicationCodeableConcept: {
          coding: [{ system: SYS.snomed, code: '763158003', display: 'Medicinal product' }, atc],
          text,
        },
      };
    case 'contained': {
      const medication: Medication = {
        resourceType: 'Medication',
        id: 'med',
        code: { coding: [atc], text },
      };
      return { contained: [medication], medicationReference: { reference: '#med' } };
    }
  }
}

const TABLET = 'http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm';

export function renderDosage(doses: readonly DoseSpec[]): Dosage[] {
  return doses.map((dose) => {
    const quantity: Quantity =
      dose.unit === 'tablet'
        ? { value: dose.value, unit: 'tablet', system: TABLET, code: 'TAB' }
        : dose.unit === 'mg-text-only'
          ? { value: dose.value, unit: 'mg' }
          : { value: dose.value, unit: dose.unit, system: SYS.ucum, code: dose.unit };
    return {
      ...(dose.timing ? { timing: { repeat: { ...dose.timing } } } : {}),
      doseAndRate: [{ doseQuantity: quantity }],
    };
  });
}

export function renderMedication(
  spec: MedSpec,
): MedicationAdministration | MedicationStatement | MedicationRequest {
  const start = dateTimeOf(spec.start);
  const startTime = start ? Date.parse(start) : undefined;
  const end =
    spec.durationDays !== undefined && startTime !== undefined && !Number.isNaN(startTime)
      ? iso(startTime + spec.durationDays * DAY)
      : undefined;
  const medication = medicationOf(spec.drug, spec.atcIndex, spec.coding, spec.drug);
  const subject = { reference: `Patient/${PATIENT_ID}` };
  switch (spec.type) {
    case 'MedicationAdministration':
      return {
        resourceType: 'MedicationAdministration',
        id: spec.id,
        status: spec.status,
        ...medication,
        subject,
        // effective[x] is required: an administration without a date gets the period form with no end.
        ...(start
          ? { effectiveDateTime: start }
          : { effectivePeriod: { end: iso(NOW.getTime()) } }),
      } as MedicationAdministration;
    case 'MedicationStatement':
      return {
        resourceType: 'MedicationStatement',
        id: spec.id,
        status: spec.status,
        ...medication,
        subject,
        ...(start ? { effectivePeriod: { start, ...(end ? { end } : {}) } } : {}),
        ...(spec.doses.length > 0 ? { dosage: renderDosage(spec.doses) } : {}),
      } as MedicationStatement;
    case 'MedicationRequest':
      return {
        resourceType: 'MedicationRequest',
        id: spec.id,
        status: spec.status,
        intent: 'order',
        ...medication,
        subject,
        ...(start ? { authoredOn: start } : {}),
        ...(end && start ? { dispenseRequest: { validityPeriod: { start, end } } } : {}),
        ...(spec.doses.length > 0 ? { dosageInstruction: renderDosage(spec.doses) } : {}),
      } as MedicationRequest;
  }
}

// ---- draft orders ----------------------------------------------------------------

/** Drafts: mostly the drugs R10–R14 care about, with and without a stated dose. */
const draftDrugArb: fc.Arbitrary<Drug> = fc.oneof(
  { weight: 5, arbitrary: fc.constant('zoledronicAcid' as const) },
  { weight: 4, arbitrary: fc.constant('teriparatide' as const) },
  { weight: 5, arbitrary: fc.constant('calcium' as const) },
  ...ANTIRESORPTIVES.filter((drug) => drug !== 'zoledronicAcid').map((drug) => ({
    weight: 1,
    arbitrary: fc.constant(drug),
  })),
  { weight: 1, arbitrary: fc.constant('paracetamol' as const) },
  { weight: 1, arbitrary: fc.constant('prednisolone' as const) },
);

const draftArb: fc.Arbitrary<Omit<DraftSpec, 'id'>> = (() => {
  return fc.record({
    drug: draftDrugArb,
    atcIndex: fc.nat(1),
    coding: drugCodingArb,
    status: fc.oneof(
      { weight: 12, arbitrary: fc.constant('draft' as const) },
      { weight: 1, arbitrary: fc.constant('active' as const) },
      { weight: 1, arbitrary: fc.constant('entered-in-error' as const) },
      { weight: 1, arbitrary: fc.constant('cancelled' as const) },
    ),
    doses: dosesArb,
    selected: fc.boolean(),
  });
})();

const allergyArb: fc.Arbitrary<Omit<AllergySpec, 'id'>> = fc.record({
  drug: drugArb,
  atcIndex: fc.nat(1),
  clinical: fc.oneof(
    { weight: 6, arbitrary: fc.constant('active' as const) },
    fc.constantFrom('inactive' as const, 'resolved' as const),
  ),
  verification: fc.oneof(
    { weight: 6, arbitrary: fc.constant('confirmed' as const) },
    fc.constantFrom('unconfirmed' as const, 'refuted' as const, 'entered-in-error' as const),
  ),
});

function renderAllergy(spec: AllergySpec): AllergyIntolerance {
  return {
    resourceType: 'AllergyIntolerance',
    id: spec.id,
    clinicalStatus: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
          code: spec.clinical,
        },
      ],
    },
    verificationStatus: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
          code: spec.verification,
        },
      ],
    },
    code: { coding: [{ system: SYS.atc, code: atcOf(spec.drug, spec.atcIndex) }] },
    patient: { reference: `Patient/${PATIENT_ID}` },
  };
}

/** The label a draft carries (medication text): unique, so a card naming it can be checked. */
export const draftLabel = (draft: DraftSpec): string => `Order ${draft.id} ${draft.drug}`;

export function renderDraft(draft: DraftSpec): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id: draft.id,
    status: draft.status,
    intent: 'order',
    ...medicationOf(draft.drug, draft.atcIndex, draft.coding, draftLabel(draft)),
    subject: { reference: `Patient/${PATIENT_ID}` },
    authoredOn: iso(NOW.getTime()),
    ...(draft.doses.length > 0 ? { dosageInstruction: renderDosage(draft.doses) } : {}),
  };
}

/** order-select needs at least one selection: the first draft then counts as selected. */
export function selectedDrafts(drafts: readonly DraftSpec[]): DraftSpec[] {
  const selected = drafts.filter((draft) => draft.selected);
  return selected.length > 0 ? selected : drafts.slice(0, 1);
}

// ---- the patient -------------------------------------------------------------------

const patientArb = fc.oneof(
  {
    weight: 20,
    arbitrary: fc
      .record({
        present: fc.constant(true as const),
        birthDate: fc.option(
          fc.oneof(
            {
              weight: 8,
              arbitrary: fc
                .date({
                  min: new Date('1920-01-01'),
                  max: new Date('2000-12-31'),
                  noInvalidDate: true,
                })
                .map((date) => iso(date.getTime()).slice(0, 10)),
            },
            { weight: 1, arbitrary: fc.integer({ min: 1925, max: 1995 }).map(String) },
            {
              weight: 1,
              arbitrary: fc.integer({ min: 1925, max: 1995 }).map((year) => `${year}-06`),
            },
          ),
          { freq: 12 },
        ),
        gender: fc.option(
          fc.constantFrom('female' as const, 'male' as const, 'other' as const, 'unknown' as const),
          {
            freq: 10,
          },
        ),
      })
      .map(({ birthDate, gender }) => ({
        present: true as const,
        ...(birthDate !== null ? { birthDate } : {}),
        ...(gender !== null ? { gender } : {}),
      })),
  },
  { weight: 1, arbitrary: fc.constant({ present: false as const }) },
);

export interface PatientOptions {
  /** Draft orders for order-select / order-sign (at least one). */
  minDrafts?: number;
}

/** A patient: usually tens of resources, sometimes a history of hundreds. */
export function patientSpecArb(options: PatientOptions = {}): fc.Arbitrary<PatientSpec> {
  const minDrafts = options.minDrafts ?? 1;
  const sized = (labs: [number, number], other: [number, number]) =>
    fc.record({
      patient: patientArb,
      labs: fc
        .tuple(
          fc.array(anyLabArb, { minLength: labs[0], maxLength: labs[1] }),
          fc.array(cleanLabArb, { maxLength: 4 }),
        )
        .map(([hostile, clean]) =>
          [...hostile, ...clean].map((lab, index) => ({ ...lab, id: `lab${index + 1}` })),
        ),
      bone: listOf<BoneSpec>(boneArb, 'dxa', other),
      conditions: listOf<ConditionSpec>(conditionArb, 'cond', other),
      medications: fc
        .tuple(
          fc.array(medArb, { minLength: other[0], maxLength: other[1] }),
          fc.option(courseArb, { freq: 3 }),
        )
        .map(([hostile, course]) =>
          [...hostile, ...(course ?? [])].map((medication, index) => ({
            ...medication,
            id: `med${index + 1}`,
          })),
        ),
      fallRisk: listOf<{ id: string; when: When }>(
        historyWhenArb.map((when) => ({ when })),
        'fall',
        [0, 1],
      ),
      allergies: listOf<AllergySpec>(allergyArb, 'allergy', [0, 2]),
      drafts: listOf<DraftSpec>(draftArb, 'draft', [minDrafts, 3]),
    });
  // Cross-shrinking lets a failing history of hundreds shrink into the small branch.
  return fc.oneof(
    { withCrossShrink: true },
    { weight: 12, arbitrary: sized([0, 24], [0, 8]) },
    { weight: 1, arbitrary: sized([120, 220], [10, 40]) },
  );
}

// ---- the prefetch ------------------------------------------------------------------

export const PREFETCH_KEYS = [
  'labs',
  'boneDensity',
  'conditions',
  'medicationRequests',
  'medicationStatements',
  'medicationAdministrations',
  'medicationDispenses',
  'allergies',
  'procedures',
] as const;
export type PrefetchKey = (typeof PREFETCH_KEYS)[number];

/** The resources per prefetch key, in the order the EHR sends them (before any shuffling). */
export interface PrefetchPlan {
  patient: Patient | null;
  keys: Record<PrefetchKey, FhirResource[]>;
}

function renderPatient(spec: PatientSpec['patient']): Patient | null {
  if (!spec.present) return null;
  return {
    resourceType: 'Patient',
    id: PATIENT_ID,
    ...(spec.birthDate ? { birthDate: spec.birthDate } : {}),
    ...(spec.gender ? { gender: spec.gender } : {}),
  };
}

function fallRiskProcedure(id: string, when: When): Procedure {
  const performed = dateTimeOf(when);
  return {
    resourceType: 'Procedure',
    id,
    status: 'completed',
    code: { coding: [{ system: SYS.snomed, code: '414191008' }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    ...(performed ? { performedDateTime: performed } : {}),
  };
}

/** Every resource of the patient, with duplicates and conflicting versions, placed under its prefetch key. */
export function renderPrefetch(spec: PatientSpec): PrefetchPlan {
  const keys: Record<PrefetchKey, FhirResource[]> = {
    labs: [],
    boneDensity: [],
    conditions: [],
    medicationRequests: [],
    medicationStatements: [],
    medicationAdministrations: [],
    medicationDispenses: [],
    allergies: [],
    procedures: [],
  };
  for (const lab of spec.labs) {
    const resource = renderLab(lab);
    keys.labs.push(resource);
    // A copy may arrive under another key too (an EHR whose searches overlap).
    for (let copy = 0; copy < lab.copies; copy += 1)
      (copy === 0 ? keys.labs : keys.boneDensity).push(resource);
    if (lab.conflictValue !== undefined) keys.labs.push(renderLab(lab, lab.conflictValue));
  }
  for (const bone of spec.bone) {
    const resource = renderBone(bone);
    for (let copy = 0; copy <= bone.copies; copy += 1) keys.boneDensity.push(resource);
  }
  for (const condition of spec.conditions) {
    const resource = renderCondition(condition);
    for (let copy = 0; copy <= condition.copies; copy += 1) keys.conditions.push(resource);
  }
  for (const medication of spec.medications) {
    const resource = renderMedication(medication);
    const key =
      medication.type === 'MedicationAdministration'
        ? 'medicationAdministrations'
        : medication.type === 'MedicationStatement'
          ? 'medicationStatements'
          : 'medicationRequests';
    for (let copy = 0; copy <= medication.copies; copy += 1) keys[key].push(resource);
  }
  for (const fall of spec.fallRisk) keys.procedures.push(fallRiskProcedure(fall.id, fall.when));
  for (const allergy of spec.allergies) keys.allergies.push(renderAllergy(allergy));
  return { patient: renderPatient(spec.patient), keys };
}

/** The prefetch object of a hook request: every key present (an empty searchset when nothing). */
export function prefetchObject(
  plan: PrefetchPlan,
  keyOrder: readonly PrefetchKey[] = PREFETCH_KEYS,
): Record<string, FhirResource | null> {
  const out: Record<string, FhirResource | null> = { patient: plan.patient };
  for (const key of keyOrder) {
    out[key] = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: plan.keys[key].length,
      entry: plan.keys[key].map((resource) => ({
        fullUrl: `http://ehr.example.org/fhir/${resource.resourceType}/${resource.id}`,
        resource,
        search: { mode: 'match' as const },
      })),
    };
  }
  return out;
}

export const HOOKS = ['patient-view', 'order-select', 'order-sign'] as const;
export type Hook = (typeof HOOKS)[number];
export const SERVICE_PATH: Record<Hook, string> = {
  'patient-view': '/cds-services/fls-patient-view',
  'order-select': '/cds-services/fls-order-select',
  'order-sign': '/cds-services/fls-order-sign',
};
