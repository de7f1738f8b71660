/**
 * `npm run bench`: throughput and latency of the CDS hooks next to the bare HTTP
 * stack, on one machine in one go (see docs/benchmark.md).
 *
 *   1 patient-view, full prefetch          service (LOG_LEVEL=warn; once more at info),
 *     once per store (--store): 1 on the embedded default, 1p on PostgreSQL
 *   2 order-select, draft zoledronic acid  service
 *   3 baseline: Express 5 + express.json, same body, fixed answer of (1)'s size
 *   4 patient-view without prefetch: the service queries a FHIR server on loopback;
 *     4a = the same 8 queries sent directly (8 in parallel, paging followed);
 *     overhead = p50(4) − p50(4a)
 *   5 patient-view with every hook call answering the first call's result
 *     (bench/reuse-hook-result.ts): the service without its clinical work, a diagnostic
 *   6 patient-view with every call reusing the first call's snapshot
 *     (bench/reuse-snapshot.ts): the service without reading the resources, a diagnostic
 *
 * 1–3 run for patients of 10, 100 and 1,000 resources (the size sweep), 4 for the
 * main size (100). Each measurement starts a fresh server child process; the load
 * generator (autocannon) runs in this process.
 *
 * Flags: --fhir=auto|hapi|stub|http://127.0.0.1:PORT/fhir (auto: HAPI, when it can be
 *          built and started, and the stub) --fhir-warmup=S (30, HAPI only)
 *        --duration=S (10) --warmup=S (2) --connections=N (10) --repeat=N (1)
 *        --sizes=10,100,1000 --main-size=100 --only=1,2,3,4,5,6 --no-info
 *        --env=KEY=VALUE,... (service environment) --profile --out=FILE
 *        --store=embedded,postgres (embedded: the default store, a fresh file per
 *          run; postgres: DATABASE_URL, e.g. from scripts/with-postgres.sh; the
 *          first store listed serves scenarios 2 and 4)
 *        --worklist: the worklist at scale instead (bench/worklist.ts has its flags)
 */
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { PREFETCH_TEMPLATES } from '../src/cds/services';
import { renderTemplate } from '../src/cds/prefetch';
import { loadConfig } from '../src/config';
import { SERVICE_NODE_FLAGS } from '../src/node-flags';
import { openFhirServer, type FhirServer } from './fhir-server';
import {
  groupLoad,
  httpLoad,
  type HttpRequestSpec,
  type LoadOptions,
  type LoadResult,
} from './load';
import { benchPatient, requestBodies, SIZES, type BenchPatient } from './patient';
import { formatSummary, summariseProfile, type ProfileSummary } from './profile-summary';
import { cpuSeconds, peakRssMb, rssMb, startChild, stopChild } from './servers';
import { worklistBench } from './worklist';

const ROOT = resolve(__dirname, '../..');
const SERVICE_SCRIPT = join(ROOT, 'dist/src/main.js');
const BASELINE_SCRIPT = join(ROOT, 'dist/bench/baseline.js');
const REUSE_SCRIPT = join(ROOT, 'dist/bench/reuse-hook-result.js');
const REUSE_SNAPSHOT_SCRIPT = join(ROOT, 'dist/bench/reuse-snapshot.js');

interface Args {
  fhir: string;
  /** Warm-up of a JVM FHIR server (HAPI) before its runs, in seconds. */
  fhirWarmupS: number;
  load: LoadOptions;
  repeat: number;
  sizes: number[];
  mainSize: number;
  info: boolean;
  /** Scenario numbers to run (--only=1,4); all when empty. */
  only: string[];
  /** Extra environment for the service (--env=STORE_FILE=memory://,LOG_LEVEL=info). */
  serviceEnv: Record<string, string>;
  /** The stores scenario 1 runs on; the first one serves the other scenarios. */
  stores: Store[];
  profile: boolean;
  out: string;
}

type Store = 'embedded' | 'postgres';

