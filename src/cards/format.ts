/** Filling card templates: numbers in the language's format, FHIR-sourced text escaped for markdown. */
import type { Language } from './texts';

const LOCALES: Record<Language, string> = { nb: 'nb-NO', en: 'en-GB', da: 'da-DK', sv: 'sv-SE' };
const numberFormats = new Map<string, Intl.NumberFormat>();

/** Numbers as the language writes them, with a true minus sign (−2,9 in nb / da / sv). */
export function formatNumber(value: number, language: Language, fractionDigits?: number): string {
  return (
    formatPlainDecimal(value, language, fractionDigits) ??
    formatWithIntl(value, language, fractionDigits)
  );
}

/**
 * What Intl writes for an ordinary number, without Intl (a microsecond a call, tens
 * of calls a card set): the shortest decimal of the value rounded half away from
 * zero, no grouping, the language's decimal sign. undefined for anything else
 * (exponents, ±0 after rounding, NaN), which Intl then formats. Same text as Intl:
 * test/unit/format.test.ts compares them.
 */
function formatPlainDecimal(
  value: number,
  language: Language,
  fractionDigits: number | undefined,
): string | undefined {
  const text = String(Math.abs(value));
  if (!Number.isFinite(value) || text.includes('e')) return undefined;
  const maxDigits = fractionDigits ?? 2;
  const minDigits = fractionDigits ?? 0;
  const dot = text.indexOf('.');
  let whole = dot < 0 ? text : text.slice(0, dot);
  let fraction = dot < 0 ? '' : text.slice(dot + 1);
  if (fraction.length > maxDigits) {
    const roundUp = fraction.charCodeAt(maxDigits) >= 53; // '5'
    fraction = fraction.slice(0, maxDigits);
    if (roundUp) {
      const digits = increment(whole + fraction);
      whole = digits.slice(0, digits.length - maxDigits);
      fraction = digits.slice(digits.length - maxDigits);
    }
  }
  let end = fraction.length;
  while (end > minDigits && fraction.charCodeAt(end - 1) === 48) end--;
  fraction = fraction.slice(0, end).padEnd(minDigits, '0');
  const negative = value < 0 || Object.is(value, -0);
  // −0 (a small negative rounded away): Intl's own way.
  if (negative && /^0*$/.test(whole + fraction)) return undefined;
  const sign = negative ? '\u2212' : '';
  return fraction ? `${sign}${whole}${DECIMAL_SIGN[language]}${fraction}` : `${sign}${whole}`;
}

const DECIMAL_SIGN: Record<Language, string> = { nb: ',', da: ',', sv: ',', en: '.' };

/** A string of decimal digits plus one in its last place ("199" → "200", "99" → "100"). */
function increment(digits: string): string {
  const out = digits.split('');
  for (let index = out.length - 1; index >= 0; index--) {
    if (out[index] !== '9') {
      out[index] = String(Number(out[index]) + 1);
      return out.join('');
    }
    out[index] = '0';
  }
  return `1${out.join('')}`;
}

function formatWithIntl(value: number, language: Language, fractionDigits?: number): string {
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
      // Two-digit days in nb / da / sv: 05.11.2026, 2026-11-05 (sv-SE's numeric day gives 2026-11-5).
      day: language === 'en' ? 'numeric' : '2-digit',
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
  const parts = partsOfTemplate(template);
  let text = parts[0] as string;
  for (let index = 1; index < parts.length; index += 2) {
    const name = parts[index] as string;
    const value = params[name];
    if (value === undefined) throw new Error(`card text placeholder {${name}} has no value`);
    if (typeof value === 'number') {
      text += T_SCORE_PARAM.test(name)
        ? formatTScore(value, language)
        : formatNumber(value, language);
    } else {
      const shown = DATE_PARAM.test(name) ? formatDate(value, language) : value;
      text += target === 'markdown' ? escapeMarkdown(shown) : collapseSpace(shown);
    }
    text += parts[index + 1] as string;
  }
  return text;
}

/**
 * A template split at its placeholders — text, name, text, …, text — once per
 * template: the templates are the card texts (a fixed set), filled on every call.
 */
const templateParts = new Map<string, readonly string[]>();

function partsOfTemplate(template: string): readonly string[] {
  let parts = templateParts.get(template);
  if (!parts) {
    // split with a capturing group: the names land at the odd indexes.
    parts = template.split(new RegExp(PLACEHOLDER.source));
    // Templates are few; anything else (a test's own) is not kept beyond a bound.
    if (templateParts.size < 10_000) templateParts.set(template, parts);
  }
  return parts;
}

/** Markdown's special characters, and whitespace that is not one space between words. */
const NEEDS_ESCAPE = /[\\`*_{}[\]()#+!|<>~]|[^\S ]| {2}/;

/** Text from FHIR data must not turn into markdown (links, tables, emphasis) in the EHR. */
export function escapeMarkdown(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[\\`*_{}[\]()#+!|<>~]/g, (char) => `\\${char}`).replace(/\s+/g, ' ');
}

/** Runs of whitespace as one space (plain text: the card summary). */
function collapseSpace(text: string): string {
  return /[^\S ]| {2}/.test(text) ? text.replace(/\s+/g, ' ') : text;
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
