/**
 * REQUEST_DEADLINE_MS in prefetch resolution: one budget for all of a call's FHIR
 * fetching, so that each key's deadline is min(FHIR_TIMEOUT_MS, what is left).
 * The fetch is a stand-in that never answers on its own, so no test waits on a clock
 * to see which deadline applied: the signal it is given says so.
 */
import {
  DataUnavailableError,
  resolvePrefetch,
  type FhirAccessOptions,
} from '../../src/cds/prefetch';
import type { CdsRequest } from '../../src/cds/request';
import { HOOK_INSTANCE, PATIENT_ID } from '../helpers/fhir';
import { rejectionOf } from '../helpers/promises';

const TEMPLATES = {
  patient: 'Patient/{{context.patientId}}',
  conditions: 'Condition?patient={{context.patientId}}',
};

const REQUEST: CdsRequest = {
  hook: 'patient-view',
  hookInstance: HOOK_INSTANCE,
  context: { userId: 'Practitioner/prac-1', patientId: PATIENT_ID },
  fhirServer: 'http://127.0.0.1:9/fhir',
};

/** A fetch that answers only by rejecting when its signal aborts; it records each call. */
function hangingFetch(): { fetch: typeof fetch; calls: number } {
  const state = {
    calls: 0,
    fetch: ((_url: string | URL | Request, init?: RequestInit) => {
      state.calls += 1;
      return new Promise<Response>((_resolve, reject) => {
        const signal = init?.signal;
        if (!signal) return; // never answers: the test would time out, as it should
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }) as typeof fetch,
  };
  return state;
}

const access = (overrides: Partial<FhirAccessOptions>): FhirAccessOptions => ({
  timeoutMs: 60_000,
  maxPages: 5,
  maxResponseBytes: 1_000_000,
  ...overrides,
});

describe('request deadline (REQUEST_DEADLINE_MS) over the FHIR fetching', () => {
  test('a deadline already spent → 412-type error, and the FHIR server is never called', async () => {
    const stub = hangingFetch();
    const startedAt = performance.now() - 10_000;
    const error = await rejectionOf(
      resolvePrefetch(
        TEMPLATES,
        REQUEST,
        access({ requestDeadlineMs: 5000, fetch: stub.fetch }),
        startedAt,
      ),
    );
    expect(error).toBeInstanceOf(DataUnavailableError);
    expect(error.message).toMatch(/request deadline \(5000 ms\) passed/);
    expect(stub.calls).toBe(0);
  });

  test('the deadline shorter than FHIR_TIMEOUT_MS cuts every key short, and the message says so', async () => {
    const stub = hangingFetch();
    // FHIR_TIMEOUT_MS is a minute: only the 150 ms deadline can end this call.
    const error = await rejectionOf(
      resolvePrefetch(
        TEMPLATES,
        REQUEST,
        access({ timeoutMs: 60_000, requestDeadlineMs: 150, fetch: stub.fetch }),
      ),
    );
    expect(error).toBeInstanceOf(DataUnavailableError);
    expect(stub.calls).toBe(2);
    expect(error.message).toMatch(
      /patient: the FHIR server did not answer within the request deadline \(150 ms\)/,
    );
    expect(error.message).toMatch(
      /conditions: the FHIR server did not answer within the request deadline \(150 ms\)/,
    );
  });

  test('FHIR_TIMEOUT_MS shorter than the deadline still applies, named as before', async () => {
    const stub = hangingFetch();
    const error = await rejectionOf(
      resolvePrefetch(
        TEMPLATES,
        REQUEST,
        access({ timeoutMs: 120, requestDeadlineMs: 60_000, fetch: stub.fetch }),
      ),
    );
    expect(error).toBeInstanceOf(DataUnavailableError);
    expect(error.message).toMatch(/patient: the FHIR server did not answer within 120 ms/);
    expect(error.message).not.toMatch(/request deadline/);
  });

  test('without a request deadline only FHIR_TIMEOUT_MS applies (callers that set none)', async () => {
    const stub = hangingFetch();
    const error = await rejectionOf(
      resolvePrefetch(TEMPLATES, REQUEST, access({ timeoutMs: 120, fetch: stub.fetch })),
    );
    expect(error.message).toMatch(/did not answer within 120 ms/);
  });

  test('a full prefetch needs no FHIR server, however spent the deadline', async () => {
    const stub = hangingFetch();
    const resolved = await resolvePrefetch(
      TEMPLATES,
      { ...REQUEST, prefetch: { patient: null, conditions: null } },
      access({ requestDeadlineMs: 100, fetch: stub.fetch }),
      performance.now() - 10_000,
    );
    expect(resolved.fetched).toEqual([]);
    expect(stub.calls).toBe(0);
  });
});
