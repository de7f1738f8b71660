/** Filling card templates: numbers in the language's format, FHIR-sourced text escaped for markdown. */
import type { Language } from './texts';

const LOCALES: Record<Language, string> = { nb: 'nb-NO', en: 'en-GB', da: 'da-DK', sv: 'sv-SE' };
const numberFormats = new Map<string, Intl.NumberFormat>();

/** Numbers as the language writes them, with a true minus sign (−2,9 in nb / da / sv). */
export function formatNumber(value: number, language: Language, fractionDigits?: number): string {
  const key = `${language}:${fractionDigits ?? ''}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(LOCALES[language], {
      maximumFractionDigits: fractionDigits ?? 2,
      minimumFractionDigits: fractionDigits ?? 0,
      useGrouping: false,
    });
    numberFormats.set(key, format);
  }
  return format.format(value).replace(/^-/, '\u2212');
}

/** T-scores are reported with one decimal (−2,5; −3,0). */
export function formatTScore(value: number, language: Language): string {
  return formatNumber(value, language, 1);
}

const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

const dateFormats = new Map<Language, Intl.DateTimeFormat>();

/** The language's date format (see formatDate). */
function dateFormat(language: Language): Intl.DateTimeFormat {
  let format = dateFormats.get(language);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALES[language], {
      day: 'numeric',
      month: language === 'en' ? 'short' : '2-digit',
      year: 'numeric',
      timeZone: 'UTC',
    });
    dateFormats.set(language, format);
  }
  return format;
}

/**
 * The language's date format as parts, read once from Intl: the order of day, month
 * and year with the text between them, and how each day and month is written. A
 * date is then put together from the tables instead of being formatted by Intl for
 * every card row (same text: test/unit/format.test.ts compares every day of several
 * years with Intl).
 */
interface DateParts {
  order: { type: 'day' | 'month' | 'year' | 'literal'; value: string }[];
  days: string[];
  months: string[];
}

const dateParts = new Map<Language, DateParts>();

function partsOf(language: Language): DateParts {
  let parts = dateParts.get(language);
  if (parts) return parts;
  const format = dateFormat(language);
  const part = (date: number, type: 'day' | 'month') =>
    format.formatToParts(date).find((item) => item.type === type)?.value ?? '';
  const order = format.formatToParts(Date.UTC(2001, 0, 1)).map((item) => ({
    type:
      item.type === 'day' || item.type === 'month' || item.type === 'year'
        ? item.type
        : ('literal' as const),
    value: item.value,
  }));
  parts = {
    order,
    days: Array.from({ length: 31 }, (_, index) => part(Date.UTC(2001, 0, index + 1), 'day')),
    months: Array.from({ length: 12 }, (_, index) => part(Date.UTC(2001, index, 1), 'month')),
  };
  dateParts.set(language, parts);
  return parts;
}

/**
 * A FHIR date or dateTime as the language writes a date (20.10.2026 in nb / da,
 * 2026-10-20 in sv, 20 Oct 2026 in en); a partial date (2026, 2026-10) as given.
 */
export function formatDate(value: string, language: Language): string {
  const day = value.slice(0, 10);
  const match = FULL_DATE.exec(day);
  if (!match) return day;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const time = Date.UTC(year, month - 1, date);
  const parsed = new Date(time);
  // A date that is no calendar day (2026-02-30), or a year Intl writes otherwise: Intl.
  if (
    year < 1000 ||
    parsed.getUTCFullYear() !== year ||
    parsed.getUTCMonth() !== month - 1 ||
    parsed.getUTCDate() !== date
  ) {
    return dateFormat(language).format(new Date(`${day}T00:00:00Z`));
  }
  const parts = partsOf(language);
  let text = '';
  for (const item of parts.order) {
    if (item.type === 'day') text += parts.days[date - 1];
    else if (item.type === 'month') text += parts.months[month - 1];
    else if (item.type === 'year') text += String(year);
    else text += item.value;
  }
  return text;
}

const DATE_PARAM = /Date$/;
/** Params that hold T-scores (R18 compares a baseline and a latest T-score). */
const T_SCORE_PARAM = /tScore|^(baseline|latest|change)$/i;

export const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/**
 * Replace `{name}` placeholders; a placeholder without a value is a bug in the rule
 * or the text. Values are escaped for markdown unless the target is plain text
 * (the card summary).
 */
export function fill(
  template: string,
  params: Record<string, string | number>,
  language: Language,
  target: 'markdown' | 'plain' = 'markdown',
): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`card text placeholder {${name}} has no value`);
    if (typeof value === 'number') {
      return T_SCORE_PARAM.test(name)
        ? formatTScore(value, language)
        : formatNumber(value, language);
    }
    const text = DATE_PARAM.test(name) ? formatDate(value, language) : value;
    return target === 'markdown' ? escapeMarkdown(text) : text.replace(/\s+/g, ' ');
  });
}

/** Text from FHIR data must not turn into markdown (links, tables, emphasis) in the EHR. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>~]/g, (char) => `\\${char}`).replace(/\s+/g, ' ');
}

/** UCUM codes as a clinician reads them. */
const UNIT_DISPLAY: Record<string, string> = {
  'mL/min/{1.73_m2}': 'mL/min/1.73 m²',
  umol: 'µmol',
  'umol/L': 'µmol/L',
  'ug/L': 'µg/L',
  'm[IU]/L': 'mIU/L',
  '{T-score}': '',
};

export function formatUnit(unit: string | undefined, language: Language): string {
  if (!unit) return '';
  const shown = UNIT_DISPLAY[unit] ?? unit;
  // "1.73 m²" is a number: the same decimal mark as the values and the card text.
  return language === 'en' ? shown : shown.replace(/(\d)\.(\d)/g, '$1,$2');
}
