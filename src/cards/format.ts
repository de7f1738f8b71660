/** Filling card templates: numbers in the language's format, FHIR-sourced text escaped for markdown. */
import type { Language } from './texts';

const LOCALES: Record<Language, string> = { nb: 'nb-NO', en: 'en-GB', da: 'da-DK', sv: 'sv-SE' };
const numberFormats = new Map<Language, Intl.NumberFormat>();

export function formatNumber(value: number, language: Language): string {
  let format = numberFormats.get(language);
  if (!format) {
    format = new Intl.NumberFormat(LOCALES[language], {
      maximumFractionDigits: 2,
      useGrouping: false,
    });
    numberFormats.set(language, format);
  }
  return format.format(value).replace('\u2212', '-');
}

/** The date part of a FHIR dateTime (YYYY-MM-DD, or the partial date as given). */
export function formatDate(value: string): string {
  return value.slice(0, 10);
}

const DATE_PARAM = /Date$/;

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
    if (typeof value === 'number') return formatNumber(value, language);
    const text = DATE_PARAM.test(name) ? formatDate(value) : value;
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

export function formatUnit(unit: string | undefined): string {
  if (!unit) return '';
  return UNIT_DISPLAY[unit] ?? unit;
}
