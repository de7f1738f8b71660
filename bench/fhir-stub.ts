/**
 * A static FHIR R4 server for scenario 4 when HAPI is not available: node:http on
 * 127.0.0.1 answering reads and the prefetch searches (patient, code tokens,
 * `_sort=-date`, `_count` / `_offset` paging with absolute `next` links) from
 * resources held in memory. Each distinct URL is computed once and then served
 * from a cache of serialised bodies, so the stub's own cost is as small as a
 * FHIR server's can be and the measured overhead is the CDS service's.
 *
 * Env: PORT (required), RESOURCES_FILE (a JSON array of resources),
 * PAGE_SIZE (default 100: a common default of FHIR servers).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Bundle, FhirResource } from 'fhir/r4';

const port = Number(process.env.PORT);
const file = process.env.RESOURCES_FILE;
const pageSize = Number(process.env.PAGE_SIZE ?? 100);
if (!Number.isInteger(port) || !file) {
  process.stderr.write('fhir-stub: PORT and RESOURCES_FILE are required\n');
  process.exit(1);
}
const resources = JSON.parse(readFileSync(file, 'utf8')) as FhirResource[];
const base = `http://127.0.0.1:${port}/fhir`;
const cache = new Map<string, { status: number; body: string }>();

function patientOf(resource: FhirResource): string | undefined {
  const fields = resource as { subject?: { reference?: string }; patient?: { reference?: string } };
  return (fields.subject ?? fields.patient)?.reference?.replace(/^Patient\//, '');
}

function dateOf(resource: FhirResource): string {
  const r = resource as { effectiveDateTime?: string; effectivePeriod?: { start?: string } };
  return r.effectiveDateTime ?? r.effectivePeriod?.start ?? '';
}

function answer(url: URL): { status: number; body: string } {
  const relative = url.pathname.replace(/^\/fhir\/?/, '');
  const [type, id, ...rest] = relative.split('/');
  if (type && id && rest.length === 0) {
    const found = resources.find((r) => r.resourceType === type && r.id === id);
    return found
      ? { status: 200, body: JSON.stringify(found) }
      : { status: 404, body: JSON.stringify(outcome(`${type}/${id} is not known`)) };
  }
  if (!type || id) return { status: 400, body: JSON.stringify(outcome('unsupported request')) };
  const params = url.searchParams;
  const patient = params.get('patient');
  const tokens = params.get('code')?.split(',');
  const matches = resources.filter((resource) => {
    if (resource.resourceType !== type) return false;
    if (patient !== null && patientOf(resource) !== patient) return false;
    if (!tokens) return true;
    const codings = (resource as { code?: { coding?: { system?: string; code?: string }[] } }).code
      ?.coding;
    return (codings ?? []).some(
      (c) => tokens.includes(`${c.system}|${c.code}`) || tokens.includes(c.code ?? ''),
    );
  });
  if (params.get('_sort') === '-date') matches.sort((a, b) => dateOf(b).localeCompare(dateOf(a)));
  const count = Number(params.get('_count')) || pageSize;
  const offset = Number(params.get('_offset')) || 0;
  const nextOffset = offset + count < matches.length ? offset + count : undefined;
  const next = new URL(url.href);
  next.searchParams.set('_offset', String(nextOffset));
  next.searchParams.set('_count', String(count));
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: matches.length,
    link: [
      { relation: 'self', url: `${base}/${relative}${url.search}` },
      ...(nextOffset === undefined
        ? []
        : [{ relation: 'next', url: `${base}/${relative}${next.search}` }]),
    ],
    entry: matches.slice(offset, offset + count).map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' as const },
    })),
  };
  return { status: 200, body: JSON.stringify(bundle) };
}

function outcome(diagnostics: string) {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'processing', diagnostics }],
  };
}

const server = createServer((req, res) => {
  const key = req.url ?? '/';
  let cached = cache.get(key);
  if (!cached) {
    cached = answer(new URL(key, base));
    cache.set(key, cached);
  }
  res.writeHead(cached.status, {
    'Content-Type': 'application/fhir+json;charset=utf-8',
    'Content-Length': Buffer.byteLength(cached.body),
  });
  res.end(cached.body);
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1');
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
