/**
 * `npm run hapi:load`: put the synthetic patient library (test/fixtures/patients, dates
 * moved to today) into a FHIR server — by default the one `npm run hapi` started — and
 * print, per patient, a link that opens it in the public CDS Hooks sandbox against the
 * locally running service (`npm start`), then the `npm run worklist` command for the
 * library period (every fracture patient of the library at its worklist step).
 *
 *   npm run hapi:load
 *   npm run hapi:load -- --fhir http://127.0.0.1:8080/fhir --service http://localhost:3000
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { libraryPeriod, loadIntoFhirServer, loadLibrary } from '../test/fixtures/load';

const ROOT = join(__dirname, '..', '..');
const SANDBOX = 'https://sandbox.cds-hooks.org/';

function fhirBase(given: string | undefined): string {
  if (given) return given.replace(/\/+$/, '');
  try {
    return readFileSync(join(ROOT, 'test', 'hapi', 'target', 'hapi.url'), 'utf8').trim();
  } catch {
    throw new Error('no FHIR server: start one with `npm run hapi`, or pass --fhir <base URL>');
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      fhir: { type: 'string' },
      service: { type: 'string', default: 'http://localhost:3000' },
    },
  });
  const fhir = fhirBase(values.fhir);
  try {
    new URL(fhir);
  } catch {
    throw new Error(`--fhir is not a URL: ${fhir}`);
  }
  const now = new Date();
  const patients = loadLibrary(now);
  await loadIntoFhirServer(fhir, patients);
  const discovery = `${(values.service ?? '').replace(/\/+$/, '')}/cds-services`;
  console.log(`loaded ${patients.length} library patients into ${fhir}`);
  console.log(`CDS Hooks sandbox (the service must run: npm start):`);
  for (const patient of patients) {
    const link = new URL(SANDBOX);
    link.searchParams.set('serviceDiscoveryURL', discovery);
    link.searchParams.set('fhirServiceUrl', fhir);
    link.searchParams.set('patientId', patient.patientId);
    console.log(`  ${patient.name.padEnd(36)} ${link.href}`);
  }
  // The library's fracture patients (docs/worklist.md "The library population").
  const period = libraryPeriod(now);
  console.log(
    `FLS worklist of the library: npm run worklist -- --fhir ${fhir} --from ${period.from} --to ${period.to}`,
  );
}

main().catch((error: unknown) => {
  console.error(`hapi:load: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
