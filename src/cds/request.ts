/**
 * CDS Hooks 2.0 request validation (../shared/cds-hooks.md, "Service call").
 * Hook contexts follow the HL7 CDS Hooks library 1.0.1 definitions.
 */
import { z } from 'zod';
import type { Bundle, FhirResource } from 'fhir/r4';
import type { HookName } from './services';

/** "Type/id" with a FHIR id (1–64 of [A-Za-z0-9-.]). */
const reference = (types: readonly string[]) =>
  z
    .string()
    .regex(
      new RegExp(`^(${types.join('|')})/[A-Za-z0-9\\-.]{1,64}$`),
      `must be a reference of the form Type/id with Type one of ${types.join(', ')}`,
    );

/** A FHIR id (Patient.id): the spec's context.patientId is the bare id. */
const fhirId = z
  .string()
  .regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be a FHIR id (1-64 letters, digits, - or .)');

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
    .array(z.string().regex(/^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/, 'must be Type/id'))
    .min(1),
});

const fhirAuthorization = z.object({
  access_token: z.string().min(1),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().nonnegative(),
  scope: z.string().min(1),
  subject: z.string().min(1),
  patient: z.string().optional(),
});

/** A prefetched Bundle must have the structure the service reads (entries, paging links). */
const prefetchBundle = z.looseObject({
  resourceType: z.literal('Bundle'),
  entry: z.array(z.looseObject({ resource: resource.optional() })).optional(),
  link: z.array(z.looseObject({ relation: z.string(), url: z.string() })).optional(),
});

const prefetchValue = resource
  .superRefine((value, ctx) => {
    if (value.resourceType !== 'Bundle') return;
    const checked = prefetchBundle.safeParse(value);
    if (!checked.success) for (const issue of checked.error.issues) ctx.addIssue({ ...issue });
  })
  .nullable();

const prefetch = z.record(z.string(), prefetchValue);

const baseRequest = z.object({
  hook: z.string().min(1),
  hookInstance: z.uuid(),
  fhirServer: z.url({ protocol: /^https?$/ }).optional(),
  fhirAuthorization: fhirAuthorization.optional(),
  prefetch: prefetch.optional(),
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

/** Validate a request body for a service with the given hook; throws with a message naming the problem. */
export function parseCdsRequest(body: unknown, expectedHook: HookName): CdsRequest {
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
    const unknown = parsed.selections.filter((selection) => !drafts.has(selection));
    if (unknown.length > 0) {
      throw new RequestValidationError(
        `context.selections: ${unknown.join(', ')} not found in context.draftOrders`,
      );
    }
  }
  return {
    ...base.data,
    hook: expectedHook,
    context: parsed,
    prefetch: base.data.prefetch as Record<string, FhirResource | null> | undefined,
  };
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
