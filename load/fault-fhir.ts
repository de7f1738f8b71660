/**
 * A FHIR R4 server with injectable faults, for `npm run test:load`: node:http on
 * 127.0.0.1, forked by load/run.ts with an IPC channel. It answers the reads and
 * the searches of the 8 prefetch queries (patient, code tokens, `_sort=-date`,
 * stateless `_count` / `_offset` paging with absolute `next` links on the same
 * origin) from resources held in memory, each distinct URL serialised once.
 *
 * Modes (IPC `{ type: 'mode', mode, delayMs }`, acknowledged with `mode-ack`):
 * - normal: answer at once;
 * - slow:   every answer `delayMs` late (the mode is taken when the request arrives);
 * - error:  every answer an OperationOutcome with HTTP 500 and 503 alternately.
 * "Stopped" is this process ending (SIGTERM: the listener and every connection
 * are closed, so the service sees connection refused); "restarted" is a new
 * process on the same port, with nothing of the old one's state.
 *
 * Env: PORT, RESOURCES_FILE (a JSON array of resources), PAGE_SIZE (default 20).
 */
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { Bundle, FhirResource, OperationOutcome } from 'fhir/r4';

export type FhirMode = { mode: 'normal' } | { mode: 'slow'; delayMs: number } | { mode: 'error' };

/** Messages from the parent. */
export type FhirControl = ({ type: 'mode' } & FhirMode) | { type: 'count' };

/** Messages to the parent. */
export type FhirReport =
  | { type: 'ready'; port: number }
  | { type: 'mode-ack'; mode: FhirMode['mode'] }
  /** Patient reads received so far: one per hook call the service is working on. */
  | { type: 'count'; patientReads: number };

const port = Number(process.env.PORT);
const file = process.env.RESOURCES_FILE;
const pageSize = Number(process.env.PAGE_SIZE ?? 20);
if (!Number.isInteger(port) || port <= 0 || !file || typeof process.send !== 'function') {
  process.stderr.write('fault-fhir: fork it with PORT and RESOURCES_FILE and an IPC channel\n');
  process.exit(2);
}
const resources = JSON.parse(readFileSync(file, 'utf8')) as FhirResource[];
const base = `http://127.0.0.1:${port}/fhir`;
const cache = new Map<string, { status: number; body: string }>();
let mode: FhirMode = { mode: 'normal' };
let failures = 0;
let patientReads = 0;

function patientOf(resource: FhirResource): string | undefined {
  const fields = resource as { subject?: { reference?: string }; patient?: { reference?: string } };
  return (fields.subject ?? fields.patient)?.reference?.replace(/^Patient\//, '');
}

function dateOf(resource: FhirResource): string {
  const r = resource as { effectiveDateTime?: string; effectivePeriod?: { start?: string } };
  return r.effectiveDateTime ?? r.effectivePeriod?.start ?? '';
}

function outcome(diagnostics: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'processing', diagnostics }],
  };
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

function send(res: ServerResponse, status: number, body: string): void {
  if (res.destroyed) return; // the service gave up waiting (its deadline)
  res.writeHead(status, {
    'Content-Type': 'application/fhir+json;charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

const server = createServer((req, res) => {
  const current = mode;
  if (/^\/fhir\/Patient\/[^/?]+$/.test(req.url ?? '')) patientReads += 1;
  const reply = (): void => {
    if (current.mode === 'error') {
      failures += 1;
      const status = failures % 2 ? 500 : 503;
      send(res, status, JSON.stringify(outcome(`simulated failure ${status}`)));
      return;
    }
    const key = req.url ?? '/';
    let cached = cache.get(key);
    if (!cached) {
      cached = answer(new URL(key, base));
      cache.set(key, cached);
    }
    send(res, cached.status, cached.body);
  };
  if (current.mode === 'slow') setTimeout(reply, current.delayMs);
  else reply();
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => report({ type: 'ready', port }));

function report(message: FhirReport): void {
  process.send?.(message);
}

process.on('message', (message: FhirControl) => {
  if (message.type === 'count') {
    report({ type: 'count', patientReads });
    return;
  }
  mode =
    message.mode === 'slow'
      ? { mode: 'slow', delayMs: message.delayMs }
      : message.mode === 'error'
        ? { mode: 'error' }
        : { mode: 'normal' };
  report({ type: 'mode-ack', mode: mode.mode });
});

/** Stopped: no listener, no connection left, so the service's next try is refused. */
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
