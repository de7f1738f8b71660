/** The worklist's configuration: WORKLIST_FHIR_BASE validated, never served without auth in production. */
import { loadConfig } from '../../src/config';

describe('WORKLIST_FHIR_BASE', () => {
  test('unset: no worklist', () => {
    expect(loadConfig({}).worklist).toBeUndefined();
  });

  test('an http(s) base URL, trailing slash dropped, with its token and limits', () => {
    expect(
      loadConfig({
        WORKLIST_FHIR_BASE: 'https://fhir.example.org/fhir/',
        WORKLIST_FHIR_TOKEN: 'system-token',
        WORKLIST_CONCURRENCY: '8',
      }).worklist,
    ).toEqual({
      baseUrl: 'https://fhir.example.org/fhir',
      accessToken: 'system-token',
      concurrency: 8,
      timeoutMs: 30_000,
    });
  });

  test.each([
    [{ WORKLIST_FHIR_BASE: 'not a url' }, /WORKLIST_FHIR_BASE/],
    [{ WORKLIST_FHIR_BASE: 'ftp://fhir.example.org/fhir' }, /WORKLIST_FHIR_BASE/],
    [{ WORKLIST_FHIR_BASE: 'https://fhir.example.org/fhir?x=1' }, /WORKLIST_FHIR_BASE/],
    [{ WORKLIST_CONCURRENCY: '0' }, /WORKLIST_CONCURRENCY/],
  ])('%j is refused, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  test('with CDS_AUTH=off in production it is refused: the worklist holds patient data', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        CDS_AUTH: 'off',
        WORKLIST_FHIR_BASE: 'https://fhir.example.org/fhir',
      }),
    ).toThrow(/never served without authentication in production/);
    // Outside production, auth off is allowed (main.ts warns).
    expect(
      loadConfig({ CDS_AUTH: 'off', WORKLIST_FHIR_BASE: 'https://fhir.example.org/fhir' }).worklist
        ?.baseUrl,
    ).toBe('https://fhir.example.org/fhir');
  });
});

describe('FLS_PAGES_BASE_URL', () => {
  test('unset: no link to the patient page', () => {
    expect(loadConfig({}).pagesBaseUrl).toBeUndefined();
  });

  test('an http(s) URL, trailing slash dropped', () => {
    expect(loadConfig({ FLS_PAGES_BASE_URL: 'https://cds.example.org/' }).pagesBaseUrl).toBe(
      'https://cds.example.org',
    );
  });

  test.each(['not a url', 'javascript:alert(1)', 'https://cds.example.org/?token=x'])(
    '%s is refused, naming the variable',
    (value) => {
      expect(() => loadConfig({ FLS_PAGES_BASE_URL: value })).toThrow(/FLS_PAGES_BASE_URL/);
    },
  );
});
