/**
 * The FHIR R4 answers of the benchmark's stub (bench/fhir-stub.ts) and the load
 * test's fault-injecting server (load/fault-fhir.ts): reads, and the searches of
 * the 8 prefetch queries (patient, code tokens, `_sort=-date`, stateless `_count` /
 * `_offset` paging with absolute `next` links on the same origin) over resources
 * held in memory.
 */
import type { Bundle, FhirResource, OperationOutcome } from 'fhir/r4';

export interface FhirAnswer {
  status: number;
  body: string;
}

export interface PagingOptions {
  /** Page size when the request names none. */
  pageSize: number;
  /** Largest page served whatever `_count` asks (HAPI caps at 50). */
  maxPageSize: number;
}

export function outcome(diagnostics: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'processing', diagnostics }],
  };
}

function patientOf(resource: FhirResource): string | undefined {
  const fields = resource as { subject?: { reference?: string }; patient?: { reference?: string } };
  return (fields.subject ?? fields.patient)?.reference?.replace(/^Patient\//, '');
}

function dateOf(resource: FhirResource): string {
  const r = resource as { effectiveDateTime?: string; effectivePeriod?: { start?: string } };
  return r.effectiveDateTime ?? r.effectivePeriod?.start ?? '';
}

/** `answer(url)` for a server at `base` (e.g. http://127.0.0.1:PORT/fhir) holding `resources`. */
export function fhirAnswerer(
  resources: readonly FhirResource[],
  base: string,
  paging: PagingOptions,
): (url: URL) => FhirAnswer {
  return (url) => {
    const relative = url.pathname.replace(/^\/fhir\/?/, '');
    const [type, id, ...rest] = relative.split('/');
    if (type && id && rest.length === 0) {
      const found = resources.find((r) => r.resourceType === type && r.id === id);
      return found
        ? { status: 200, body: JSON.stringify(found) }
        : { status: 404, body: JSON.stringify(outcome(`${type}/${id} is not known`)) };
    }
    if (!type || id) return { status: 400, body: JSON.stringify(outcome('unsupported request')) };
    const params = url.searchParams;
    const patient = params.get('patient');
    const tokens = params.get('code')?.split(',');
    const matches = resources.filter((resource) => {
      if (resource.resourceType !== type) return false;
      if (patient !== null && patientOf(resource) !== patient) return false;
      if (!tokens) return true;
      const codings = (resource as { code?: { coding?: { system?: string; code?: string }[] } })
        .code?.coding;
      return (codings ?? []).some(
        (c) => tokens.includes(`${c.system}|${c.code}`) || tokens.includes(c.code ?? ''),
      );
    });
    if (params.get('_sort') === '-date') {
      matches.sort((a, b) => dateOf(b).localeCompare(dateOf(a)));
    }
    const count = Math.min(Number(params.get('_count')) || paging.pageSize, paging.maxPageSize);
    const offset = Number(params.get('_offset')) || 0;
    const nextOffset = offset + count < matches.length ? offset + count : undefined;
    const next = new URL(url.href);
    next.searchParams.set('_offset', String(nextOffset));
    next.searchParams.set('_count', String(count));
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      link: [
        { relation: 'self', url: `${base}/${relative}${url.search}` },
        ...(nextOffset === undefined
          ? []
          : [{ relation: 'next', url: `${base}/${relative}${next.search}` }]),
      ],
      entry: matches.slice(offset, offset + count).map((resource) => ({
        fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
        resource,
        search: { mode: 'match' as const },
      })),
    };
    return { status: 200, body: JSON.stringify(bundle) };
  };
}
