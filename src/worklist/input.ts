/** Checks of the worklist's inputs, shared by the CLI and the HTTP routes: each error names its field. */
import { PROFILES, type Profile } from '../guideline/profiles';
import { isCalendarDate, type Period } from './engine';
import { FORMATS, type WorklistFormat } from './format';

export class WorklistInputError extends Error {
  constructor(
    /** The option / query parameter at fault, e.g. `from`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'WorklistInputError';
  }
}

/** `from` and `to` are calendar dates (YYYY-MM-DD), `from` not after `to`. */
export function parsePeriod(from: unknown, to: unknown): Period {
  const date = (field: 'from' | 'to', value: unknown): string => {
    if (value === undefined || value === '') {
      throw new WorklistInputError(field, `${field} is required (YYYY-MM-DD)`);
    }
    if (typeof value !== 'string' || !isCalendarDate(value)) {
      throw new WorklistInputError(field, `${field} must be a date as YYYY-MM-DD`);
    }
    return value;
  };
  const period = { from: date('from', from), to: date('to', to) };
  if (period.from > period.to) {
    throw new WorklistInputError('from', `from (${period.from}) is after to (${period.to})`);
  }
  return period;
}

/** Absent: the fallback; present, even empty, it must name a profile. */
export function parseProfile(value: unknown, fallback: Profile): Profile {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(PROFILES as readonly string[]).includes(value)) {
    throw new WorklistInputError('profile', `profile must be one of ${PROFILES.join(', ')}`);
  }
  return value as Profile;
}

export function parseFormat(value: unknown, fallback: WorklistFormat): WorklistFormat {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(FORMATS as readonly string[]).includes(value)) {
    throw new WorklistInputError('format', `format must be one of ${FORMATS.join(', ')}`);
  }
  return value as WorklistFormat;
}

/** An http(s) URL without query or fragment; trailing slashes dropped. */
export function parseFhirBase(value: unknown, field = 'fhir'): string {
  if (typeof value !== 'string' || value === '') {
    throw new WorklistInputError(field, `${field} is required: the FHIR server's base URL`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WorklistInputError(field, `${field} is not a URL: ${value}`);
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash) {
    throw new WorklistInputError(
      field,
      `${field} must be an http(s) base URL without query: ${value}`,
    );
  }
  return value.replace(/\/+$/, '');
}
