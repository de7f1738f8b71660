/**
 * FHIRPath expressions for the fields whose shape varies (R4 choice types
 * `effective[x]`, `value[x]`, `onset[x]`, `medication[x]` …), compiled once when
 * this module loads, in two steps:
 *
 * 1. fhirpath.js parses and compiles every expression with the R4 model, so a
 *    wrong expression fails at start-up, and it is what evaluates anything the
 *    second step does not cover;
 * 2. an expression that is one element name, optionally `.ofType(T)`, is also
 *    planned into reads of the JSON properties the R4 model lists for that
 *    element on each resource type (`effective` on Observation →
 *    effectiveDateTime, effectivePeriod, effectiveTiming, effectiveInstant).
 *
 * Why: evaluating these single-step paths with fhirpath.js was 58 % of a hook
 * call's CPU for a 100-resource patient (docs/benchmark.md); the planned reads
 * give the same answer (test/unit/paths.test.ts compares both on every resource
 * of the patient library, the benchmark patient and malformed values).
 */
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { CodeableConcept, Period, Quantity, Reference, Resource } from 'fhir/r4';

type Evaluate = (resource: unknown) => unknown[];

interface R4Model {
  /** "Observation.effective" → ["DateTime", "Period", …], in the model's order. */
  choiceTypePaths: Record<string, string[]>;
  /** "Condition.recordedDate" → "dateTime" (elements that are not choices). */
  path2Type: Record<string, string>;
}

const MODEL = r4Model as unknown as R4Model;

/** `element` or `element.ofType(Type)`: the expressions step 2 plans. */
const SINGLE_STEP = /^([a-z][A-Za-z0-9]*)(?:\.ofType\(([A-Z][A-Za-z0-9]*)\))?$/;

/** resourceType → the JSON properties that may hold the element, in the model's order. */
interface Plan {
  properties: ReadonlyMap<string, readonly string[]>;
  /** `.ofType(T)`: only the property `${element}${T}` answers. */
  wanted?: string;
}

/** Resource-level elements of the model: element → resourceType → JSON properties (choices expanded). */
const ELEMENTS = (() => {
  const index = new Map<string, Map<string, { choices?: string[] }>>();
  const entry = (path: string) => {
    const [resourceType, element, deeper] = path.split('.');
    if (!resourceType || !element || deeper !== undefined) return undefined;
    let types = index.get(element);
    if (!types) index.set(element, (types = new Map()));
    let found = types.get(resourceType);
    if (!found) types.set(resourceType, (found = {}));
    return found;
  };
  for (const [path, types] of Object.entries(MODEL.choiceTypePaths)) {
    const found = entry(path);
    if (found) found.choices = types;
  }
  for (const path of Object.keys(MODEL.path2Type)) entry(path);
  return index;
})();

function plan(expression: string): Plan | undefined {
  const match = SINGLE_STEP.exec(expression);
  if (!match?.[1]) return undefined;
  const [, element, ofType] = match;
  const properties = new Map<string, string[]>();
  for (const [resourceType, { choices }] of ELEMENTS.get(element) ?? []) {
    // ofType on an element that is not a choice would need the model's type test: not planned.
    if (choices)
      properties.set(
        resourceType,
        choices.map((type) => `${element}${type}`),
      );
    else if (!ofType) properties.set(resourceType, [element]);
  }
  return { properties, ...(ofType ? { wanted: `${element}${ofType}` } : {}) };
}

/**
 * As fhirpath.js: the element is the first of its properties that is present —
 * even as null or as only the `_property` holding a primitive's extensions —
 * then filtered by ofType; arrays are flattened and nulls dropped.
 */
function readPlanned(
  resource: Record<string, unknown>,
  properties: readonly string[],
  wanted: string | undefined,
): unknown[] {
  for (const property of properties) {
    const value = resource[property];
    if (value === undefined && resource[`_${property}`] === undefined) continue;
    if (value === undefined || value === null || (wanted && property !== wanted)) return [];
    if (!Array.isArray(value)) return [value];
    return value.filter((item) => item !== undefined && item !== null);
  }
  return [];
}

/** fhirpath.js evaluation of a compiled expression (step 1). */
export function compileFhirPath(expression: string): Evaluate {
  const fn = fhirpath.compile(expression, r4Model as never);
  return (resource) => fn(resource as never) as unknown[];
}

function compile(expression: string): Evaluate {
  const evaluate = compileFhirPath(expression);
  const planned = plan(expression);
  if (!planned) return evaluate;
  return (resource) => {
    const properties =
      typeof resource === 'object' && resource !== null
        ? planned.properties.get((resource as { resourceType?: unknown }).resourceType as string)
        : undefined;
    return properties
      ? readPlanned(resource as Record<string, unknown>, properties, planned.wanted)
      : evaluate(resource);
  };
}

/** The FHIRPath expressions the snapshot reads, by name. */
export const EXPRESSION_TEXTS = {
  effective: 'effective',
  valueQuantity: 'value.ofType(Quantity)',
  onset: 'onset',
  recordedDate: 'recordedDate',
  performed: 'performed',
  medicationConcept: 'medication.ofType(CodeableConcept)',
  medicationReference: 'medication.ofType(Reference)',
  occurrence: 'occurrence',
} as const;

type ExpressionName = keyof typeof EXPRESSION_TEXTS;

const EXPRESSIONS = Object.fromEntries(
  Object.entries(EXPRESSION_TEXTS).map(([name, text]) => [name, compile(text)]),
) as Record<ExpressionName, Evaluate>;

/** The evaluator the service uses for one named expression (tests compare it with fhirpath.js). */
export function compiledPath(name: ExpressionName): Evaluate {
  return EXPRESSIONS[name];
}

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
