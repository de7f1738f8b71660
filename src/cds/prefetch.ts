/**
 * Prefetch resolution (CDS Hooks 2.0, "Providing FHIR Resources to a CDS Service"):
 * - key present with a resource → use it (following `next` links of a paged Bundle);
 * - key present with `null` → the EHR says there is no data: no query;
 * - key absent, or an OperationOutcome / error Bundle → the service queries
 *   fhirServer itself, all such keys in parallel, each with a deadline;
 * - data that cannot be had → DataUnavailableError (HTTP 412), never an empty answer.
 */
import type { Bundle, FhirResource, OperationOutcome } from 'fhir/r4';
import {
  createFhirClient,
  FhirRequestError,
  nextLink,
  type FhirClient,
  type FhirFailure,
  type RetryOptions,
} from '../fhir/client';
import type { CdsRequest, HookContext } from './request';

export class DataUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataUnavailableError';
  }
}

export class PrefetchShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrefetchShapeError';
  }
}

export interface FhirAccessOptions {
  /** Deadline for each key (all its pages). */
  timeoutMs: number;
  maxPages: number;
  maxResponseBytes: number;
  /**
   * Budget for all of one call's fetching, counted from resolvePrefetch's `startedAt`:
   * each key's deadline becomes min(timeoutMs, what is left). Undefined: timeoutMs only.
   */
  requestDeadlineMs?: number;
  /** `_count` added to the service's own searches (unless the template sets one); undefined: none. */
  searchCount?: number;
  fetch?: typeof fetch;
  /** Told about each key the service fetched itself (metrics; the HTTP layer passes it in). */
  observeFetch?: FhirFetchObserver;
  /** Retries on 429 / 5xx (src/fhir/client.ts); hook calls leave it unset, the worklist sets it. */
  retry?: RetryOptions;
}

/**
 * One key fetched from fhirServer: how long it took (all its pages, in seconds) and,
 * when it failed, why (`unexpected`: not a FHIR access failure).
 */
export type FhirFetchObserver = (
  key: string,
  seconds: number,
  failure: FhirFailure | 'unexpected' | undefined,
) => void;

export interface ResolvedPrefetch {
  /** Prefetch key → the resources it holds (Bundle entries unpacked). */
  resources: Record<string, FhirResource[]>;
  /** Keys the service fetched from fhirServer itself. */
  fetched: string[];
}

const TOKEN = /\{\{\s*([A-Za-z.]+)\s*\}\}/g;

/** Substitute `{{context.X}}` and `{{userPractitionerId}}`-style tokens. */
export function renderTemplate(template: string, context: HookContext): string {
  return template.replace(TOKEN, (_match, token: string) => {
    const value = tokenValue(token, context);
    if (value === undefined)
      throw new Error(`prefetch token {{${token}}} has no value in this request`);
    return encodeURIComponent(value);
  });
}

function tokenValue(token: string, context: HookContext): string | undefined {
  if (token.startsWith('context.')) {
    const value = (context as unknown as Record<string, unknown>)[token.slice('context.'.length)];
    return typeof value === 'string' ? value : undefined;
  }
  const userTokens: Record<string, string> = {
    userPractitionerId: 'Practitioner',
    userPractitionerRoleId: 'PractitionerRole',
    userPatientId: 'Patient',
    userRelatedPersonId: 'RelatedPerson',
  };
  const type = userTokens[token];
  if (!type) return undefined;
  const [userType, userId] = context.userId.split('/');
  return userType === type ? userId : undefined;
}

type KeyPlan =
  | { kind: 'given'; resources: FhirResource[] }
  | { kind: 'complete'; bundle: Bundle }
  | { kind: 'fetch'; query: string; search: boolean };

export async function resolvePrefetch(
  templates: Readonly<Record<string, string>>,
  request: CdsRequest,
  access: FhirAccessOptions,
  /** performance.now() when the call started: the request deadline counts from here. */
  startedAt: number = performance.now(),
): Promise<ResolvedPrefetch> {
  const plans: Record<string, KeyPlan> = {};
  for (const [key, template] of Object.entries(templates)) {
    plans[key] = planKey(key, template, request);
  }
  const pending = Object.entries(plans).filter(([, plan]) => plan.kind !== 'given');
  if (pending.length === 0) return { resources: unpackGiven(plans), fetched: [] };

  if (!request.fhirServer) {
    const keys = pending.map(([key]) => key).join(', ');
    throw new DataUnavailableError(
      `the service needs prefetch data it did not get (${keys}) and the request has no fhirServer to fetch it from`,
    );
  }
  // Keys are fetched in parallel from now on, so one shared deadline bounds them all.
  const leftMs =
    access.requestDeadlineMs === undefined
      ? Infinity
      : Math.floor(access.requestDeadlineMs - (performance.now() - startedAt));
  if (leftMs <= 0) {
    throw new DataUnavailableError(
      `the request deadline (${access.requestDeadlineMs} ms) passed before the FHIR server could be queried`,
    );
  }
  const byDeadline = leftMs < access.timeoutMs;
  const client = createFhirClient({
    baseUrl: request.fhirServer,
    accessToken: request.fhirAuthorization?.access_token,
    ...access,
    timeoutMs: Math.min(access.timeoutMs, leftMs),
  });
  const resources: Record<string, FhirResource[]> = unpackGiven(plans);
  const results = await Promise.allSettled(
    pending.map(async ([key, plan]) => {
      const fetchStarted = performance.now();
      const observe = (failure: FhirFailure | 'unexpected' | undefined): void =>
        access.observeFetch?.(key, (performance.now() - fetchStarted) / 1000, failure);
      try {
        resources[key] = await runPlan(client, withSearchCount(plan, access.searchCount));
      } catch (error) {
        observe(error instanceof FhirRequestError ? error.failure : 'unexpected');
        throw error;
      }
      observe(undefined);
    }),
  );
  const failures = results.flatMap((result, index) =>
    result.status === 'rejected'
      ? [
          `${pending[index]?.[0]}: ${failureText(result.reason, byDeadline ? access.requestDeadlineMs : undefined)}`,
        ]
      : [],
  );
  if (failures.length > 0) {
    throw new DataUnavailableError(
      `data needed from the FHIR server could not be fetched (${failures.join('; ')})`,
    );
  }
  return { resources, fetched: pending.map(([key]) => key) };
}

