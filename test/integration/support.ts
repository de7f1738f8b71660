/**
 * Shared pieces of the integration tests: the HAPI FHIR server started by
 * global-setup.js, loading the patient library into it, prefetch filled from it as
 * an EHR would, the service in-process, and a small HTTP proxy that can slow HAPI
 * down and records what the service asked for.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4';
import request, { type Response } from 'supertest';
import { SERVICES, type HookName } from '../../src/cds/services';
import { RULES } from '../../src/guideline/catalogue';
import { hookCalls, type HookCall, type LibraryPatient } from '../fixtures/load';
export { loadIntoFhirServer as loadIntoHapi } from '../fixtures/load';
import { testApp, type TestApp } from '../helpers/app';
import type { Profile } from '../../src/guideline/profiles';

const ROOT = join(__dirname, '..', '..');
export const HAPI_SCRIPT = join(ROOT, 'scripts', 'hapi.sh');

/**
 * The codes the service implements today, read from the rule catalogue (it grows as
 * rules are added). Expected codes of the library are compared within this set, so
 * the tests need no edit when a rule lands, and never hard-code results.
 */
export const IMPLEMENTED_CODES: ReadonlySet<string> = new Set(
  Object.values(RULES).flatMap((rule) => rule.codes as readonly string[]),
);

/** Base URL of the HAPI server of this run (`http://127.0.0.1:PORT/fhir`). */
export function hapiBaseUrl(): string {
  const url =
    process.env.HAPI_BASE_URL ??
    readFileSync(join(ROOT, 'test', 'hapi', 'target', 'hapi.url'), 'utf8').trim();
  // The tests only ever talk to this machine.
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`HAPI is not local: ${url}`);
  return url;
}

/** Run scripts/hapi.sh (start / stop / status); returns its stdout. */
export function hapiScript(...args: string[]): string {
  return execFileSync(HAPI_SCRIPT, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
  }).trim();
}

const FHIR_JSON = { Accept: 'application/fhir+json' };

/** GET a FHIR URL and parse it; throws on an HTTP error (with HAPI's message). */
export async function fhirGet(url: string): Promise<FhirResource> {
  const response = await fetch(url, { headers: FHIR_JSON });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} → ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as FhirResource;
}

/** Load patients with their transaction Bundles (PUT: reloading is idempotent). */
/** Render a prefetch template for a patient, as an EHR does (`|` stays encoded). */
export function render(template: string, patientId: string): string {
  return template.replace(/\{\{\s*context\.patientId\s*\}\}/g, encodeURIComponent(patientId));
}

export interface SearchResult {
  /** One searchset with the entries of every page, without paging links. */
  bundle: Bundle;
  /** Pages read (1 = no `next` link). */
  pages: number;
}

/** Run a search on HAPI and follow its `next` links as given. */
export async function searchAllPages(baseUrl: string, query: string): Promise<SearchResult> {
  const entries: BundleEntry[] = [];
  let url: string | undefined = `${baseUrl}/${query}`;
  let pages = 0;
  while (url) {
    const page = await fhirGet(url);
    if (page.resourceType !== 'Bundle') throw new Error(`${query} did not return a Bundle`);
    pages += 1;
    entries.push(...(page.entry ?? []));
    url = page.link?.find((link) => link.relation === 'next')?.url;
  }
  return {
    bundle: { resourceType: 'Bundle', type: 'searchset', total: entries.length, entry: entries },
    pages,
  };
}

/**
 * The full prefetch an EHR would send: every template of the service run against
 * HAPI (reads as reads, searches with all their pages in one Bundle).
 */
export async function fullPrefetch(
  baseUrl: string,
  patientId: string,
  templates: Readonly<Record<string, string>>,
): Promise<Record<string, FhirResource>> {
  const out: Record<string, FhirResource> = {};
  for (const [key, template] of Object.entries(templates)) {
    const query = render(template, patientId);
    out[key] = query.includes('?')
      ? (await searchAllPages(baseUrl, query)).bundle
      : await fhirGet(`${baseUrl}/${query}`);
  }
  return out;
}

/** Keys of a partial prefetch: every other template key (the rest is left to the service). */
export function partialKeys(templates: Readonly<Record<string, string>>): string[] {
  return Object.keys(templates).filter((_key, index) => index % 2 === 0);
}

