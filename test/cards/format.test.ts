/** Dates on cards as each language writes them (shared/cards-style.md "numbers" and "dates"). */
import { formatDate } from '../../src/cards/format';

describe('formatDate', () => {
  test.each([
    ['nb', '05.11.2026'],
    ['da', '05.11.2026'],
    ['sv', '2026-11-05'],
    ['en', '5 Nov 2026'],
  ] as const)('a single-digit day in %s: %s', (language, expected) => {
    expect(formatDate('2026-11-05', language)).toBe(expected);
    expect(formatDate('2026-11-05T08:30:00+01:00', language)).toBe(expected);
  });

  test('a partial date stays as given', () => {
    expect(formatDate('2026-11', 'nb')).toBe('2026-11');
  });
});
