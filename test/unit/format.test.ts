import { formatDate } from '../../src/cards/format';
import type { Language } from '../../src/cards/texts';

const LOCALES: Record<Language, string> = { nb: 'nb-NO', en: 'en-GB', da: 'da-DK', sv: 'sv-SE' };

/** What formatDate did before it put dates together from parts: Intl for every date. */
function reference(value: string, language: Language): string {
  const day = value.slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}/.test(day)) return day;
  return new Intl.DateTimeFormat(LOCALES[language], {
    day: 'numeric',
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
