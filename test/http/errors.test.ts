/**
 * Error responses: every 4xx is a FHIR OperationOutcome whose diagnostics name
 * the problem without echoing request content (src/http/errors.ts).
 */
import type { OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import { testApp } from '../helpers/app';
import {
  DRUGS,
  daysAgo,
  HOOK_INSTANCE,
  hookRequest,
  labs,
  medicationRequest,
  patient,
  prefetchFor,
} from '../helpers/fhir';
import { expectOutcome, parsedLogs } from './support';

const PATIENT_VIEW = '/cds-services/fls-patient-view';
const ORDER_SELECT = '/cds-services/fls-order-select';
const ORDER_SIGN = '/cds-services/fls-order-sign';

const { app } = testApp();

const fullPrefetch = () =>
  prefetchFor([patient(), labs.calcium(2.4, daysAgo(10)), labs.albumin(40, daysAgo(10))]);

/** A valid patient-view request with a full prefetch. */
const patientView = (): Record<string, unknown> =>
  hookRequest('patient-view', { prefetch: fullPrefetch() });

const withContext = (
  body: Record<string, unknown>,
  change: (context: Record<string, unknown>) => void,
): Record<string, unknown> => {
  const context = { ...(body.context as Record<string, unknown>) };
  change(context);
  return { ...body, context };
};

/** A copy of `body` without `key`. */
const without = (body: Record<string, unknown>, key: string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(body).filter(([name]) => name !== key));

const draft = () => medicationRequest(DRUGS.zoledronicAcid, { id: 'draft-za' });

describe('Errors', () => {
  describe('request body encoding', () => {
    test('malformed JSON → 400 structure, without echoing the body', async () => {
      const body = '{"hook": "patient-view", "context": {"patientId": "Nordmann-7f3a", ';
      const response = await request(app)
        .post(PATIENT_VIEW)
        .set('Content-Type', 'application/json')
        .send(body);
      const diagnostics = expectOutcome(response, {
        status: 400,
        code: 'structure',
        mentions: ['JSON'],
        mustNotContain: ['Nordmann-7f3a', 'patientId', 'Unexpected', 'position'],
      });
      expect(diagnostics).not.toContain('patient-view');
    });

    test('text/plain → 415 naming the required media type', async () => {
      const response = await request(app)
        .post(PATIENT_VIEW)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify(patientView()));
      expectOutcome(response, {
        status: 415,
        code: 'not-supported',
        mentions: ['application/json'],
      });
    });

    test('no Content-Type at all → 415', async () => {
      // A Buffer body makes supertest send no Content-Type header.
      const test = request(app)
        .post(PATIENT_VIEW)
        .send(Buffer.from(JSON.stringify(patientView())));
      const response = await test;
      expect(response.request.getHeader('Content-Type')).toBeUndefined();
      expectOutcome(response, { status: 415, code: 'not-supported', mentions: ['Content-Type'] });
    });

    test('a body over the configured limit → 413', async () => {
      const { app: small } = testApp({ bodyLimitBytes: 2000 });
      const body = hookRequest('patient-view', {
        prefetch: prefetchFor([
          patient(),
          ...Array.from({ length: 20 }, (_, i) => labs.calcium(2.4, daysAgo(i + 1))),
        ]),
      });
      expect(JSON.stringify(body).length).toBeGreaterThan(2000);
      const response = await request(small).post(PATIENT_VIEW).send(body);
      expectOutcome(response, { status: 413, code: 'too-costly', mentions: ['limit'] });
    });

    test('the same app accepts a body under the limit', async () => {
      const { app: small } = testApp({ bodyLimitBytes: 2000 });
      const body = hookRequest('patient-view', {
        prefetch: { patient: null, labs: null, boneDensity: null, conditions: null },
      });
      const response = await request(small).post(PATIENT_VIEW).send(body);
      // Accepted by the parser: the 412 comes from the missing prefetch keys.
      expect(response.status).toBe(412);
    });

    test('a JSON array as body → 400', async () => {
      const response = await request(app).post(PATIENT_VIEW).send([patientView()]);
      expectOutcome(response, { status: 400, code: 'invalid', mentions: ['JSON object'] });
    });

    test('null as body → 400', async () => {
      const response = await request(app)
        .post(PATIENT_VIEW)
        .set('Content-Type', 'application/json')
        .send('null');
      expectOutcome(response, { status: 400, code: ['structure', 'invalid'], mentions: ['JSON'] });
    });

    test('an empty JSON request → 400 naming the missing fields', async () => {
      const response = await request(app)
        .post(PATIENT_VIEW)
        .set('Content-Type', 'application/json');
      expectOutcome(response, { status: 400, code: 'invalid', mentions: ['hook', 'hookInstance'] });
    });
  });

  describe('routing', () => {
    test('POST to an unknown service → 404', async () => {
      const response = await request(app).post('/cds-services/fls-nope').send(patientView());
      expectOutcome(response, { status: 404, code: 'not-found', mentions: ['unknown service'] });
    });

    test('GET on an unknown service → 404, not 405', async () => {
      const response = await request(app).get('/cds-services/fls-nope');
      expectOutcome(response, { status: 404, code: 'not-found' });
      expect(response.headers.allow).toBeUndefined();
    });

    test('an unknown path → 404', async () => {
      for (const path of [
        '/no-such-path',
        '/cds-services/fls-patient-view/extra',
        '/cds-service',
      ]) {
        const response = await request(app).get(path);
        expectOutcome(response, { status: 404, code: 'not-found' });
      }
    });

    test.each(['get', 'put', 'delete', 'patch'] as const)(
      '%s on a service → 405 with Allow: POST',
      async (method) => {
        const response = await request(app)[method](PATIENT_VIEW).send(patientView());
        expectOutcome(response, {
          status: 405,
          code: 'not-supported',
          mentions: [method.toUpperCase(), 'POST'],
        });
        expect(String(response.headers.allow)).toMatch(/\bPOST\b/);
        expect(String(response.headers.allow)).not.toMatch(/\bGET\b/);
      },
    );

    test('POST on /cds-services → 405 with Allow: GET', async () => {
      const response = await request(app).post('/cds-services').send(patientView());
      expectOutcome(response, { status: 405, code: 'not-supported', mentions: ['POST', 'GET'] });
      expect(String(response.headers.allow)).toMatch(/\bGET\b/);
      expect(String(response.headers.allow)).not.toMatch(/\bPOST\b/);
    });

    test('POST on /healthz → 405 with Allow: GET', async () => {
      const response = await request(app).post('/healthz').send({});
      expectOutcome(response, { status: 405, code: 'not-supported' });
      expect(String(response.headers.allow)).toMatch(/\bGET\b/);
    });
  });
});

