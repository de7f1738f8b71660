/** FHIR date / dateTime handling. Partial dates (2024, 2024-05) are valid FHIR. */

/** Epoch ms of a FHIR date or dateTime (a partial date counts from its first day), or undefined. */
export function toTime(value: string | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}(-\d{2}(-\d{2}(T.+)?)?)?$/.test(value)) return undefined;
  const time = Date.parse(value.length === 4 ? `${value}-01-01` : value);
  return Number.isNaN(time) ? undefined : time;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The last instant a FHIR date may stand for: a partial or date-only value covers its
 * whole year, month or day (toTime gives its first instant). For "could this result
 * be the newer one?".
 */
export function latestTime(value: string | undefined): number | undefined {
  const start = toTime(value);
  if (start === undefined || value === undefined) return undefined;
  const date = new Date(start);
  const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
  if (value.length === 4) return Date.UTC(year + 1, 0, 1) - 1;
  if (value.length === 7) return Date.UTC(year, month + 1, 1) - 1;
  if (value.length === 10) return Date.UTC(year, month, day + 1) - 1;
  return start;
}

/** Whole years between a birth date and now; a partial birth date gives the youngest possible age. */
export function ageInYears(birthDate: string | undefined, now: Date): number | undefined {
  const match =
    typeof birthDate === 'string' ? /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(birthDate) : null;
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = match[2] ? Number(match[2]) : 12;
  const day = match[3] ? Number(match[3]) : 31;
  let age = now.getUTCFullYear() - year;
  const beforeBirthday =
    now.getUTCMonth() + 1 < month || (now.getUTCMonth() + 1 === month && now.getUTCDate() < day);
  if (beforeBirthday) age -= 1;
  return age >= 0 ? age : undefined;
}

/** Months (30.44-day) between two instants, for "months since" rules. */
export function monthsBetween(from: number, to: number): number {
  return (to - from) / (30.4375 * DAY_MS);
}
