/** Observations: laboratory results, DXA T-scores, FRAX and fall-risk assessments. */
import type { Observation, Quantity } from 'fhir/r4';
import {
  BONE_CODES,
  FALL_RISK_ASSESSMENT_CODES,
  LAB_CODES,
  type Analyte,
} from '../fhir/code-lists';
import { compileClassifier, compileCodeSet } from '../fhir/codes';
import { paths } from '../fhir/paths';
import { SYSTEM } from '../fhir/systems';
import { normaliseQuantity, type Measure } from '../fhir/units';
import { DAY_MS, toTime } from './dates';
import { referenceOf } from './references';
import type {
  AssessmentRecord,
  BoneSite,
  Interpretation,
  LabResult,
  Measurement,
  TScore,
  UnusableObservation,
} from './snapshot';

const LABS = compileClassifier(LAB_CODES);
const BONE = compileClassifier(BONE_CODES);
export const FALL_RISK = compileCodeSet(FALL_RISK_ASSESSMENT_CODES);

const SITE: Partial<Record<keyof typeof BONE_CODES, BoneSite>> = {
  tScoreLumbarSpine: 'spine',
  tScoreSpine: 'spine',
  tScoreHip: 'totalHip',
  tScoreFemur: 'femur',
};

const USABLE_STATUS = new Set(['final', 'amended', 'corrected']);
/** Results dated more than a day ahead of now are data errors, not measurements. */
const FUTURE_TOLERANCE_MS = DAY_MS;

export interface ObservationSink {
  labs: Record<Analyte, LabResult[]>;
  tScores: TScore[];
  frax: Measurement[];
  fallRiskAssessments: AssessmentRecord[];
  unusable: UnusableObservation[];
  /** A DXA measurement of any site (forearm included) is on record. */
  dxaSeen: boolean;
}

export function readObservation(observation: Observation, now: Date, sink: ObservationSink): void {
  if (!USABLE_STATUS.has(observation.status)) return;
  if (FALL_RISK.matchesConcept(observation.code)) {
    const record = datedRecord(observation, paths.effectiveDate(observation), now);
    if (record) sink.fallRiskAssessments.push(record);
    return;
  }
  const lab = LABS.classify(observation.code);
  if (lab) {
    const value = readValue(observation, lab.key, now, sink.unusable);
    if (!value) return;
    const range = referenceRangeOf(lab.key, observation);
    const interpretation = interpretationOf(observation);
    // Field by field (one object per result, no spreads): this runs for every lab result.
    const { value: number, unit, comparator, date, time, source } = value;
    const result: LabResult = comparator
      ? { analyte: lab.key, value: number, unit, comparator, date, time, source }
      : { analyte: lab.key, value: number, unit, date, time, source };
    if (range) result.referenceRange = range;
    if (interpretation) result.interpretation = interpretation;
    sink.labs[lab.key].push(result);
    return;
  }
  const bone = BONE.classify(observation.code);
  if (!bone) return;
  const measure: Measure = bone.key === 'fraxMajor' || bone.key === 'fraxHip' ? 'frax' : 'tScore';
  const value = readValue(observation, measure, now, sink.unusable);
  if (!value) return;
  if (measure === 'tScore') sink.dxaSeen = true;
  const measurement: Measurement = {
    value: value.value,
    date: value.date,
    time: value.time,
    source: value.source,
  };
  if (bone.key === 'fraxMajor') sink.frax.push(measurement);
  const site = SITE[bone.key];
  if (site)
    sink.tScores.push({
      value: measurement.value,
      date: measurement.date,
      time: measurement.time,
      source: measurement.source,
      site,
    });
}

type ReadValue = Pick<LabResult, 'value' | 'unit' | 'comparator' | 'date' | 'time' | 'source'>;

function readValue(
  observation: Observation,
  measure: Measure,
  now: Date,
  unusable: UnusableObservation[],
): ReadValue | undefined {
  const source = referenceOf(observation);
  const date = paths.effectiveDate(observation);
  const time = toTime(date);
  const quantity = paths.valueQuantity(observation);
  const report = (reason: UnusableObservation['reason']): undefined => {
    const unit = unitSent(quantity);
    unusable.push({
      measure,
      source,
      reason,
      ...(date ? { date } : {}),
      ...(typeof quantity?.value === 'number' ? { value: quantity.value } : {}),
      ...(unit ? { unitSent: unit } : {}),
    });
    return undefined;
  };
  if (date === undefined || time === undefined) return report('no-date');
  if (time > now.getTime() + FUTURE_TOLERANCE_MS) return report('future-date');
  const value = normaliseQuantity(measure, quantity);
  if (!value.ok) return report(value.reason);
  const { comparator } = value;
  return comparator
    ? { value: value.value, unit: value.unit, comparator, date, time, source }
    : { value: value.value, unit: value.unit, date, time, source };
}

function datedRecord(
  resource: { id?: string; resourceType: string },
  date: string | undefined,
  now: Date,
): AssessmentRecord | undefined {
  const time = toTime(date);
  if (!date || time === undefined || time > now.getTime() + FUTURE_TOLERANCE_MS) return undefined;
  return { date, time, source: `${resource.resourceType}/${resource.id ?? '(no id)'}` };
}

export { datedRecord };

function unitSent(quantity: Quantity | undefined): string | undefined {
  const unit = quantity?.code ?? quantity?.unit;
  return typeof unit === 'string' ? unit : undefined;
}

function referenceRangeOf(measure: Measure, observation: Observation): LabResult['referenceRange'] {
  const ranges = Array.isArray(observation.referenceRange) ? observation.referenceRange : [];
  const range = ranges.find((candidate) => candidate?.low || candidate?.high);
  if (!range) return undefined;
  const low = range.low ? normaliseQuantity(measure, range.low) : undefined;
  const high = range.high ? normaliseQuantity(measure, range.high) : undefined;
  // A range whose units cannot be read is not used (the default thresholds apply instead).
  if ((low && !low.ok) || (high && !high.ok)) return undefined;
  const out: { low?: number; high?: number } = {};
  if (low?.ok) out.low = low.value;
  if (high?.ok) out.high = high.value;
  return out;
}

const INTERPRETATION: Record<string, Interpretation> = {
  L: 'low',
  LL: 'low',
  LU: 'low',
  H: 'high',
  HH: 'high',
  HU: 'high',
  N: 'normal',
};

function interpretationOf(observation: Observation): Interpretation | undefined {
  for (const concept of Array.isArray(observation.interpretation)
    ? observation.interpretation
    : []) {
    for (const coding of Array.isArray(concept?.coding) ? concept.coding : []) {
      const interpretation =
        typeof coding?.code === 'string' ? INTERPRETATION[coding.code] : undefined;
      if (coding?.system === SYSTEM.observationInterpretation && interpretation)
        return interpretation;
    }
  }
  return undefined;
}
