/**
 * CDS Hooks 2.0 request validation (../shared/cds-hooks.md, "Service call").
 * Hook contexts follow the HL7 CDS Hooks library 1.0.1 definitions.
 */
import { z } from 'zod';
import type { Bundle, FhirResource } from 'fhir/r4';
import type { CdsServiceDefinition, HookName } from './services';

/**
 * A resource id: FHIR's id characters at any length. FHIR R4 caps ids at 64, but
 * EHRs issue longer ones (the HL7 IG's order-sign example: 212-character
 * MedicationRequest ids), and CDS Hooks asks services to be robust to what
 * clients send (docs/protocol.md); the body limit bounds the length. Ids are
 * matched exactly, never truncated.
 */
export const FHIR_ID_CHARS = '[A-Za-z0-9\\-.]+';

/** "Type/id" with a FHIR id. */
const reference = (types: readonly string[]) =>
  z
    .string()
    .regex(
      new RegExp(`^(${types.join('|')})/${FHIR_ID_CHARS}$`),
      `must be a reference of the form Type/id with Type one of ${types.join(', ')}`,
    );

/** A FHIR id (Patient.id): the spec's context.patientId is the bare id. */
const fhirId = z
  .string()
  .regex(new RegExp(`^${FHIR_ID_CHARS}$`), 'must be a FHIR id (letters, digits, - or .)');

const userId = reference(['Practitioner', 'PractitionerRole', 'Patient', 'RelatedPerson']);

const resource = z.looseObject({ resourceType: z.string().min(1) });

const bundle = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z.array(z.looseObject({ resource: resource.optional() })).optional(),
});

const patientViewContext = z.object({
  userId,
  patientId: fhirId,
  encounterId: fhirId.optional(),
});

const orderSignContext = patientViewContext.extend({
  draftOrders: bundle,
});

const orderSelectContext = orderSignContext.extend({
  selections: z
    .array(z.string().regex(new RegExp(`^[A-Za-z]+/${FHIR_ID_CHARS}$`), 'must be Type/id'))
    .min(1),
});

const fhirAuthorization = z.object({
  access_token: z.string().min(1),
  // OAuth 2.0 token types are case-insensitive (RFC 6749 section 5.1): "bearer" is "Bearer".
  token_type: z.string().regex(/^bearer$/i, 'must be Bearer (in any letter case)'),
  expires_in: z.number().int().nonnegative(),
  scope: z.string().min(1),
  subject: z.string().min(1),
  patient: z.string().optional(),
});

/**
 * A prefetched Bundle must have the structure the service reads (entries, paging
 * links). Checked in place, without zod, because a patient's history can be
 * thousands of entries and parsing would copy every one of them on each request.
 */
