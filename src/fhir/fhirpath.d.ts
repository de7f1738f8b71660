// fhirpath ships no types for its model files.
declare module 'fhirpath/fhir-context/r4';
