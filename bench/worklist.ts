/**
 * `npm run bench -- --worklist`: `npm run worklist` at scale (docs/worklist.md
 * "Scale", docs/benchmark.md). Starts a private HAPI FHIR (or uses --fhir=URL),
 * loads generated fracture patients (bench/fracture-population.ts) up to each
 * size in turn, and at each size runs the worklist CLI in a child process once
 * per path — the searches (ten per patient) and Bulk Data `$export` (--bulk) —
 * reporting wall time, FHIR requests per patient, peak heap / RSS of the
 * worklist process, and that both paths give the same rows.
 *
 * Flags: --worklist --sizes=1000,10000 --paths=search,bulk --fhir=hapi|fake|http://127.0.0.1:PORT/fhir
 *        (fake: bench/worklist-fake-fhir.ts — the worklist's own memory and requests at
 *        sizes HAPI would need hours for; its times say nothing about a real server)
 *        --loaded=N (patients 0…N-1 of the seed are already on --fhir=URL) --seed=1
 *        --concurrency=4 (patients read at once, search path) --batch=20 --parallel=2 (loader)
 *        --heap-limit=MB (the worklist child's --max-old-space-size) --out=FILE
 *        --hapi-db=h2|postgres (the private HAPI's database: in-memory H2, or the PostgreSQL of
 *          DATABASE_URL — `bash scripts/with-postgres.sh npm run bench -- --worklist --hapi-db=postgres`)
 * HAPI's JVM: HAPI_JAVA_OPTS, else a 12 GB heap (H2 in memory: ~8.6 GB resident at 10,000 patients)
 * with the full JIT and the parallel collector — C1 only and the serial collector (the test
 * suites' start-fast settings) load the population ~7 times slower.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import type { WorklistReport } from '../src/worklist/population';
import { defaultPeriod, loadPopulation } from './fracture-population';
import { openFhirServer } from './fhir-server';

const ROOT = resolve(__dirname, '../..');
const CHILD = join(ROOT, 'dist/bench/worklist-child.js');

interface Args {
  sizes: number[];
  paths: ('search' | 'bulk')[];
  fhir: string;
  loaded: number;
  seed: number;
  concurrency: number;
  batch: number;
  parallel: number;
  heapLimitMb?: number;
  out: string;
  hapiDb: 'h2' | 'postgres';
}

function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) throw new Error(`unknown argument ${arg}`);
    flags.set(match[1], match[2] ?? 'true');
  }
  const known = ['worklist', 'sizes', 'paths', 'fhir', 'loaded', 'seed', 'concurrency', 'batch'];
  for (const name of flags.keys()) {
    if (![...known, 'parallel', 'heap-limit', 'out', 'hapi-db'].includes(name)) {
      throw new Error(`--${name} is not a --worklist flag`);
    }
  }
  const whole = (name: string, fallback: number): number => {
    const value = Number(flags.get(name) ?? fallback);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
    return value;
  };
  const sizes = (flags.get('sizes') ?? '1000,10000')
    .split(',')
    .map(Number)
    .sort((a, b) => a - b);
  if (sizes.some((size) => !Number.isInteger(size) || size < 1)) {
    throw new Error('--sizes: whole numbers, e.g. 1000,10000');
  }
  const paths = (flags.get('paths') ?? 'search,bulk').split(',');
  if (paths.some((path) => path !== 'search' && path !== 'bulk')) {
    throw new Error('--paths: search and / or bulk');
  }
  const hapiDb = flags.get('hapi-db') ?? 'h2';
  if (hapiDb !== 'h2' && hapiDb !== 'postgres') throw new Error('--hapi-db: h2 or postgres');
  const fhir = flags.get('fhir') ?? 'hapi';
  if (hapiDb === 'postgres' && fhir !== 'hapi') {
    throw new Error('--hapi-db=postgres is for the private HAPI (--fhir=hapi)');
  }
  if (fhir !== 'hapi' && fhir !== 'fake' && !fhir.startsWith('http://')) {
    throw new Error('--fhir: hapi, fake or the http:// base URL of a loopback FHIR server');
  }
  return {
    sizes,
    paths: paths as Args['paths'],
    fhir,
    loaded: whole('loaded', 0),
    seed: whole('seed', 1),
    concurrency: whole('concurrency', 4),
    batch: Math.max(1, whole('batch', 20)),
    parallel: Math.max(1, whole('parallel', 2)),
    ...(flags.has('heap-limit') ? { heapLimitMb: whole('heap-limit', 0) } : {}),
    out: resolve(flags.get('out') ?? join(ROOT, 'bench/worklist-results.json')),
    hapiDb,
  };
}

/** HAPI_JDBC_* for the HAPI launcher (test/hapi) from a postgres:// URL. */
function hapiJdbcEnv(databaseUrl: string | undefined): Record<string, string> {
  if (!databaseUrl) {
    throw new Error(
      '--hapi-db=postgres needs DATABASE_URL (bash scripts/with-postgres.sh npm run bench -- …)',
    );
  }
  const url = new URL(databaseUrl);
  return {
    HAPI_JDBC_URL: `jdbc:postgresql://${url.host}${url.pathname}`,
    HAPI_JDBC_USER: decodeURIComponent(url.username),
    HAPI_JDBC_PASSWORD: decodeURIComponent(url.password),
  };
}

