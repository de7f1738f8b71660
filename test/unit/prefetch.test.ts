/**
 * Prefetch resolution (CDS Hooks 2.0 § Prefetch, § FHIR Resource Access) against a
 * fake FHIR server on 127.0.0.1.
 */
import type { Bundle, OperationOutcome } from 'fhir/r4';
import {
  DataUnavailableError,
  entriesOf,
  isErrorBundle,
  PrefetchShapeError,
  renderTemplate,
  resolvePrefetch,
  type FhirAccessOptions,
} from '../../src/cds/prefetch';
import type { CdsRequest, HookContext } from '../../src/cds/request';
import { PREFETCH_TEMPLATES } from '../../src/cds/services';
import {
  condition,
  daysAgo,
  HOOK_INSTANCE,
  icd10,
  labs,
  patient,
  PATIENT_ID,
  searchset,
} from '../helpers/fhir';
import { startFhirServer, type FakeFhirServer } from '../helpers/fhir-server';
import { rejectionOf } from '../helpers/promises';

const TOKEN = 'tok-SECRET-123';
const ACCESS: FhirAccessOptions = { timeoutMs: 1000, maxPages: 5, maxResponseBytes: 1_000_000 };
const CONTEXT: HookContext = { userId: 'Practitioner/prac-1', patientId: PATIENT_ID };

/** Two keys: a read and a search. */
const TEMPLATES = {
  patient: 'Patient/{{context.patientId}}',
  conditions: 'Condition?patient={{context.patientId}}',
};

function cdsRequest(
  options: {
    prefetch?: CdsRequest['prefetch'];
    fhirServer?: string;
    token?: string;
    patientId?: string;
  } = {},
): CdsRequest {
  return {
    hook: 'patient-view',
    hookInstance: HOOK_INSTANCE,
    context: { ...CONTEXT, patientId: options.patientId ?? PATIENT_ID },
    ...(options.fhirServer ? { fhirServer: options.fhirServer } : {}),
    ...(options.token
      ? {
          fhirAuthorization: {
            access_token: options.token,
            token_type: 'Bearer' as const,
            expires_in: 300,
            scope: 'patient/*.read',
            subject: 'fls-cds',
          },
        }
      : {}),
    ...(options.prefetch ? { prefetch: options.prefetch } : {}),
  };
}

const outcomeWith = (
  severity: 'error' | 'fatal' | 'warning' | 'information',
): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity, code: 'processing', diagnostics: 'from the EHR' }],
});
const operationOutcome = outcomeWith('error');

const thePatient = patient();
const phpt = condition(icd10('E21.0'), { id: 'cond-phpt' });
const fracture = condition(icd10('S72.0'), { id: 'cond-hip' });

let server: FakeFhirServer;
beforeEach(async () => {
  server = await startFhirServer([thePatient, phpt, fracture]);
});
afterEach(async () => {
  await server.close();
});

describe('CDS Hooks 2.0 § Prefetch — template tokens', () => {
  test('{{context.patientId}}, {{context.encounterId}} and {{userPractitionerId}} are substituted', () => {
    const context: HookContext = {
      userId: 'Practitioner/abc',
      patientId: 'pat-1',
      encounterId: 'enc-9',
    };
    expect(renderTemplate('Patient/{{context.patientId}}', context)).toBe('Patient/pat-1');
    expect(renderTemplate('Encounter/{{context.encounterId}}', context)).toBe('Encounter/enc-9');
    expect(renderTemplate('Practitioner/{{userPractitionerId}}', context)).toBe('Practitioner/abc');
    expect(
      renderTemplate(
        'Condition?patient={{ context.patientId }}&encounter={{context.encounterId}}',
        context,
      ),
    ).toBe('Condition?patient=pat-1&encounter=enc-9');
  });

  test('substituted values are URL-encoded; the template itself is left as written', () => {
    const context: HookContext = { userId: 'Practitioner/abc', patientId: 'a b&c=d/e?f' };
    expect(renderTemplate('Observation?patient={{context.patientId}}&code=x%7Cy', context)).toBe(
      'Observation?patient=a%20b%26c%3Dd%2Fe%3Ff&code=x%7Cy',
    );
  });

  test('a token without a value in the request throws', () => {
    const context: HookContext = { userId: 'Practitioner/abc', patientId: 'pat-1' };
    expect(() => renderTemplate('Encounter/{{context.encounterId}}', context)).toThrow(
      /context\.encounterId/,
    );
    expect(() => renderTemplate('PractitionerRole/{{userPractitionerRoleId}}', context)).toThrow(
      /userPractitionerRoleId/,
    );
    expect(() => renderTemplate('X/{{unknownToken}}', context)).toThrow(/unknownToken/);
  });
});

