/**
 * The OpenAPI document states the hook request bodies' real constraints
 * (PatientViewRequest, OrderSelectRequest, OrderSignRequest, and CdsRequest for
 * `/cds-services/{id}`), so a client or a fuzzer that follows the document is
 * not refused for its shape. Here the document and the service's validation —
 * parseCdsRequest (src/cds/request.ts), then the prefetch shapes resolvePrefetch
 * refuses (src/cds/prefetch.ts), both answered with 400 — must agree on every
 * body: the document's own examples, one body per rule, and generated bodies that
 * combine valid and invalid parts.
 *
 * Two rules tie one member to another in a way JSON Schema cannot state: the
 * `hook` must be the hook of the service in the path, and every order-select
 * `selections` item must name an entry of `draftOrders`. The document says both
 * in words; here they are the only disagreements allowed, each checked to be
 * refused for that reason. (The fuzz harness keeps its generated bodies to them:
 * scripts/fuzz/hooks.py.)
 */
import fc from 'fast-check';
import { DataUnavailableError, PrefetchShapeError, resolvePrefetch } from '../../src/cds/prefetch';
import { parseCdsRequest, RequestValidationError } from '../../src/cds/request';
import { findService, type HookName } from '../../src/cds/services';
import { openapiDocument, schemaCheck } from '../helpers/openapi';

const SERVICE_OF: Record<HookName, string> = {
  'patient-view': 'fls-patient-view',
  'order-select': 'fls-order-select',
  'order-sign': 'fls-order-sign',
};
const SCHEMA_OF: Record<HookName, string> = {
  'patient-view': 'PatientViewRequest',
  'order-select': 'OrderSelectRequest',
  'order-sign': 'OrderSignRequest',
};
const HOOKS = Object.keys(SERVICE_OF) as HookName[];
const documentAccepts = Object.fromEntries(
  HOOKS.map((hook) => [hook, schemaCheck(SCHEMA_OF[hook])]),
) as Record<HookName, ReturnType<typeof schemaCheck>>;
const anyService = schemaCheck('CdsRequest');

/** A FHIR server that has nothing: only 412 / 200 can follow, never a 400. */
const emptyFhir: typeof fetch = async (input) => {
  const url = String(input instanceof Request ? input.url : input);
  const body = /\/Patient\/[^/?]+$/.test(new URL(url).pathname)
    ? { resourceType: 'Patient', id: 'p' }
    : { resourceType: 'Bundle', type: 'searchset', entry: [] };
  return new Response(JSON.stringify(body), {
    status: 200,
    headers: { 'Content-Type': 'application/fhir+json' },
  });
};

type Verdict = { ok: true } | { ok: false; message: string };

/** What the service answers for its validation: 400 (not ok) or anything else (ok). */
async function serviceVerdict(hook: HookName, body: unknown): Promise<Verdict> {
  const service = findService(SERVICE_OF[hook]);
  if (!service) throw new Error(`no service for ${hook}`);
  try {
    const request = parseCdsRequest(body, service);
    await resolvePrefetch(service.prefetch, request, {
      timeoutMs: 1000,
      maxPages: 2,
      maxResponseBytes: 100_000,
      fetch: emptyFhir,
    });
    return { ok: true };
  } catch (error) {
    if (error instanceof RequestValidationError || error instanceof PrefetchShapeError)
      return { ok: false, message: error.message };
    if (error instanceof DataUnavailableError) return { ok: true };
    throw error;
  }
}

const UUID = 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea';
const DRAFT = {
  resourceType: 'MedicationRequest',
  id: 'draft-1',
  status: 'draft',
  intent: 'order',
  subject: { reference: 'Patient/123' },
};
const contextOf = (hook: HookName): Record<string, unknown> => ({
  userId: 'Practitioner/123',
  patientId: '123',
  ...(hook === 'patient-view'
    ? {}
    : {
        draftOrders: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: DRAFT }] },
      }),
  ...(hook === 'order-select' ? { selections: ['MedicationRequest/draft-1'] } : {}),
});
const validBody = (hook: HookName, extra: Record<string, unknown> = {}) => ({
  hook,
  hookInstance: UUID,
  fhirServer: 'https://ehr.example.org/fhir',
  context: contextOf(hook),
  ...extra,
});
const searchset = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: [{ resource: { resourceType: 'Condition', id: 'c' } }],
  ...extra,
});