interface ChildResult {
  exitCode: number;
  wallMs: number;
  baseHeapMb: number;
  peakHeapMb: number;
  peakRssMb: number;
  stderr: string;
}

function runChild(args: string[], nodeArgs: string[], resultFile: string): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', ...nodeArgs, CHILD, ...args], {
      env: { ...process.env, WORKLIST_BENCH_RESULT: resultFile },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        resolvePromise(JSON.parse(readFileSync(resultFile, 'utf8')) as ChildResult);
      } catch {
        reject(new Error(`the worklist child exited with ${code} and no result`));
      }
    });
  });
}

/** bench/worklist-fake-fhir.ts with `patients` generated patients, in a child process. */
function startFake(
  patients: number,
  seed: number,
  now: Date,
): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/bench/worklist-fake-fhir.js')], {
      env: {
        ...process.env,
        PATIENTS: String(patients),
        SEED: String(seed),
        NOW: now.toISOString(),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.once('exit', (code) => reject(new Error(`the fake FHIR server exited (${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /ready (\S+)/.exec(output);
      if (match?.[1]) {
        child.removeAllListeners('exit');
        resolvePromise({
          baseUrl: match[1],
          close: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}

const log = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** `databaseUrl`: the DATABASE_URL the bench was started with (it keeps it from its children). */
export async function worklistBench(argv: string[], databaseUrl?: string): Promise<void> {
  const args = parseArgs(argv);
  const logDir = mkdtempSync(join(os.tmpdir(), 'fls-bench-worklist-'));
  // The population is dated relative to today (noon UTC), and so is the worklist's clock.
  const now = new Date(`${new Date().toISOString().slice(0, 10)}T12:00:00Z`);
  const period = defaultPeriod(now);
  const population = { seed: args.seed, now, period };
  process.env.HAPI_JAVA_OPTS ??= '-Xms4g -Xmx12g -XX:+UseParallelGC';
  if (args.hapiDb === 'postgres') Object.assign(process.env, hapiJdbcEnv(databaseUrl));
  // The worklist CLI and its child are built by `npm run bench` (npm run build + tsc -p bench).
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString(),
    loadAverageAtStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
  log(`worklist bench: ${JSON.stringify({ ...machine, hapiDatabase: args.hapiDb })}`);
  const fake = args.fhir === 'fake';
  const server = fake
    ? { baseUrl: '', note: 'fake', close: async () => undefined }
    : await openFhirServer(args.fhir, ROOT, logDir);
  const results: unknown[] = [];
  try {
    log(
      `FHIR server: ${fake ? 'bench/worklist-fake-fhir.ts, one per size' : `${server.baseUrl} (${server.note})`}`,
    );
    let loaded = args.fhir === 'hapi' ? 0 : args.loaded;
    for (const size of args.sizes) {
      const fakeServer = fake ? await startFake(size, args.seed, now) : undefined;
      if (fakeServer) {
        server.baseUrl = fakeServer.baseUrl;
        loaded = size;
      }
      if (size > loaded) {
        const started = performance.now();
        let lastLog = 0;
        const progress = await loadPopulation(server.baseUrl, size - loaded, {
          ...population,
          start: loaded,
          batchSize: args.batch,
          parallel: args.parallel,
          onProgress: (p) => {
            if (p.loaded - lastLog >= 500) {
              lastLog = p.loaded;
              log(
                `  loaded ${loaded + p.loaded} (${Math.round((performance.now() - started) / 1000)} s)`,
              );
            }
          },
        });
        const seconds = (performance.now() - started) / 1000;
        log(
          `loaded patients ${loaded}…${size - 1}: ${progress.resources} resources in ${Math.round(seconds)} s ` +
            `(${Math.round(progress.resources / seconds)} resources/s, load average ${os.loadavg()[0]?.toFixed(1)})`,
        );
        results.push({
          kind: 'load',
          from: loaded,
          to: size,
          resources: progress.resources,
          seconds: Math.round(seconds),
        });
        loaded = size;
      }
      const rowsByPath = new Map<string, string>();
      for (const path of args.paths) {
        const outFile = join(logDir, `worklist-${size}-${path}.json`);
        const cliArgs = [
          '--fhir',
          server.baseUrl,
          '--from',
          period.from,
          '--to',
          period.to,
          '--format',
          'json',
          '--out',
          outFile,
          '--concurrency',
          String(args.concurrency),
          // HAPI on H2 answers a page of a 10,000-patient fracture search slowly on a busy box.
          '--timeout',
          '600',
          ...(path === 'bulk' ? ['--bulk'] : []),
        ];
        const loadBefore = os.loadavg()[0] ?? 0;
        const child = await runChild(
          cliArgs,
          args.heapLimitMb ? [`--max-old-space-size=${args.heapLimitMb}`] : [],
          join(logDir, `result-${size}-${path}.json`),
        );
        if (child.exitCode !== 0) throw new Error(`worklist (${path}) failed: ${child.stderr}`);
        const report = JSON.parse(readFileSync(outFile, 'utf8')) as WorklistReport;
        const patients = report.patients.length + report.excluded.length;
        const steps: Record<string, number> = {};
        for (const row of report.patients) steps[row.step] = (steps[row.step] ?? 0) + 1;
        rowsByPath.set(path, JSON.stringify({ ...report, fhirRequests: 0, evaluatedAt: '' }));
        const result = {
          kind: 'worklist',
          path,
          loaded: size,
          server: fake ? 'fake' : 'hapi',
          population: patients,
          rows: report.patients.length,
          wallS: Math.round(child.wallMs / 100) / 10,
          fhirRequests: report.fhirRequests,
          requestsPerPatient: Math.round((report.fhirRequests / Math.max(1, patients)) * 100) / 100,
          peakHeapMb: child.peakHeapMb,
          baseHeapMb: child.baseHeapMb,
          peakRssMb: child.peakRssMb,
          reportJsonMb: Math.round((statSync(outFile).size / 2 ** 20) * 10) / 10,
          loadAverage: [loadBefore, os.loadavg()[0] ?? 0].map((v) => Math.round(v * 10) / 10),
          steps,
        };
        results.push(result);
        log(JSON.stringify(result));
      }
      if (rowsByPath.size === 2) {
        const same = rowsByPath.get('search') === rowsByPath.get('bulk');
        results.push({ kind: 'same-rows', loaded: size, same });
        log(`size ${size}: search and bulk reports ${same ? 'identical' : 'DIFFER'}`);
      }
      await fakeServer?.close();
    }
  } finally {
    await server.close();
  }
  writeFileSync(args.out, `${JSON.stringify({ machine, argv, results }, null, 2)}\n`);
  log(`written ${args.out}`);
}