function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`unknown argument ${arg}`);
    flags.set(match[1], match[2] ?? 'true');
  }
  const number = (name: string, fallback: number): number => {
    const value = Number(flags.get(name) ?? fallback);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
    return value;
  };
  const fhir = flags.get('fhir') ?? 'auto';
  for (const choice of fhir.split(',')) {
    if (!['hapi', 'stub', 'auto'].includes(choice) && !choice.startsWith('http://')) {
      throw new Error('--fhir: hapi, stub, auto or the http:// base URL of a loopback FHIR server');
    }
  }
  const stores = (flags.get('store') ?? 'embedded').split(',');
  for (const store of stores) {
    if (store !== 'embedded' && store !== 'postgres') {
      throw new Error('--store: embedded and / or postgres');
    }
  }
  const sizes = (flags.get('sizes') ?? SIZES.join(',')).split(',').map(Number);
  const mainSize = number('main-size', sizes.includes(100) ? 100 : (sizes[0] ?? 100));
  if (!sizes.includes(mainSize)) sizes.push(mainSize);
  return {
    fhir,
    load: {
      durationS: number('duration', 10),
      warmupS: number('warmup', 2),
      connections: number('connections', 10),
    },
    repeat: Math.max(1, number('repeat', 1)),
    fhirWarmupS: number('fhir-warmup', 30),
    sizes: sizes.sort((a, b) => a - b),
    mainSize,
    info: flags.get('no-info') === undefined,
    only: (flags.get('only') ?? '').split(',').filter(Boolean),
    serviceEnv: Object.fromEntries(
      (flags.get('env') ?? '')
        .split(',')
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
    profile: flags.has('profile'),
    stores: stores as Store[],
    out: resolve(flags.get('out') ?? join(ROOT, 'bench/results.json')),
  };
}

interface Run extends LoadResult {
  /** RSS once started and after its first answer, before any load. */
  restRssMb?: number;
  peakRssMb?: number;
  /** Server CPU time over the measured phase / wall time (100 = one core busy). */
  cpuPercent?: number;
  /** Server CPU time per answered request: less sensitive than req/s to a busy machine. */
  cpuMsPerRequest?: number;
  /** CPU of this process (the load generator) over the measured phase, % of one core. */
  loadGeneratorCpuPercent?: number;
  responseBytes?: number;
}

interface Scenario {
  key: string;
  label: string;
  /** The service's store (service scenarios). */
  store?: Store;
  size: number;
  connections: number;
  /** Measured once per repetition. */
  measure: () => Promise<Run>;
  runs: Run[];
  /** Further figures for the report, read after the runs. */
  extra?: () => Record<string, unknown>;
}

/** Node options for the server children (the profiler, in --profile runs). */
let childNodeArgs: string[] = [];
/** --env: added to every service run's environment. */
let extraServiceEnv: Record<string, string> = {};
/** The PostgreSQL the bench was given (DATABASE_URL), taken out of the children's environment. */
const postgresUrl = process.env.DATABASE_URL;
delete process.env.DATABASE_URL;

const jsonPost = (url: string, body: unknown): HttpRequestSpec => ({
  url,
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'Accept-Language': 'nb' },
  body: JSON.stringify(body),
});

/** Start a server child, check one answer, load it, read its peak RSS and CPU, stop it. */
async function measureChild(options: {
  name: string;
  script: string;
  env: Record<string, string>;
  nodeArgs?: string[];
  path: string;
  body: unknown;
  load: LoadOptions;
  logDir: string;
  check: (status: number, text: string) => string | undefined;
  keepResponse?: (text: string) => void;
}): Promise<Run> {
  const child = await startChild({
    name: options.name,
    script: options.script,
    env: options.env,
    // Every measured server runs with the service's production V8 flags (src/node-flags.ts).
    nodeArgs: [...SERVICE_NODE_FLAGS, ...childNodeArgs, ...(options.nodeArgs ?? [])],
    logDir: options.logDir,
    readyPath: '/healthz',
  });
  try {
    const spec = jsonPost(`http://127.0.0.1:${child.port}${options.path}`, options.body);
    const first = await fetch(spec.url, {
      method: 'POST',
      headers: spec.headers,
      body: spec.body ?? '',
    });
    const text = await first.text();
    const problem = options.check(first.status, text);
    if (problem) throw new Error(`${options.name}: ${problem} (log: ${child.logFile})`);
    options.keepResponse?.(text);
    const restRssMb = rssMb(child.process.pid);
    if (options.load.warmupS > 0) {
      await httpLoad(spec, { ...options.load, durationS: options.load.warmupS, warmupS: 0 });
    }
    const cpu0 = cpuSeconds(child.process.pid);
    const own0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await httpLoad(spec, { ...options.load, warmupS: 0 });
    const wall = (performance.now() - t0) / 1000;
    const cpu1 = cpuSeconds(child.process.pid);
    const own = process.cpuUsage(own0);
    const answered = result.requests;
    return {
      ...result,
      restRssMb,
      peakRssMb: peakRssMb(child.process.pid),
      ...(cpu0 !== undefined && cpu1 !== undefined
        ? {
            cpuPercent: Math.round(((cpu1 - cpu0) / wall) * 100),
            cpuMsPerRequest: Math.round(((cpu1 - cpu0) / Math.max(1, answered)) * 1e5) / 100,
          }
        : {}),
      loadGeneratorCpuPercent: Math.round(((own.user + own.system) / 1e6 / wall) * 100),
      responseBytes: Buffer.byteLength(text),
    };
  } finally {
    await stopChild(child);
  }
}

