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
import type { FhirResource } from 'fhir/r4';
import { fhirAnswerer } from './fhir-search';

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

const answer = fhirAnswerer(resources, base, { pageSize, maxPageSize: pageSize });

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
