import { normaliseQuantity, UNIT_RULES } from '../../src/fhir/units';
import { SYSTEM } from '../../src/fhir/systems';

const ucum = (value: number, code: string) => ({ value, system: SYSTEM.ucum, code, unit: code });

describe('codes.md "Laboratory": unit normalisation by UCUM code', () => {
  test.each([
    // measure, value, UCUM code, expected canonical value
    ['calciumTotal', 2.4, 'mmol/L', 2.4],
    ['calciumTotal', 9.6, 'mg/dL', 2.3952],
    ['calciumTotal', 2.4, 'mmol/l', 2.4],
    ['albumin', 4.0, 'g/dL', 40],
    ['albumin', 40, 'g/L', 40],
    ['creatinine', 1.0, 'mg/dL', 88.4],
    ['vitaminD', 20, 'ng/mL', 49.92],
    ['vitaminD', 60, 'nmol/L', 60],
    ['p1np', 30, 'ng/mL', 30],
    ['tsh', 0.3, 'u[IU]/mL', 0.3],
    ['ft4', 1.2, 'ng/dL', 15.444],
    ['pth', 94.3, 'pg/mL', 10],
    ['egfr', 34, 'mL/min/{1.73_m2}', 34],
  ] as const)('%s %d %s → %d', (measure, value, code, expected) => {
    const result = normaliseQuantity(measure, ucum(value, code));
    expect(result).toEqual({ ok: true, value: expected, unit: UNIT_RULES[measure].canonical });
  });

  test('a unit string without the UCUM system is not guessed', () => {
    expect(normaliseQuantity('calciumTotal', { value: 2.4, unit: 'mmol/L' })).toEqual({
      ok: false,
      reason: 'unit-not-ucum',
    });
    expect(
      normaliseQuantity('calciumTotal', {
        value: 2.4,
        unit: 'mmol/L',
        code: 'mmol/L',
        system: 'http://example.org/units',
      }),
    ).toEqual({
      ok: false,
      reason: 'unit-not-ucum',
    });
  });

  test('a UCUM code that does not fit the analyte is unusable', () => {
    expect(normaliseQuantity('calciumTotal', ucum(2.4, 'g/L'))).toEqual({
      ok: false,
      reason: 'unit-unknown',
    });
    expect(normaliseQuantity('egfr', ucum(34, 'mL/min'))).toEqual({
      ok: false,
      reason: 'unit-unknown',
    });
  });

  test('a lab value without any unit is unusable; a T-score may have none', () => {
    expect(normaliseQuantity('vitaminD', { value: 40 })).toEqual({
      ok: false,
      reason: 'unit-unknown',
    });
    expect(normaliseQuantity('tScore', { value: -2.6 })).toEqual({
      ok: true,
      value: -2.6,
      unit: '{T-score}',
    });
  });

  test('no value is unusable', () => {
    expect(normaliseQuantity('vitaminD', undefined)).toEqual({ ok: false, reason: 'no-value' });
    expect(normaliseQuantity('vitaminD', { system: SYSTEM.ucum, code: 'nmol/L' })).toEqual({
      ok: false,
      reason: 'no-value',
    });
  });

  test('a comparator ("<12") is kept with the converted value', () => {
    expect(normaliseQuantity('vitaminD', { ...ucum(5, 'ng/mL'), comparator: '<' })).toEqual({
      ok: true,
      value: 12.48,
      unit: 'nmol/L',
      comparator: '<',
    });
  });
});
