/**
 * A small FHIR R4 REST client for the queries the service makes itself when the
 * EHR did not prefetch. Each query has one deadline covering all its pages; paging
 * follows `next` links as the server gives them, up to a bound. Errors carry no
 * URL, query or token: they end up in responses and logs.
 */
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4';

export interface FhirClientOptions {
  baseUrl: string;
  accessToken?: string;
  timeoutMs: number;
  maxPages: number;
  maxResponseBytes: number;
  fetch?: typeof fetch;
  /**
   * Retries of one GET answered 429 / 5xx or not reached (network), with exponential
   * backoff (Retry-After honoured up to maxDelayMs). undefined: none — a hook call
   * has seconds, not retries; the worklist (src/worklist) uses them.
   */
  retry?: RetryOptions;
}

export interface RetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff; doubles each retry. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export type FhirFailure =
  'timeout' | 'network' | 'http-status' | 'invalid-body' | 'too-large' | 'too-many-pages';

export class FhirRequestError extends Error {
  constructor(
    readonly failure: FhirFailure,
    message: string,
    readonly status?: number,
    /** From a 429 / 503 answer's Retry-After (seconds), when it gave one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'FhirRequestError';
  }
}

export interface FhirClient {
  /** GET a relative query (`Patient/1`, `Observation?patient=1&...`) or an absolute `next` URL. */
  get(query: string, signal?: AbortSignal): Promise<FhirResource>;
  /** Run a search and follow `next` links; returns one searchset Bundle with all entries. */
  searchAll(query: string): Promise<Bundle>;
  /** Follow the `next` links of a Bundle the EHR already fetched (a paged prefetch). */
  completeBundle(first: Bundle): Promise<Bundle>;
}

export function createFhirClient(options: FhirClientOptions): FhirClient {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;

  const resolve = (query: string): string => {
    if (/^https?:\/\//i.test(query)) {
      // Only follow links on the same server: a `next` link elsewhere must not receive the token.
      if (new URL(query).origin !== origin) {
        throw new FhirRequestError(
          'invalid-body',
          'the FHIR server returned a paging link to another host',
        );
      }
      return query;
    }
    return `${base}/${query.replace(/^\/+/, '')}`;
  };

  const get = async (query: string, signal?: AbortSignal): Promise<FhirResource> => {
    const retry = options.retry;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await getOnce(query, signal);
      } catch (error) {
        if (!retry || attempt >= retry.retries || !(error instanceof FhirRequestError)) throw error;
        const retryable =
          error.failure === 'network' ||
          (error.failure === 'http-status' &&
            error.status !== undefined &&
            (error.status === 429 || error.status >= 500));
        if (!retryable || signal?.aborted) throw error;
        const backoff = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
        await delay(Math.min(retry.maxDelayMs, error.retryAfterMs ?? backoff), signal);
      }
    }
  };

  const getOnce = async (query: string, signal?: AbortSignal): Promise<FhirResource> => {
    const headers: Record<string, string> = { Accept: 'application/fhir+json, application/json' };
    if (options.accessToken) headers.Authorization = `Bearer ${options.accessToken}`;
    let response: Response;
    try {
      response = await doFetch(resolve(query), {
        headers,
        signal: signal ?? AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      if (error instanceof FhirRequestError) throw error;
      if (isAbort(error)) {
        throw new FhirRequestError(
          'timeout',
          `the FHIR server did not answer within ${options.timeoutMs} ms`,
        );
      }
      throw new FhirRequestError('network', 'the FHIR server could not be reached');
    }
    const length = Number(response.headers.get('content-length') ?? '0');
    if (length > options.maxResponseBytes) {
      await response.body?.cancel();
      throw new FhirRequestError(
        'too-large',
        `the FHIR server's response exceeded ${options.maxResponseBytes} bytes`,
      );
    }
    let text: string;
    try {
      text = await readLimited(response, options.maxResponseBytes);
    } catch (error) {
      if (error instanceof FhirRequestError) throw error;
      if (isAbort(error)) {
        throw new FhirRequestError(
          'timeout',
          `the FHIR server did not answer within ${options.timeoutMs} ms`,
        );
      }
      throw new FhirRequestError('network', 'the FHIR server closed the connection');
    }
    if (!response.ok) {
      throw new FhirRequestError(
        'http-status',
        `the FHIR server answered HTTP ${response.status}`,
        response.status,
        retryAfterMs(response.headers.get('retry-after')),
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new FhirRequestError(
        'invalid-body',
        'the FHIR server returned a body that is not JSON',
      );
    }
    if (!isResource(body)) {
      throw new FhirRequestError(
        'invalid-body',
        'the FHIR server returned JSON that is not a FHIR resource',
      );
    }
    return body;
  };

  const followNext = async (first: Bundle, signal: AbortSignal): Promise<Bundle> => {
    const entries: BundleEntry[] = [...(first.entry ?? [])];
    let page: Bundle = first;
    let pages = 1;
    for (let next = nextLink(page); next; next = nextLink(page)) {
      if (pages >= options.maxPages) {
        throw new FhirRequestError(
          'too-many-pages',
          `the search has more than ${options.maxPages} pages`,
        );
      }
      const resource = await get(next, signal);
      if (resource.resourceType !== 'Bundle') {
        throw new FhirRequestError('invalid-body', 'a paging link did not return a Bundle');
      }
      page = resource;
      pages += 1;
      entries.push(...(page.entry ?? []));
    }
    // One Bundle with every page's entries; the paging links are spent.
    return {
      resourceType: 'Bundle',
      type: first.type,
      total: first.total ?? entries.length,
      entry: entries,
    };
  };

  return {
    get,
    async searchAll(query) {
      const signal = AbortSignal.timeout(options.timeoutMs);
      const first = await get(query, signal);
      if (first.resourceType !== 'Bundle') {
        if (first.resourceType === 'OperationOutcome') {
          throw new FhirRequestError(
            'invalid-body',
            'the FHIR server returned an OperationOutcome instead of results',
          );
        }
        throw new FhirRequestError('invalid-body', 'a search did not return a Bundle');
      }
      return followNext(first, signal);
    },
    completeBundle(first) {
      return followNext(first, AbortSignal.timeout(options.timeoutMs));
    },
  };
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d{1,6}$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

/** Wait `ms`, or less when the signal aborts (the next attempt then fails as a timeout). */
function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function nextLink(bundle: Bundle): string | undefined {
  return bundle.link?.find((link) => link.relation === 'next')?.url;
}

function isResource(value: unknown): value is FhirResource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { resourceType?: unknown }).resourceType === 'string'
  );
}

/** By name, not `instanceof`: fetch's DOMException may come from another realm (e.g. under jest). */
function isAbort(error: unknown): boolean {
  const name =
    typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return name === 'AbortError' || name === 'TimeoutError';
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new FhirRequestError(
        'too-large',
        `the FHIR server's response exceeded ${maxBytes} bytes`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