describe('CDS Hooks 2.0 § Calling a CDS Service — request validation (400)', () => {
  test('a patient-view request sent to the order-sign service → 400 naming both hooks', async () => {
    const response = await request(app).post(ORDER_SIGN).send(patientView());
    expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: ['"patient-view"', 'order-sign'],
    });
  });

  test('an unexpected hook value is not echoed when it is not a plain hook name', async () => {
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send({ ...patientView(), hook: '<img src=x onerror=alert(1)>' });
    expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: ['patient-view'],
      mustNotContain: ['<img', 'onerror'],
    });
  });

  test('no hook → 400 naming hook', async () => {
    const body = without(patientView(), 'hook');
    const response = await request(app).post(PATIENT_VIEW).send(body);
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['hook'] });
  });

  test('no hookInstance → 400 naming hookInstance', async () => {
    const body = without(patientView(), 'hookInstance');
    const response = await request(app).post(PATIENT_VIEW).send(body);
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['hookInstance'] });
  });

  test('hookInstance that is not a UUID → 400 naming hookInstance', async () => {
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send({ ...patientView(), hookInstance: 'instance-42' });
    expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: ['hookInstance'],
      mustNotContain: ['instance-42'],
    });
  });

  test('no context → 400 naming context', async () => {
    const body = without(patientView(), 'context');
    const response = await request(app).post(PATIENT_VIEW).send(body);
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['context'] });
  });

  test('context that is not an object → 400 naming context', async () => {
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send({ ...patientView(), context: 'pat-1' });
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['context'] });
  });

  test('no context.patientId → 400 naming patientId', async () => {
    const body = withContext(patientView(), (context) => delete context.patientId);
    const response = await request(app).post(PATIENT_VIEW).send(body);
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['context.patientId'] });
  });

  test.each([
    ['a slash', 'Patient/pat-1'],
    ['spaces', 'pat 1'],
    ['a path traversal', '../pat-1'],
    ['a query', 'pat-1&_count=1000'],
    ['an empty string', ''],
    ['a colon', 'pat:1'],
  ])(
    'context.patientId with %s → 400 naming patientId, not echoing it',
    async (_label, patientId) => {
      const body = withContext(patientView(), (context) => {
        context.patientId = patientId;
      });
      const response = await request(app).post(PATIENT_VIEW).send(body);
      const diagnostics = expectOutcome(response, {
        status: 400,
        code: 'invalid',
        mentions: ['context.patientId'],
      });
      if (patientId.length > 0) expect(diagnostics).not.toContain(patientId);
    },
  );

  test('context.patientId that is a number → 400 naming patientId', async () => {
    const body = withContext(patientView(), (context) => {
      context.patientId = 42;
    });
    const response = await request(app).post(PATIENT_VIEW).send(body);
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['context.patientId'] });
  });

  test.each([
    ['a bare id', 'prac-1'],
    ['an unsupported type', 'Organization/org-1'],
    ['an absolute URL', 'https://ehr.example.org/fhir/Practitioner/prac-1'],
  ])('context.userId that is %s → 400 naming userId', async (_label, userId) => {
    const body = withContext(patientView(), (context) => {
      context.userId = userId;
    });
    const response = await request(app).post(PATIENT_VIEW).send(body);
    expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: ['context.userId', 'reference'],
    });
  });

  test('no context.userId → 400 naming userId', async () => {
    const body = withContext(patientView(), (context) => delete context.userId);
    const response = await request(app).post(PATIENT_VIEW).send(body);
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['context.userId'] });
  });

  test('order-select without selections → 400 naming selections', async () => {
    const body = withContext(
      hookRequest('order-select', { draftOrders: [draft()], prefetch: fullPrefetch() }),
      (context) => delete context.selections,
    );
    const response = await request(app).post(ORDER_SELECT).send(body);
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['context.selections'] });
  });

  test('order-select with an empty selections list → 400 naming selections', async () => {
    const body = hookRequest('order-select', {
      draftOrders: [draft()],
      selections: [],
      prefetch: fullPrefetch(),
    });
    const response = await request(app).post(ORDER_SELECT).send(body);
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['context.selections'] });
  });

  test('order-select whose selections name an order not in draftOrders → 400', async () => {
    const body = hookRequest('order-select', {
      draftOrders: [draft()],
      selections: ['MedicationRequest/not-drafted'],
      prefetch: fullPrefetch(),
    });
    const response = await request(app).post(ORDER_SELECT).send(body);
    expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: ['context.selections', 'draftOrders'],
    });
  });

  test('order-select whose selection is not a Type/id reference → 400', async () => {
    const body = hookRequest('order-select', {
      draftOrders: [draft()],
      selections: ['draft-za'],
      prefetch: fullPrefetch(),
    });
    const response = await request(app).post(ORDER_SELECT).send(body);
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['context.selections'] });
  });

  test.each([
    ['order-select', ORDER_SELECT],
    ['order-sign', ORDER_SIGN],
  ] as const)(
    '%s with draftOrders that is not a Bundle → 400 naming draftOrders',
    async (hook, path) => {
      for (const draftOrders of [draft(), [draft()], 'MedicationRequest/draft-za']) {
        const body = withContext(
          hookRequest(hook, { draftOrders: [draft()], prefetch: fullPrefetch() }),
          (context) => {
            context.draftOrders = draftOrders;
            if (hook === 'order-select') context.selections = ['MedicationRequest/draft-za'];
          },
        );
        const response = await request(app).post(path).send(body);
        expectOutcome(response, {
          status: 400,
          code: 'invalid',
          mentions: ['context.draftOrders'],
        });
      }
    },
  );

  test('order-sign without draftOrders → 400 naming draftOrders', async () => {
    const body = withContext(
      hookRequest('order-sign', { draftOrders: [draft()], prefetch: fullPrefetch() }),
      (context) => delete context.draftOrders,
    );
    const response = await request(app).post(ORDER_SIGN).send(body);
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['context.draftOrders'] });
  });

  test('fhirAuthorization without fhirServer → 400 naming both, without the token', async () => {
    const body = hookRequest('patient-view', {
      prefetch: fullPrefetch(),
      accessToken: 'secret-token-123',
    });
    expect(body).not.toHaveProperty('fhirServer');
    const response = await request(app).post(PATIENT_VIEW).send(body);
    expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: ['fhirAuthorization', 'fhirServer'],
      mustNotContain: ['secret-token-123'],
    });
  });

  test('fhirAuthorization with a token_type other than Bearer → 400 naming token_type', async () => {
    const body = hookRequest('patient-view', {
      prefetch: fullPrefetch(),
      accessToken: 'secret-token-123',
      fhirServer: 'https://ehr.example.org/fhir',
    });
    const authorization = {
      ...(body.fhirAuthorization as Record<string, unknown>),
      token_type: 'MAC',
    };
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send({ ...body, fhirAuthorization: authorization });
    expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: ['fhirAuthorization.token_type'],
      mustNotContain: ['secret-token-123'],
    });
  });

  test('fhirServer that is not an http(s) URL → 400 naming fhirServer', async () => {
    for (const fhirServer of ['not a url', 'file:///etc/passwd', 'ftp://ehr.example.org/fhir']) {
      const response = await request(app)
        .post(PATIENT_VIEW)
        .send({ ...patientView(), fhirServer });
      expectOutcome(response, { status: 400, code: 'invalid', mentions: ['fhirServer'] });
    }
  });
});