/** A 200 with cards carrying these recommendation codes. */
function expectCards(codes: string[]) {
  return (status: number, text: string): string | undefined => {
    if (status !== 200) return `HTTP ${status}: ${text.slice(0, 300)}`;
    const body = JSON.parse(text) as { cards?: { source?: { topic?: { code?: string } } }[] };
    const got = (body.cards ?? []).map((card) => card.source?.topic?.code ?? '?');
    const missing = codes.filter((code) => !got.includes(code));
    return missing.length > 0
      ? `expected cards ${codes.join(', ')}, got ${got.join(', ')}`
      : undefined;
  };
}

const PATIENT_VIEW_CODES = ['renal-impairment', 'vitamin-d-low'];
const ORDER_SELECT_CODES = ['contraindication-zoledronic-acid'];

/**
 * The service as production runs it, but without authentication (the load
 * generator signs no JWTs), on `store`: the embedded default in a fresh file, or
 * PostgreSQL (a store shared by the runs, as replicas share it).
 */
function serviceEnv(
  logDir: string,
  logLevel: string,
  extra: Record<string, string> = {},
  store: Store = defaultStore,
): Record<string, string> {
  const storeEnv: Record<string, string> =
    store === 'postgres'
      ? { DATABASE_URL: String(postgresUrl) }
      : { STORE_FILE: join(mkdtempSync(join(logDir, 'store-')), 'store.jsonl') };
  return {
    HOST: '127.0.0.1',
    LOG_LEVEL: logLevel,
    CDS_AUTH: 'off',
    NODE_ENV: 'production',
    ...storeEnv,
    ...extraServiceEnv,
    ...extra,
  };
}

/** --store's first: the store of every scenario but 1's other runs. */
let defaultStore: Store = 'embedded';

/** The service's default `_count` on its own searches (FHIR_SEARCH_COUNT). */
const SEARCH_COUNT = loadConfig({}).fhir.searchCount;

/** The 8 prefetch queries as the service sends them (searches with its `_count`), for a patient. */
function prefetchQueries(patientId: string): string[] {
  return Object.values(PREFETCH_TEMPLATES).map((template) => {
    const query = renderTemplate(template, { userId: 'Practitioner/prac-1', patientId });
    return query.includes('?') ? `${query}&_count=${SEARCH_COUNT}` : query;
  });
}

const NEXT_LINK = /"relation"\s*:\s*"next"\s*,\s*"url"\s*:\s*"([^"]+)"/;

