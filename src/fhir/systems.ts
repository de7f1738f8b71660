/** Code system URIs (../shared/guideline/codes.md). */
export const SYSTEM = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  icd10: 'http://hl7.org/fhir/sid/icd-10',
  /** Norwegian ICD-10 (Volven 7110): codes are written without the dot, e.g. S720. */
  icd10No: 'urn:oid:2.16.578.1.12.4.1.1.7110',
  atc: 'http://www.whocc.no/atc',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  ucum: 'http://unitsofmeasure.org',
  /** Norwegian laboratory code list (NLK, Volven 7280). */
  nlk: 'urn:oid:2.16.578.1.12.4.1.1.7280',
  npuMedcom: 'urn:oid:1.2.208.176.2.1',
  npu: 'http://npu-terminology.org',
  observationInterpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
} as const;

/**
 * Systems that name the same terminology. A code list entry written with the first
 * system also matches codings sent with the others (after the system's own code
 * normalisation, see codes.ts).
 */
export const EQUIVALENT_SYSTEMS: Record<string, readonly string[]> = {
  [SYSTEM.icd10]: [SYSTEM.icd10, SYSTEM.icd10No],
  [SYSTEM.npu]: [SYSTEM.npu, SYSTEM.npuMedcom],
};
