/**
 * FHIR access for the worklist (below the domain): the sentinel-fracture search
 * (Condition by the fracture codes of src/fhir/code-lists.ts and onset-date in
 * the period, every `next` page followed one page at a time), then each patient
 * read with the same queries as a patient-view hook's prefetch
 * (src/cds/prefetch.ts, with its deadlines and paging), a few patients at a
 * time. Rows are handed on as they are made: no Bundle outlives its patient.
 */
import type { Bundle, FhirResource } from 'fhir/r4';
import { resolvePrefetch, type FhirAccessOptions } from '../cds/prefetch';
import { PREFETCH_TEMPLATES } from '../cds/services';
import { CONDITION_CODES, type CodeEntry } from '../fhir/code-lists';
import { createFhirClient, FhirRequestError, nextLink } from '../fhir/client';
import { tokenList } from '../fhir/codes';
import { patientIdOf } from '../patient/references';
import {
  evaluatePatient,
  INDICATOR_IDS,
  type ExcludedPatient,
  type PatientResult,
  type Period,
  type WorklistRow,
  type WorklistSettings,
} from './engine';
import { IndicatorTally, type IndicatorResult } from './indicators';
import { patientTimeline, type PatientTimeline } from './timeline';
import type { GuidelineConfig } from '../guideline/config';

/** A failure that stops the whole run (the population cannot be known): the message names the URL. */
export class WorklistSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorklistSourceError';
  }
}

export interface WorklistSource {
  /** The FHIR base URL. */
  baseUrl: string;
  accessToken?: string;
  /** Deadlines, paging, retries (as for the hooks' own fetching). */
  fhir: FhirAccessOptions;
  /** Patients read at the same time. */
  concurrency: number;
  /** Most pages of the fracture search (a runaway `next` chain stops here). */
  maxSearchPages?: number;
}

export interface WorklistReport {
  period: Period;
  profile: WorklistSettings['profile'];
  /** "now" of the evaluation (ISO). */
  evaluatedAt: string;
  patients: WorklistRow[];
  /** Patients the search found who are not on the list (e.g. only an atypical femur fracture). */
  excluded: ExcludedPatient[];
  indicators: IndicatorResult[];
  /** dk: FLS group shares beside seed 003's; se: visit / no visit shares. Absent in no. */
  routing?: { code: string; count: number; share: number; expected?: number }[];
  /** FHIR requests made (searches, pages, reads), for the operator. */
  fhirRequests: number;
}

/** The worklist's FHIR access: long deadlines, big pages, retries on 429 / 5xx (CLI and service). */
export const WORKLIST_FHIR = {
  timeoutMs: 30_000,
  maxPages: 1000,
  maxResponseBytes: 50_000_000,
  searchCount: 200,
  retry: { retries: 4, baseDelayMs: 500, maxDelayMs: 10_000 },
} as const;

export interface Progress {
  found: number;
  done: number;
}

/** The fracture codes searched: every site list and the osteoporotic-fracture codes. */
const FRACTURE_LISTS: readonly (readonly CodeEntry[])[] = [
  CONDITION_CODES.hipFracture,
  CONDITION_CODES.vertebralFracture,
  CONDITION_CODES.distalRadiusFracture,
  CONDITION_CODES.proximalHumerusFracture,
  CONDITION_CODES.pelvisFracture,
  CONDITION_CODES.osteoporoticFracture,
];

/** The first page of the sentinel-fracture search (relative to the base). */
export function fractureSearchQuery(period: Period, count: number | undefined): string {
  const tokens = tokenList(FRACTURE_LISTS.flat())
    .split(',')
    .map((token) => encodeURIComponent(token))
    .join(',');
  return (
    `Condition?code=${tokens}&onset-date=ge${period.from}&onset-date=le${period.to}` +
    (count !== undefined ? `&_count=${count}` : '')
  );
}

/** Patient ids with a fracture Condition in the period, each once, page by page. */
export async function* fracturePatientIds(
  source: WorklistSource,
  period: Period,
  fetchImpl: typeof fetch,
): AsyncGenerator<string> {
  const client = createFhirClient({
    baseUrl: source.baseUrl,
    ...(source.accessToken ? { accessToken: source.accessToken } : {}),
    timeoutMs: source.fhir.timeoutMs,
    maxPages: 1,
    maxResponseBytes: source.fhir.maxResponseBytes,
    ...(source.fhir.retry ? { retry: source.fhir.retry } : {}),
    fetch: fetchImpl,
  });
  const maxPages = source.maxSearchPages ?? 10_000;
  const seen = new Set<string>();
  let query: string | undefined = fractureSearchQuery(period, source.fhir.searchCount);
  for (let pages = 0; query !== undefined; pages += 1) {
    if (pages >= maxPages) {
      throw new WorklistSourceError(
        `the fracture search on ${source.baseUrl} has more than ${maxPages} pages`,
      );
    }
    const page = await searchPage(client.get, query, source.baseUrl, pages === 0);
    for (const entry of page.entry ?? []) {
      const resource = entry.resource as FhirResource | undefined;
      if (resource?.resourceType !== 'Condition') continue;
      const id = patientIdOf(resource.subject);
      if (id === undefined || seen.has(id)) continue;
      seen.add(id);
      yield id;
    }
    query = nextLink(page);
  }
}

