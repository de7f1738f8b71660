/** A small population of fracture patients for the worklist's CLI and HTTP tests. */
import type { FhirResource } from 'fhir/r4';
import { activeRequest, daysAgo, DRUGS, fracture, labs, patient, tScore } from '../helpers/fhir';

/** The helpers' resources, re-pointed at patient `id`. */
export function forPatient(id: string, resources: FhirResource[]): FhirResource[] {
  return resources.map((resource) =>
    resource.resourceType === 'Patient'
      ? { ...resource, id }
      : ({ ...resource, subject: { reference: `Patient/${id}` } } as FhirResource),
  );
}

export const screening = (days: number): FhirResource[] => [
  labs.calcium(2.4, daysAgo(days)),
  labs.albumin(40, daysAgo(days)),
  labs.creatinine(70, daysAgo(days)),
  labs.vitaminD(80, daysAgo(days)),
  labs.tsh(1.5, daysAgo(days)),
  labs.ft4(15, daysAgo(days)),
];

export const LIBRARY: FhirResource[] = [
  ...forPatient('p-labs', [patient(), fracture('radius', daysAgo(30))]),
  ...forPatient('p-decide', [
    patient(),
    fracture('radius', daysAgo(100)),
    ...screening(90),
    tScore('hip', -2.6, daysAgo(60)),
  ]),
  ...forPatient('p-treated', [
    patient(),
    fracture('vertebra', daysAgo(200)),
    ...screening(190),
    tScore('spine', -3.1, daysAgo(180)),
    activeRequest(DRUGS.alendronate, daysAgo(150)),
  ]),
  ...forPatient('p-young', [patient({ birthDate: '1985-01-01' }), fracture('radius', daysAgo(20))]),
  // A fracture before the period: found by the stub (it ignores onset-date), not on the list.
  ...forPatient('p-old', [patient(), fracture('hip', daysAgo(900))]),
];
