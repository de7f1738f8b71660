/**
 * Quality indicators per recommendation code (FFN competency 6: record and follow
 * up quality indicators). Pure: counts in, report out.
 *
 * A card belongs to the period it was issued in and counts once, by its latest
 * feedback, so the rates of a period do not change meaning as feedback arrives.
 */
import { RequestValidationError } from '../cds/request';
import type { OutcomeCount } from '../store/types';

export interface Period {
  /** Inclusive UTC dates, YYYY-MM-DD. */
  from: string;
  to: string;
}

export interface OverrideReasonCount {
  system?: string;
  code: string;
  count: number;
}

export interface RecommendationIndicators {
  code: string;
  issued: number;
  accepted: number;
  /** Suggestions accepted on this code's cards: the one-click orders clinicians used. */
  acceptedSuggestions: number;
  overridden: number;
  withoutFeedback: number;
  /** Coded override reasons, most frequent first. */
  overrideReasons: OverrideReasonCount[];
  overriddenWithoutReason: number;
  /** accepted / (accepted + overridden); null when no card had feedback. */
  acceptanceRate: number | null;
  /** accepted / issued. */
  acceptedOfIssued: number | null;
}

export interface QualityIndicatorReport {
  period: Period;
  indicators: RecommendationIndicators[];
}

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;
/**
 * The days a period may name: the database refuses year 0 and the midnight after
 * 9999-12-31 (the end of a period is the next day's start), found by fuzzing.
 */
const EARLIEST_DATE = '0001-01-01';
const LATEST_DATE = '9999-12-30';

/** Parses ?from=&to= (both optional: the last 30 days up to today, UTC); throws RequestValidationError. */
export function parsePeriod(
  query: { from?: unknown; to?: unknown },
  today: Date,
): Period & { start: Date; endExclusive: Date } {
  const to = query.to === undefined ? startOfUtcDay(today) : parseDate('to', query.to);
  const from =
    query.from === undefined
      ? new Date(
          Math.max(
            to.getTime() - (DEFAULT_DAYS - 1) * DAY_MS,
            Date.parse(`${EARLIEST_DATE}T00:00:00Z`),
          ),
        )
      : parseDate('from', query.from);
  if (from > to) throw new RequestValidationError('from: must not be after to');
  return {
    from: isoDate(from),
    to: isoDate(to),
    start: from,
    endExclusive: new Date(to.getTime() + DAY_MS),
  };
}

export function buildReport(
  period: Period,
  counts: readonly OutcomeCount[],
): QualityIndicatorReport {
  const byCode = new Map<string, RecommendationIndicators>();
  for (const row of counts) {
    let entry = byCode.get(row.code);
    if (!entry) {
      entry = {
        code: row.code,
        issued: 0,
        accepted: 0,
        acceptedSuggestions: 0,
        overridden: 0,
        withoutFeedback: 0,
        overrideReasons: [],
        overriddenWithoutReason: 0,
        acceptanceRate: null,
        acceptedOfIssued: null,
      };
      byCode.set(row.code, entry);
    }
    entry.issued += row.cards;
    if (row.outcome === 'accepted') {
      entry.accepted += row.cards;
      entry.acceptedSuggestions += row.suggestions;
    } else if (row.outcome === null) entry.withoutFeedback += row.cards;
    else {
      entry.overridden += row.cards;
      if (row.reasonCode === null) entry.overriddenWithoutReason += row.cards;
      else addReason(entry.overrideReasons, row.reasonSystem, row.reasonCode, row.cards);
    }
  }
  const indicators = [...byCode.values()]
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((entry) => ({
      ...entry,
      overrideReasons: entry.overrideReasons.sort(
        (a, b) => b.count - a.count || a.code.localeCompare(b.code),
      ),
      acceptanceRate: ratio(entry.accepted, entry.accepted + entry.overridden),
      acceptedOfIssued: ratio(entry.accepted, entry.issued),
    }));
  return { period: { from: period.from, to: period.to }, indicators };
}

function addReason(
  reasons: OverrideReasonCount[],
  system: string | null,
  code: string,
  count: number,
): void {
  const existing = reasons.find(
    (reason) => reason.code === code && reason.system === (system ?? undefined),
  );
  if (existing) existing.count += count;
  else reasons.push({ ...(system ? { system } : {}), code, count });
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

function parseDate(name: string, value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    throw new RequestValidationError(`${name}: must be a date YYYY-MM-DD`);
  }
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || isoDate(date) !== value) {
    throw new RequestValidationError(`${name}: ${value} is not a calendar date`);
  }
  if (value < EARLIEST_DATE || value > LATEST_DATE) {
    throw new RequestValidationError(
      `${name}: must be a date from ${EARLIEST_DATE} to ${LATEST_DATE}`,
    );
  }
  return date;
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