async function searchPage(
  get: (query: string) => Promise<FhirResource>,
  query: string,
  baseUrl: string,
  first: boolean,
): Promise<Bundle> {
  const what = first
    ? 'the fracture search (Condition?code=…&onset-date=…)'
    : 'a page of the fracture search';
  let resource;
  try {
    resource = await get(query);
  } catch (error) {
    throw new WorklistSourceError(describeSearchFailure(error, baseUrl, what));
  }
  if (resource.resourceType === 'OperationOutcome') {
    throw new WorklistSourceError(
      `${baseUrl} refused ${what} with an OperationOutcome: does it support the Condition search parameters code and onset-date?`,
    );
  }
  if (resource.resourceType !== 'Bundle') {
    throw new WorklistSourceError(
      `${baseUrl} answered ${what} with a ${resource.resourceType}, not a Bundle`,
    );
  }
  return resource;
}

function describeSearchFailure(error: unknown, baseUrl: string, what: string): string {
  if (!(error instanceof FhirRequestError)) return `${what} on ${baseUrl} failed unexpectedly`;
  switch (error.failure) {
    case 'http-status':
      if (error.status === 400 || error.status === 422) {
        return `${baseUrl} refused ${what} (HTTP ${error.status}): does it support the Condition search parameters code and onset-date?`;
      }
      if (error.status === 401 || error.status === 403) {
        return `${baseUrl} refused access (HTTP ${error.status}): give an access token with --token or WORKLIST_FHIR_TOKEN`;
      }
      if (error.status === 404) {
        return `${baseUrl} answered HTTP 404 to ${what}: is it the FHIR base URL (…/fhir)?`;
      }
      return `${baseUrl} answered ${what} with HTTP ${error.status}`;
    case 'invalid-body':
      return `${baseUrl} did not answer ${what} with FHIR JSON (an HTML page?): is it the FHIR base URL?`;
    case 'network':
      return `the FHIR server ${baseUrl} could not be reached`;
    case 'timeout':
      return `${baseUrl} did not answer ${what} in time (${error.message})`;
    default:
      return `${what} on ${baseUrl} failed: ${error.message}`;
  }
}

/**
 * One patient's resources by the discovery prefetch queries; a patient that cannot
 * be read is an error text (the row then says undecided and why).
 */
export async function readPatient(
  source: WorklistSource,
  patientId: string,
  fetchImpl: typeof fetch,
): Promise<{ ok: true; resources: FhirResource[] } | { ok: false; reason: string }> {
  try {
    const resolved = await resolvePrefetch(
      PREFETCH_TEMPLATES,
      {
        hook: 'patient-view',
        hookInstance: `worklist-${patientId}`,
        fhirServer: source.baseUrl,
        ...(source.accessToken
          ? {
              fhirAuthorization: {
                access_token: source.accessToken,
                token_type: 'Bearer',
                expires_in: 300,
                scope: 'system/*.read',
                subject: 'worklist',
              },
            }
          : {}),
        context: { patientId, userId: 'Practitioner/worklist' },
      },
      { ...source.fhir, fetch: fetchImpl },
    );
    return { ok: true, resources: Object.values(resolved.resources).flat() };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : 'unreadable' };
  }
}

/**
 * The whole run: search, read each patient (`concurrency` at a time), evaluate,
 * tally. `onRow` sees each row as it is made (e.g. to stream it); the report
 * holds the rows, never the FHIR data.
 */
