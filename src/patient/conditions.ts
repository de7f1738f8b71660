/**
 * Diagnoses and fragility fractures from Conditions (rules.md "Definitions":
 * fragility fracture, vertebral fracture count; codes.md "Conditions and history").
 */
import type { Coding, Condition } from 'fhir/r4';
import { CONDITION_CODES, SEVERE_FRACTURE_CODES } from '../fhir/code-lists';
import { compileClassifier, compileCodeSet } from '../fhir/codes';
import { paths } from '../fhir/paths';
import { ageInYears, toTime } from './dates';
import { referenceOf } from './references';
import type { Diagnosis, DiagnosisKind, Fracture, FractureSite } from './snapshot';

const DIAGNOSES = compileClassifier<DiagnosisKind>({
  primaryHyperparathyroidism: CONDITION_CODES.primaryHyperparathyroidism,
  hypercalcaemia: CONDITION_CODES.hypercalcaemia,
  boneMalignancy: CONDITION_CODES.boneMalignancy,
  hyperthyroidism: CONDITION_CODES.hyperthyroidism,
  radiotherapyHistory: CONDITION_CODES.radiotherapyHistory,
  jawOsteonecrosis: CONDITION_CODES.jawOsteonecrosis,
});
const FEMUR_SHAFT = compileCodeSet(CONDITION_CODES.femurShaftOrSubtrochanteric);
const FRACTURE_SITES = compileClassifier<Exclude<FractureSite, 'unspecified' | 'femurShaft'>>({
  hip: CONDITION_CODES.hipFracture,
  vertebra: CONDITION_CODES.vertebralFracture,
  distalRadius: CONDITION_CODES.distalRadiusFracture,
  proximalHumerus: CONDITION_CODES.proximalHumerusFracture,
  pelvis: CONDITION_CODES.pelvisFracture,
});
const OSTEOPOROTIC = compileCodeSet(CONDITION_CODES.osteoporoticFracture);
const SEVERE = compileCodeSet(SEVERE_FRACTURE_CODES);

const INACTIVE_CLINICAL_STATUS = new Set(['inactive', 'resolved', 'remission']);
const EXCLUDED_VERIFICATION_STATUS = new Set(['entered-in-error', 'refuted']);

export function isExcluded(condition: Condition): boolean {
  return hasStatus(condition.verificationStatus?.coding, EXCLUDED_VERIFICATION_STATUS);
}

/**
 * A current diagnosis: a Condition without clinicalStatus counts (unknown is not
 * "resolved"). Radiotherapy is history: it counts whatever its clinical status.
 */
export function readDiagnosis(condition: Condition): Diagnosis | undefined {
  if (isExcluded(condition)) return undefined;
  const match = DIAGNOSES.classify(condition.code);
  if (!match) return undefined;
  const inactive = hasStatus(condition.clinicalStatus?.coding, INACTIVE_CLINICAL_STATUS);
  // Radiotherapy and jaw osteonecrosis are history: they count whatever their clinical status.
  if (inactive && match.key !== 'radiotherapyHistory' && match.key !== 'jawOsteonecrosis')
    return undefined;
  return {
    kind: match.key,
    source: referenceOf(condition),
    code: match.coding.code ?? '',
    ...dated(condition),
  };
}

/**
 * A fragility fracture: coded as osteoporotic / pathological, or at a typical
 * fragility site in a patient aged ≥ minAge at onset (then the low-energy
 * mechanism is assumed and the card says it must be confirmed). Healed fractures
 * (resolved) still count: they are history.
 */
export function readFracture(
  condition: Condition,
  birthDate: string | undefined,
  minAge: number,
  now: Date,
): Fracture | undefined {
  if (isExcluded(condition)) return undefined;
  const site = FRACTURE_SITES.classify(condition.code);
  const coded = OSTEOPOROTIC.matchesConcept(condition.code);
  if (!site && !coded) return undefined;
  const { date } = dated(condition);
  const time = toTime(date);
  if (!coded) {
    // Without an onset date, the age now stands in for the age at onset.
    const ageAtOnset = ageInYears(birthDate, time === undefined ? now : new Date(time));
    if (ageAtOnset === undefined || ageAtOnset < minAge) return undefined;
  }
  const code = (site?.coding ?? osteoporoticCoding(condition))?.code ?? '';
  const siteKey: FractureSite = site?.key ?? 'unspecified';
  const bodySite = condition.bodySite?.[0]?.coding?.find(
    (coding) => typeof coding?.code === 'string',
  )?.code;
  return {
    site: siteKey,
    ...(date && time !== undefined ? { date, time } : {}),
    source: referenceOf(condition),
    code,
    mechanism: coded ? 'coded' : 'assumed',
    severe: siteKey === 'vertebra' && SEVERE.matchesConcept(condition.severity),
    distinctKey: bodySite ?? date?.slice(0, 10) ?? referenceOf(condition),
  };
}

/** A subtrochanteric / femoral shaft fracture (R26), at any age, whatever its mechanism. */
export function readFemurShaftFracture(condition: Condition): Fracture | undefined {
  if (isExcluded(condition)) return undefined;
  const coding = (Array.isArray(condition.code?.coding) ? condition.code.coding : []).find(
    (candidate) => FEMUR_SHAFT.matches(candidate),
  );
  if (!coding) return undefined;
  const { date } = dated(condition);
  const time = toTime(date);
  return {
    site: 'femurShaft',
    ...(date && time !== undefined ? { date, time } : {}),
    source: referenceOf(condition),
    code: coding.code ?? '',
    mechanism: 'coded',
    severe: false,
    distinctKey: date?.slice(0, 10) ?? referenceOf(condition),
  };
}

function osteoporoticCoding(condition: Condition): Coding | undefined {
  return (Array.isArray(condition.code?.coding) ? condition.code.coding : []).find((coding) =>
    OSTEOPOROTIC.matches(coding),
  );
}

function dated(condition: Condition): { date?: string } {
  const date = paths.onsetDate(condition) ?? paths.recordedDate(condition);
  return typeof date === 'string' ? { date } : {};
}

function hasStatus(codings: Coding[] | undefined, statuses: Set<string>): boolean {
  return (Array.isArray(codings) ? codings : []).some(
    (coding) => typeof coding?.code === 'string' && statuses.has(coding.code),
  );
}