describe('CDS Hooks 2.0 § Prefetch — shape errors (400)', () => {
  test.each([
    ['a string', 'labs'],
    ['an array', [fullPrefetch().labs]],
    ['a number', 1],
  ])('prefetch that is %s → 400 naming prefetch', async (_label, prefetch) => {
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send({ ...patientView(), prefetch });
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['prefetch'] });
  });

  test('a prefetch value that is a string (a query instead of its result) → 400 naming the key', async () => {
    const prefetch = { ...fullPrefetch(), labs: 'Observation?patient=pat-1' };
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send({ ...patientView(), prefetch });
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['prefetch.labs'] });
  });

  test('a prefetch value without resourceType → 400 naming the key', async () => {
    const prefetch = { ...fullPrefetch(), conditions: { entry: [] } };
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send({ ...patientView(), prefetch });
    expectOutcome(response, { status: 400, code: 'invalid', mentions: ['prefetch.conditions'] });
  });

  test('prefetch.labs that is a Patient instead of a search Bundle → 400 naming labs and Bundle', async () => {
    const prefetch = { ...fullPrefetch(), labs: patient() };
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send({ ...patientView(), prefetch });
    expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: ['prefetch.labs', 'Bundle'],
      mustNotContain: ['Nordmann'],
    });
  });

  test('prefetch.patient that is a Bundle instead of a Patient → 400 naming patient', async () => {
    const full = fullPrefetch();
    const prefetch = { ...full, patient: full.conditions };
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send({ ...patientView(), prefetch });
    expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: ['prefetch.patient', 'Patient'],
    });
  });

  test('the shape is checked for order hooks as well', async () => {
    const prefetch = { ...fullPrefetch(), medicationRequests: patient() };
    const body = hookRequest('order-sign', { draftOrders: [draft()], prefetch });
    const response = await request(app).post(ORDER_SIGN).send(body);
    expectOutcome(response, {
      status: 400,
      code: 'invalid',
      mentions: ['prefetch.medicationRequests', 'Bundle'],
    });
  });

  // BUG (src/cds/request.ts, `prefetch` schema): prefetch values are only checked
  // for a resourceType, so a Bundle whose `entry` (or `link`) is not an array
  // reaches entriesOf / isErrorBundle / nextLink in src/cds/prefetch.ts, which
  // throw a TypeError → 500. Malformed client input must be a 400.
  test.each([
    ['entry is a string', { resourceType: 'Bundle', type: 'searchset', entry: 'none' }, 'entry'],
    ['entry holds null', { resourceType: 'Bundle', type: 'searchset', entry: [null] }, 'entry.0'],
    [
      'entry resource has no resourceType',
      { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { id: 'x' } }] },
      'entry.0.resource.resourceType',
    ],
    ['link is a string', { resourceType: 'Bundle', type: 'searchset', link: 'next' }, 'link'],
    [
      'link has no url',
      { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next' }] },
      'link.0.url',
    ],
  ])(
    'a prefetch Bundle whose %s → 400 naming the key and field (not 500)',
    async (_label, labsBundle, field) => {
      const prefetch = { ...fullPrefetch(), labs: labsBundle };
      const response = await request(app)
        .post(PATIENT_VIEW)
        .send({ ...patientView(), prefetch });
      expectOutcome(response, {
        status: 400,
        code: 'invalid',
        mentions: [`prefetch.labs.${field}:`],
      });
    },
  );
});

