/**
 * The worklist's outputs: JSON (pathway.md "Interfaces"), CSV (one line per
 * patient), a terminal table, and the indicators as a FHIR R4 MeasureReport.
 */
import type { MeasureReport } from 'fhir/r4';
import type { WorklistRow } from './engine';
import { INDICATOR_TITLES, type IndicatorResult } from './indicators';
import type { WorklistReport } from './population';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type WorklistFormat = (typeof FORMATS)[number];

export function formatReport(report: WorklistReport, format: WorklistFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'csv':
      return toCsv(report.patients);
    case 'table':
      return toTable(report);
  }
}

const CSV_COLUMNS = [
  'patientId',
  'age',
  'sex',
  'fractureDate',
  'fractureSite',
  'fractureCode',
  'group',
  'step',
  'daysSinceFracture',
  'overdue',
  'routing',
  'cards',
  'undecidedReason',
] as const;

function csvCells(row: WorklistRow): string[] {
  return [
    row.patientId,
    row.age === undefined ? '' : String(row.age),
    row.sex ?? '',
    row.sentinelFracture?.date ?? '',
    row.sentinelFracture?.site ?? '',
    row.sentinelFracture?.code ?? '',
    row.group ?? '',
    row.step,
    row.daysSinceFracture === undefined ? '' : String(row.daysSinceFracture),
    row.overdue.join(';'),
    row.routing ?? '',
    row.cards.join(';'),
    row.undecidedReason ?? '',
  ];
}

/** RFC 4180: every line CRLF-free, fields quoted when they hold a comma, quote or newline. */
export function toCsv(rows: readonly WorklistRow[]): string {
  const lines = [
    CSV_COLUMNS.join(','),
    ...rows.map((row) => csvCells(row).map(csvField).join(',')),
  ];
  return `${lines.join('\n')}\n`;
}

function csvField(value: string): string {
  // A leading = + - @ would be read as a formula by a spreadsheet: quote it with a '.
  const safe = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const percent = (value: number | null): string =>
  value === null ? '—' : `${(value * 100).toFixed(1)} %`;

function toTable(report: WorklistReport): string {
  const out: string[] = [
    `FLS worklist: sentinel fractures ${report.period.from} to ${report.period.to}, profile ${report.profile}, evaluated ${report.evaluatedAt}`,
    '',
  ];
  const header = [
    'patient',
    'age',
    'sex',
    'fracture',
    'site',
    'group',
    'days',
    'step',
    'overdue',
    'routing',
    'cards',
  ];
  const cells = report.patients.map((row) => [
    row.patientId,
    row.age === undefined ? '' : String(row.age),
    row.sex ?? '',
    row.sentinelFracture?.date.slice(0, 10) ?? '',
    row.sentinelFracture?.site ?? '',
    row.group ?? '',
    row.daysSinceFracture === undefined ? '' : String(row.daysSinceFracture),
    row.step === 'undecided' ? `undecided: ${row.undecidedReason ?? ''}` : row.step,
    row.overdue.join(','),
    row.routing ?? '',
    row.cards.join(','),
  ]);
  if (cells.length === 0) out.push('No sentinel fractures in this period.');
  else out.push(...aligned([header, ...cells]));
  if (report.excluded.length > 0) {
    out.push(
      '',
      `Not on the list: ${report.excluded.map((e) => `${e.patientId} (${e.reason})`).join(', ')}`,
    );
  }
  out.push(
    '',
    'Quality indicators (IOF levels 50 % / 80 %; undecided: the data cannot decide it; pending: window not closed)',
  );
  out.push(
    ...aligned([
      ['indicator', 'numerator', 'denominator', 'proportion', 'undecided', 'pending'],
      ...report.indicators.map((indicator) => [
        indicator.id,
        String(indicator.numerator),
        String(indicator.denominator),
        indicator.id === 'identified' ? '' : percent(indicator.proportion),
        String(indicator.undecided),
        String(indicator.pending),
      ]),
    ]),
  );
  if (report.routing && report.routing.length > 0) {
    out.push('', 'Routing (measured share; seed 003 share in brackets)');
    for (const entry of report.routing) {
      out.push(
        `  ${entry.code}: ${entry.count} (${percent(entry.share)})${entry.expected !== undefined ? ` [${percent(entry.expected)}]` : ''}`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

function aligned(table: string[][]): string[] {
  const widths =
    table[0]?.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length))) ?? [];
  return table.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/** The project's canonical Measure for the FLS indicators (pathway.md). */
export const MEASURE_URL = 'https://fls-cds.example.org/fhir/Measure/fls-quality-indicators';
export const LEVEL_EXTENSION_URL = 'https://fls-cds.example.org/fhir/StructureDefinition/iof-level';
const POPULATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/measure-population';

/** The indicators as a FHIR R4 MeasureReport: summary, one group per indicator, the IOF levels on each. */
export function toMeasureReport(report: WorklistReport): MeasureReport {
  return {
    resourceType: 'MeasureReport',
    status: 'complete',
    type: 'summary',
    measure: MEASURE_URL,
    date: report.evaluatedAt,
    period: {
      start: report.period.from,
      end: report.period.to,
    },
    group: report.indicators.map(group),
  };
}

function group(indicator: IndicatorResult): NonNullable<MeasureReport['group']>[number] {
  const levels = `IOF levels: below ${indicator.levels.low * 100} % poor${
    indicator.levels.high !== undefined
      ? `, ${indicator.levels.low * 100}–${indicator.levels.high * 100} % fair, above ${indicator.levels.high * 100} % good`
      : ''
  }`;
  const population = (code: string, count: number) => ({
    code: { coding: [{ system: POPULATION_SYSTEM, code }] },
    count,
  });
  return {
    code: {
      coding: [{ system: MEASURE_URL, code: indicator.id }],
      text: `${INDICATOR_TITLES[indicator.id]}. ${levels}`,
    },
    extension: [
      {
        url: LEVEL_EXTENSION_URL,
        extension: [
          { url: 'low', valueDecimal: indicator.levels.low },
          ...(indicator.levels.high !== undefined
            ? [{ url: 'high', valueDecimal: indicator.levels.high }]
            : []),
        ],
      },
    ],
    population: [
      population(
        'initial-population',
        indicator.denominator + indicator.undecided + indicator.pending,
      ),
      population('denominator', indicator.denominator),
      population('numerator', indicator.numerator),
      // Undecided (the data cannot decide it) are reported as exclusions from the denominator.
      population('denominator-exclusion', indicator.undecided),
    ],
    ...(indicator.proportion !== null
      ? {
          measureScore: {
            value: indicator.proportion,
            unit: '1',
            system: 'http://unitsofmeasure.org',
            code: '1',
          },
        }
      : {}),
  };
}
