/**
 * Unit normalisation by UCUM code (Quantity.system = http://unitsofmeasure.org and
 * Quantity.code). The human-readable Quantity.unit string is never parsed: a value
 * whose unit is not a known UCUM code for its analyte is reported as unusable.
 * Factors from ../shared/guideline/codes.md ("Laboratory").
 */
import type { Quantity } from 'fhir/r4';
import type { Analyte } from './code-lists';
import { SYSTEM } from './systems';

export type Measure = Analyte | 'tScore' | 'frax';

interface UnitRule {
  /** The canonical UCUM code values are converted to. */
  canonical: string;
  /** UCUM code → multiply by this factor to get the canonical unit. */
  factors: Readonly<Record<string, number>>;
}

// UCUM is case-sensitive but accepts both `L` and `l` for litre.
const litre = (factors: Record<string, number>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [code, factor] of Object.entries(factors)) {
    out[code] = factor;
    out[code.replace(/L$/, 'l')] = factor;
  }
  return out;
};

export const UNIT_RULES: Readonly<Record<Measure, UnitRule>> = {
  calciumTotal: { canonical: 'mmol/L', factors: litre({ 'mmol/L': 1, 'mg/dL': 1 / 4.008 }) },
  calciumCorrected: { canonical: 'mmol/L', factors: litre({ 'mmol/L': 1, 'mg/dL': 1 / 4.008 }) },
  calciumIonised: { canonical: 'mmol/L', factors: litre({ 'mmol/L': 1, 'mg/dL': 1 / 4.008 }) },
  albumin: { canonical: 'g/L', factors: litre({ 'g/L': 1, 'g/dL': 10 }) },
  creatinine: { canonical: 'umol/L', factors: litre({ 'umol/L': 1, 'mg/dL': 88.4 }) },
  egfr: {
    canonical: 'mL/min/{1.73_m2}',
    factors: { 'mL/min/{1.73_m2}': 1, 'ml/min/{1.73_m2}': 1 },
  },
  vitaminD: { canonical: 'nmol/L', factors: litre({ 'nmol/L': 1, 'ng/mL': 2.496 }) },
  p1np: { canonical: 'ug/L', factors: litre({ 'ug/L': 1, 'ng/mL': 1 }) },
  tsh: { canonical: 'm[IU]/L', factors: litre({ 'm[IU]/L': 1, 'u[IU]/mL': 1 }) },
  ft4: { canonical: 'pmol/L', factors: litre({ 'pmol/L': 1, 'ng/dL': 12.87 }) },
  pth: {
    canonical: 'pmol/L',
    factors: litre({ 'pmol/L': 1, 'pg/mL': 1 / 9.43, 'ng/L': 1 / 9.43 }),
  },
  tScore: { canonical: '{T-score}', factors: { '{T-score}': 1, '1': 1, '{SD}': 1 } },
  frax: { canonical: '%', factors: { '%': 1 } },
};

export type Comparator = '<' | '<=' | '>=' | '>';

export type NormalisedValue =
  | { ok: true; value: number; unit: string; comparator?: Comparator }
  | { ok: false; reason: 'no-value' | 'unit-not-ucum' | 'unit-unknown' };

/**
 * Convert a Quantity to the measure's canonical unit. A T-score may come without a
 * unit (codes.md: "T-score unit is {T-score} or none").
 */
export function normaliseQuantity(
  measure: Measure,
  quantity: Quantity | undefined,
): NormalisedValue {
  if (quantity?.value === undefined || !Number.isFinite(quantity.value)) {
    return { ok: false, reason: 'no-value' };
  }
  const rule = UNIT_RULES[measure];
  if (quantity.system === undefined && quantity.code === undefined && quantity.unit === undefined) {
    return measure === 'tScore' && !quantity.comparator
      ? { ok: true, value: quantity.value, unit: rule.canonical }
      : { ok: false, reason: 'unit-unknown' };
  }
  if (quantity.system !== SYSTEM.ucum || quantity.code === undefined) {
    return { ok: false, reason: 'unit-not-ucum' };
  }
  const factor = rule.factors[quantity.code];
  if (factor === undefined) return { ok: false, reason: 'unit-unknown' };
  const value = roundTo(quantity.value * factor, 4);
  return quantity.comparator
    ? { ok: true, value, unit: rule.canonical, comparator: quantity.comparator }
    : { ok: true, value, unit: rule.canonical };
}

function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}
