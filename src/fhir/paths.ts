/**
 * FHIRPath expressions for the fields whose shape varies (R4 choice types
 * `effective[x]`, `value[x]`, `onset[x]`, `medication[x]` …), compiled once when
 * this module loads and wrapped in typed functions. Each expression is kept
 * simple (a single path, no unions): a union costs ~6× a path in fhirpath.js.
 */
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { CodeableConcept, Period, Quantity, Reference, Resource } from 'fhir/r4';

type Compiled = (resource: unknown) => unknown[];

function compile(expression: string): Compiled {
  const fn = fhirpath.compile(expression, r4Model as never);
  return (resource) => fn(resource as never) as unknown[];
}

const EXPRESSIONS = {
  effective: compile('effective'),
  valueQuantity: compile('value.ofType(Quantity)'),
  onset: compile('onset'),
  recordedDate: compile('recordedDate'),
  performed: compile('performed'),
  medicationConcept: compile('medication.ofType(CodeableConcept)'),
  medicationReference: compile('medication.ofType(Reference)'),
  occurrence: compile('occurrence'),
} as const;

/** Compiled expressions, for tests and the start-up check. */
export const COMPILED_PATH_NAMES = Object.keys(EXPRESSIONS);

/** The time a dated element points at: a dateTime / instant, or a Period's start. */
function startOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'start' in value) {
    const start = (value as Period).start;
    return typeof start === 'string' ? start : undefined;
  }
  return undefined;
}

export const paths = {
  /** Observation.effective[x] (dateTime, instant or Period.start). */
  effectiveDate: (resource: Resource): string | undefined =>
    startOf(EXPRESSIONS.effective(resource)[0]),
  valueQuantity: (resource: Resource): Quantity | undefined =>
    EXPRESSIONS.valueQuantity(resource)[0] as Quantity | undefined,
  /** Condition.onset[x] as a date when it is one (onsetAge / onsetString are not dates). */
  onsetDate: (resource: Resource): string | undefined => startOf(EXPRESSIONS.onset(resource)[0]),
  recordedDate: (resource: Resource): string | undefined =>
    startOf(EXPRESSIONS.recordedDate(resource)[0]),
  /** Procedure.performed[x]. */
  performedDate: (resource: Resource): string | undefined =>
    startOf(EXPRESSIONS.performed(resource)[0]),
  /** ServiceRequest.occurrence[x]. */
  occurrenceDate: (resource: Resource): string | undefined =>
    startOf(EXPRESSIONS.occurrence(resource)[0]),
  medicationConcept: (resource: Resource): CodeableConcept | undefined =>
    EXPRESSIONS.medicationConcept(resource)[0] as CodeableConcept | undefined,
  medicationReference: (resource: Resource): Reference | undefined =>
    EXPRESSIONS.medicationReference(resource)[0] as Reference | undefined,
};
