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

const dateFormats = new Map<Language, Intl.DateTimeFormat>();
const FULL_DATE = /^\d{4}-\d{2}-\d{2}/;

/**
 * A FHIR date or dateTime as the language writes a date (20.10.2026 in nb / da,
 * 2026-10-20 in sv, 20 Oct 2026 in en); a partial date (2026, 2026-10) as given.
 */
export function formatDate(value: string, language: Language): string {
  const day = value.slice(0, 10);
  if (!FULL_DATE.test(day)) return day;
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
  return format.format(new Date(`${day}T00:00:00Z`));
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
