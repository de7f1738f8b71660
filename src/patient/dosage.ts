/** Daily dose from an R4 Dosage, only when it is stated in mg (or g) by UCUM code and with a timing. */
import type { Dosage, DosageDoseAndRate } from 'fhir/r4';
import { SYSTEM } from '../fhir/systems';

const MG_FACTOR: Record<string, number> = { mg: 1, g: 1000, ug: 0.001 };
const PERIOD_DAYS: Record<string, number> = { h: 1 / 24, d: 1, wk: 7, mo: 30.4375, a: 365.25 };

export function dailyDoseMg(dosages: readonly Dosage[] | undefined): number | undefined {
  if (!Array.isArray(dosages) || dosages.length === 0) return undefined;
  let total = 0;
  for (const dosage of dosages) {
    const quantity = dosage?.doseAndRate?.find(
      (rate: DosageDoseAndRate) => rate?.doseQuantity,
    )?.doseQuantity;
    const factor =
      quantity?.system === SYSTEM.ucum && quantity.code ? MG_FACTOR[quantity.code] : undefined;
    const repeat = dosage?.timing?.repeat;
    if (typeof quantity?.value !== 'number' || factor === undefined || !repeat) return undefined;
    const frequency = typeof repeat.frequency === 'number' ? repeat.frequency : 1;
    const period = typeof repeat.period === 'number' ? repeat.period : 1;
    const unitDays = repeat.periodUnit ? PERIOD_DAYS[repeat.periodUnit] : undefined;
    if (unitDays === undefined || period <= 0) return undefined;
    total += (quantity.value * factor * frequency) / (period * unitDays);
  }
  return Math.round(total * 100) / 100;
}
