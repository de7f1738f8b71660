/** The rule catalogue cites its seeds truthfully, and every threshold has a source. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONFIG_SOURCES,
  DEFAULT_GUIDELINE_CONFIG,
  resolveGuidelineConfig,
} from '../../src/guideline/config';
import { RECOMMENDATION_CODES, RULES } from '../../src/guideline/catalogue';
import { SEEDS, type Citation } from '../../src/guideline/seeds';

const SEED_DIR = join(__dirname, '../../../shared/seeds');
const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();
const seedText = (file: string) => normalise(readFileSync(join(SEED_DIR, file), 'utf8'));

describe('rules.md: every rule cites its seed', () => {
  test.each(Object.entries(RULES))(
    '%s has at least one citation and a recommendation code',
    (_id, rule) => {
      expect(rule.citations.length).toBeGreaterThan(0);
      for (const code of rule.codes) expect(RECOMMENDATION_CODES).toContain(code);
    },
  );

  const quoted = Object.entries(RULES).flatMap(([id, rule]) =>
    (rule.citations as readonly Citation[]).flatMap((citation) =>
      'quote' in citation && citation.quote && citation.seed
        ? [[id, citation.seed, citation.quote] as const]
        : [],
    ),
  );
  test.each(quoted)('%s quotes seed %s word for word: %s', (_id, seed, quote) => {
    const text = seedText(SEEDS[seed].file);
    // "…" marks an omission: each part must stand in the seed.
    for (const part of quote.split('…').map(normalise).filter(Boolean))
      expect(text).toContain(part);
  });
});

describe('guideline configuration', () => {
  const leaves = (value: unknown, prefix = ''): string[] =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.entries(value).flatMap(([key, child]) =>
          leaves(child, prefix ? `${prefix}.${key}` : key),
        )
      : [prefix];

  test('every threshold and window has a source (seed sentence or rules.md Decision)', () => {
    const paths = leaves(DEFAULT_GUIDELINE_CONFIG);
    expect(paths.length).toBeGreaterThan(10);
    // A source on a parent (e.g. medication.coverageDays) covers the values under it.
    const sourced = (path: string): boolean =>
      path
        .split('.')
        .some(
          (_part, index, parts) =>
            CONFIG_SOURCES[parts.slice(0, index + 1).join('.')] !== undefined,
        );
    for (const path of paths) expect([path, sourced(path)]).toEqual([path, true]);
  });

  test('seed-quoted thresholds stand in their seed', () => {
    for (const citation of Object.values(CONFIG_SOURCES)) {
      if ('quote' in citation && citation.quote && citation.seed) {
        expect(seedText(SEEDS[citation.seed].file)).toContain(normalise(citation.quote));
      }
    }
  });

  test('a site override is merged and validated', () => {
    expect(resolveGuidelineConfig({ kidney: { egfrBelow: 30 } }).kidney).toEqual({
      egfrBelow: 30,
      calciumTabletMaxMg: 500,
    });
    expect(() => resolveGuidelineConfig({ kidney: { egfrBelow: -1 } })).toThrow();
    expect(() => resolveGuidelineConfig({ calcium: { lowBelow: 2.6 } })).toThrow(
      /lowBelow must be below/,
    );
    expect(() => resolveGuidelineConfig({ kidney: { egfrBelowTypo: 30 } })).toThrow();
  });
});
