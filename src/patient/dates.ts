/** FHIR date / dateTime handling. Partial dates (2024, 2024-05) are valid FHIR. */

/** Epoch ms of a FHIR date or dateTime (a partial date counts from its first day), or undefined. */
export function toTime(value: string | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  // Most FHIR dates are one of two shapes: read them without the pattern and Date.parse
  // (~60 instead of ~220 ns a date, ~100 dates a call). Anything else takes the general path.
  const common = commonShapeTime(value);
  if (common !== undefined) return common;
  if (!/^\d{4}(-\d{2}(-\d{2}(T.+)?)?)?$/.test(value)) return undefined;
  const time = Date.parse(value.length === 4 ? `${value}-01-01` : value);
  return Number.isNaN(time) ? undefined : time;
}

/**
 * `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ss[.sss]` with `Z` or `±hh:mm`, as Date.parse reads
 * them (a day past the month's end rolls over, as there); undefined for any other
 * string, which then takes Date.parse. Same answer as Date.parse on every string:
 * test/unit/dates.test.ts compares them.
 */
function commonShapeTime(value: string): number | undefined {
  const length = value.length;
  if (length !== 10 && length < 20) return undefined;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (value.charCodeAt(4) !== DASH || value.charCodeAt(7) !== DASH) return undefined;
  // Years before 100 (data errors in practice) are left to Date.parse.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const date = daysFromCivil(year, month, day) * DAY_MS;
  if (length === 10) return date;
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  if (
    value.charCodeAt(10) !== LETTER_T ||
    value.charCodeAt(13) !== COLON ||
    value.charCodeAt(16) !== COLON ||
    !(hour >= 0 && hour <= 23) ||
    !(minute >= 0 && minute <= 59) ||
    !(second >= 0 && second <= 59)
  )
    return undefined;
  let index = 19;
  let milliseconds = 0;
  if (value.charCodeAt(index) === DOT) {
    const fraction = digits(value, index + 1, 3);
    if (fraction < 0 || (length !== index + 5 && length !== index + 10)) return undefined;
    milliseconds = fraction;
    index += 4;
  }
  let offsetMinutes: number;
  if (length === index + 1 && value.charCodeAt(index) === LETTER_Z) offsetMinutes = 0;
  else if (length === index + 6 && value.charCodeAt(index + 3) === COLON) {
    const sign = value.charCodeAt(index);
    const hours = digits(value, index + 1, 2);
    const minutes = digits(value, index + 4, 2);
    if (
      (sign !== PLUS && sign !== MINUS) ||
      !(hours >= 0 && hours <= 23) ||
      !(minutes >= 0 && minutes <= 59)
    )
      return undefined;
    offsetMinutes = (sign === PLUS ? 1 : -1) * (hours * 60 + minutes);
  } else return undefined;
  return date + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + milliseconds;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil):
 * Date.UTC's answer in integer steps. A day past the month's end counts on into the
 * next month, as Date.UTC and Date.parse do.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const DASH = 45;
const COLON = 58;
const DOT = 46;
const PLUS = 43;
const MINUS = 45;
const LETTER_T = 84;
const LETTER_Z = 90;

/** The number written by `count` ASCII digits at `start`; -1 when any of them is not a digit. */
function digits(value: string, start: number, count: number): number {
  let number = 0;
  for (let index = start; index < start + count; index++) {
    const digit = value.charCodeAt(index) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1;
    number = number * 10 + digit;
  }
  return number;
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