describe('CDS Hooks 2.0 § Prefetch — data the service cannot get (412)', () => {
  const ALL_KEYS = [
    'patient',
    'labs',
    'boneDensity',
    'conditions',
    'medicationRequests',
    'medicationStatements',
    'medicationAdministrations',
    'medicationDispenses',
    'allergies',
    'procedures',
  ];

  /** The keys listed in the 412 diagnostics "(a, b, c)". */
  const listedKeys = (diagnostics: string): string[] =>
    (/\(([^)]*)\)/.exec(diagnostics)?.[1] ?? '').split(',').map((key) => key.trim());

  test('no prefetch and no fhirServer → 412 listing every missing key', async () => {
    const response = await request(app).post(PATIENT_VIEW).send(hookRequest('patient-view'));
    const diagnostics = expectOutcome(response, {
      status: 412,
      code: 'incomplete',
      mentions: ['fhirServer'],
    });
    expect(listedKeys(diagnostics).sort()).toEqual([...ALL_KEYS].sort());
  });

  test('a partial prefetch without fhirServer → 412 listing only the keys not given', async () => {
    const full = fullPrefetch();
    const prefetch = { patient: full.patient ?? null, labs: full.labs ?? null, procedures: null };
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send(hookRequest('patient-view', { prefetch }));
    const diagnostics = expectOutcome(response, {
      status: 412,
      code: 'incomplete',
      mustNotContain: ['Nordmann'],
    });
    expect(listedKeys(diagnostics).sort()).toEqual(
      ALL_KEYS.filter((key) => !['patient', 'labs', 'procedures'].includes(key)).sort(),
    );
  });

  test('a prefetch key that holds an OperationOutcome counts as not fetched → 412 without fhirServer', async () => {
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'timeout' }],
    };
    const prefetch = { ...fullPrefetch(), labs: outcome };
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send(hookRequest('patient-view', { prefetch }));
    const diagnostics = expectOutcome(response, { status: 412, code: 'incomplete' });
    expect(listedKeys(diagnostics)).toEqual(['labs']);
  });

  test('order hooks answer 412 too, rather than an empty answer', async () => {
    const body = hookRequest('order-sign', { draftOrders: [draft()] });
    const response = await request(app).post(ORDER_SIGN).send(body);
    expectOutcome(response, { status: 412, code: 'incomplete', mentions: ['labs'] });
  });
});

