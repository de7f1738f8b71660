/**
 * The generated fracture population of the worklist benchmark (bench/fracture-population.ts):
 * deterministic, about 50 realistic resources per patient, a sentinel fracture in the
 * period, and a transaction Bundle a FHIR server can load as it is.
 */
import type { Bundle, Condition, FhirResource, Observation } from 'fhir/r4';
import {
  defaultPeriod,
  generatePatient,
  generatePopulation,
  SCENARIOS,
  transactionBundle,
} from '../../bench/fracture-population';
import { SYSTEM } from '../../src/fhir/systems';
import { NOW } from '../helpers/fhir';

const PERIOD = defaultPeriod(NOW);
const options = { seed: 3, now: NOW, period: PERIOD };

const referenceOf = (resource: FhirResource): string | undefined =>
  (resource as { subject?: { reference?: string } }).subject?.reference;

describe('the generated fracture population', () => {
  const patients = [...generatePopulation(300, options)];

  it('is the same for the same seed and different for another', () => {
    expect(generatePatient(17, options)).toEqual(patients[17]);
    // Patient n does not depend on how many are generated, nor on where generation starts.
    expect([...generatePopulation(2, options, 17)][0]).toEqual(patients[17]);
    expect(generatePatient(17, { ...options, seed: 4 })).not.toEqual(patients[17]);
  });

  it('gives each patient about 50 resources, all of them the patient’s own', () => {
    const wrong: string[] = [];
    for (const { patientId, resources } of patients) {
      if (resources.length < 44 || resources.length > 70) wrong.push(`${patientId}: size`);
      if (resources[0]?.resourceType !== 'Patient' || resources[0].id !== patientId) {
        wrong.push(`${patientId}: Patient first`);
      }
      for (const resource of resources.slice(1)) {
        if (referenceOf(resource) !== `Patient/${patientId}`) wrong.push(`${resource.id}: subject`);
      }
      if (new Set(resources.map((r) => `${r.resourceType}/${r.id}`)).size !== resources.length) {
        wrong.push(`${patientId}: duplicate ids`);
      }
    }
    expect(wrong).toEqual([]);
    const mean = patients.reduce((sum, p) => sum + p.resources.length, 0) / patients.length;
    expect(mean).toBeGreaterThan(45);
    expect(mean).toBeLessThan(55);
  });

  it('codes results with LOINC and UCUM units, and dates nothing after now', () => {
    const observations = patients
      .flatMap((p) => p.resources)
      .filter((r): r is Observation => r.resourceType === 'Observation');
    expect(observations.length).toBeGreaterThan(30 * patients.length);
    const wrong = observations.filter(
      (observation) =>
        observation.code.coding?.[0]?.system !== SYSTEM.loinc ||
        observation.valueQuantity?.system !== SYSTEM.ucum ||
        !observation.valueQuantity.code ||
        !(Date.parse(observation.effectiveDateTime ?? '') <= NOW.getTime()),
    );
    expect(wrong).toEqual([]);
  });

  it('puts the sentinel fracture in the period, except for the patients meant to be outside it', () => {
    const start = Date.parse(`${PERIOD.from}T00:00:00Z`);
    const end = Date.parse(`${PERIOD.to}T23:59:59Z`);
    for (const { scenario, resources } of patients) {
      const fracture = resources.find(
        (r): r is Condition => r.resourceType === 'Condition' && /-fx\d+$/.test(r.id ?? ''),
      );
      const onset = Date.parse(fracture?.onsetDateTime ?? '');
      expect(fracture?.code?.coding?.[0]?.system).toBe(SYSTEM.icd10);
      if (scenario === 'fracture-before-period') expect(onset).toBeLessThan(start);
      else {
        expect(onset).toBeGreaterThanOrEqual(start);
        expect(onset).toBeLessThanOrEqual(end);
      }
    }
  });

  it('mixes every scenario of the pathway', () => {
    const seen = new Set(patients.map((p) => p.scenario));
    expect([...seen].sort()).toEqual([...SCENARIOS].sort());
  });

  it('loads as one transaction: POSTs with urn:uuid references to the patient', () => {
    const [first, second] = patients;
    if (!first || !second) throw new Error('no patients');
    const bundle: Bundle = transactionBundle([first, second]);
    const entries = bundle.entry ?? [];
    expect(bundle.type).toBe('transaction');
    expect(entries).toHaveLength(first.resources.length + second.resources.length);
    const patientEntry = entries[0];
    expect(patientEntry?.request).toEqual({ method: 'POST', url: 'Patient' });
    expect(patientEntry?.fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(patientEntry?.resource).toMatchObject({
      identifier: [{ system: 'urn:fls:bench-patient', value: first.patientId }],
    });
    for (const entry of entries.slice(1, first.resources.length)) {
      expect(entry.resource?.id).toBeUndefined();
      expect(referenceOf(entry.resource as FhirResource)).toBe(patientEntry?.fullUrl);
    }
    expect(new Set(entries.map((entry) => entry.fullUrl)).size).toBe(entries.length);
    // The same patients give the same Bundle.
    expect(transactionBundle([first, second])).toEqual(bundle);
  });
});
