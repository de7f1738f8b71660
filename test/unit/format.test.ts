import fc from 'fast-check';
import { escapeMarkdown, fill, formatDate, formatNumber } from '../../src/cards/format';
import type { Language } from '../../src/cards/texts';

const LOCALES: Record<Language, string> = { nb: 'nb-NO', en: 'en-GB', da: 'da-DK', sv: 'sv-SE' };

/** What formatDate did before it put dates together from parts: Intl for every date (two-digit days in nb / da / sv). */
function reference(value: string, language: Language): string {
  const day = value.slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}/.test(day)) return day;
  return new Intl.DateTimeFormat(LOCALES[language], {
    day: language === 'en' ? 'numeric' : '2-digit',
    month: language === 'en' ? 'short' : '2-digit',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${day}T00:00:00Z`));
}

const LANGUAGES: Language[] = ['nb', 'da', 'sv', 'en'];

describe('formatDate: the same text as Intl gives', () => {
  test.each(LANGUAGES)('%s: every day of 1999–2001, 2024 and 2099', (language) => {
    for (const year of [1999, 2000, 2001, 2024, 2099]) {
      for (let time = Date.UTC(year, 0, 1); time < Date.UTC(year + 1, 0, 1); time += 86_400_000) {
        const day = new Date(time).toISOString().slice(0, 10);
        expect(formatDate(day, language)).toBe(reference(day, language));
        expect(formatDate(`${day}T23:59:00+02:00`, language)).toBe(reference(day, language));
      }
    }
  });

  test.each(LANGUAGES)('%s: odd values', (language) => {
    const outcome = (format: () => string) => {
      try {
        return format();
      } catch (error) {
        return error instanceof RangeError ? 'RangeError' : 'other error';
      }
    };
    for (const value of ['2026', '2026-10', '2026-02-30', '2026-13-01', '0999-09-04', '20261020'])
      expect(outcome(() => formatDate(value, language))).toBe(
        outcome(() => reference(value, language)),
      );
  });

  test('as the cards write them', () => {
    expect(formatDate('2026-10-20', 'nb')).toBe('20.10.2026');
    expect(formatDate('2026-10-20T08:30:00Z', 'en')).toBe('20 Oct 2026');
  });
});

/** escapeMarkdown and fill as they were before their fast paths: a regex replace per value. */
const referenceEscape = (text: string) =>
  text.replace(/[\\`*_{}[\]()#+!|<>~]/g, (char) => `\\${char}`).replace(/\s+/g, ' ');

describe('escapeMarkdown and fill: the same text as plain regex replacement', () => {
  const odd = fc.stringMatching(/^[ a-z\t\n\u00a0\u2009*_|()[\]{}\\#<>~!+`-]{0,30}$/);

  const plainText = odd.map((text) => text.replace(/[{}]/g, ''));

  test('any text with markdown characters and odd whitespace', () => {
    fc.assert(
      fc.property(odd, (text) => {
        expect(escapeMarkdown(text)).toBe(referenceEscape(text));
      }),
      { numRuns: 3000 },
    );
  });

  test('placeholders anywhere, values escaped (markdown) or only spaced (plain)', () => {
    fc.assert(
      // Template text has no braces of its own (a "{a}" there would be another placeholder).
      fc.property(plainText, odd, plainText, (before, value, after) => {
        const template = `${before}{name}${after}{name}`;
        expect(fill(template, { name: value }, 'en')).toBe(
          `${before}${referenceEscape(value)}${after}${referenceEscape(value)}`,
        );
        expect(fill(template, { name: value }, 'en', 'plain')).toBe(
          `${before}${value.replace(/\s+/g, ' ')}${after}${value.replace(/\s+/g, ' ')}`,
        );
      }),
      { numRuns: 2000 },
    );
  });

  test('numbers, dates and a missing value', () => {
    expect(fill('{value} on {resultDate}', { value: -2.5, resultDate: '2026-10-20' }, 'nb')).toBe(
      '\u22122,5 on 20.10.2026',
    );
    expect(fill('T {tScore}', { tScore: -3 }, 'nb')).toBe('T \u22123,0');
    expect(fill('no placeholder', {}, 'en')).toBe('no placeholder');
    expect(() => fill('{missing}', {}, 'en')).toThrow(
      'card text placeholder {missing} has no value',
    );
  });
});

describe('formatNumber: the same text as Intl gives', () => {
  /** What formatNumber did before it wrote plain decimals itself: Intl for every number. */
  function intl(value: number, language: Language, fractionDigits?: number): string {
    return new Intl.NumberFormat(LOCALES[language], {
      maximumFractionDigits: fractionDigits ?? 2,
      minimumFractionDigits: fractionDigits ?? 0,
      useGrouping: false,
    })
      .format(value)
      .replace(/^-/, '\u2212');
  }

  test.each([
    [2.35, 'nb', undefined, '2,35'],
    [-2.95, 'nb', 1, '\u22123,0'],
    [-2.5, 'en', 1, '\u22122.5'],
    [1.005, 'nb', undefined, '1,01'],
    [2.675, 'en', undefined, '2.68'],
    [99.995, 'sv', undefined, '100'],
    [145, 'da', undefined, '145'],
    [-0.001, 'nb', undefined, '\u22120'],
    [1e21, 'en', undefined, '1000000000000000000000'],
    [Number.NaN, 'nb', undefined, 'NaN'],
  ] as const)('%p in %s with %p digits: %s', (value, language, digits, expected) => {
    expect(formatNumber(value, language, digits)).toBe(expected);
    expect(intl(value, language, digits)).toBe(expected);
  });

  test('generated values: lab results, T-scores, doses, any double', () => {
    const value = fc.oneof(
      fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 1000),
      fc.integer({ min: -10_000, max: 10_000 }).map((n) => n / 100 + 0.005),
      fc.integer({ min: -1_000, max: 1_000 }).map((n) => n / 10 + 0.05),
      fc.double({ min: -1e7, max: 1e7, noNaN: true }),
      fc.double({ noNaN: true }),
    );
    fc.assert(
      fc.property(
        value,
        fc.constantFrom<Language>(...LANGUAGES),
        fc.constantFrom(undefined, 0, 1, 2),
        (number, language, digits) => {
          expect(formatNumber(number, language, digits)).toBe(intl(number, language, digits));
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
