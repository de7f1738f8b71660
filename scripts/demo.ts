/**
 * `npm run demo`: what the service does, without an EHR or a FHIR server. Starts
 * the built service on a free port, sends its hooks for a few patients of the
 * synthetic library (test/fixtures/patients) with the prefetch computed from their
 * bundles, prints the cards, and stops the service. Then the FLS worklist of the
 * whole library (pathway.md): a small in-process FHIR stub serves the library, the
 * worklist engine reads it as `npm run worklist` does, and the table and the
 * indicators are printed; every row and indicator is checked against the
 * library's `worklist` expectations in every profile.
 *
 *   npm run demo                      cards in Norwegian (bokmål)
 *   npm run demo -- --lang en         cards in English
 *   npm run demo -- --lang en r15 r23 other library patients (file name or its start)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import { SERVICES } from '../src/cds/services';
import { DEFAULT_GUIDELINE_CONFIG } from '../src/guideline/config';
import { PROFILES } from '../src/guideline/profiles';
import { formatReport } from '../src/worklist/format';
import { runWorklist, WORKLIST_FHIR } from '../src/worklist/population';
import { startFhirServer } from '../test/helpers/fhir-server';
import {
  actualIndicators,
  actualRow,
  expectedIndicators,
  expectedRows,
} from '../test/worklist/expectations';
import { ageInYears } from '../src/patient/dates';
import {
  hookCalls,
  hookRequest,
  libraryPeriod,
  loadLibrary,
  loadPatient,
  localPrefetch,
  patientNames,
  type HookCall,
  type LibraryPatient,
} from '../test/fixtures/load';

const ROOT = join(__dirname, '..', '..');
const DEFAULT_PATIENTS = [
  'r06-hypocalcaemia',
  'r11-zoledronic-acid-egfr',
  'r21-denosumab-overdue',
  'nothing-to-report',
];
const LANGUAGES = ['nb', 'en'] as const;
type Language = (typeof LANGUAGES)[number];

interface Card {
  summary: string;
  detail: string;
  indicator: 'info' | 'warning' | 'critical';
  source: { topic: { code: string } };
  suggestions?: { label: string }[];
}

// Colours only on a terminal, and never when NO_COLOR is set (no-color.org).
const useColour = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: string) => (text: string) =>
  useColour ? `\u001b[${code}m${text}\u001b[0m` : text;
const bold = paint('1');
const dim = paint('2');
const INDICATOR: Record<Card['indicator'], string> = {
  critical: paint('1;31')('‼ CRITICAL'),
  warning: paint('1;33')('⚠ WARNING '),
  info: paint('1;36')('ℹ INFO    '),
};

function parseArgs(argv: readonly string[]): { language: Language; patients: string[] } {
  let language: Language = 'nb';
  const patients: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run demo -- [--lang nb|en] [patient ...]\n');
      process.stdout.write(`patients: ${patientNames().join(', ')}\n`);
      process.exit(0);
    }
    const value = arg === '--lang' ? argv[++i] : arg.startsWith('--lang=') ? arg.slice(7) : null;
    if (value !== null) {
      if (!LANGUAGES.includes(value as Language)) fail(`--lang must be one of ${LANGUAGES}`);
      language = value as Language;
      continue;
    }
    const match = patientNames().find((name) => name === arg || name.startsWith(arg));
    if (!match) fail(`no library patient "${arg}" (see --help)`);
    patients.push(match);
  }
  return { language, patients: patients.length > 0 ? patients : DEFAULT_PATIENTS };
}

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}

/** Start dist/src/main.js for a site profile on a free local port; resolves with its /cds-services URL. */
function startService(profile: string): Promise<{ child: ChildProcess; url: string }> {
  // No EHR signs requests in a demo, and nothing is kept after it (not even in a
  // PostgreSQL the environment may name).
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], {
    env: {
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      CDS_AUTH: 'off',
      CDS_PROFILE: profile,
      STORE_FILE: 'memory://',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => errors.push(chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error('the service did not start within 30 s'));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${code}) before it was ready:\n${errors.join('')}`));
    });
    // main.ts logs one JSON line with the URL once it listens.
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { url?: unknown; msg?: unknown };
        if (typeof entry.url === 'string' && String(entry.msg).startsWith('ready at')) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve({ child, url: entry.url });
        }
      } catch {
        // not a log line: ignore
      }
    });
  });
}

function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Word-wrap `text` to the terminal, every line after the first indented by `indent`. */
function wrap(text: string, indent: number): string {
  const width = Math.max(60, Math.min(process.stdout.columns ?? 100, 110)) - indent;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** Card markdown → plain text: drop escapes and link targets. */
const plain = (text: string) =>
  text.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1').replace(/\\([\\`*_{}[\]()#+!|<>~-])/g, '$1');

/** The detail's reason lines: the bullet list before the evidence table. */
function reasonLines(detail: string): string[] {
  const beforeEvidence = detail.split('\n\n**')[0] ?? '';
  return beforeEvidence
    .split('\n')
    .filter((line) => line.startsWith('- '))
    .map((line) => plain(line.slice(2)));
}

function printCard(card: Card): void {
  const pad = 13;
  process.stdout.write(`  ${INDICATOR[card.indicator]} ${bold(wrap(plain(card.summary), pad))}\n`);
  process.stdout.write(`${' '.repeat(pad)}${dim(card.source.topic.code)}\n`);
  for (const reason of reasonLines(card.detail)) {
    process.stdout.write(`${' '.repeat(pad)}· ${wrap(reason, pad + 2)}\n`);
  }
  for (const suggestion of card.suggestions ?? []) {
    process.stdout.write(`${' '.repeat(pad)}➜ ${wrap(plain(suggestion.label), pad + 2)}\n`);
  }
}

function heading(patient: LibraryPatient, now: Date): string {
  const person = patient.resources.find((r) => r.resourceType === 'Patient') as
    | { name?: { given?: string[]; family?: string }[]; birthDate?: string; gender?: string }
    | undefined;
  const name = person?.name?.[0];
  const who = [name?.given?.join(' '), name?.family].filter(Boolean).join(' ');
  const age = ageInYears(person?.birthDate, now);
  return `${who}, ${age ?? '?'} (${person?.gender ?? 'unknown'}, ${patient.patientId}) · ${patient.name}`;
}

function callLabel(call: HookCall): string {
  if (call.hook === 'patient-view') return 'patient-view (chart opened)';
  const drafts = call.draftOrders.map((draft) => draft.medicationCodeableConcept?.text ?? draft.id);
  const verb = call.hook === 'order-select' ? 'selected' : 'about to be signed';
  return `${call.hook} (${drafts.join(', ')} ${verb})`;
}

async function main(): Promise<void> {
  const { language, patients } = parseArgs(process.argv.slice(2));
  const now = new Date();
  const library = patients.map((name) => loadPatient(name, now));
  process.stdout.write(bold('FLS CDS Hooks service: demo\n'));
  // One service per site profile the chosen patients need (Danish and Swedish
  // patients are answered by a service with their profile).
  const services = new Map<string, { child: ChildProcess; url: string }>();
  // Each hook call is checked: answered 200 with the recommendation codes the library expects.
  let passed = 0;
  let failed = 0;
  try {
    for (const profile of new Set(library.map((patient) => patient.profile))) {
      process.stdout.write(`Starting the service (profile ${profile})… `);
      const started = await startService(profile);
      services.set(profile, started);
      process.stdout.write(`ready at ${started.url}\n`);
    }
    process.stdout.write(
      dim(
        wrap(
          'No EHR and no FHIR server: each request carries its prefetch, computed from a synthetic patient in test/fixtures/patients. Cards in ' +
            (language === 'nb' ? 'Norwegian (bokmål); --lang en for English.' : 'English.'),
          0,
        ),
      ) + '\n',
    );
    for (const patient of library) {
      const url = services.get(patient.profile)?.url;
      if (!url) throw new Error(`no service for profile ${patient.profile}`);
      const prefetch = localPrefetch(patient);
      process.stdout.write(`\n${bold(`━━ ${heading(patient, now)}`)}\n`);
      process.stdout.write(`${dim(wrap(patient.description, 0))}\n`);
      for (const call of hookCalls(patient)) {
        const service = SERVICES.find((candidate) => candidate.hook === call.hook);
        if (!service) continue;
        const response = await fetch(`${url}/${service.id}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Accept-Language': language },
          body: JSON.stringify(hookRequest(patient, call, { prefetch })),
        });
        if (!response.ok) {
          failed += 1;
          process.stdout.write(
            `\n ${bold(callLabel(call))} → ✗ ${service.id} answered ${response.status}: ${await response.text()}\n`,
          );
          continue;
        }
        const { cards } = (await response.json()) as { cards: Card[] };
        const count = cards.length === 1 ? '1 card' : `${cards.length} cards`;
        process.stdout.write(`\n ${bold(callLabel(call))} → ${count}\n`);
        if (cards.length === 0) process.stdout.write(`  ${dim('(nothing to report)')}\n`);
        for (const card of cards) printCard(card);
        const got = cards.map((card) => card.source.topic.code).sort();
        const expected = [...call.codes].sort();
        if (got.join() === expected.join()) {
          passed += 1;
        } else {
          failed += 1;
          process.stdout.write(
            `  ✗ expected ${expected.join(', ') || 'no card'}; got ${got.join(', ') || 'no card'}\n`,
          );
        }
      }
    }
  } finally {
    for (const { child } of services.values()) await stopService(child);
  }
  process.stdout.write(
    `\n${dim(services.size === 1 ? 'Service stopped.' : 'Services stopped.')}\n`,
  );
  const worklist = await worklistOfLibrary(now);
  passed += worklist.passed;
  failed += worklist.failed;
  // The plain closing line CI reads: hook calls answered with the codes the library expects.
  process.stdout.write(`demo: ${passed} passed, ${failed} failed\n`);
  if (failed > 0) process.exitCode = 1;
}

/**
 * The worklist of the whole library (profile no printed; every profile checked):
 * each patient's row and each indicator's counts against the files' expectations.
 */
async function worklistOfLibrary(now: Date): Promise<{ passed: number; failed: number }> {
  const library = loadLibrary(now);
  const period = libraryPeriod(now);
  const server = await startFhirServer(library.flatMap((patient) => patient.resources));
  let passed = 0;
  let failed = 0;
  try {
    for (const profile of PROFILES) {
      const report = await runWorklist(
        { baseUrl: server.baseUrl, concurrency: 4, fhir: WORKLIST_FHIR },
        { period, now, guideline: DEFAULT_GUIDELINE_CONFIG, profile },
      );
      if (profile === 'no') {
        process.stdout.write(
          `\n${bold(`━━ FLS worklist of the library, ${period.from} – ${period.to} (profile no)`)}\n`,
        );
        process.stdout.write(
          `${dim(wrap('The same engine as `npm run worklist -- --fhir <base URL> --from … --to …`, here over an in-process FHIR stub holding the library.', 0))}\n\n`,
        );
        process.stdout.write(formatReport(report, 'table'));
      }
      const expected = expectedRows(library, profile);
      const mismatches: string[] = [];
      for (const [patientId, row] of expected) {
        const got = actualRow(report, patientId);
        const want = { ...row, overdue: [...row.overdue].sort() };
        if (!isDeepStrictEqual(got, want)) mismatches.push(patientId);
      }
      const extra = report.patients.filter((row) => !expected.has(row.patientId));
      mismatches.push(...extra.map((row) => `${row.patientId} (not expected)`));
      const counts = actualIndicators(report);
      const want = expectedIndicators(expected);
      for (const [id, count] of Object.entries(want))
        if (JSON.stringify(counts[id]) !== JSON.stringify(count))
          mismatches.push(`indicator ${id}`);
      if (mismatches.length === 0) passed += 1;
      else {
        failed += 1;
        process.stdout.write(
          `  ✗ worklist (${profile}) differs from the library: ${mismatches.join(', ')}\n`,
        );
      }
    }
  } finally {
    await server.close();
  }
  process.stdout.write(
    `\n${dim(`Worklist checked in profiles ${PROFILES.join(', ')}: ${passed} as the library expects, ${failed} not.`)}\n`,
  );
  return { passed, failed };
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.stdout.write('demo: 0 passed, 1 failed\n');
  process.exit(1);
});
