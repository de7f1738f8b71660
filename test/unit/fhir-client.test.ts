/**
 * The FHIR REST client (CDS Hooks 2.0 § FHIR Resource Access): paging, bounds,
 * bad answers and the same-origin rule for `next` links, against fake servers.
 */
import type { ServerResponse } from 'node:http';
import type { Bundle, Condition } from 'fhir/r4';
import {
  createFhirClient,
  FhirRequestError,
  type FhirClientOptions,
  type FhirFailure,
} from '../../src/fhir/client';
import { condition, icd10, patient, PATIENT_ID } from '../helpers/fhir';
import {
  send,
  startFhirServer,
  type FakeFhirServer,
  type Interceptor,
} from '../helpers/fhir-server';

const TOKEN = 'tok-SECRET-456';
const CONDITIONS: Condition[] = Array.from({ length: 5 }, (_, i) =>
  condition(icd10('M81.0'), { id: `cond-${i}` }),
);
const SEARCH = `Condition?patient=${PATIENT_ID}`;

let server: FakeFhirServer;
beforeEach(async () => {
  server = await startFhirServer([patient(), ...CONDITIONS]);
});
afterEach(async () => {
  await server.close();
});

const client = (options: Partial<FhirClientOptions> = {}) =>
  createFhirClient({
    baseUrl: server.baseUrl,
    accessToken: TOKEN,
    timeoutMs: 1000,
    maxPages: 5,
    maxResponseBytes: 100_000,
    ...options,
  });

/** The FhirRequestError a call rejects with; its message never carries the URL or the token. */
async function failureOf(promise: Promise<unknown>): Promise<FhirRequestError> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  if (!(error instanceof FhirRequestError))
    throw new Error(`expected a FhirRequestError, got ${String(error)}`);
  expect(error.message).not.toContain(TOKEN);
  expect(error.message).not.toContain('127.0.0.1');
  expect(error.message).not.toContain(PATIENT_ID);
  return error;
}

/** Answer with a body of `bytes` bytes (a valid resource, padded), with or without Content-Length. */
function bigAnswer(bytes: number, withLength: boolean): Interceptor {
  return (_request, res: ServerResponse) => {
    const head = '{"resourceType":"Basic","text":"';
    const body = head + 'x'.repeat(bytes - head.length - 2) + '"}';
    if (withLength) {
      send(res, 200, JSON.parse(body));
      return true;
    }
    res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
    for (let i = 0; i < body.length; i += 4096) res.write(body.slice(i, i + 4096));
    res.end();
    return true;
  };
}

