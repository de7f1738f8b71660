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
import type { FhirResource } from 'fhir/r4';
import { fhirAnswerer, outcome } from '../bench/fhir-search';

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

// The server caps `_count` at its page size, as HAPI caps at 50: the service's paging is exercised.
const answer = fhirAnswerer(resources, base, { pageSize, maxPageSize: pageSize });

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
