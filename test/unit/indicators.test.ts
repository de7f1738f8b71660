/** Quality-indicator arithmetic and periods (src/feedback/indicators.ts) and the report table. */
import { buildReport, parsePeriod } from '../../src/feedback/indicators';
import { formatReport } from '../../src/report';
import type { OutcomeCount } from '../../src/store/types';

const SYSTEM = 'https://fls-cds.example.org/fhir/CodeSystem/override-reason';
const TODAY = new Date('2026-11-22T15:30:00Z');

const count = (
  code: string,
  outcome: OutcomeCount['outcome'],
  cards: number,
  reasonCode: string | null = null,
  suggestions = 0,
): OutcomeCount => ({
  code,
  outcome,
  reasonSystem: reasonCode ? SYSTEM : null,
  reasonCode,
  cards,
  suggestions,
});

describe('parsePeriod', () => {
  test('defaults to the 30 days ending today (UTC), both ends inclusive', () => {
    expect(parsePeriod({}, TODAY)).toEqual({
      from: '2026-10-24',
      to: '2026-11-22',
      start: new Date('2026-10-24T00:00:00Z'),
      endExclusive: new Date('2026-11-23T00:00:00Z'),
    });
  });

  test('a one-day period covers that whole day', () => {
    expect(parsePeriod({ from: '2026-02-28', to: '2026-02-28' }, TODAY)).toMatchObject({
      start: new Date('2026-02-28T00:00:00Z'),
      endExclusive: new Date('2026-03-01T00:00:00Z'),
    });
  });

  test.each([
    [{ from: '2026-02-29' }, 'from: 2026-02-29 is not a calendar date'],
    [{ to: '2026-1-5' }, 'to: must be a date YYYY-MM-DD'],
    [{ from: ['2026-01-01', '2026-01-02'] }, 'from: must be a date YYYY-MM-DD'],
    [{ from: '2026-11-23', to: '2026-11-22' }, 'from: must not be after to'],
  ])('%j is refused', (query, message) => {
    expect(() => parsePeriod(query, TODAY)).toThrow(message);
  });
});

describe('buildReport', () => {
  const report = buildReport({ from: '2026-11-01', to: '2026-11-30' }, [
    count('renal-impairment', 'accepted', 3, null, 4),
    count('renal-impairment', 'overridden', 2, 'already-handled'),
    count('renal-impairment', 'overridden', 1, 'benefit-outweighs-risk'),
    count('renal-impairment', 'overridden', 1),
    count('renal-impairment', null, 5),
    count('hypocalcaemia', null, 4),
  ]);

  test('counts per code, ordered by code', () => {
    expect(report.indicators.map((entry) => entry.code)).toEqual([
      'hypocalcaemia',
      'renal-impairment',
    ]);
    expect(report.indicators[1]).toEqual({
      code: 'renal-impairment',
      issued: 12,
      accepted: 3,
      // The one-click orders used on the accepted cards (one card accepted two of its suggestions).
      acceptedSuggestions: 4,
      overridden: 4,
      withoutFeedback: 5,
      overrideReasons: [
        { system: SYSTEM, code: 'already-handled', count: 2 },
        { system: SYSTEM, code: 'benefit-outweighs-risk', count: 1 },
      ],
      overriddenWithoutReason: 1,
      acceptanceRate: 0.4286,
      acceptedOfIssued: 0.25,
    });
  });

  test('rates are null, not 0 or NaN, when nothing had feedback', () => {
    expect(report.indicators[0]).toMatchObject({
      issued: 4,
      acceptanceRate: null,
      acceptedOfIssued: 0,
    });
  });

  test('the printed report shows every number and reason', () => {
    const text = formatReport(report);
    expect(text).toContain('cards issued 2026-11-01 to 2026-11-30');
    const line = text.split('\n').find((row) => row.startsWith('renal-impairment'));
    expect(line?.split(/\s{2,}/)).toEqual([
      'renal-impairment',
      '12',
      '3',
      '4', // suggestions used
      '4',
      '5',
      '42.9 %',
      '25.0 %',
    ]);
    expect(text).toContain('overridden: already-handled × 2');
    expect(text).toContain('overridden: (no reason) × 1');
    expect(text.split('\n').find((row) => row.startsWith('hypocalcaemia'))).toMatch(/ - +0\.0 %$/);
  });

  test('an empty period says so', () => {
    expect(formatReport(buildReport({ from: '2026-01-01', to: '2026-01-02' }, []))).toContain(
      'No cards issued in this period.',
    );
  });
});
