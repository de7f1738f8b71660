/** Which patient a resource is about, read from its subject / patient reference. */
import type { FhirResource, Reference } from 'fhir/r4';

/** Any length (docs/protocol.md "Resource ids"): matched exactly against context.patientId. */
const PATIENT_REF = /(?:^|\/)Patient\/([A-Za-z0-9\-.]+)(?:\/_history\/[^/]+)?$/;

/** The Patient id a reference points at, or undefined when it does not name a Patient by id. */
export function patientIdOf(reference: Reference | undefined): string | undefined {
  const target = reference?.reference;
  const match = typeof target === 'string' ? PATIENT_REF.exec(target) : null;
  return match?.[1];
}

/**
 * True when the resource is about this patient. A resource that names no patient
 * cannot be attributed and is not used (it may belong to someone else).
 */
export function belongsTo(resource: FhirResource, patientId: string): boolean {
  if (resource.resourceType === 'Patient') return resource.id === patientId;
  const subject =
    'subject' in resource
      ? (resource.subject as Reference | undefined)
      : 'patient' in resource
        ? (resource.patient as Reference | undefined)
        : undefined;
  // The usual form, `Patient/<id>`, needs no pattern (the pattern gives the same answer),
  // nor a new string per resource.
  const target = subject?.reference;
  if (
    typeof target === 'string' &&
    target.length === patientId.length + 8 &&
    target.startsWith('Patient/') &&
    target.endsWith(patientId)
  )
    return true;
  return patientIdOf(subject) === patientId;
}

export function referenceOf(resource: FhirResource): string {
  return `${resource.resourceType}/${resource.id ?? '(no id)'}`;
}