describe('the OpenAPI document and the hook request validation agree', () => {
  const operations = Object.entries(openapiDocument.paths).flatMap(([path, item]) => {
    const post = (item as { post?: { requestBody?: { content: Record<string, unknown> } } }).post;
    if (!path.startsWith('/cds-services/') || path.endsWith('/feedback') || !post?.requestBody)
      return [];
    const json = post.requestBody.content['application/json'] as {
      example?: unknown;
      examples?: Record<string, { value: unknown }>;
    };
    return [
      ...(json.example === undefined ? [] : [[path, 'example', json.example] as const]),
      ...Object.entries(json.examples ?? {}).map(
        ([name, example]) => [path, name, example.value] as const,
      ),
    ];
  });

  test.each(operations)(
    '%s: the document example "%s" is valid for both',
    async (path, _name, body) => {
      const hook = (body as { hook: HookName }).hook;
      expect(path === '/cds-services/{id}' || path === `/cds-services/${SERVICE_OF[hook]}`).toBe(
        true,
      );
      expect(anyService(body)).toEqual([]);
      expect(documentAccepts[hook](body)).toEqual([]);
      expect(await serviceVerdict(hook, body)).toEqual({ ok: true });
    },
  );

  const cases: [string, HookName, boolean, unknown][] = [
    [
      'patient-view, prefetch of every kind',
      'patient-view',
      true,
      validBody('patient-view', {
        prefetch: {
          patient: { resourceType: 'Patient', id: '123' },
          labs: searchset({ link: [{ relation: 'self', url: 'https://ehr.example.org/fhir/x' }] }),
          conditions: null,
          procedures: { resourceType: 'OperationOutcome', issue: [] },
          notDeclared: [1, 2],
        },
      }),
    ],
    ['order-select', 'order-select', true, validBody('order-select')],
    ['order-sign', 'order-sign', true, validBody('order-sign')],
    [
      'hook of another service',
      'patient-view',
      false,
      validBody('patient-view', { hook: 'order-sign' }),
    ],
    [
      'hookInstance not a uuid',
      'patient-view',
      false,
      validBody('patient-view', { hookInstance: 'x' }),
    ],
    [
      'fhirServer not http(s)',
      'patient-view',
      false,
      validBody('patient-view', { fhirServer: 'ftp://ehr.example.org' }),
    ],
    [
      'fhirServer without a host',
      'patient-view',
      false,
      validBody('patient-view', { fhirServer: 'http:/x' }),
    ],
    [
      'fhirAuthorization without fhirServer',
      'patient-view',
      false,
      {
        ...validBody('patient-view'),
        fhirServer: undefined,
        fhirAuthorization: {
          access_token: 't',
          token_type: 'Bearer',
          expires_in: 1,
          scope: 's',
          subject: 'c',
        },
      },
    ],
    [
      'fhirAuthorization with token_type bearer',
      'patient-view',
      true,
      validBody('patient-view', {
        fhirAuthorization: {
          access_token: 't',
          token_type: 'bearer',
          expires_in: 1,
          scope: 's',
          subject: 'c',
        },
      }),
    ],
    [
      'fhirAuthorization with token_type MAC',
      'patient-view',
      false,
      validBody('patient-view', {
        fhirAuthorization: {
          access_token: 't',
          token_type: 'MAC',
          expires_in: 1,
          scope: 's',
          subject: 'c',
        },
      }),
    ],
    [
      'userId of a Device',
      'patient-view',
      false,
      validBody('patient-view', {
        context: { userId: 'Device/1', patientId: '123' },
      }),
    ],
    [
      'patientId with a space',
      'patient-view',
      false,
      validBody('patient-view', {
        context: { userId: 'Practitioner/1', patientId: '1 2' },
      }),
    ],
    [
      'patient prefetch of another type',
      'patient-view',
      false,
      validBody('patient-view', {
        prefetch: { patient: { resourceType: 'Observation' } },
      }),
    ],
    [
      'search prefetch that is no Bundle',
      'patient-view',
      false,
      validBody('patient-view', {
        prefetch: { labs: { resourceType: 'Observation' } },
      }),
    ],
    [
      'search prefetch with an entry that is no object',
      'patient-view',
      false,
      validBody('patient-view', {
        prefetch: { labs: searchset({ entry: [5] }) },
      }),
    ],
    [
      'search prefetch with a link without url',
      'patient-view',
      false,
      validBody('patient-view', {
        prefetch: { labs: searchset({ link: [{ relation: 'next' }] }) },
      }),
    ],
    [
      'prefetch that is an array',
      'patient-view',
      false,
      validBody('patient-view', { prefetch: [] }),
    ],
    [
      'draftOrders that is no Bundle',
      'order-sign',
      false,
      validBody('order-sign', {
        context: { ...contextOf('order-sign'), draftOrders: { resourceType: 'List' } },
      }),
    ],
    [
      'no selections',
      'order-select',
      false,
      validBody('order-select', {
        context: { ...contextOf('order-select'), selections: [] },
      }),
    ],
    [
      'a selection that is no reference',
      'order-select',
      false,
      validBody('order-select', {
        context: { ...contextOf('order-select'), selections: ['draft-1'] },
      }),
    ],
  ];

  test.each(cases)('%s (%s): %s for both', async (_name, hook, valid, body) => {
    const json = JSON.parse(JSON.stringify(body)) as unknown;
    expect(documentAccepts[hook](json).length === 0).toBe(valid);
    expect((await serviceVerdict(hook, json)).ok).toBe(valid);
  });

  test('the two rules the document states in words only', async () => {
    const mismatch = validBody('order-sign');
    expect(anyService(mismatch)).toEqual([]);
    expect(await serviceVerdict('patient-view', mismatch)).toEqual({
      ok: false,
      message: '"order-sign" does not match this service, which answers hook "patient-view"',
    });
    const unknownSelection = validBody('order-select', {
      context: { ...contextOf('order-select'), selections: ['MedicationRequest/other'] },
    });
    expect(documentAccepts['order-select'](unknownSelection)).toEqual([]);
    expect(await serviceVerdict('order-select', unknownSelection)).toEqual({
      ok: false,
      message: 'context.selections[0]: not found in context.draftOrders',
    });
  });

  // Each member valid, invalid or absent, in every combination the generator finds.
  const some = (...values: unknown[]) => fc.constantFrom(...values);
  const absent = undefined;
  const member = {
    hookInstance: some(UUID, UUID.toUpperCase(), 'not-a-uuid', 5, absent),
    fhirServer: some(
      'https://ehr.example.org/fhir',
      'http://127.0.0.1:8080/fhir',
      'ftp://x',
      'http:/x',
      'ehr',
      absent,
    ),
    fhirAuthorization: some(
      { access_token: 't', token_type: 'Bearer', expires_in: 300, scope: 's', subject: 'c' },
      { access_token: '', token_type: 'Bearer', expires_in: 300, scope: 's', subject: 'c' },
      { access_token: 't', token_type: 'Bearer', expires_in: -1, scope: 's', subject: 'c' },
      { access_token: 't', token_type: 'Bearer', scope: 's', subject: 'c' },
      absent,
    ),
    userId: some('Practitioner/1', 'PractitionerRole/a.b', 'Device/1', 'Practitioner/', absent),
    patientId: some('123', 'a-b.C', '1 2', '', 7, absent),
    encounterId: some('456', '4/5', absent),
    draftOrders: some(
      { resourceType: 'Bundle', entry: [{ resource: DRAFT }] },
      {
        resourceType: 'Bundle',
        entry: [{ resource: DRAFT }, { resource: { resourceType: 'ServiceRequest', id: 's.1' } }],
      },
      { resourceType: 'Bundle', entry: [{ resource: { id: 'x' } }] },
      { resourceType: 'Bundle', entry: 'x' },
      { resourceType: 'List' },
      absent,
    ),
    selections: some(
      ['MedicationRequest/draft-1'],
      ['ServiceRequest/s.1', 'MedicationRequest/draft-1'],
      [],
      ['x'],
      [5],
      absent,
    ),
    patient: some(
      { resourceType: 'Patient', id: '1' },
      { resourceType: 'OperationOutcome' },
      null,
      { resourceType: 'Condition' },
      { resourceType: '' },
      3,
      absent,
    ),
    labs: some(
      searchset(),
      searchset({ link: [{ relation: 'next', url: 'https://ehr.example.org/fhir/next' }] }),
      searchset({ link: [{ relation: 'next' }] }),
      searchset({ entry: [{ resource: { resourceType: 5 } }] }),
      searchset({ entry: {} }),
      { resourceType: 'OperationOutcome', issue: [] },
      { resourceType: 'Patient' },
      null,
      [],
      absent,
    ),
  };

  test('generated bodies: the document accepts what the service accepts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...HOOKS),
        fc.constantFrom<string>(...HOOKS, 'x'),
        fc.record(member, { requiredKeys: [] }),
        async (service, hook, parts) => {
          const body = JSON.parse(
            JSON.stringify({
              hook,
              hookInstance: parts.hookInstance,
              fhirServer: parts.fhirServer,
              fhirAuthorization: parts.fhirAuthorization,
              context: {
                userId: parts.userId,
                patientId: parts.patientId,
                encounterId: parts.encounterId,
                draftOrders: parts.draftOrders,
                selections: parts.selections,
              },
              prefetch:
                parts.patient === undefined && parts.labs === undefined
                  ? undefined
                  : { patient: parts.patient, labs: parts.labs },
            }),
          ) as Record<string, unknown>;
          const document = documentAccepts[service](body).length === 0;
          const verdict = await serviceVerdict(service, body);
          // /cds-services/{id}: valid for the document when valid for the hook it names.
          expect(anyService(body).length === 0).toBe(
            HOOKS.some((named) => named === hook && documentAccepts[named](body).length === 0),
          );
          if (document && !verdict.ok) {
            // The only rule the document cannot state for one service's own path.
            expect(service).toBe('order-select');
            expect(verdict.message).toMatch(
              /^context\.selections\[\d+\].*: not found in context\.draftOrders$/,
            );
          } else {
            expect(verdict.ok).toBe(document);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
