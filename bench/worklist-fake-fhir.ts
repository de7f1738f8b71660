/**
 * A fast stand-in FHIR server for the worklist benchmark's memory question
 * (`npm run bench -- --worklist --fhir=fake`): it serves the generated population
 * (bench/fracture-population.ts) from memory, in its own process, answering just
 * what the worklist asks — the fracture search (paged), the Patient read, the
 * prefetch searches by patient (Observations by code), and a Bulk Data `$export`
 * that is ready at once. It makes a 10,000-patient run take minutes instead of
 * HAPI's hours, so that the worklist's own memory can be measured at 1,000 and
 * 10,000; its times say nothing about a real server.
 *
 * Env: PORT, PATIENTS (N), SEED, NOW (ISO). Prints `ready` on stdout.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { FhirResource } from 'fhir/r4';
import { defaultPeriod, generatePatient } from './fracture-population';

const count = Number(process.env.PATIENTS ?? 1000);
const seed = Number(process.env.SEED ?? 1);
const now = new Date(process.env.NOW ?? new Date().toISOString());
const options = { seed, now, period: defaultPeriod(now) };
const byPatient = new Map<string, FhirResource[]>();
const sentinels: FhirResource[] = [];
for (let index = 0; index < count; index += 1) {
  const patient = generatePatient(index, options);
  byPatient.set(patient.patientId, patient.resources);
  const fracture = patient.resources.find(
    (r) => r.resourceType === 'Condition' && /-fx\d+$/.test(r.id ?? ''),
  );
  if (fracture) sentinels.push(fracture);
}

const send = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'Content-Type': 'application/fhir+json' });
  res.end(JSON.stringify(body));
};
const bundle = (resources: FhirResource[], next?: string) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  link: next ? [{ relation: 'next', url: next }] : [],
  entry: resources.map((resource) => ({ resource })),
});

const server = createServer((req, res) => {
  const port = (server.address() as { port: number }).port;
  const base = `http://127.0.0.1:${port}/fhir`;
  const url = new URL(req.url ?? '/', base);
  const path = url.pathname.replace(/^\/fhir\/?/, '');
  const params = url.searchParams;
  // The fracture search: the sentinel Conditions (those before the period too: the engine re-reads dates).
  if (path === 'Condition' && params.has('onset-date')) {
    const size = Number(params.get('_count') ?? 50);
    const offset = Number(params.get('_offset') ?? 0);
    const next =
      offset + size < sentinels.length
        ? `${base}/Condition?onset-date=x&_count=${size}&_offset=${offset + size}`
        : undefined;
    return send(res, 200, bundle(sentinels.slice(offset, offset + size), next));
  }
  const read = /^Patient\/([^/]+)$/.exec(path);
  if (read?.[1]) {
    const patient = byPatient.get(read[1])?.[0];
    return patient ? send(res, 200, patient) : send(res, 404, { resourceType: 'OperationOutcome' });
  }
  if (path === '$export') {
    res.writeHead(202, { 'Content-Location': `${base}/export-status` });
    return res.end();
  }
  if (path === 'export-status') {
    const types = [
      'Patient',
      'Observation',
      'Condition',
      'MedicationStatement',
      'MedicationAdministration',
      'Procedure',
    ];
    return send(res, 200, {
      requiresAccessToken: false,
      output: types.map((type) => ({ type, url: `${base}/files/${type}` })),
      error: [],
    });
  }
  const file = /^files\/(\w+)$/.exec(path);
  if (file?.[1]) {
    res.writeHead(200, { 'Content-Type': 'application/fhir+ndjson' });
    // Streamed patient by patient, with backpressure.
    const all = byPatient.values();
    const pump = (): void => {
      for (let item = all.next(); !item.done; item = all.next()) {
        const lines = item.value
          .filter((r) => r.resourceType === file[1])
          .map((r) => `${JSON.stringify(r)}\n`)
          .join('');
        if (lines && !res.write(lines)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    return pump();
  }
  // The prefetch searches: by patient, Observations by code.
  const patientId = params.get('patient');
  if (patientId && path && !path.includes('/')) {
    const tokens = params.get('code')?.split(',');
    const matches = (byPatient.get(patientId) ?? []).filter(
      (r) =>
        r.resourceType === path &&
        (!tokens ||
          (
            (r as { code?: { coding?: { system?: string; code?: string }[] } }).code?.coding ?? []
          ).some((c) => tokens.includes(`${c.system}|${c.code}`))),
    );
    return send(res, 200, bundle(matches));
  }
  send(res, 400, { resourceType: 'OperationOutcome' });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(
    `ready http://127.0.0.1:${(server.address() as { port: number }).port}/fhir\n`,
  );
});
