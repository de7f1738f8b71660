/**
 * `npm run report -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]`: the quality
 * indicators as a readable table, from the same store the service uses
 * (DATABASE_URL, else the embedded store's file or PGlite's directory, which a
 * running service holds: docs/store.md).
 */
import { parseArgs } from 'node:util';
import { RequestValidationError } from './cds/request';
import type { QualityIndicatorReport, RecommendationIndicators } from './feedback/indicators';
import { FeedbackService } from './feedback/service';
import { openStore } from './store/open';
import { loadStoreSettings, StoreSettingsError } from './store/settings';
import { StoreError } from './store/types';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const { store } = await openStore(loadStoreSettings());
  try {
    const report = await new FeedbackService(store, () => new Date()).qualityIndicators({
      from: values.from,
      to: values.to,
    });
    process.stdout.write(
      values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report),
    );
  } finally {
    await store.close();
  }
}

const COLUMNS = [
  'issued',
  'accepted',
  'suggestions used',
  'overridden',
  'no feedback',
  'acceptance',
  'accepted/issued',
];

export function formatReport(report: QualityIndicatorReport): string {
  const lines = [
    `Quality indicators, cards issued ${report.period.from} to ${report.period.to} (UTC)`,
    'Each card counts once, by its latest feedback. acceptance = accepted / (accepted + overridden);',
    'suggestions used = the one-click orders, referrals and letters accepted on those cards.',
    '',
  ];
  if (report.indicators.length === 0)
    return `${[...lines, 'No cards issued in this period.'].join('\n')}\n`;
  const codeWidth = Math.max(4, ...report.indicators.map((entry) => entry.code.length));
  lines.push(
    ['code'.padEnd(codeWidth), ...COLUMNS.map((column) => column.padStart(column.length))].join(
      '  ',
    ),
  );
  for (const entry of report.indicators) {
    lines.push(row(entry, codeWidth));
    for (const reason of entry.overrideReasons) {
      lines.push(`${' '.repeat(codeWidth)}    overridden: ${reason.code} × ${reason.count}`);
    }
    if (entry.overriddenWithoutReason > 0) {
      lines.push(
        `${' '.repeat(codeWidth)}    overridden: (no reason) × ${entry.overriddenWithoutReason}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function row(entry: RecommendationIndicators, codeWidth: number): string {
  const cells = [
    String(entry.issued),
    String(entry.accepted),
    String(entry.acceptedSuggestions),
    String(entry.overridden),
    String(entry.withoutFeedback),
    percent(entry.acceptanceRate),
    percent(entry.acceptedOfIssued),
  ];
  return [
    entry.code.padEnd(codeWidth),
    ...cells.map((cell, index) => cell.padStart(COLUMNS[index]?.length ?? 0)),
  ].join('  ');
}

function percent(value: number | null): string {
  return value === null ? '-' : `${(value * 100).toFixed(1)} %`;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`fls-cds-hooks report: ${explain(error)}\n`);
    process.exit(1);
  });
}

/** Messages written for a reader; anything else is not echoed (it could carry a database URL). */
function explain(error: unknown): string {
  if (error instanceof StoreError) {
    return `the store could not be read (${error.operation}${error.causeCode ? `, ${error.causeCode}` : ''})`;
  }
  const readable =
    error instanceof StoreSettingsError ||
    error instanceof RequestValidationError ||
    (error instanceof Error && error.name === 'DataDirInUseError') ||
    // node:util parseArgs: unknown or malformed options.
    (error instanceof TypeError &&
      String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS'));
  return readable ? (error as Error).message : 'unexpected error';
}