export async function runWorklist(
  source: WorklistSource,
  settings: WorklistSettings,
  hooks: { onRow?: (row: WorklistRow) => void; onProgress?: (progress: Progress) => void } = {},
): Promise<WorklistReport> {
  const baseFetch = source.fhir.fetch ?? fetch;
  let fhirRequests = 0;
  const counting: typeof fetch = (input, init) => {
    fhirRequests += 1;
    return baseFetch(input, init);
  };
  const ids = fracturePatientIds(source, settings.period, counting);
  const collected = new WorklistCollector(hooks.onRow);
  const progress: Progress = { found: 0, done: 0 };
  let failure: unknown;

  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      let next: IteratorResult<string>;
      try {
        next = await ids.next();
      } catch (error) {
        failure ??= error;
        return;
      }
      if (next.done) return;
      progress.found += 1;
      hooks.onProgress?.({ ...progress });
      const patientId = next.value;
      const read = await readPatient(source, patientId, counting);
      collected.add(
        read.ok
          ? evaluateSafely(patientId, read.resources, settings)
          : { kind: 'row', row: unreadableRow(patientId, read.reason) },
      );
      progress.done += 1;
      hooks.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, source.concurrency) }, worker));
  if (failure !== undefined) {
    if (failure instanceof WorklistSourceError) throw failure;
    throw new WorklistSourceError(`the fracture search on ${source.baseUrl} failed`);
  }
  return collected.report(settings, fhirRequests);
}

/** What one run (search or Bulk Data path) keeps: the rows, the excluded and the indicator tally. */
export class WorklistCollector {
  private readonly rows: WorklistRow[] = [];
  private readonly excluded: ExcludedPatient[] = [];
  private readonly tally = new IndicatorTally();

  constructor(private readonly onRow?: (row: WorklistRow) => void) {}

  add(result: PatientResult): void {
    if (result.kind === 'row') {
      this.rows.push(result.row);
      this.tally.add(result.row);
      this.onRow?.(result.row);
    } else this.excluded.push(result.excluded);
  }

  /** The report: rows in a stable order, the indicators. */
  report(settings: WorklistSettings, fhirRequests: number): WorklistReport {
    return worklistReport(settings, this.rows, this.excluded, this.tally, fhirRequests);
  }
}

function worklistReport(
  settings: WorklistSettings,
  rows: WorklistRow[],
  excluded: ExcludedPatient[],
  tally: IndicatorTally,
  fhirRequests: number,
): WorklistReport {
  rows.sort(
    (a, b) =>
      (a.sentinelFracture?.date ?? '').localeCompare(b.sentinelFracture?.date ?? '') ||
      a.patientId.localeCompare(b.patientId),
  );
  excluded.sort((a, b) => a.patientId.localeCompare(b.patientId));
  const routing = settings.profile === 'no' ? undefined : tally.routingShares();
  return {
    period: settings.period,
    profile: settings.profile,
    evaluatedAt: settings.now.toISOString(),
    patients: rows,
    excluded,
    indicators: tally.results(),
    ...(routing ? { routing } : {}),
    fhirRequests,
  };
}

/** evaluatePatient, but data that breaks it makes the patient undecided, never a crashed run. */
export function evaluateSafely(
  patientId: string,
  resources: FhirResource[],
  settings: WorklistSettings,
): PatientResult {
  try {
    return evaluatePatient(patientId, resources, settings);
  } catch (error) {
    const name = error instanceof Error ? error.name : 'unknown error';
    return {
      kind: 'row',
      row: unreadableRow(patientId, `the patient's data could not be evaluated (${name})`),
    };
  }
}

/** A patient whose data could not be read: on the list, undecided, with the reason. */
export function unreadableRow(patientId: string, reason: string): WorklistRow {
  return {
    patientId,
    step: 'undecided',
    undecidedReason: reason,
    overdue: [],
    routing: null,
    cards: [],
    outcomes: Object.fromEntries(
      INDICATOR_IDS.map((id) => [id, id === 'completeness' ? 'not-met' : 'undecided']),
    ),
  };
}

/** Why a patient's timeline could not be made (the HTTP layer maps it: 404 / 502). */
export type TimelineResult =
  | { ok: true; timeline: PatientTimeline }
  | { ok: false; failure: 'not-found' | 'unreadable'; reason: string };

/**
 * One patient's timeline (the patient page): read with the discovery prefetch
 * queries (readPatient, as for a worklist row), built by the same snapshot builder.
 */
export async function readPatientTimeline(
  source: WorklistSource,
  patientId: string,
  now: Date,
  guideline: GuidelineConfig,
): Promise<TimelineResult> {
  const read = await readPatient(source, patientId, source.fhir.fetch ?? fetch);
  if (!read.ok) {
    // The Patient read (prefetch key `patient`) answered 404 / 410: no such patient.
    const notFound = /\bpatient: the FHIR server answered HTTP (404|410)\b/.test(read.reason);
    return { ok: false, failure: notFound ? 'not-found' : 'unreadable', reason: read.reason };
  }
  const timeline = patientTimeline(patientId, read.resources, now, guideline);
  return timeline
    ? { ok: true, timeline }
    : { ok: false, failure: 'not-found', reason: 'no Patient resource' };
}
