/** Start-up configuration (src/config.ts): validated, with the profile choosing the default language. */
import { ConfigError, loadConfig } from '../../src/config';
import { negotiateLanguage } from '../../src/http/language';

describe('configuration from the environment', () => {
  test('defaults: port 3000, Norwegian profile and bokmål cards', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    // Enough pages for ~1,000 results per key from a server that pages by 10.
    expect(config.fhir.maxPages).toBe(100);
    expect(config.profile).toBe('no');
    expect(config.defaultLanguage).toBe('nb');
  });

  test.each([
    ['dk', 'da'],
    ['se', 'sv'],
  ] as const)('CDS_PROFILE=%s makes %s the default card language', (profile, language) => {
    expect(loadConfig({ CDS_PROFILE: profile }).defaultLanguage).toBe(language);
  });

  test('CDS_TENANT_PROFILES maps JWT tenants to profiles; a bad map is refused', () => {
    expect(loadConfig({ CDS_TENANT_PROFILES: '{"region-skane":"se"}' }).tenantProfiles).toEqual({
      'region-skane': 'se',
    });
    expect(loadConfig({}).tenantProfiles).toEqual({});
    expect(() => loadConfig({ CDS_TENANT_PROFILES: '{"x":"fi"}' })).toThrow(/CDS_TENANT_PROFILES/);
    expect(() => loadConfig({ CDS_TENANT_PROFILES: 'not json' })).toThrow(/CDS_TENANT_PROFILES/);
  });

  test('METRICS_PORT: off unless set (the container image sets 9464); never the service port', () => {
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: 'off' }).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(loadConfig({ METRICS_PORT: '0', PORT: '0' }).metricsPort).toBe(0);
    expect(() => loadConfig({ METRICS_PORT: '3000' })).toThrow(
      /METRICS_PORT: must differ from PORT/,
    );
    expect(() => loadConfig({ METRICS_PORT: 'on' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
  });

  test('DEFAULT_LANGUAGE overrides the profile language', () => {
    expect(loadConfig({ CDS_PROFILE: 'se', DEFAULT_LANGUAGE: 'en' }).defaultLanguage).toBe('en');
  });

  test.each([
    [{ CDS_PROFILE: 'fi' }, /CDS_PROFILE/],
    [{ PORT: 'eighty' }, /PORT/],
    [{ FHIR_TIMEOUT_MS: '-5' }, /FHIR_TIMEOUT_MS/],
    [{ DEFAULT_LANGUAGE: 'de' }, /DEFAULT_LANGUAGE/],
  ])('%j is refused, naming the variable', (env, message) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(message);
  });
});

describe('limits, server timeouts and shutdown (docs/limits-and-shutdown.md)', () => {
  test('defaults', () => {
    const config = loadConfig({});
    expect(config.bodyLimitBytes).toBe(5_000_000);
    expect(config.fhir).toEqual({
      timeoutMs: 3000,
      maxPages: 100,
      maxResponseBytes: 20_000_000,
      requestDeadlineMs: 5000,
      searchCount: 100,
    });
    expect(config.http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5000,
    });
    expect(config.shutdownGraceMs).toBe(10_000);
  });

  test('each limit is read from its variable', () => {
    const config = loadConfig({
      BODY_LIMIT_BYTES: '2000',
      FHIR_TIMEOUT_MS: '700',
      FHIR_MAX_PAGES: '7',
      FHIR_MAX_RESPONSE_BYTES: '9000',
      FHIR_SEARCH_COUNT: '250',
      REQUEST_DEADLINE_MS: '1500',
      HTTP_HEADERS_TIMEOUT_MS: '2000',
      HTTP_REQUEST_TIMEOUT_MS: '4000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '600',
      SHUTDOWN_GRACE_MS: '3000',
    });
    expect(config.bodyLimitBytes).toBe(2000);
    expect(config.fhir).toEqual({
      timeoutMs: 700,
      maxPages: 7,
      maxResponseBytes: 9000,
      requestDeadlineMs: 1500,
      searchCount: 250,
    });
    expect(config.http).toEqual({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 4000,
      keepAliveTimeoutMs: 600,
    });
    expect(config.shutdownGraceMs).toBe(3000);
  });

  test.each([
    [{ BODY_LIMIT_BYTES: '0' }, /BODY_LIMIT_BYTES/],
    [{ FHIR_SEARCH_COUNT: '0' }, /FHIR_SEARCH_COUNT/],
    [{ FHIR_SEARCH_COUNT: '5000' }, /FHIR_SEARCH_COUNT/],
    [{ FHIR_MAX_PAGES: '1.5' }, /FHIR_MAX_PAGES/],
    [{ FHIR_MAX_RESPONSE_BYTES: 'lots' }, /FHIR_MAX_RESPONSE_BYTES/],
    [{ REQUEST_DEADLINE_MS: '50' }, /REQUEST_DEADLINE_MS/],
    [{ REQUEST_DEADLINE_MS: '1e9' }, /REQUEST_DEADLINE_MS/],
    [{ HTTP_KEEP_ALIVE_TIMEOUT_MS: '0' }, /HTTP_KEEP_ALIVE_TIMEOUT_MS/],
    [{ SHUTDOWN_GRACE_MS: 'soon' }, /SHUTDOWN_GRACE_MS/],
    // Headers longer than the whole request could never be enforced.
    [
      { HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '15000' },
      /HTTP_REQUEST_TIMEOUT_MS: must be at least HTTP_HEADERS_TIMEOUT_MS/,
    ],
    // The connection's idle limit would drop a call still waiting for the FHIR server.
    [
      { REQUEST_DEADLINE_MS: '30000', HTTP_REQUEST_TIMEOUT_MS: '30000' },
      /HTTP_REQUEST_TIMEOUT_MS: must be greater than REQUEST_DEADLINE_MS/,
    ],
    // Shutdown would cut short calls the deadline still allows.
    [
      { REQUEST_DEADLINE_MS: '5000', SHUTDOWN_GRACE_MS: '4000' },
      /SHUTDOWN_GRACE_MS: must be greater than REQUEST_DEADLINE_MS/,
    ],
  ])('%j is refused, naming the variable', (env, message) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(message);
  });

  test('equal headers and request timeouts are allowed', () => {
    const config = loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '8000', HTTP_REQUEST_TIMEOUT_MS: '8000' });
    expect(config.http.headersTimeoutMs).toBe(8000);
  });
});

describe('Accept-Language (RFC 9110 § 12.5.4) over nb, en, da, sv', () => {
  test.each([
    ['da', 'da'],
    ['da-DK,da;q=0.9', 'da'],
    ['sv-SE', 'sv'],
    ['fi, sv;q=0.8, en;q=0.5', 'sv'],
    ['no', 'nb'],
    ['nn-NO', 'nb'],
    // "se" is Northern Sami, not Swedish.
    ['se', 'nb'],
    ['de', 'nb'],
    ['en;q=0, da', 'da'],
  ])('%s → %s', (header, language) => {
    expect(negotiateLanguage(header, 'nb')).toBe(language);
  });
});
