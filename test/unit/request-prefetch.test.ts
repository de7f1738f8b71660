/**
 * parseCdsRequest checks valid prefetch in place and hands only a problem to zod
 * for its message. The in-place check must accept exactly what the zod schema
 * accepts: here both judge the same generated prefetch values.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { parseCdsRequest, RequestValidationError } from '../../src/cds/request';
import { findService } from '../../src/cds/services';
import { HOOK_INSTANCE, PATIENT_ID } from '../helpers/fhir';

const service = findService('fls-patient-view');
if (!service) throw new Error('no fls-patient-view');

/** The zod schema of a declared prefetch value, as src/cds/request.ts declares it. */
const zodValue = z
  .looseObject({ resourceType: z.string().min(1) })
  .superRefine((value, ctx) => {
    if (value.resourceType !== 'Bundle') return;
    const { entry, link } = value as { entry?: unknown; link?: unknown };
    const object = (item: unknown): item is Record<string, unknown> =>
      typeof item === 'object' && item !== null && !Array.isArray(item);
    const bad = () => ctx.addIssue({ code: 'custom', message: 'structure' });
    if (entry !== undefined) {
      if (!Array.isArray(entry)) return bad();
      for (const item of entry) {
        if (!object(item)) return bad();
        if (item.resource === undefined) continue;
        if (!object(item.resource)) return bad();
        const type = item.resource.resourceType;
        if (typeof type !== 'string' || type === '') return bad();
      }
    }
    if (link !== undefined) {
      if (!Array.isArray(link)) return bad();
      for (const item of link) {
        if (!object(item) || typeof item.relation !== 'string' || typeof item.url !== 'string')
          return bad();
      }
    }
  })
  .nullable();

function body(prefetch: Record<string, unknown>) {
  return {
    hook: 'patient-view',
    hookInstance: HOOK_INSTANCE,
    context: { userId: 'Practitioner/1', patientId: PATIENT_ID },
    prefetch,
  };
}

const anything = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.string(),
  fc.constant([]),
  fc.constant({}),
);
const resourceType = fc.oneof(
  fc.constantFrom('Bundle', 'Patient', 'OperationOutcome', ''),
  anything,
);
const entryItem = fc.oneof(
  fc.record({ resource: fc.record({ resourceType }, { requiredKeys: [] }) }, { requiredKeys: [] }),
  anything,
);
const linkItem = fc.oneof(
  fc.record({ relation: fc.oneof(fc.string(), anything), url: fc.oneof(fc.string(), anything) }),
  anything,
);
const prefetchValue = fc.oneof(
  anything,
  fc.record(
    {
      resourceType,
      entry: fc.oneof(fc.array(entryItem, { maxLength: 3 }), anything),
      link: fc.oneof(fc.array(linkItem, { maxLength: 2 }), anything),
    },
    { requiredKeys: [] },
  ),
);

describe('declared prefetch: the in-place check accepts what zod accepts', () => {
  test('generated values for two declared keys and one undeclared', () => {
    fc.assert(
      fc.property(prefetchValue, prefetchValue, prefetchValue, (patient, labs, other) => {
        // As a request body arrives: JSON (no undefined anywhere).
        const sent = JSON.parse(JSON.stringify({ patient, labs, notDeclared: other })) as Record<
          string,
          unknown
        >;
        const declared = Object.fromEntries(
          Object.entries(sent).filter(([key]) => key !== 'notDeclared'),
        );
        const zodAccepts = Object.values(declared).every(
          (value) => zodValue.safeParse(value).success,
        );
        let accepted: boolean;
        try {
          const request = parseCdsRequest(body(sent), service);
          accepted = true;
          expect(request.prefetch).toEqual(declared);
        } catch (error) {
          expect(error).toBeInstanceOf(RequestValidationError);
          accepted = false;
          expect((error as Error).message).toMatch(/^prefetch\./);
        }
        expect(accepted).toBe(zodAccepts);
      }),
      { numRuns: 3000 },
    );
  });
});
