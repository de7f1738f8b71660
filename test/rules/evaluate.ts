/** Run the rules on FHIR test data the way a hook call does (snapshot → engine), clock pinned. */
import type { FhirResource, MedicationRequest } from 'fhir/r4';
import {
  DEFAULT_GUIDELINE_CONFIG,
  snapshotSettings,
  type GuidelineConfig,
} from '../../src/guideline/config';
import { evaluate } from '../../src/guideline/engine';
import type { Finding } from '../../src/guideline/finding';
import type { Profile } from '../../src/guideline/profiles';
import { buildSnapshot } from '../../src/patient/build';
import { NOW, patient, PATIENT_ID } from '../helpers/fhir';

export function patientView(
  resources: FhirResource[],
  config: GuidelineConfig = DEFAULT_GUIDELINE_CONFIG,
  profile: Profile = 'no',
): Finding[] {
  const snapshot = buildSnapshot({
    patientId: PATIENT_ID,
    resources: withPatient(resources),
    now: NOW,
    settings: snapshotSettings(config),
  });
  return evaluate('patient-view', snapshot, NOW, config, profile);
}

export function orderTime(
  resources: FhirResource[],
  drafts: MedicationRequest[],
  config: GuidelineConfig = DEFAULT_GUIDELINE_CONFIG,
): Finding[] {
  const snapshot = buildSnapshot({
    patientId: PATIENT_ID,
    resources: withPatient(resources),
    draftOrders: drafts,
    now: NOW,
    settings: snapshotSettings(config),
  });
  return evaluate('order', snapshot, NOW, config);
}

/** The default patient (a woman of 78) unless the test brings its own Patient. */
function withPatient(resources: FhirResource[]): FhirResource[] {
  return resources.some((resource) => resource.resourceType === 'Patient')
    ? resources
    : [patient(), ...resources];
}

export const codesOf = (findings: Finding[]): string[] =>
  findings.map((finding) => finding.code).sort();

export function only(findings: Finding[], code: string): Finding {
  const found = findings.filter((finding) => finding.code === code);
  if (found.length !== 1)
    throw new Error(
      `expected one ${code} finding, got ${found.length}: ${codesOf(findings).join(', ')}`,
    );
  return found[0] as Finding;
}