describe('Errors — logging', () => {
  test('a rejected request is logged with its status and problem, never with the body or token', async () => {
    const { app: logged, logs } = testApp();
    const body = {
      ...hookRequest('patient-view', {
        prefetch: fullPrefetch(),
        accessToken: 'secret-token-123',
        fhirServer: 'https://ehr.example.org/fhir',
      }),
      hookInstance: 'not-a-uuid',
    };
    const response = await request(logged).post(PATIENT_VIEW).send(body);
    expect(response.status).toBe(400);
    const all = logs.join('');
    for (const secret of ['secret-token-123', 'Nordmann', 'pat-1', 'not-a-uuid', 'prac-1']) {
      expect(all).not.toContain(secret);
    }
    const entries = parsedLogs(logs);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      reqId: response.headers['x-request-id'],
      service: 'fls-patient-view',
      hook: 'patient-view',
      status: 400,
      durationMs: expect.any(Number),
      error: expect.stringContaining('hookInstance'),
    });
  });

  test('a malformed body is logged without its text', async () => {
    const { app: logged, logs } = testApp();
    const response = await request(logged)
      .post(PATIENT_VIEW)
      .set('Content-Type', 'application/json')
      .send('{"hook":"patient-view","hookInstance":"' + HOOK_INSTANCE + '","name":"Nordmann"');
    expect(response.status).toBe(400);
    const all = logs.join('');
    expect(all).not.toContain('Nordmann');
    expect(all).not.toContain(HOOK_INSTANCE);
    expect(parsedLogs(logs)[0]).toMatchObject({ status: 400, error: expect.any(String) });
  });
});
