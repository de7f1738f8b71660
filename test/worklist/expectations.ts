/**
 * What the worklist of the patient library must show, from the library's own
 * `worklist` expectations (test/fixtures/patients, written from pathway.md):
 * the rows per profile and the indicator counts summed from the expected
 * outcomes. Used by the unit test (FHIR stub) and the integration test (HAPI).
 */
import type { Profile } from '../../src/guideline/profiles';
import { INDICATOR_IDS, type IndicatorId } from '../../src/worklist/engine';
import type { WorklistReport } from '../../src/worklist/population';
import { expectedRow, type ExpectedRow, type LibraryPatient } from '../fixtures/load';

export interface ExpectedCount {
  numerator: number;
  denominator: number;
  undecided: number;
  pending: number;
}

/** patientId → the expected row in `profile`, for every patient with a fracture in the period. */
export function expectedRows(
  library: readonly LibraryPatient[],
  profile: Profile,
): Map<string, ExpectedRow> {
  const rows = new Map<string, ExpectedRow>();
  for (const patient of library) {
    const row = expectedRow(patient, profile);
    if (row) rows.set(patient.patientId, row);
  }
  return rows;
}

/** Each indicator's counts: met / not-met decide, undecided and pending are counted apart. */
export function expectedIndicators(
  rows: ReadonlyMap<string, ExpectedRow>,
): Record<IndicatorId, ExpectedCount> {
  const counts = Object.fromEntries(
    INDICATOR_IDS.map((id) => [id, { numerator: 0, denominator: 0, undecided: 0, pending: 0 }]),
  ) as Record<IndicatorId, ExpectedCount>;
  for (const row of rows.values()) {
    for (const id of INDICATOR_IDS) {
      const outcome = row.indicators[id];
      const count = counts[id];
      if (outcome === 'met') {
        count.numerator += 1;
        count.denominator += 1;
      } else if (outcome === 'not-met') count.denominator += 1;
      else if (outcome === 'undecided') count.undecided += 1;
      else if (outcome === 'pending') count.pending += 1;
    }
  }
  return counts;
}

/** A report's row as the expectations describe it (overdue sorted, routing null when none). */
export function actualRow(report: WorklistReport, patientId: string): ExpectedRow | undefined {
  const row = report.patients.find((candidate) => candidate.patientId === patientId);
  return (
    row && {
      step: row.step as ExpectedRow['step'],
      overdue: [...row.overdue].sort(),
      routing: row.routing,
      indicators: row.outcomes,
    }
  );
}

/** The report's counts in the shape of ExpectedCount. */
export function actualIndicators(report: WorklistReport): Record<string, ExpectedCount> {
  return Object.fromEntries(
    report.indicators.map((indicator) => [
      indicator.id,
      {
        numerator: indicator.numerator,
        denominator: indicator.denominator,
        undecided: indicator.undecided,
        pending: indicator.pending,
      },
    ]),
  );
}