describe('CDS Hooks 2.0 § Prefetch — keys the client filled', () => {
  test('a key with data is used as given and not fetched again', async () => {
    const resolved = await resolvePrefetch(
      TEMPLATES,
      cdsRequest({
        prefetch: { patient: thePatient, conditions: searchset([phpt]) },
        fhirServer: server.baseUrl,
      }),
      ACCESS,
    );
    expect(resolved.resources).toEqual({ patient: [thePatient], conditions: [phpt] });
    expect(resolved.fetched).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  test('a key with null means "no data": nothing is fetched', async () => {
    const resolved = await resolvePrefetch(
      TEMPLATES,
      cdsRequest({
        prefetch: { patient: thePatient, conditions: null },
        fhirServer: server.baseUrl,
        token: TOKEN,
      }),
      ACCESS,
    );
    expect(resolved.resources.conditions).toEqual([]);
    expect(resolved.fetched).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  test('entriesOf unpacks a Bundle without its search-outcome OperationOutcome entries', () => {
    const bundle = searchset([phpt, fracture]);
    bundle.entry?.push({ resource: outcomeWith('information'), search: { mode: 'outcome' } });
    expect(entriesOf(bundle)).toEqual([phpt, fracture]);
    expect(entriesOf({ resourceType: 'Bundle', type: 'searchset' })).toEqual([]);
  });

  test('isErrorBundle recognises failed entries and error outcomes only', () => {
    const withStatus = (status: string): Bundle => ({
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: [{ response: { status } }],
    });
    const withOutcome = (severity: 'error' | 'fatal' | 'warning' | 'information'): Bundle => ({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: outcomeWith(severity) }],
    });
    expect(isErrorBundle(withStatus('500'))).toBe(true);
    expect(isErrorBundle(withStatus('404 Not Found'))).toBe(true);
    expect(isErrorBundle(withStatus('200 OK'))).toBe(false);
    expect(isErrorBundle(withOutcome('error'))).toBe(true);
    expect(isErrorBundle(withOutcome('fatal'))).toBe(true);
    expect(isErrorBundle(withOutcome('warning'))).toBe(false);
    expect(isErrorBundle(withOutcome('information'))).toBe(false);
    expect(isErrorBundle(searchset([phpt]))).toBe(false);
  });
});

describe('CDS Hooks 2.0 § Prefetch — missing keys', () => {
  test('an absent key is fetched from fhirServer with the access token', async () => {
    const resolved = await resolvePrefetch(
      TEMPLATES,
      cdsRequest({ prefetch: { patient: thePatient }, fhirServer: server.baseUrl, token: TOKEN }),
      ACCESS,
    );
    expect(resolved.fetched).toEqual(['conditions']);
    expect(resolved.resources).toEqual({ patient: [thePatient], conditions: [phpt, fracture] });
    expect(server.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        query: 'Condition?patient=pat-1',
        authorization: `Bearer ${TOKEN}`,
      }),
    ]);
  });

  test('without fhirAuthorization no Authorization header is sent', async () => {
    const resolved = await resolvePrefetch(
      TEMPLATES,
      cdsRequest({ fhirServer: server.baseUrl }),
      ACCESS,
    );
    expect(resolved.fetched.sort()).toEqual(['conditions', 'patient']);
    expect(resolved.resources.patient).toEqual([thePatient]);
    expect(server.requests.map((r) => r.query).sort()).toEqual([
      'Condition?patient=pat-1',
      'Patient/pat-1',
    ]);
    expect(server.requests.map((r) => r.authorization)).toEqual([undefined, undefined]);
  });

  test('an OperationOutcome in a key counts as not fetched: the service fetches it', async () => {
    const resolved = await resolvePrefetch(
      TEMPLATES,
      cdsRequest({
        prefetch: { patient: operationOutcome, conditions: searchset([]) },
        fhirServer: server.baseUrl,
      }),
      ACCESS,
    );
    expect(resolved.fetched).toEqual(['patient']);
    expect(resolved.resources.patient).toEqual([thePatient]);
    expect(server.requests.map((r) => r.query)).toEqual(['Patient/pat-1']);
  });

  test.each<[string, Bundle]>([
    [
      'an entry with response.status 500',
      { resourceType: 'Bundle', type: 'searchset', entry: [{ response: { status: '500' } }] },
    ],
    [
      'an OperationOutcome entry with severity error',
      {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [{ resource: operationOutcome, search: { mode: 'outcome' } }],
      },
    ],
  ])('an error Bundle (%s) is fetched again', async (_name, errorBundle) => {
    const resolved = await resolvePrefetch(
      TEMPLATES,
      cdsRequest({
        prefetch: { patient: thePatient, conditions: errorBundle },
        fhirServer: server.baseUrl,
      }),
      ACCESS,
    );
    expect(resolved.fetched).toEqual(['conditions']);
    expect(resolved.resources.conditions).toEqual([phpt, fracture]);
    expect(server.requests.map((r) => r.query)).toEqual(['Condition?patient=pat-1']);
  });

  test('a lab search is sent with its code tokens (| encoded as %7C) and answered by code', async () => {
    const calcium = labs.calcium(2.3, daysAgo(3));
    const tsh = labs.tsh(1.2, daysAgo(2));
    server.resources.push(
      calcium,
      tsh,
      labs.calcium(2.4, daysAgo(1), { patientId: 'someone-else' }),
    );
    const resolved = await resolvePrefetch(
      { labs: PREFETCH_TEMPLATES.labs ?? '' },
      cdsRequest({ fhirServer: server.baseUrl }),
      ACCESS,
    );
    expect(resolved.resources.labs).toEqual([tsh, calcium]);
    expect(server.requests[0]?.raw).toContain('code=http%3A%2F%2Floinc.org%7C2000-8,');
    expect(server.requests[0]?.query).toMatch(
      /^Observation\?patient=pat-1&code=http:\/\/loinc\.org\|2000-8,.*&_sort=-date$/,
    );
  });

  test('missing keys without a fhirServer → DataUnavailableError naming the keys', async () => {
    const error = await rejectionOf(
      resolvePrefetch(
        PREFETCH_TEMPLATES,
        cdsRequest({ prefetch: { patient: thePatient, labs: searchset([]) } }),
        ACCESS,
      ),
    );
    expect(error).toBeInstanceOf(DataUnavailableError);
    for (const key of ['boneDensity', 'conditions', 'medicationRequests', 'procedures']) {
      expect(error.message).toContain(key);
    }
    expect(error.message).not.toMatch(/\blabs\b/);
    expect(error.message).toMatch(/no fhirServer/);
  });

  test('missing keys are fetched in parallel', async () => {
    const delayMs = 300;
    server.setDelay(delayMs);
    const started = performance.now();
    const resolved = await resolvePrefetch(
      PREFETCH_TEMPLATES,
      cdsRequest({ prefetch: { patient: thePatient }, fhirServer: server.baseUrl }),
      { ...ACCESS, timeoutMs: 5000 },
    );
    const elapsed = performance.now() - started;

    // Every template but the given Patient (labs, bone density, conditions, the four
    // medication-history searches, allergies, procedures).
    expect(resolved.fetched).toHaveLength(9);
    expect(server.requests).toHaveLength(9);
    // Structural, not a timing target: 9 sequential queries would take ≥ 9 × delay.
    expect(elapsed).toBeLessThan(3 * delayMs);
    const lastArrival = Math.max(...server.requests.map((r) => r.receivedSeq));
    const firstAnswer = Math.min(...server.requests.map((r) => r.answeredSeq ?? Infinity));
    expect(lastArrival).toBeLessThan(firstAnswer);
  });
});

