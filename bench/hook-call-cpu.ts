/**
 * The hook call's own cost, in-process (a diagnostic beside `npm run bench`): parse
 * the 66 KB patient-view request of the bench patient and answer it with
 * `callService`, best of 20 rounds of 300 calls, after 2,000 warm-up calls. No
 * HTTP, no load generator: on a shared machine this moves less than a loaded
 * server does, so it is the figure to compare two trees by.
 *
 *   node dist/bench/hook-call-cpu.js                 # this tree
 *   node dist/bench/hook-call-cpu.js /other/checkout # another tree's dist (built there)
 *
 * The other tree is loaded from its own `dist/` (its `src` and `bench/patient`),
 * so an older commit is measured with its own code and its own bench patient.
 */
import { join, resolve } from 'node:path';

type Handle = typeof import('../src/cds/handle');
type Services = typeof import('../src/cds/services');
type GuidelineConfig = typeof import('../src/guideline/config');
type Patient = typeof import('./patient');
type Config = typeof import('../src/config');

const ROUNDS = 20;
const CALLS = 300;
const WARMUP = 2_000;

async function main(): Promise<void> {
  const tree = process.argv[2] ? resolve(process.argv[2]) : resolve(__dirname, '..', '..');
  const load = async <T>(file: string): Promise<T> => (await import(join(tree, 'dist', file))) as T;
  const { callService } = await load<Handle>('src/cds/handle.js');
  const { findService } = await load<Services>('src/cds/services.js');
  const { DEFAULT_GUIDELINE_CONFIG } = await load<GuidelineConfig>('src/guideline/config.js');
  const { benchPatient, requestBodies } = await load<Patient>('bench/patient.js');
  const { loadConfig } = await load<Config>('src/config.js');

  const now = new Date();
  const body = JSON.stringify(requestBodies(benchPatient(100, now)).patientView);
  const service = findService('fls-patient-view');
  if (!service) throw new Error(`${tree}: no fls-patient-view service`);
  // The service's own FHIR settings (defaults); with the full prefetch nothing is fetched.
  const deps = { guideline: DEFAULT_GUIDELINE_CONFIG, fhir: loadConfig({}).fhir, now: () => now };
  const call = () => callService(service, JSON.parse(body), 'nb', deps);

  for (let index = 0; index < WARMUP; index++) await call();
  let parse = Infinity;
  let parseAndCall = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    let started = performance.now();
    for (let index = 0; index < CALLS; index++) JSON.parse(body);
    parse = Math.min(parse, (performance.now() - started) / CALLS);
    started = performance.now();
    for (let index = 0; index < CALLS; index++) await call();
    parseAndCall = Math.min(parseAndCall, (performance.now() - started) / CALLS);
  }
  const ms = (value: number) => value.toFixed(3);
  process.stdout.write(
    `${tree} (Node ${process.version}): parse + call ${ms(parseAndCall)} ms, ` +
      `parse ${ms(parse)} ms, call ${ms(parseAndCall - parse)} ms (best of ${ROUNDS} × ${CALLS})\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