export function pick<T>(record: Record<string, T>, keys: readonly string[]): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => keys.includes(key)));
}

/** The patient's expected call for a hook (throws if the library has none). */
export function callFor(patient: LibraryPatient, hook: HookName): HookCall {
  const call = hookCalls(patient).find((candidate) => candidate.hook === hook);
  if (!call) throw new Error(`${patient.name} has no ${hook} expectation`);
  return call;
}

export function serviceFor(hook: HookName) {
  const service = SERVICES.find((candidate) => candidate.hook === hook);
  if (!service) throw new Error(`no service for ${hook}`);
  return service;
}

export interface IntegrationApp {
  app: TestApp['app'];
  logs: string[];
  /** POST a hook request to a service; English cards. */
  call(serviceId: string, body: Record<string, unknown>): Promise<Response>;
}

/**
 * The service in-process (test/helpers/app.ts: auth off, in-memory store) with
 * generous FHIR limits, and the clock pinned to `now`: the same instant the
 * library's dates were moved to.
 */
export function integrationApp(
  now: Date,
  fhir: { timeoutMs?: number; maxPages?: number } = {},
  profile: Profile = 'no',
): IntegrationApp {
  const { app, logs } = testApp({
    profile,
    timeoutMs: fhir.timeoutMs ?? 15_000,
    maxPages: fhir.maxPages ?? 20,
    maxResponseBytes: 20_000_000,
    bodyLimitBytes: 5_000_000,
    now: () => now,
  });
  return {
    app,
    logs,
    call: (serviceId, body) =>
      request(app).post(`/cds-services/${serviceId}`).set('Accept-Language', 'en').send(body),
  };
}

export interface CardBody {
  summary: string;
  detail: string;
  indicator: string;
  source: { topic: { code: string } };
  suggestions?: { label: string }[];
}

/**
 * Cards without their (random) uuids, comparable across calls. The evidence table's
 * last column (the source resource) is left out: where two resources support the
 * same fact (a MedicationStatement and the first injection both date a course's
 * start), which one a card cites may follow the order the resources arrived in.
 */
export function comparable(body: { cards: CardBody[] }) {
  return body.cards.map((card) => ({
    code: card.source.topic.code,
    indicator: card.indicator,
    summary: card.summary,
    detail: card.detail
      .split('\n')
      .map((line) => (line.startsWith('| ') ? line.replace(/\|[^|]*\|\s*$/, '|') : line))
      .join('\n'),
    suggestions: (card.suggestions ?? []).map((suggestion) => suggestion.label),
  }));
}

export function codesOf(body: { cards: CardBody[] }): string[] {
  return body.cards.map((card) => card.source.topic.code).sort();
}

/** The codes of a list that the service implements today, sorted. */
export function implemented(codes: readonly string[]): string[] {
  return codes.filter((code) => IMPLEMENTED_CODES.has(code)).sort();
}

export interface FhirProxy {
  /** `http://127.0.0.1:PORT/fhir`: give this as fhirServer. */
  baseUrl: string;
  /** Path and query of every request received, in order. */
  requests: string[];
  /** Delay answers by `ms` (only those `only` selects). 0 = no delay. */
  setDelay(ms: number, only?: (path: string) => boolean): void;
  close(): Promise<void>;
}

/**
 * A tiny HTTP proxy in front of HAPI. It passes the Host header through, so HAPI
 * writes its paging links for the proxy and the service's page requests come back
 * through it (and are recorded). With a delay it makes HAPI slow.
 */
export async function startProxy(targetBaseUrl: string): Promise<FhirProxy> {
  const target = new URL(targetBaseUrl);
  const requests: string[] = [];
  let delay: { ms: number; only?: (path: string) => boolean } = { ms: 0 };

  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push(path);
    const forward = () => {
      if (res.destroyed) return;
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      // HAPI gone: drop the connection, as the real server would have.
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (delay.ms > 0 && (!delay.only || delay.only(path))) {
      const timer = setTimeout(forward, delay.ms);
      res.on('close', () => clearTimeout(timer));
    } else {
      forward();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${target.pathname}`,
    requests,
    setDelay: (ms, only) => (delay = { ms, only }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