/** 4a: the prefetch queries sent directly, all in parallel, each following its `next` links. */
function directQueries(baseUrl: string, patientId: string, counter: { gets: number }) {
  const queries = prefetchQueries(patientId).map((query) => `${baseUrl}/${query}`);
  const fetchAll = async (url: string): Promise<void> => {
    for (let next: string | undefined = url; next;) {
      const response = await fetch(next, {
        headers: { Accept: 'application/fhir+json, application/json' },
      });
      const text = await response.text();
      counter.gets += 1;
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      // The link is found without parsing the Bundle: parsing is the service's own work.
      next = NEXT_LINK.exec(text)?.[1];
    }
  };
  return async () => {
    await Promise.all(queries.map(fetchAll));
  };
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  const at = (index: number) => sorted[index] ?? Number.NaN;
  return sorted.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

/** Scenario 1's key on a store: the embedded default keeps the historical key. */
function patientViewKey(store: Store): string {
  return store === 'postgres' ? 'patient-view-postgres' : 'patient-view';
}

function summary(scenario: Scenario) {
  const pick = (field: keyof Run) =>
    scenario.runs.map((run) => run[field]).filter((v): v is number => typeof v === 'number');
  const spread = (field: keyof Run) => {
    const values = pick(field);
    return values.length > 1 ? [Math.min(...values), Math.max(...values)] : undefined;
  };
  const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
  return {
    key: scenario.key,
    label: scenario.label,
    size: scenario.size,
    connections: scenario.connections,
    store: scenario.store,
    rps: round(median(pick('rps')), 1),
    p50: round(median(pick('p50'))),
    p99: round(median(pick('p99'))),
    errors: pick('errors').reduce((a, b) => a + b, 0),
    non2xx: pick('non2xx').reduce((a, b) => a + b, 0),
    restRssMb: pick('restRssMb').length ? Math.max(...pick('restRssMb')) : undefined,
    peakRssMb: pick('peakRssMb').length ? Math.max(...pick('peakRssMb')) : undefined,
    cpuPercent: pick('cpuPercent').length ? round(median(pick('cpuPercent')), 0) : undefined,
    cpuMsPerRequest: pick('cpuMsPerRequest').length
      ? round(median(pick('cpuMsPerRequest')))
      : undefined,
    loadGeneratorCpuPercent: pick('loadGeneratorCpuPercent').length
      ? round(median(pick('loadGeneratorCpuPercent')), 0)
      : undefined,
    responseBytes: pick('responseBytes')[0],
    spread: { rps: spread('rps'), p50: spread('p50'), p99: spread('p99') },
    ...(scenario.extra?.() ?? {}),
    runs: scenario.runs,
  };
}

type Summary = ReturnType<typeof summary>;

function cell(value: number | undefined, range: number[] | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const fmt = (v: number) => v.toFixed(digits);
  const [low, high] = range ?? [];
  return low !== undefined && high !== undefined
    ? `${fmt(value)} (${fmt(low)}–${fmt(high)})`
    : fmt(value);
}

function table(rows: Summary[]): string {
  const header = [
    'scenario',
    'size',
    'conn',
    'req/s',
    'p50 ms',
    'p99 ms',
    'err',
    'non2xx',
    'rest RSS MB',
    'peak RSS MB',
    'CPU%',
    'CPU ms/req',
    'loadgen CPU%',
  ];
  const body = rows.map((row) => [
    row.label,
    String(row.size),
    String(row.connections),
    cell(row.rps, row.spread.rps, 0),
    cell(row.p50, row.spread.p50, 2),
    cell(row.p99, row.spread.p99, 2),
    String(row.errors),
    String(row.non2xx),
    row.restRssMb === undefined ? '–' : row.restRssMb.toFixed(0),
    row.peakRssMb === undefined ? '–' : row.peakRssMb.toFixed(0),
    row.cpuPercent === undefined ? '–' : String(row.cpuPercent),
    row.cpuMsPerRequest === undefined ? '–' : row.cpuMsPerRequest.toFixed(2),
    row.loadGeneratorCpuPercent === undefined ? '–' : String(row.loadGeneratorCpuPercent),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function newestProfile(dir: string): string | undefined {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** --fhir=auto: HAPI (skipped when it cannot be built or started) and the stub. */
function fhirChoices(choice: string): string[] {
  return choice === 'auto' ? ['hapi', 'stub'] : choice.split(',');
}

/** 4a and 4 against one FHIR server, at 1 connection and at the run's connections. */
function fhirScenarios(
  fhir: FhirServer,
  patient: BenchPatient,
  args: Args,
  logDir: string,
): Scenario[] {
  const size = args.mainSize;
  return [1, args.load.connections].flatMap((connections): Scenario[] => {
    const load = { ...args.load, connections };
    const counter = { gets: 0, units: 0 };
    const unit = directQueries(fhir.baseUrl, patient.patientId, counter);
    return [
      {
        key: `fhir-direct-${fhir.kind}@${size}/c${connections}`,
        label: `4a FHIR queries direct (8 ∥, ${fhir.kind})`,
        size,
        connections,
        runs: [],
        measure: () =>
          groupLoad(async () => {
            await unit();
            counter.units += 1;
          }, load),
        extra: () => ({
          fhirServer: fhir.kind,
          getsPerRequest: Math.round((counter.gets / Math.max(1, counter.units)) * 10) / 10,
        }),
      },
      {
        key: `patient-view-fhir-${fhir.kind}@${size}/c${connections}`,
        label: `4 patient-view (no prefetch, ${fhir.kind})`,
        size,
        connections,
        runs: [],
        measure: () =>
          measureChild({
            name: `service-pv-${fhir.kind}-c${connections}`,
            script: SERVICE_SCRIPT,
            // HAPI pages by 10 (docs/benchmark.md): allow the pages, and time for them under load
            // (the request deadline, the server's request timeout and the shutdown grace must exceed it).
            env: serviceEnv(logDir, 'warn', {
              FHIR_MAX_PAGES: '1000',
              FHIR_TIMEOUT_MS: '60000',
              REQUEST_DEADLINE_MS: '60000',
              HTTP_REQUEST_TIMEOUT_MS: '90000',
              SHUTDOWN_GRACE_MS: '90000',
            }),
            path: '/cds-services/fls-patient-view',
            body: requestBodies(patient).patientViewFhir(fhir.baseUrl),
            load,
            logDir,
            check: expectCards(PATIENT_VIEW_CODES),
          }),
        extra: () => ({ fhirServer: fhir.kind }),
      },
    ];
  });
}

/** Is the scenario with this label selected by --only? (3, the baseline, needs 1's answer.) */
function wanted(args: Args, label: string): boolean {
  const number = (label.split(' ')[0] ?? '').replace(/[a-z]$/, '');
  const only = args.only.includes('3') ? [...args.only, '1'] : args.only;
  return only.length === 0 || only.includes(number);
}

async function main(): Promise<void> {
  // `--worklist`: the worklist at scale, a benchmark of its own (bench/worklist.ts).
  if (process.argv.includes('--worklist')) {
    await worklistBench(process.argv.slice(2), postgresUrl);
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const logDir = mkdtempSync(join(os.tmpdir(), 'fls-bench-'));
  extraServiceEnv = args.serviceEnv;
  defaultStore = args.stores[0] ?? 'embedded';
  if (args.stores.includes('postgres') && !postgresUrl) {
    throw new Error(
      '--store=postgres needs DATABASE_URL (bash scripts/with-postgres.sh npm run bench -- …)',
    );
  }
  const now = new Date();
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    date: now.toISOString(),
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
  const log = (message: string) => process.stdout.write(`${message}\n`);
  log(
    `bench: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; ` +
      `${args.load.connections} connections, ${args.load.warmupS} s warm-up + ${args.load.durationS} s per run, ` +
      `${args.repeat} run(s) each; logs in ${logDir}`,
  );

  const patients = new Map<number, BenchPatient>(args.sizes.map((n) => [n, benchPatient(n, now)]));
  const patientOf = (size: number): BenchPatient => {
    const patient = patients.get(size);
    if (!patient) throw new Error(`no patient of size ${size}`);
    return patient;
  };
  const scenarios: Scenario[] = [];
  const responses = new Map<number, string>();

  for (const size of args.sizes) {
    const patient = patientOf(size);
    const bodies = requestBodies(patient);
    // A function: each scenario needs its own runs array.
    const base = () => ({ size, connections: args.load.connections, runs: [] as Run[] });
    for (const store of args.stores) {
      scenarios.push({
        ...base(),
        key: `${patientViewKey(store)}@${size}`,
        label:
          store === 'postgres'
            ? '1p patient-view (prefetch, PostgreSQL)'
            : '1 patient-view (prefetch)',
        store,
        measure: () =>
          measureChild({
            name: `service-pv-${store}-${size}`,
            script: SERVICE_SCRIPT,
            env: serviceEnv(logDir, 'warn', {}, store),
            path: '/cds-services/fls-patient-view',
            body: bodies.patientView,
            load: args.load,
            logDir,
            check: expectCards(PATIENT_VIEW_CODES),
            keepResponse: (text) => responses.set(size, text),
          }),
      });
    }
    scenarios.push({
      ...base(),
      key: `order-select@${size}`,
      label: '2 order-select (prefetch)',
      measure: () =>
        measureChild({
          name: `service-os-${size}`,
          script: SERVICE_SCRIPT,
          env: serviceEnv(logDir, 'warn'),
          path: '/cds-services/fls-order-select',
          body: bodies.orderSelect,
          load: args.load,
          logDir,
          check: expectCards(ORDER_SELECT_CODES),
        }),
    });
    scenarios.push({
      ...base(),
      key: `baseline@${size}`,
      label: '3 baseline (bare Express)',
      measure: () => {
        const responseFile = join(logDir, `response-${size}.json`);
        writeFileSync(responseFile, responses.get(size) ?? '{}');
        const expected = Buffer.byteLength(responses.get(size) ?? '{}');
        return measureChild({
          name: `baseline-${size}`,
          script: BASELINE_SCRIPT,
          env: { RESPONSE_FILE: responseFile },
          path: '/cds-services/fls-patient-view',
          body: bodies.patientView,
          load: args.load,
          logDir,
          check: (status, text) =>
            status !== 200 || Buffer.byteLength(text) !== expected
              ? `HTTP ${status}, ${Buffer.byteLength(text)} bytes (expected 200, ${expected} bytes)`
              : undefined,
        });
      },
    });
  }
  // The diagnostics: patient-view with part of the work skipped by a script loaded into the service.
  for (const { key, label, script } of [
    { key: 'reuse', label: '5 patient-view, hook call reused (diagnostic)', script: REUSE_SCRIPT },
    {
      key: 'reuse-snapshot',
      label: '6 patient-view, snapshot reused (diagnostic)',
      script: REUSE_SNAPSHOT_SCRIPT,
    },
  ]) {
    const size = args.mainSize;
    scenarios.push({
      size,
      connections: args.load.connections,
      runs: [],
      key: `${key}@${size}`,
      label,
      measure: () =>
        measureChild({
          name: `service-${key}-${size}`,
          script: SERVICE_SCRIPT,
          env: serviceEnv(logDir, 'warn'),
          nodeArgs: ['--require', script],
          path: '/cds-services/fls-patient-view',
          body: requestBodies(patientOf(size)).patientView,
          load: args.load,
          logDir,
          check: expectCards(PATIENT_VIEW_CODES),
        }),
    });
  }
  if (args.info) {
    const size = args.mainSize;
    scenarios.push({
      size,
      connections: args.load.connections,
      runs: [],
      key: `patient-view-info@${size}`,
      label: '1 patient-view, LOG_LEVEL=info',
      measure: () =>
        measureChild({
          name: `service-pv-info-${size}`,
          script: SERVICE_SCRIPT,
          env: serviceEnv(logDir, 'info'),
          path: '/cds-services/fls-patient-view',
          body: requestBodies(patientOf(size)).patientView,
          load: args.load,
          logDir,
          check: expectCards(PATIENT_VIEW_CODES),
        }),
    });
  }

  // Scenario 4 needs a FHIR server loaded with the main-size patient: HAPI (realistic,
  // slow, noisy) and / or the stub (fast: the service's own overhead stands out).
  const fhirServers: FhirServer[] = [];
  if (wanted(args, '4 ')) {
    const patient = patientOf(args.mainSize);
    for (const choice of fhirChoices(args.fhir)) {
      try {
        const fhir = await openFhirServer(choice, ROOT, logDir);
        fhirServers.push(fhir);
        await fhir.load(patient.resources);
        if (fhir.kind !== 'stub') {
          // A JVM server needs warming up far beyond the per-run warm-up.
          const warm = directQueries(fhir.baseUrl, patient.patientId, { gets: 0 });
          await groupLoad(warm, { connections: 4, durationS: args.fhirWarmupS, warmupS: 0 });
        }
        log(`scenario 4 FHIR server: ${fhir.kind} (${fhir.note})`);
        scenarios.push(...fhirScenarios(fhir, patient, args, logDir));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        log(`scenario 4 with ${choice} skipped: ${reason}`);
      }
    }
  }

  const selected = scenarios.filter((scenario) => wanted(args, scenario.label));
  try {
    for (let round = 1; round <= args.repeat; round += 1) {
      for (const scenario of selected) {
        const run = await scenario.measure();
        scenario.runs.push(run);
        log(
          `[${round}/${args.repeat}] ${scenario.label} size=${scenario.size} c=${scenario.connections}: ` +
            `${run.rps} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, errors ${run.errors}, non-2xx ${run.non2xx}` +
            (run.peakRssMb === undefined ? '' : `, peak RSS ${run.peakRssMb} MB`) +
            (run.cpuPercent === undefined ? '' : `, server CPU ${run.cpuPercent}%`),
        );
      }
    }

    const profiles: Record<string, ProfileSummary> = {};
    if (args.profile) {
      for (const scenario of selected.filter(
        (s) =>
          s.key === `patient-view@${args.mainSize}` ||
          s.key === `baseline@${args.mainSize}` ||
          s.key.startsWith('patient-view-fhir'),
      )) {
        const dir = mkdtempSync(join(logDir, 'profile-'));
        // Re-run with the profiler on; these runs are not part of the figures.
        childNodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
        await scenario.measure();
        childNodeArgs = [];
        const file = newestProfile(dir);
        if (file) {
          const profile = summariseProfile(file, 15);
          profiles[scenario.key] = profile;
          log(`\n${scenario.key} (${file}):\n${formatSummary(profile)}`);
        }
      }
    }

    const rows = selected.map(summary);
    const find = (key: string) => rows.find((row) => row.key === key);
    const ratio = (a?: number, b?: number) =>
      a !== undefined && b !== undefined && b > 0 ? Math.round((a / b) * 100) / 100 : undefined;
    const figures = (row: Summary | undefined) =>
      row
        ? { rps: row.rps, p50: row.p50, p99: row.p99, cpuMsPerRequest: row.cpuMsPerRequest }
        : undefined;
    const sweep = args.sizes.map((size) => {
      const pv = find(`patient-view@${size}`);
      const os_ = find(`order-select@${size}`);
      const bl = find(`baseline@${size}`);
      return {
        size,
        requestBytes: Buffer.byteLength(JSON.stringify(requestBodies(patientOf(size)).patientView)),
        patientView: figures(pv),
        orderSelect: figures(os_),
        baseline: figures(bl),
        ratioPatientView: ratio(pv?.rps, bl?.rps),
        ratioOrderSelect: ratio(os_?.rps, bl?.rps),
        /** Baseline CPU per request / service CPU per request: the ratio without the load generator's share. */
        cpuRatioPatientView: ratio(bl?.cpuMsPerRequest, pv?.cpuMsPerRequest),
      };
    });
    const main = sweep.find((s) => s.size === args.mainSize);
    const baselineMain = find(`baseline@${args.mainSize}`);
    /** Scenario 1 at the main size on each store, against the baseline. */
    const byStore = args.stores.map((store) => {
      const row = find(`${patientViewKey(store)}@${args.mainSize}`);
      return {
        store,
        rps: row?.rps,
        p50: row?.p50,
        p99: row?.p99,
        ratio: ratio(row?.rps, baselineMain?.rps),
        tail: row ? Math.round((row.p99 / row.p50) * 100) / 100 : undefined,
        restRssMb: row?.restRssMb,
        peakRssMb: row?.peakRssMb,
      };
    });
    const embedded = byStore.find((entry) => entry.store === 'embedded');
    const overhead = fhirServers.flatMap((fhir) =>
      [1, args.load.connections].map((connections) => {
        const service = find(`patient-view-fhir-${fhir.kind}@${args.mainSize}/c${connections}`);
        const direct = find(`fhir-direct-${fhir.kind}@${args.mainSize}/c${connections}`);
        return {
          fhirServer: fhir.kind,
          connections,
          serviceP50: service?.p50,
          fhirQueriesP50: direct?.p50,
          overheadP50Ms:
            service && direct ? Math.round((service.p50 - direct.p50) * 100) / 100 : undefined,
        };
      }),
    );
    const atOne = overhead.filter((o) => o.connections === 1 && o.overheadP50Ms !== undefined);
    const judged = atOne.some((o) => o.fhirServer === 'stub')
      ? atOne.filter((o) => o.fhirServer === 'stub')
      : atOne;
    const perStore = (value: (entry: (typeof byStore)[number]) => number | undefined) =>
      Object.fromEntries(byStore.map((entry) => [entry.store, value(entry)]));
    const targets = {
      throughputRatio: {
        target: '(1)/(3) req/s >= 0.6 at the main size, on every store run',
        value: perStore((entry) => entry.ratio),
        met: byStore.length > 0 && byStore.every((entry) => (entry.ratio ?? 0) >= 0.6),
      },
      tailLatency: {
        target: 'p99(1) <= 3 x p50(1) at the main size, on every store run',
        value: perStore((entry) => entry.tail),
        met: byStore.length > 0 && byStore.every((entry) => (entry.tail ?? Infinity) <= 3),
      },
      embeddedMemory: {
        target: 'embedded store: RSS at rest <= 150 MB, peak under load <= 250 MB (scenario 1)',
        value: embedded ? { restMb: embedded.restRssMb, peakMb: embedded.peakRssMb } : undefined,
        met:
          embedded !== undefined &&
          (embedded.restRssMb ?? Infinity) <= 150 &&
          (embedded.peakRssMb ?? Infinity) <= 250,
      },
      fhirOverhead: {
        target:
          'p50(4) - p50(4a) <= 10 ms at 1 connection (judged with the stub when it ran: against ' +
          'HAPI the difference is far below the run-to-run spread of its FHIR latency)',
        value: Object.fromEntries(atOne.map((o) => [o.fhirServer, o.overheadP50Ms])),
        met: judged.length > 0 && judged.every((o) => (o.overheadP50Ms ?? Infinity) <= 10),
      },
      noErrors: {
        target: 'errors and non-2xx = 0 everywhere',
        value: rows.reduce((sum, row) => sum + row.errors + row.non2xx, 0),
        met: rows.every((row) => row.errors === 0 && row.non2xx === 0),
      },
    };

    log(`\n${table(rows)}\n`);
    for (const entry of byStore) {
      log(
        `patient-view at ${args.mainSize} resources on ${entry.store}: ${entry.rps ?? '–'} req/s ` +
          `= ${entry.ratio ?? '–'} of the baseline, p99/p50 ${entry.tail ?? '–'}, ` +
          `RSS at rest ${entry.restRssMb ?? '–'} MB, peak ${entry.peakRssMb ?? '–'} MB`,
      );
    }
    if (main) {
      log(
        `ratios at ${args.mainSize} resources: (1)/(3) = ${main.ratioPatientView ?? '–'}, ` +
          `(2)/(3) = ${main.ratioOrderSelect ?? '–'} ` +
          `(by server CPU per request: ${main.cpuRatioPatientView ?? '–'})`,
      );
    }
    const reuse = find(`reuse@${args.mainSize}`);
    if (reuse && main) {
      log(
        `without the clinical work (5): ${reuse.rps ?? '–'} req/s = ${ratio(reuse.rps, baselineMain?.rps) ?? '–'} ` +
          `of the baseline, server CPU ${reuse.cpuMsPerRequest ?? '–'} ms/request ` +
          `(patient-view ${main.patientView?.cpuMsPerRequest ?? '–'}, baseline ${baselineMain?.cpuMsPerRequest ?? '–'})`,
      );
    }
    const reuseSnapshot = find(`reuse-snapshot@${args.mainSize}`);
    if (reuseSnapshot && main) {
      log(
        `without building the snapshot (6): ${reuseSnapshot.rps ?? '–'} req/s = ` +
          `${ratio(reuseSnapshot.rps, baselineMain?.rps) ?? '–'} of the baseline, server CPU ` +
          `${reuseSnapshot.cpuMsPerRequest ?? '–'} ms/request (by server CPU per request: ` +
          `${ratio(baselineMain?.cpuMsPerRequest, reuseSnapshot.cpuMsPerRequest) ?? '–'})`,
      );
    }
    for (const o of overhead) {
      log(
        `overhead (4) − (4a), ${o.fhirServer}, ${o.connections} connection(s): ${o.overheadP50Ms} ms ` +
          `(service p50 ${o.serviceP50} ms, FHIR queries p50 ${o.fhirQueriesP50} ms)`,
      );
    }
    if (sweep.some((s) => s.patientView)) {
      log('size sweep, patient-view / order-select / baseline:');
      for (const s of sweep) {
        const three = (pick: (f: ReturnType<typeof figures>) => number | undefined) =>
          [s.patientView, s.orderSelect, s.baseline].map((f) => pick(f) ?? '–').join(' / ');
        log(
          `  ${String(s.size).padStart(5)} resources (${Math.round(s.requestBytes / 1024)} KB): ` +
            `${three((f) => f?.rps)} req/s; p99 ${three((f) => f?.p99)} ms; ` +
            `server CPU ${three((f) => f?.cpuMsPerRequest)} ms/request`,
        );
      }
    }
    for (const [name, t] of Object.entries(targets)) {
      const value = typeof t.value === 'object' ? JSON.stringify(t.value) : t.value;
      const empty = value === undefined || value === '{}';
      // A target whose scenarios were not selected (--only) is neither met nor missed.
      const verdict = empty ? 'not measured' : t.met ? 'met' : 'MISSED';
      log(`target ${name}: ${t.target}: ${empty ? '–' : value} → ${verdict}`);
    }

    const report = {
      machine,
      settings: {
        ...args.load,
        repeat: args.repeat,
        sizes: args.sizes,
        mainSize: args.mainSize,
        loadGenerator: 'autocannon in the parent process; servers are child processes on 127.0.0.1',
        serviceLogLevel: 'warn (one run at info)',
        serviceEnv: {
          CDS_AUTH: 'off',
          NODE_ENV: 'production',
          STORE_FILE: 'a fresh file per run (embedded); DATABASE_URL: one PostgreSQL for all runs',
          ...args.serviceEnv,
        },
        stores: args.stores,
      },
      fhirServers: fhirServers.map((fhir) => ({ kind: fhir.kind, note: fhir.note })),
      scenarios: rows,
      stores: byStore,
      ratios: main
        ? {
            patientView: main.ratioPatientView,
            orderSelect: main.ratioOrderSelect,
            patientViewByCpu: main.cpuRatioPatientView,
          }
        : undefined,
      overhead,
      sweep,
      targets,
      ...(args.profile ? { profiles } : {}),
    };
    writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
    log(`\nwritten ${args.out}`);
  } finally {
    for (const fhir of fhirServers) await fhir.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