/** The service's own search asks for pages of `count`: a server paging by 10 costs 8 round trips for 72 labs. */
function withSearchCount(plan: KeyPlan, count: number | undefined): KeyPlan {
  if (count === undefined || plan.kind !== 'fetch' || !plan.search) return plan;
  if (/[?&]_count=/.test(plan.query)) return plan;
  return { ...plan, query: `${plan.query}&_count=${count}` };
}

function planKey(key: string, template: string, request: CdsRequest): KeyPlan {
  const search = template.includes('?');
  const query = () => renderTemplate(template, request.context);
  const given = request.prefetch?.[key];
  if (given === null) return { kind: 'given', resources: [] };
  if (given === undefined || given.resourceType === 'OperationOutcome') {
    return { kind: 'fetch', query: query(), search };
  }
  if (search) {
    if (given.resourceType !== 'Bundle') {
      throw new PrefetchShapeError(
        `prefetch.${key} must be a Bundle (search result), null or an OperationOutcome`,
      );
    }
    if (isErrorBundle(given)) return { kind: 'fetch', query: query(), search };
    return nextLink(given)
      ? { kind: 'complete', bundle: given }
      : { kind: 'given', resources: entriesOf(given) };
  }
  const expectedType = template.split('/')[0];
  if (given.resourceType !== expectedType) {
    throw new PrefetchShapeError(
      `prefetch.${key} must be a ${expectedType} resource, null or an OperationOutcome`,
    );
  }
  return { kind: 'given', resources: [given] };
}

async function runPlan(client: FhirClient, plan: KeyPlan): Promise<FhirResource[]> {
  switch (plan.kind) {
    case 'given':
      return plan.resources;
    case 'complete':
      return entriesOf(await client.completeBundle(plan.bundle));
    case 'fetch':
      if (plan.search) return entriesOf(await client.searchAll(plan.query));
      return [await readResource(client, plan.query)];
  }
}

async function readResource(client: FhirClient, query: string): Promise<FhirResource> {
  const resource = await client.get(query);
  if (resource.resourceType === 'OperationOutcome') {
    throw new FhirRequestError('invalid-body', 'the FHIR server returned an OperationOutcome');
  }
  return resource;
}

function unpackGiven(plans: Record<string, KeyPlan>): Record<string, FhirResource[]> {
  const out: Record<string, FhirResource[]> = {};
  for (const [key, plan] of Object.entries(plans))
    if (plan.kind === 'given') out[key] = plan.resources;
  return out;
}

/** Entries' resources, without the search outcome entries (OperationOutcome with search.mode = outcome). */
export function entriesOf(bundle: Bundle): FhirResource[] {
  const resources: FhirResource[] = [];
  for (const entry of bundle.entry ?? []) {
    if (entry.resource && entry.resource.resourceType !== 'OperationOutcome')
      resources.push(entry.resource as FhirResource);
  }
  return resources;
}

/** A Bundle that reports a failure: an entry with a 4xx / 5xx response, or an error OperationOutcome. */
export function isErrorBundle(bundle: Bundle): boolean {
  return (bundle.entry ?? []).some((entry) => {
    if (entry.response?.status && /^[45]/.test(entry.response.status.trim())) return true;
    if (entry.resource?.resourceType !== 'OperationOutcome') return false;
    return ((entry.resource as OperationOutcome).issue ?? []).some(
      (issue) => issue.severity === 'error' || issue.severity === 'fatal',
    );
  });
}

/** With `deadlineMs`, a timeout was the request deadline's, not FHIR_TIMEOUT_MS's: say so. */
function failureText(reason: unknown, deadlineMs: number | undefined): string {
  if (!(reason instanceof FhirRequestError)) return 'unexpected error';
  if (reason.failure === 'timeout' && deadlineMs !== undefined) {
    return `the FHIR server did not answer within the request deadline (${deadlineMs} ms)`;
  }
  return reason.message;
}
