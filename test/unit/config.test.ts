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
