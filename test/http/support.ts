/** Shared assertions for the HTTP tests. */
import type { Response } from 'supertest';

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * JSON paths of the values CDS Hooks forbids in its JSON ("leave optional fields
 * out"): `null`, `""` (or blank), `[]` and `{}`. The caller decides whether the
 * one allowed exception, the top-level `"cards": []`, applies.
 */
export function forbiddenEmptyValues(value: unknown, path = '$'): string[] {
  if (value === null) return [path];
  if (typeof value === 'string') return value.trim() === '' ? [path] : [];
  if (Array.isArray(value)) {
    if (value.length === 0) return [path];
    return value.flatMap((item, index) => forbiddenEmptyValues(item, `${path}[${index}]`));
  }
  if (typeof value === 'object' && value !== undefined) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [path];
    return entries.flatMap(([key, item]) => forbiddenEmptyValues(item, `${path}.${key}`));
  }
  return [];
}

export interface OutcomeExpectation {
  status: number;
  /** OperationOutcome.issue[0].code (or the acceptable codes). */
  code: string | readonly string[];
  /** Fragments issue[0].diagnostics must contain (case-insensitive). */
  mentions?: readonly string[];
  /** Fragments neither the diagnostics nor the whole body may contain. */
  mustNotContain?: readonly string[];
}

/** Asserts an error response: status, JSON OperationOutcome, issue code and diagnostics. Returns the diagnostics. */
export function expectOutcome(response: Response, expected: OutcomeExpectation): string {
  expect(response.status).toBe(expected.status);
  expect(response.headers['content-type']).toMatch(/^application\/(fhir\+)?json/);
  const body: unknown = JSON.parse(response.text);
  expect(body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error' }] });
  const [issue] = (body as { issue: [{ code?: unknown; diagnostics?: unknown }] }).issue;
  const codes = typeof expected.code === 'string' ? [expected.code] : expected.code;
  expect(codes).toContain(issue.code);
  const diagnostics = issue.diagnostics;
  expect(typeof diagnostics).toBe('string');
  const text = String(diagnostics);
  for (const mention of expected.mentions ?? []) {
    expect(text.toLowerCase()).toContain(mention.toLowerCase());
  }
  for (const secret of expected.mustNotContain ?? []) {
    expect(response.text).not.toContain(secret);
  }
  return text;
}

/** The log lines parsed as JSON. */
export function parsedLogs(logs: readonly string[]): Record<string, unknown>[] {
  return logs.flatMap((chunk) =>
    chunk
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}