function bundleStructureProblem(
  bundle: Record<string, unknown>,
): { path: (string | number)[]; message: string } | undefined {
  const { entry, link } = bundle;
  if (entry !== undefined) {
    if (!Array.isArray(entry)) return { path: ['entry'], message: 'must be an array' };
    for (let index = 0; index < entry.length; index += 1) {
      const item: unknown = entry[index];
      if (!isObject(item)) return { path: ['entry', index], message: 'must be an object' };
      const held = item.resource;
      if (held === undefined) continue;
      if (!isObject(held))
        return { path: ['entry', index, 'resource'], message: 'must be an object' };
      if (typeof held.resourceType !== 'string' || held.resourceType === '') {
        return {
          path: ['entry', index, 'resource', 'resourceType'],
          message: 'must be a non-empty string',
        };
      }
    }
  }
  if (link !== undefined) {
    if (!Array.isArray(link)) return { path: ['link'], message: 'must be an array' };
    for (let index = 0; index < link.length; index += 1) {
      const item: unknown = link[index];
      if (!isObject(item)) return { path: ['link', index], message: 'must be an object' };
      if (typeof item.relation !== 'string')
        return { path: ['link', index, 'relation'], message: 'must be a string' };
      if (typeof item.url !== 'string')
        return { path: ['link', index, 'url'], message: 'must be a string' };
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const prefetchValue = resource
  .superRefine((value, ctx) => {
    if (value.resourceType !== 'Bundle') return;
    const problem = bundleStructureProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', ...problem });
  })
  .nullable();

/**
 * Only the keys a service declares are read: any other key (the spec's own
 * example sends `"user": "123"`) is ignored, not validated (docs/protocol.md).
 */
const prefetchObject = z.record(z.string(), z.unknown());
const declaredPrefetch = z.record(z.string(), prefetchValue);

const baseRequest = z.object({
  hook: z.string().min(1),
  // Any 8-4-4-4-12 hex uuid: the spec says "UUID", and clients do not all set RFC 9562 version digits.
  hookInstance: z.guid('must be a uuid (8-4-4-4-12 hexadecimal digits)'),
  fhirServer: z.url({ protocol: /^https?$/ }).optional(),
  fhirAuthorization: fhirAuthorization.optional(),
  prefetch: prefetchObject.optional(),
});

export const CONTEXT_SCHEMAS = {
  'patient-view': patientViewContext,
  'order-select': orderSelectContext,
  'order-sign': orderSignContext,
} as const;

export interface HookContext {
  userId: string;
  patientId: string;
  encounterId?: string;
  selections?: string[];
  draftOrders?: Bundle;
}

export interface CdsRequest {
  hook: HookName;
  hookInstance: string;
  fhirServer?: string;
  fhirAuthorization?: z.infer<typeof fhirAuthorization>;
  context: HookContext;
  prefetch?: Record<string, FhirResource | null>;
}

export class RequestValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestValidationError';
  }
}

/**
 * Validate a request body for a service (its hook and the prefetch keys it
 * declares); throws with a message naming the problem.
 */
export function parseCdsRequest(
  body: unknown,
  service: Pick<CdsServiceDefinition, 'hook' | 'prefetch'>,
): CdsRequest {
  const expectedHook = service.hook;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestValidationError('the request body must be a JSON object');
  }
  const base = baseRequest.safeParse(body);
  if (!base.success) throw new RequestValidationError(describe(base.error));
  if (base.data.hook !== expectedHook) {
    const sent = /^[a-z][a-z-]{0,39}$/.test(base.data.hook)
      ? `"${base.data.hook}"`
      : 'the hook sent';
    throw new RequestValidationError(
      `${sent} does not match this service, which answers hook "${expectedHook}"`,
    );
  }
  if (base.data.fhirAuthorization && !base.data.fhirServer) {
    throw new RequestValidationError('fhirAuthorization was sent without fhirServer');
  }
  const rawContext = (body as { context?: unknown }).context;
  if (rawContext === undefined) throw new RequestValidationError('context: is required');
  const context = CONTEXT_SCHEMAS[expectedHook].safeParse(rawContext);
  if (!context.success) throw new RequestValidationError(describe(context.error, 'context'));
  const parsed = context.data as HookContext;
  if (parsed.selections) {
    const drafts = new Set(
      (parsed.draftOrders?.entry ?? []).map(
        (entry) => `${entry.resource?.resourceType}/${entry.resource?.id}`,
      ),
    );
    // Named by index, not value: a reference may hold anything the client chose (found by fuzzing).
    const unknown = parsed.selections.flatMap((selection, index) =>
      drafts.has(selection) ? [] : [`context.selections[${index}]`],
    );
    if (unknown.length > 0) {
      throw new RequestValidationError(
        `${unknown.slice(0, 5).join(', ')}: not found in context.draftOrders`,
      );
    }
  }
  // Not `{ ...base.data, hook, … }`: a literal that opens with a spread and goes on with
  // properties costs ~100× more on Node 20 (docs/benchmark.md).
  return Object.assign(
    { ...base.data },
    {
      hook: expectedHook,
      context: parsed,
      prefetch: base.data.prefetch && declaredKeys(base.data.prefetch, service.prefetch),
    },
  );
}

/** The prefetch values of the keys the service declares, validated; other keys are dropped unread. */
function declaredKeys(
  sent: Record<string, unknown>,
  templates: Readonly<Record<string, string>>,
): Record<string, FhirResource | null> {
  const declared: Record<string, unknown> = {};
  for (const key of Object.keys(templates)) {
    if (Object.hasOwn(sent, key)) declared[key] = sent[key];
  }
  // Valid prefetch (the usual case) is checked in place and passed on as sent; only a
  // problem goes through zod, for its message.
  if (Object.values(declared).every(isValidPrefetchValue)) {
    return declared as Record<string, FhirResource | null>;
  }
  const parsed = declaredPrefetch.safeParse(declared);
  if (!parsed.success) throw new RequestValidationError(describe(parsed.error, 'prefetch'));
  return parsed.data as Record<string, FhirResource | null>;
}

/** What declaredPrefetch accepts: null, or a resource (a Bundle with the structure read). */
function isValidPrefetchValue(value: unknown): boolean {
  if (value === null) return true;
  if (!isObject(value)) return false;
  if (typeof value.resourceType !== 'string' || value.resourceType === '') return false;
  return value.resourceType !== 'Bundle' || bundleStructureProblem(value) === undefined;
}

function describe(error: z.ZodError, prefix?: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${path || 'body'}: ${issue.message}`;
    })
    .join('; ');
}
