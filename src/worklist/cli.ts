/**
 * `npm run worklist -- --fhir <base URL> --from YYYY-MM-DD --to YYYY-MM-DD
 *   [--profile no|dk|se] [--format table|json|csv] [--out FILE]` (pathway.md
 * "Interfaces"). Optional: --token (or WORKLIST_FHIR_TOKEN) for a server that
 * wants a bearer token, --concurrency (patients read at once, default 4),
 * --timeout (seconds per FHIR request, default 30), --bulk (read the population's data by Bulk Data `$export` instead of ten
 * searches per patient: src/worklist/bulk.ts), GUIDELINE_CONFIG_FILE as for the service. Errors are one line on stderr and
 * exit code 1 (2 for bad options); never a stack trace.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadGuidelineConfig } from '../config';
import type { RetryOptions } from '../fhir/client';
import type { GuidelineConfig } from '../guideline/config';
import { formatReport } from './format';
import { parseFhirBase, parseFormat, parsePeriod, parseProfile, WorklistInputError } from './input';
import { runWorklistBulk, type BulkOptions } from './bulk';
import { runWorklist, WORKLIST_FHIR, WorklistSourceError, type Progress } from './population';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: then a progress line is drawn. */
  progress: boolean;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  fetch?: typeof fetch;
  /** Tests: shorter backoff, smaller pages than the CLI's. */
  fhir?: { retry?: RetryOptions; searchCount?: number };
  /** Tests: no real waiting between `$export` status polls. */
  bulk?: Partial<BulkOptions>;
}

const USAGE =
  'usage: npm run worklist -- --fhir <base URL> --from YYYY-MM-DD --to YYYY-MM-DD [--profile no|dk|se] [--format table|json|csv] [--out FILE] [--token TOKEN] [--concurrency N] [--bulk] [--timeout SECONDS]';

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        fhir: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        profile: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        token: { type: 'string' },
        concurrency: { type: 'string' },
        bulk: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    // node:util's own error (its message names the option); by shape, not instanceof (realms).
    const message = (error as { message?: unknown } | null)?.message;
    io.stderr(`worklist: ${typeof message === 'string' ? message : 'bad options'}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  let guideline: GuidelineConfig;
  let options;
  try {
    options = {
      baseUrl: parseFhirBase(values.fhir, 'fhir'),
      period: parsePeriod(values.from, values.to),
      profile: parseProfile(values.profile, 'no'),
      format: parseFormat(values.format, 'table'),
      concurrency: parseConcurrency(values.concurrency),
      timeoutMs: parseTimeout(values.timeout),
    };
    guideline = loadGuidelineConfig(io.env.GUIDELINE_CONFIG_FILE);
  } catch (error) {
    if (error instanceof WorklistInputError) {
      io.stderr(`worklist: --${error.field}: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.stderr(`worklist: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const token = values.token ?? io.env.WORKLIST_FHIR_TOKEN;
  // At most ten redraws a second, and always the last state (found = read).
  let drawnAt = 0;
  const drawProgress = (progress: Progress): void => {
    if (!io.progress) return;
    const at = performance.now();
    if (at - drawnAt < 100 && progress.done !== progress.found) return;
    drawnAt = at;
    io.stderr(`\r\u001b[Kpatients found ${progress.found}, read ${progress.done}`);
  };
  try {
    const source = {
      baseUrl: options.baseUrl,
      ...(token ? { accessToken: token } : {}),
      fhir: {
        ...WORKLIST_FHIR,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(io.fetch ? { fetch: io.fetch } : {}),
        ...io.fhir,
      },
      concurrency: options.concurrency,
    };
    const settings = { period: options.period, now: io.now(), guideline, profile: options.profile };
    const report = values.bulk
      ? await runWorklistBulk(source, settings, { onProgress: drawProgress }, io.bulk)
      : await runWorklist(source, settings, { onProgress: drawProgress });
    if (io.progress) io.stderr('\r\u001b[K');
    const text = formatReport(report, options.format);
    if (values.out) {
      try {
        await writeFile(values.out, text, 'utf8');
      } catch {
        io.stderr(`worklist: --out: cannot write ${values.out}\n`);
        return 1;
      }
      io.stderr(
        `worklist: ${report.patients.length} patients written to ${values.out} (${report.fhirRequests} FHIR requests)\n`,
      );
    } else io.stdout(text);
    return 0;
  } catch (error) {
    if (io.progress) io.stderr('\r\u001b[K');
    if (error instanceof WorklistSourceError) {
      io.stderr(`worklist: ${error.message}\n`);
      return 1;
    }
    io.stderr(`worklist: failed (${error instanceof Error ? error.name : 'unknown error'})\n`);
    return 1;
  }
}

function parseConcurrency(value: string | undefined): number {
  if (value === undefined) return 4;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 32) {
    throw new WorklistInputError('concurrency', 'concurrency must be a whole number from 1 to 32');
  }
  return n;
}

/** --timeout: seconds one FHIR request may take (a big server's search pages can be slow). */
function parseTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3600) {
    throw new WorklistInputError(
      'timeout',
      'timeout must be a whole number of seconds from 1 to 3600',
    );
  }
  return n * 1000;
}

/* istanbul ignore next -- the process entry point; tests call main() */
if (require.main === module) {
  main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    progress: process.stderr.isTTY === true,
    env: process.env,
    now: () => new Date(),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.stderr.write('worklist: failed\n');
      process.exitCode = 1;
    },
  );
}