describe('CDS Hooks 2.0 § Prefetch — paged search results', () => {
  const fiveConditions = Array.from({ length: 5 }, (_, i) =>
    condition(icd10('M81.0'), { id: `cond-page-${i}` }),
  );

  /** The first page as an EHR would have put it in prefetch: with a `next` link to the server. */
  async function firstPage(): Promise<Bundle> {
    server.resources.splice(0, server.resources.length, thePatient, ...fiveConditions);
    server.setPageSize(2);
    const response = await fetch(`${server.baseUrl}/Condition?patient=${PATIENT_ID}`);
    const bundle = (await response.json()) as Bundle;
    server.requests.length = 0;
    return bundle;
  }

  test('a searchset with a next link is completed from the server and merged', async () => {
    const first = await firstPage();
    expect(first.entry).toHaveLength(2);

    const resolved = await resolvePrefetch(
      TEMPLATES,
      cdsRequest({
        prefetch: { patient: thePatient, conditions: first },
        fhirServer: server.baseUrl,
        token: TOKEN,
      }),
      ACCESS,
    );
    expect(resolved.resources.conditions).toEqual(fiveConditions);
    expect(resolved.fetched).toEqual(['conditions']);
    expect(server.requests).toHaveLength(2);
    expect(server.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  test('more pages than maxPages → DataUnavailableError', async () => {
    const first = await firstPage();
    const error = await rejectionOf(
      resolvePrefetch(
        TEMPLATES,
        cdsRequest({
          prefetch: { patient: thePatient, conditions: first },
          fhirServer: server.baseUrl,
        }),
        { ...ACCESS, maxPages: 2 },
      ),
    );
    expect(error).toBeInstanceOf(DataUnavailableError);
    expect(error.message).toContain('conditions');
    expect(error.message).toContain('more than 2 pages');
  });
});

describe('CDS Hooks 2.0 § Prefetch — shape of prefetch values', () => {
  test('a search key holding a Patient → PrefetchShapeError', async () => {
    const error = await rejectionOf(
      resolvePrefetch(
        TEMPLATES,
        cdsRequest({ prefetch: { patient: thePatient, conditions: thePatient } }),
        ACCESS,
      ),
    );
    expect(error).toBeInstanceOf(PrefetchShapeError);
    expect(error.message).toMatch(/prefetch\.conditions must be a Bundle/);
  });

  test('a read key holding a Bundle → PrefetchShapeError', async () => {
    const error = await rejectionOf(
      resolvePrefetch(
        TEMPLATES,
        cdsRequest({ prefetch: { patient: searchset([thePatient]), conditions: searchset([]) } }),
        ACCESS,
      ),
    );
    expect(error).toBeInstanceOf(PrefetchShapeError);
    expect(error.message).toMatch(/prefetch\.patient must be a Patient/);
  });
});

describe('CDS Hooks 2.0 § FHIR Resource Access — the FHIR server fails', () => {
  const SECRET_PATIENT = 'secret-patient-42';

  async function failure(access: FhirAccessOptions = ACCESS): Promise<Error> {
    const error = await rejectionOf(
      resolvePrefetch(
        TEMPLATES,
        cdsRequest({
          patientId: SECRET_PATIENT,
          prefetch: { conditions: searchset([]) },
          fhirServer: server.baseUrl,
          token: TOKEN,
        }),
        access,
      ),
    );
    expect(error).toBeInstanceOf(DataUnavailableError);
    expect(error.message).toContain('patient:');
    expect(error.message).not.toContain(SECRET_PATIENT);
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).not.toContain(server.baseUrl);
    return error;
  }

  test('HTTP 500 → DataUnavailableError naming the key and the status', async () => {
    server.setFailure(500);
    expect((await failure()).message).toMatch(/patient: the FHIR server answered HTTP 500/);
    expect(server.requests).toHaveLength(1);
  });

  test('HTTP 401 → DataUnavailableError naming the key and the status', async () => {
    server.setFailure(401);
    expect((await failure()).message).toMatch(/patient: the FHIR server answered HTTP 401/);
  });

  test('unknown patient (404) → DataUnavailableError', async () => {
    expect((await failure()).message).toMatch(/patient: the FHIR server answered HTTP 404/);
  });

  test('no answer within timeoutMs → DataUnavailableError at the deadline', async () => {
    server.setDelay(1000);
    const started = performance.now();
    await failure({ ...ACCESS, timeoutMs: 100 });
    expect(performance.now() - started).toBeLessThan(900);
  });

  // Fails until src/fhir/client.ts isAbort() stops relying on `instanceof Error`: fetch's
  // TimeoutError DOMException comes from another realm under jest and is reported as 'network'.
  test('no answer within timeoutMs → the message names the timeout', async () => {
    server.setDelay(1000);
    const error = await failure({ ...ACCESS, timeoutMs: 100 });
    expect(error.message).toMatch(/patient: the FHIR server did not answer within 100 ms/);
  });

  test('server gone → DataUnavailableError naming the network failure', async () => {
    await server.stop();
    expect((await failure()).message).toMatch(/patient: the FHIR server could not be reached/);
  });
});