describe('CDS Hooks 2.0 § FHIR Resource Access — paging', () => {
  test('searchAll follows next links and returns one Bundle with every entry', async () => {
    server.setPageSize(2);
    const bundle = await client().searchAll(SEARCH);
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('searchset');
    expect(bundle.total).toBe(5);
    expect(bundle.link).toBeUndefined();
    expect(bundle.entry?.map((entry) => entry.resource)).toEqual(CONDITIONS);
    expect(server.requests).toHaveLength(3);
    expect(server.requests.map((r) => r.authorization)).toEqual(Array(3).fill(`Bearer ${TOKEN}`));
  });

  test('exactly maxPages pages are fine; one more → too-many-pages', async () => {
    server.setPageSize(2); // 5 results = 3 pages
    expect((await client({ maxPages: 3 }).searchAll(SEARCH)).entry).toHaveLength(5);
    server.requests.length = 0;
    const error = await failureOf(client({ maxPages: 2 }).searchAll(SEARCH));
    expect(error.failure).toBe('too-many-pages');
    expect(server.requests).toHaveLength(2); // the third page is never asked for
  });

  test('completeBundle fetches the pages after a first page the EHR already had', async () => {
    server.setPageSize(2);
    const first = (await (await fetch(`${server.baseUrl}/${SEARCH}`)).json()) as Bundle;
    const bundle = await client().completeBundle(first);
    expect(bundle.entry?.map((entry) => entry.resource)).toEqual(CONDITIONS);
  });

  test('a next link to another origin is refused and the token is not sent there', async () => {
    const other = await startFhirServer([...CONDITIONS]);
    try {
      server.setInterceptor((request, res) => {
        if (!request.query.startsWith('Condition?')) return false;
        const firstPage: Bundle = {
          resourceType: 'Bundle',
          type: 'searchset',
          link: [{ relation: 'next', url: `${other.baseUrl}/${SEARCH}` }],
          entry: [{ resource: CONDITIONS[0] }],
        };
        send(res, 200, firstPage);
        return true;
      });
      const error = await failureOf(client().searchAll(SEARCH));
      expect(error.failure).toBe('invalid-body');
      expect(error.message).toMatch(/another host/);
      expect(other.requests).toEqual([]);
      expect(server.requests).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe('CDS Hooks 2.0 § FHIR Resource Access — bad answers', () => {
  test('a body larger than maxResponseBytes with Content-Length → too-large', async () => {
    server.setInterceptor(bigAnswer(200_000, true));
    expect((await failureOf(client().get('Patient/big'))).failure).toBe('too-large');
  });

  test('a chunked body (no Content-Length) larger than maxResponseBytes → too-large', async () => {
    server.setInterceptor(bigAnswer(200_000, false));
    const probe = await fetch(`${server.baseUrl}/Patient/big`);
    expect(probe.headers.get('content-length')).toBeNull();
    expect(probe.headers.get('transfer-encoding')).toBe('chunked');
    await probe.arrayBuffer();

    expect((await failureOf(client().get('Patient/big'))).failure).toBe('too-large');
  });

  test('a chunked body just under maxResponseBytes is read', async () => {
    server.setInterceptor(bigAnswer(99_000, false));
    expect((await client().get('Patient/big')).resourceType).toBe('Basic');
  });

  test('a body that is not JSON → invalid-body', async () => {
    server.setInterceptor((_request, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>login</html>');
      return true;
    });
    expect((await failureOf(client().get(`Patient/${PATIENT_ID}`))).failure).toBe('invalid-body');
  });

  test('JSON that is not a FHIR resource → invalid-body', async () => {
    server.setInterceptor((_request, res) => {
      send(res, 200, [{ id: 1 }]);
      return true;
    });
    expect((await failureOf(client().get(`Patient/${PATIENT_ID}`))).failure).toBe('invalid-body');
  });

  test('an OperationOutcome instead of a search result → invalid-body', async () => {
    server.setInterceptor((_request, res) => {
      send(res, 200, {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'too-costly' }],
      });
      return true;
    });
    expect((await failureOf(client().searchAll(SEARCH))).failure).toBe('invalid-body');
  });

  test('HTTP 404 → http-status with the status', async () => {
    const error = await failureOf(client().get('Patient/unknown'));
    expect(error.failure).toBe('http-status');
    expect(error.status).toBe(404);
  });

  test('the server is gone → network', async () => {
    await server.stop();
    expect((await failureOf(client().get(`Patient/${PATIENT_ID}`))).failure).toBe('network');
  });
});

describe('CDS Hooks 2.0 § FHIR Resource Access — one deadline per search', () => {
  /** Each page takes 150 ms after the first: 3 pages take ~300 ms, each alone fits in 250 ms. */
  function slowPages(): void {
    server.setPageSize(2);
    server.setDelay(150, (request) => request.query.includes('_getpages'));
  }

  test('the deadline covers all pages: a slow later page fails the search', async () => {
    slowPages();
    expect((await client({ timeoutMs: 1000 }).searchAll(SEARCH)).entry).toHaveLength(5);
    server.requests.length = 0;

    await failureOf(client({ timeoutMs: 250 }).searchAll(SEARCH));
    expect(server.requests).toHaveLength(3);
  });

  // Fails until src/fhir/client.ts isAbort() stops relying on `instanceof Error` (the
  // TimeoutError DOMException comes from another realm under jest and is reported as 'network').
  test('the deadline covers all pages: the failure is reported as timeout', async () => {
    slowPages();
    const error = await failureOf(client({ timeoutMs: 250 }).searchAll(SEARCH));
    expect(error.failure).toBe<FhirFailure>('timeout');
  });
});

describe('retries (opt-in: the worklist uses them, hook calls do not)', () => {
  const RETRY = { retries: 2, baseDelayMs: 5, maxDelayMs: 20 };
  /** Answer the first `times` requests with `status`, then serve normally. */
  const failFirst = (times: number, status: number, headers: Record<string, string> = {}) => {
    let failed = 0;
    server.setInterceptor((_request, res) => {
      if (failed >= times) return false;
      failed += 1;
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      send(res, status, { resourceType: 'OperationOutcome', issue: [] });
      return true;
    });
  };

  test.each([429, 500, 503])('HTTP %i twice, then the answer', async (status) => {
    failFirst(2, status);
    const bundle = await client({ retry: RETRY }).searchAll(SEARCH);
    expect(bundle.entry).toHaveLength(5);
    expect(server.requests).toHaveLength(3);
  });

  test('one failure more than the retries: the last status is reported', async () => {
    failFirst(3, 503);
    const error = await failureOf(client({ retry: RETRY }).searchAll(SEARCH));
    expect(error).toMatchObject({ failure: 'http-status', status: 503 });
    expect(server.requests).toHaveLength(3);
  });

  test('Retry-After (seconds) is honoured up to maxDelayMs', async () => {
    failFirst(1, 429, { 'Retry-After': '120' });
    const started = performance.now();
    await client({ retry: RETRY }).get(`Patient/${PATIENT_ID}`);
    // 120 s asked, 20 ms allowed: the retry came after the cap, not after two minutes.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(server.requests).toHaveLength(2);
  });

  test.each([400, 404])('HTTP %i is not retried', async (status) => {
    failFirst(1, status);
    const error = await failureOf(client({ retry: RETRY }).get(`Patient/${PATIENT_ID}`));
    expect(error.status).toBe(status);
    expect(server.requests).toHaveLength(1);
  });

  test('without the option a 503 is not retried (hook calls keep their seconds)', async () => {
    failFirst(1, 503);
    await failureOf(client().get(`Patient/${PATIENT_ID}`));
    expect(server.requests).toHaveLength(1);
  });
});
