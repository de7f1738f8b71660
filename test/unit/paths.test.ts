/**
 * FHIRPath (N1 § 5 "Navigation", § 6.3 "Types: ofType") — the planned reads of
 * src/fhir/paths.ts must answer exactly what fhirpath.js answers for the same
 * expression, on real resources and on malformed ones.
 */
import type { FhirResource } from 'fhir/r4';
import { benchPatient } from '../../bench/patient';
import { compiledPath, compileFhirPath, EXPRESSION_TEXTS } from '../../src/fhir/paths';
import { loadLibrary } from '../fixtures/load';
import { NOW } from '../helpers/fhir';

const NAMES = Object.keys(EXPRESSION_TEXTS) as (keyof typeof EXPRESSION_TEXTS)[];

function resourcesUnderTest(): FhirResource[] {
  const library = loadLibrary(NOW).flatMap((patient) => [
    ...patient.resources,
    ...Object.values(patient.expected)
      .filter((value) => typeof value === 'object' && 'draftOrders' in value)
      .flatMap((value) => (value as { draftOrders: FhirResource[] }).draftOrders),
  ]);
  return [...library, ...benchPatient(1000, NOW).resources];
}

/** Odd shapes a sender may produce: both choices, nulls, arrays, numbers, extension-only primitives. */
const EDGE_CASES: Record<string, unknown>[] = [
  { resourceType: 'Observation', effectiveDateTime: '2026-01-02', effectivePeriod: { start: 'x' } },
  {
    resourceType: 'Observation',
    effectiveDateTime: null,
    effectivePeriod: { start: '2026-01-02' },
  },
  {
    resourceType: 'Observation',
    _effectiveDateTime: { extension: [{ url: 'u', valueString: 'v' }] },
    effectivePeriod: { start: '2026-01-02' },
  },
  {
    resourceType: 'Observation',
    _effectiveDateTime: { id: 'a' },
    effectiveDateTime: '2026-01-02',
  },
  { resourceType: 'Condition', _recordedDate: { id: 'a' } },
  { resourceType: 'Observation', effectiveInstant: '2026-01-02T10:00:00Z' },
  { resourceType: 'Observation', effectiveTiming: { event: ['2026-01-02'] } },
  { resourceType: 'Observation', effectiveDateTime: 20260102 },
  { resourceType: 'Observation', effectiveDateTime: ['2026-01-02', null, '2026-01-03'] },
  {
    resourceType: 'Observation',
    _effectiveDateTime: { extension: [{ url: 'u', valueString: 'v' }] },
  },
  { resourceType: 'Observation', effective: '2026-01-02', value: { value: 1 } },
  { resourceType: 'Observation', valueQuantity: 'not a quantity' },
  { resourceType: 'Observation', valueQuantity: [{ value: 1 }, { value: 2 }] },
  { resourceType: 'Observation', valueString: '2.4', valueCodeableConcept: { text: 'x' } },
  { resourceType: 'Observation', valueQuantity: null, valueString: 'x' },
  { resourceType: 'Condition', onsetString: 'childhood', recordedDate: '2026-01-02' },
  { resourceType: 'Condition', onsetAge: { value: 60 }, onsetPeriod: { start: '2020-01-01' } },
  { resourceType: 'Condition', recordedDate: ['2026-01-02'] },
  { resourceType: 'MedicationRequest', medicationReference: { reference: '#m' } },
  { resourceType: 'MedicationStatement', medicationReference: { reference: 'Medication/1' } },
  {
    resourceType: 'MedicationAdministration',
    medicationCodeableConcept: { text: 'x' },
    medicationReference: { reference: 'Medication/1' },
  },
  { resourceType: 'MedicationRequest', medicationCodeableConcept: null },
  { resourceType: 'MedicationStatement', effectivePeriod: { start: '2026-01-02' } },
  { resourceType: 'Procedure', performedString: 'last year' },
  { resourceType: 'ServiceRequest', occurrenceTiming: { event: ['2026-01-02'] } },
  { resourceType: 'UnknownType', effectiveDateTime: '2026-01-02' },
  { resourceType: 42, effectiveDateTime: '2026-01-02' },
  { effectiveDateTime: '2026-01-02', valueQuantity: { value: 1 } },
];

describe.each(NAMES)('FHIRPath %s: planned reads equal fhirpath.js', (name) => {
  const expression = EXPRESSION_TEXTS[name];
  const service = compiledPath(name);
  const reference = compileFhirPath(expression);

  test(`on every resource of the patient library and a 1,000-resource patient (${expression})`, () => {
    const resources = resourcesUnderTest();
    expect(resources.length).toBeGreaterThan(1000);
    let answered = 0;
    for (const resource of resources) {
      const expected = reference(resource);
      expect({ id: resource.id, value: service(resource) }).toEqual({
        id: resource.id,
        value: expected,
      });
      if (expected.length > 0) answered += 1;
    }
    // Each expression reads something in this data, so the comparison is not vacuous.
    // (No library resource references a Medication; the edge cases below do.)
    if (!['performed', 'occurrence', 'medicationReference'].includes(name)) {
      expect(answered).toBeGreaterThan(0);
    }
  });

  test.each(EDGE_CASES.map((resource) => [JSON.stringify(resource), resource]))(
    `on %s`,
    (_label, resource) => {
      expect(service(resource)).toEqual(reference(resource));
    },
  );
});

test('the library holds dated procedures or service requests, so those reads are compared too', () => {
  const resources = resourcesUnderTest();
  const read = [compiledPath('performed'), compiledPath('occurrence')].flatMap((evaluate) =>
    resources.flatMap((resource) => evaluate(resource)),
  );
  expect(read.length).toBeGreaterThan(0);
});
