import fc from 'fast-check';
import { toTime } from '../../src/patient/dates';

/** What toTime did before it read the common shapes itself: the pattern, then Date.parse. */
function reference(value: string): number | undefined {
  if (!/^\d{4}(-\d{2}(-\d{2}(T.+)?)?)?$/.test(value)) return undefined;
  const time = Date.parse(value.length === 4 ? `${value}-01-01` : value);
  return Number.isNaN(time) ? undefined : time;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

describe('toTime: the same epoch ms as Date.parse', () => {
  test.each([
    ['a date', '2024-05-17', Date.UTC(2024, 4, 17)],
    ['a dateTime in UTC', '2024-05-17T08:30:00Z', Date.UTC(2024, 4, 17, 8, 30)],
    ['milliseconds', '2024-05-17T08:30:00.250Z', Date.UTC(2024, 4, 17, 8, 30, 0, 250)],
    ['an offset east', '2024-05-17T08:30:00+02:00', Date.UTC(2024, 4, 17, 6, 30)],
    ['an offset west across midnight', '2024-05-17T23:30:00-05:30', Date.UTC(2024, 4, 18, 5, 0)],
    ['a year', '2024', Date.UTC(2024, 0, 1)],
    ['a month', '2024-05', Date.UTC(2024, 4, 1)],
    [
      'one fraction digit (Date.parse)',
      '2024-05-17T08:30:00.5Z',
      Date.UTC(2024, 4, 17, 8, 30, 0, 500),
    ],
    ['24:00 (Date.parse)', '2024-05-17T24:00:00Z', Date.UTC(2024, 4, 18)],
    ['a day past the month end rolls over, as in Date.parse', '2023-02-30', Date.UTC(2023, 2, 2)],
    [
      'year 0050 (Date.parse: not 1950)',
      '0050-01-01',
      new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(50),
    ],
  ])('%s: %s', (_name, value, expected) => {
    expect(toTime(value)).toBe(expected);
    expect(reference(value)).toBe(expected);
  });

  test.each([
    '2024-13-01',
    '2024-00-10',
    '2024-05-32',
    '2024-05-17T25:00:00Z',
    '2024-05-17T08:60:00Z',
    '2024-05-17T08:30:60Z',
    '2024-05-17T08:30:00+24:00',
    '2024-05-17 08:30:00Z',
    '17.05.2024',
    '2024-5-17',
    '',
    'x024-05-17',
    '2024-05-17T08:30:00.Z',
  ])('not a time: %j', (value) => {
    expect(toTime(value)).toBeUndefined();
    expect(reference(value)).toBeUndefined();
  });

  test('not a string: undefined', () => {
    expect(toTime(undefined)).toBeUndefined();
    expect(toTime(20240517 as unknown as string)).toBeUndefined();
  });

  test('generated dates and dateTimes, in range and out of it', () => {
    // Each field from a little below to a little above its range, with the separators
    // sometimes wrong, so both the fast reading and its refusals are compared.
    const field = (min: number, max: number, width: number) =>
      fc.oneof(
        { arbitrary: fc.integer({ min, max }).map((value) => pad(value, width)), weight: 12 },
        {
          arbitrary: fc.constantFrom('0'.repeat(width), '9'.repeat(width), 'x'.repeat(width), ''),
          weight: 1,
        },
      );
    const separator = (usual: string) =>
      fc.oneof(
        { arbitrary: fc.constant(usual), weight: 12 },
        { arbitrary: fc.constantFrom('-', ':', 'T', ' ', '.', 'Z', 't', ''), weight: 1 },
      );
    const zone = fc.oneof(
      fc.constantFrom('Z', 'z', '', '+00:00', '-00:00', '+0100'),
      fc
        .tuple(fc.constantFrom('+', '-', '*'), field(0, 25, 2), separator(':'), field(0, 61, 2))
        .map((parts) => parts.join('')),
    );
    const fraction = fc.oneof(
      fc.constant(''),
      fc
        .tuple(fc.constantFrom('.', ','), fc.stringMatching(/^[\dZx+:]{0,5}$/))
        .map((parts) => parts.join('')),
    );
    const value = fc
      .tuple(
        field(0, 10_000, 4),
        separator('-'),
        field(0, 13, 2),
        separator('-'),
        field(0, 33, 2),
        fc.option(
          fc.tuple(
            separator('T'),
            field(0, 25, 2),
            separator(':'),
            field(0, 61, 2),
            separator(':'),
            field(0, 61, 2),
            fraction,
            zone,
          ),
          { nil: undefined },
        ),
      )
      .map(
        ([year, s1, month, s2, day, time]) =>
          `${year}${s1}${month}${s2}${day}${time ? time.join('') : ''}`,
      );
    fc.assert(
      fc.property(value, (text) => {
        expect(toTime(text)).toBe(reference(text));
      }),
      { numRuns: 20_000 },
    );
  });
});
