/**
 * `npm run test:load`: patient-view without prefetch at a fixed request rate (open
 * model) while the FHIR server behind it is slowed, fails, is stopped and is
 * restarted; then a SIGTERM with requests in flight. Checks the service's answers,
 * latency, memory and shutdown against load/analyse.ts's criteria, prints a table,
 * writes JSON (load/results.json) and exits 1 when a criterion fails.
 *
 * Everything is on 127.0.0.1 and in child processes: the service (`node
 * dist/src/main.js`, production settings but CDS_AUTH=off and an in-memory store,
 * with load/heap-probe.ts preloaded to report its heap) and the fault-injecting
 * FHIR server (load/fault-fhir.ts). The load generator runs in this process.
 *
 * Flags: --short (phases halved, ≈ 1 min) --rate=N (requests/s, default 25)
 *        --cycles=N (fault cycles, 2–8, default 2)
 *        --out=FILE (default load/results.json; --out= writes none)
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { benchPatient } from '../bench/patient';
import { cpuSeconds, freePort } from '../bench/servers';
import { hookRequest } from '../test/helpers/fhir';
import { SERVICE_NODE_FLAGS } from '../src/node-flags';
import {
  causeOf,
  CRITERIA,
  evaluate,
  summarisePhase,
  type Check,
  type MemoryPoint,
  type MemorySample,
  type Outcome,
  type PhaseSpec,
  type PhaseSummary,
  type RequestRecord,
  type RunFacts,
} from './analyse';
import type { FhirControl, FhirMode, FhirReport } from './fault-fhir';
import type { ProbeControl, ProbeReport } from './heap-probe';
import { statusKb } from '../bench/servers';

const ROOT = resolve(__dirname, '../..');
const SERVICE_SCRIPT = join(ROOT, 'dist/src/main.js');
const FHIR_SCRIPT = join(__dirname, 'fault-fhir.js');
const PROBE_SCRIPT = join(__dirname, 'heap-probe.js');
const LOG_DIR = join(ROOT, 'dist/load/logs');

/** The service's limits for the run: the deadline (1.5 s) binds before FHIR_TIMEOUT_MS (3 s). */
const SERVICE_LIMITS = {
  FHIR_TIMEOUT_MS: 3000,
  REQUEST_DEADLINE_MS: 1500,
  SHUTDOWN_GRACE_MS: 5000,
  HTTP_KEEP_ALIVE_TIMEOUT_MS: 5000,
} as const;
/**
 * The client drops a connection idle this long, before the service closes it
 * (HTTP_KEEP_ALIVE_TIMEOUT_MS), as a well-behaved HTTP client does. Otherwise a request
 * sent on a socket the service is closing meets ECONNRESET — the keep-alive race, seen
 * once in a CI run on a loaded machine — which says nothing about the service.
 */
const CLIENT_IDLE_MS = SERVICE_LIMITS.HTTP_KEEP_ALIVE_TIMEOUT_MS - 1000;
/** The FHIR server pages by 20: the patient's 72 blood tests take 4 sequential pages. */
const PAGE_SIZE = 20;
const PATIENT_SIZE = 100;
const EXPECTED_CODES = ['renal-impairment', 'vitamin-d-low'];
/** Per FHIR answer: 4 lab pages × 150 ms ≈ 0.6 s, well inside the deadline. */
const SLOW_DELAY_MS = 150;
/** Per FHIR answer, beyond the deadline but inside FHIR_TIMEOUT_MS: only the deadline can end it. */
const PAST_DEADLINE_DELAY_MS = 2500;
/** A request sent this close to a phase change may meet the next phase's FHIR behaviour. */
const TAIL_MS = SERVICE_LIMITS.REQUEST_DEADLINE_MS + 1000;
/** The client gives up after this: far beyond any answer the service may give. */
const CLIENT_TIMEOUT_MS = 15_000;
/** Requests in flight when SIGTERM comes; their FHIR answers 250 ms late (1 s per call). */
const SHUTDOWN_BURST = 10;
const SHUTDOWN_DELAY_MS = 250;
const TOKEN = `load-token-${randomUUID()}`;

type Step = { kind: 'mode'; mode: FhirMode } | { kind: 'stop' } | { kind: 'restart' };

interface Phase extends PhaseSpec {
  seconds: number;
  step: Step;
  /** The fault cycle it belongs to (1, 2); none for warm-up and baseline. */
  cycle?: number;
}

/** Memory is read this long before a phase ends: a full GC, then the lowest RSS seen. */
const MEMORY_READ_MS = 3000;

/** `cycles` fault cycles: each repeats the first, so that memory growth shows as a trend. */
function phases(short: boolean, cycles: number): Phase[] {
  const s = (full: number) => (short ? Math.ceil(full / 2) : full);
  const deadline = SERVICE_LIMITS.REQUEST_DEADLINE_MS;
  const cycle = (n: number): Phase[] => [
    {
      name: `slow-${n}`,
      fhir: `+${SLOW_DELAY_MS} ms per answer (< deadline)`,
      seconds: s(10),
      expect: [200],
      step: mode({ mode: 'slow', delayMs: SLOW_DELAY_MS }),
    },
    {
      name: `past-deadline-${n}`,
      fhir: `+${PAST_DEADLINE_DELAY_MS} ms per answer (> ${deadline} ms deadline)`,
      seconds: s(8),
      expect: [412],
      causes: ['deadline'],
      step: mode({ mode: 'slow', delayMs: PAST_DEADLINE_DELAY_MS }),
    },
    {
      name: `errors-${n}`,
      fhir: 'HTTP 500 / 503 OperationOutcome',
      seconds: s(10),
      expect: [412],
      causes: ['http-status'],
      step: mode({ mode: 'error' }),
    },
    {
      name: `stopped-${n}`,
      fhir: 'process stopped (connection refused)',
      seconds: s(8),
      expect: [412],
      causes: ['unreachable'],
      step: { kind: 'stop' },
    },
    {
      name: `recovery-${n}`,
      fhir: 'restarted (new process), normal',
      seconds: s(15),
      expect: [200],
      step: { kind: 'restart' },
    },
  ];
  return [
    {
      name: 'warm-up',
      fhir: 'normal',
      seconds: s(10),
      expect: [200],
      step: mode({ mode: 'normal' }),
    },
    {
      name: 'baseline',
      fhir: 'normal',
      seconds: s(15),
      expect: [200],
      step: mode({ mode: 'normal' }),
    },
    ...Array.from({ length: cycles }, (_, i) =>
      cycle(i + 1).map((phase) => ({ ...phase, cycle: i + 1 })),
    ).flat(),
  ];
}

function mode(value: FhirMode): Step {
  return { kind: 'mode', mode: value };
}

interface Args {
  short: boolean;
  rate: number;
  cycles: number;
  out: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { short: false, rate: 25, cycles: 2, out: join(ROOT, 'load/results.json') };
  for (const arg of argv) {
    const [key, value = ''] = arg.replace(/^--/, '').split('=');
    if (key === 'short') args.short = true;
    else if (key === 'rate' && Number(value) > 0 && Number(value) <= 200) args.rate = Number(value);
    else if (key === 'cycles' && [2, 3, 4, 5, 6, 7, 8].includes(Number(value)))
      args.cycles = Number(value);
    else if (key === 'out') args.out = value ? resolve(value) : undefined;
    else
      throw new Error(
        `unknown flag ${arg} (--short, --rate=N up to 200, --cycles=2…8, --out=FILE)`,
      );
  }
  return args;
}

// ---- child processes ----

const children = new Set<ChildProcess>();

/** No child outlives the run: on exit, on a signal, on a crash. */
function killChildren(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killChildren();
    process.exit(130);
  });
}

class FhirServer {
  private constructor(
    readonly child: ChildProcess,
    private readonly replies: ((message: FhirReport) => void)[],
  ) {}

  static async start(port: number, resourcesFile: string, logFile: string): Promise<FhirServer> {
    const fd = openSync(logFile, 'a');
    const child = fork(FHIR_SCRIPT, [], {
      env: {
        ...process.env,
        PORT: String(port),
        RESOURCES_FILE: resourcesFile,
        PAGE_SIZE: String(PAGE_SIZE),
      },
      stdio: ['ignore', fd, fd, 'ipc'],
    });
    closeSync(fd);
    children.add(child);
    child.once('exit', () => children.delete(child));
    const replies: ((message: FhirReport) => void)[] = [];
    child.on('message', (message: FhirReport) => replies.shift()?.(message));
    const server = new FhirServer(child, replies);
    const ready = await server.next(10_000);
    if (ready.type !== 'ready') throw new Error('the FHIR server did not start');
    return server;
  }

  private next(timeoutMs: number): Promise<FhirReport> {
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the FHIR server did not answer its control channel')),
        timeoutMs,
      );
      this.replies.push((message) => {
        clearTimeout(timer);
        resolvePromise(message);
      });
    });
  }

  async send(control: FhirControl): Promise<FhirReport> {
    const reply = this.next(10_000);
    this.child.send(control);
    return reply;
  }

  async patientReads(): Promise<number> {
    const reply = await this.send({ type: 'count' });
    return reply.type === 'count' ? reply.patientReads : Number.NaN;
  }

  /** SIGTERM: it closes its listener and every connection, then exits. */
  stop(): Promise<void> {
    return new Promise((resolvePromise) => {
      if (this.child.exitCode !== null) return resolvePromise();
      this.child.once('exit', () => resolvePromise());
      this.child.kill('SIGTERM');
    });
  }
}

interface Service {
  child: ChildProcess;
  port: number;
  logFile: string;
  probes: ProbeReport[];
  crashed: () => boolean;
  exited: Promise<number | null>;
  /** SIGTERM: from now on its exit is a stop, not a crash. */
  terminate: () => void;
  /** A full GC in the service, then its memory. */
  gc: () => Promise<ProbeReport>;
}

async function startService(): Promise<Service> {
  const port = await freePort();
  const logFile = join(LOG_DIR, 'service.log');
  const fd = openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [...SERVICE_NODE_FLAGS, '--expose-gc', '--require', PROBE_SCRIPT, SERVICE_SCRIPT],
    {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        CDS_AUTH: 'off',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        STORE_FILE: 'memory://',
        ...Object.fromEntries(
          Object.entries(SERVICE_LIMITS).map(([key, value]) => [key, String(value)]),
        ),
      },
      stdio: ['ignore', fd, fd, 'ipc'],
    },
  );
  closeSync(fd);
  children.add(child);
  let stopping = false;
  let crashed = false;
  const exited = new Promise<number | null>((resolvePromise) =>
    child.once('exit', (code) => {
      children.delete(child);
      if (!stopping) crashed = true;
      resolvePromise(code);
    }),
  );
  const probes: ProbeReport[] = [];
  const gcWaiters: ((report: ProbeReport) => void)[] = [];
  child.on('message', (message: ProbeReport) => {
    if (message?.type !== 'memory') return;
    if (message.afterGc) gcWaiters.shift()?.(message);
    else probes.push(message);
  });
  const service: Service = {
    child,
    port,
    logFile,
    probes,
    crashed: () => crashed,
    exited,
    terminate: () => {
      stopping = true;
      child.kill('SIGTERM');
    },
    gc: () =>
      new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error('the heap probe did not answer')), 30_000);
        gcWaiters.push((report) => {
          clearTimeout(timer);
          resolvePromise(report);
        });
        child.send({ type: 'gc' } satisfies ProbeControl);
      }),
  };
  const started = Date.now();
  for (;;) {
    if (crashed) throw new Error(`the service exited during start-up (log: ${logFile})`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
        signal: AbortSignal.timeout(1000),
      });
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 90_000)
      throw new Error(`the service did not start within 90 s (log: ${logFile})`);
    await sleep(200);
  }
  return service;
}

// ---- the load generator (open model) ----

interface Answer {
  outcome: Outcome;
  body: string;
  /** conn-error: the socket error code. */
  error?: string;
}

function post(agent: Agent, port: number, body: string): Promise<Answer> {
  return new Promise((resolvePromise) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/cds-services/fls-patient-view',
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolvePromise({
            outcome: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolvePromise({ outcome: 'conn-error', body: '', error: error.code ?? error.name }),
        );
      },
    );
    req.setTimeout(CLIENT_TIMEOUT_MS, () => {
      req.destroy();
      resolvePromise({ outcome: 'client-timeout', body: '' });
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolvePromise({ outcome: 'conn-error', body: '', error: error.code ?? error.name }),
    );
    req.end(body);
  });
}

/** Reads what the run checks from an answer: the cards of a 200, the failure a 412 names. */
function inspect(answer: Answer): Pick<RequestRecord, 'cardsOk' | 'cause'> {
  try {
    if (answer.outcome === 200) {
      const body = JSON.parse(answer.body) as {
        cards?: { source?: { topic?: { code?: string } } }[];
      };
      const codes = (body.cards ?? []).map((card) => card.source?.topic?.code);
      return { cardsOk: EXPECTED_CODES.every((code) => codes.includes(code)) };
    }
    if (answer.outcome === 412) {
      const body = JSON.parse(answer.body) as { issue?: { diagnostics?: string }[] };
      return { cause: causeOf(body.issue?.[0]?.diagnostics ?? '') };
    }
  } catch {
    return answer.outcome === 200 ? { cardsOk: false } : { cause: 'other' };
  }
  return {};
}

class OpenLoad {
  readonly records: RequestRecord[] = [];
  private readonly pending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private phase = '';
  maxLagMs = 0;

  constructor(
    private readonly t0: number,
    private readonly rate: number,
    private readonly send: () => Promise<Answer>,
  ) {}

  setPhase(name: string): void {
    this.phase = name;
  }

  start(): void {
    const interval = 1000 / this.rate;
    let next = performance.now();
    const tick = (): void => {
      const now = performance.now();
      while (next <= now) {
        this.maxLagMs = Math.max(this.maxLagMs, now - next);
        this.fire(next);
        next += interval;
      }
      this.timer = setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  }

  private fire(intended: number): void {
    const phase = this.phase;
    const task = this.send().then((answer) => {
      this.records.push({
        phase,
        at: intended - this.t0,
        latencyMs: performance.now() - intended,
        outcome: answer.outcome,
        ...(answer.error ? { error: answer.error } : {}),
        ...inspect(answer),
      });
    });
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await Promise.all([...this.pending]);
  }
}

// ---- memory ----

function rssMb(pid: number | undefined): number | undefined {
  const kb = statusKb(pid, 'VmRSS');
  return kb === undefined ? undefined : kb / 1024;
}

// ---- the run ----

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(LOG_DIR, { recursive: true });
  const plan = phases(args.short, args.cycles);
  const now = new Date();
  const patient = benchPatient(PATIENT_SIZE, now);
  const resourcesFile = join(LOG_DIR, 'resources.json');
  writeFileSync(resourcesFile, JSON.stringify(patient.resources));
  const fhirLog = join(LOG_DIR, 'fhir.log');
  writeFileSync(fhirLog, '');

  const fhirPort = await freePort();
  let fhir = await FhirServer.start(fhirPort, resourcesFile, fhirLog);
  const service = await startService();
  const fhirServer = `http://127.0.0.1:${fhirPort}/fhir`;
  const body = JSON.stringify(
    hookRequest('patient-view', { patientId: patient.patientId, fhirServer, accessToken: TOKEN }),
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 512, timeout: CLIENT_IDLE_MS });

  const first = await post(agent, service.port, body);
  if (first.outcome !== 200 || !inspect(first).cardsOk) {
    throw new Error(
      `the first call did not give the expected cards: ${first.outcome} ${first.body.slice(0, 300)}`,
    );
  }

  const totalS = plan.reduce((sum, phase) => sum + phase.seconds, 0);
  process.stdout.write(
    `load: ${args.rate} req/s for ${totalS} s over ${plan.length} phases; service pid ${service.child.pid}, FHIR on ${fhirServer}\n`,
  );
  const t0 = performance.now();
  const elapsed = () => performance.now() - t0;
  const load = new OpenLoad(t0, args.rate, () => post(agent, service.port, body));
  const samples: MemorySample[] = [];
  let currentPhase = plan[0]?.name ?? '';
  const sampler = setInterval(() => {
    const rss = rssMb(service.child.pid);
    const probe = service.probes[service.probes.length - 1];
    if (rss !== undefined) {
      samples.push({
        at: elapsed(),
        phase: currentPhase,
        rssMb: rss,
        ...(probe ? { heapUsedMb: probe.heapUsed / 2 ** 20 } : {}),
      });
    }
  }, 1000);

  const starts: number[] = [];
  const cpuAtStart: (number | undefined)[] = [];
  const points: MemoryPoint[] = [];
  let cpuEnd: number | undefined;
  try {
    for (const [index, phase] of plan.entries()) {
      const step = phase.step;
      if (step.kind === 'mode') await fhir.send({ type: 'mode', ...step.mode });
      else if (step.kind === 'stop') await fhir.stop();
      else fhir = await FhirServer.start(fhirPort, resourcesFile, fhirLog);
      // The phase begins once the FHIR server behaves as it says.
      starts.push(elapsed());
      cpuAtStart.push(cpuSeconds(service.child.pid));
      currentPhase = phase.name;
      load.setPhase(phase.name);
      if (index === 0) load.start();
      process.stdout.write(`  ${phase.name.padEnd(16)} ${phase.fhir}\n`);
      // Live heap and RSS at the end of the warm-up and of each cycle (still under load):
      // a full GC, then the lowest RSS over the next 3 s, as V8 gives the freed pages back.
      const next = plan[index + 1];
      const read =
        phase.name === 'warm-up' || (phase.cycle !== undefined && next?.cycle !== phase.cycle);
      const phaseEnd = performance.now() + phase.seconds * 1000;
      if (read) {
        await sleep(phase.seconds * 1000 - MEMORY_READ_MS);
        const gc = await service.gc();
        let lowest = Number.POSITIVE_INFINITY;
        while (performance.now() < phaseEnd) {
          lowest = Math.min(lowest, rssMb(service.child.pid) ?? Number.POSITIVE_INFINITY);
          await sleep(250);
        }
        points.push({ label: phase.name, heapMb: gc.heapUsed / 2 ** 20, rssMb: lowest });
      } else {
        await sleep(phase.seconds * 1000);
      }
      if (service.crashed())
        throw new Error(`the service crashed in phase ${phase.name} (log: ${service.logFile})`);
      if (index === plan.length - 1) cpuEnd = cpuSeconds(service.child.pid);
    }
  } finally {
    starts.push(elapsed());
    await load.stop();
    clearInterval(sampler);
  }

  // SIGTERM with calls in flight: each waits for its FHIR answers (4 lab pages × 250 ms).
  await fhir.send({ type: 'mode', mode: 'slow', delayMs: SHUTDOWN_DELAY_MS });
  const readsBefore = await fhir.patientReads();
  const burst = Array.from({ length: SHUTDOWN_BURST }, () => post(agent, service.port, body));
  const inFlightBy = Date.now() + 10_000;
  while ((await fhir.patientReads()) - readsBefore < SHUTDOWN_BURST && Date.now() < inFlightBy)
    await sleep(20);
  const sigterm = performance.now();
  service.terminate();
  const answers = await Promise.all(burst);
  const exitCode = await service.exited;
  const exitMs = performance.now() - sigterm;
  agent.destroy();
  await fhir.stop();

  const logText = readFileSync(service.logFile, 'utf8');
  const logLines = logText.split('\n').filter((line) => line.startsWith('{'));
  const parsed = logLines.map((line) => JSON.parse(line) as { level?: number; status?: number });
  const secretsFound = [TOKEN, patient.patientId].filter((secret) => logText.includes(secret));

  const facts: RunFacts = {
    phases: plan,
    starts,
    records: load.records,
    tailMs: TAIL_MS,
    baseline: 'baseline',
    recoveries: plan.filter((p) => p.name.startsWith('recovery')).map((p) => p.name),
    pastDeadline: plan.filter((p) => p.name.startsWith('past-deadline')).map((p) => p.name),
    deadlineMs: SERVICE_LIMITS.REQUEST_DEADLINE_MS,
    planned: Math.floor((starts[starts.length - 1] ?? 0) / 1000) * args.rate,
    memory: {
      samples,
      points,
      before: plan.filter((p) => p.cycle === undefined).map((p) => p.name),
      cycles: Array.from({ length: args.cycles }, (_, i) =>
        plan.filter((p) => p.cycle === i + 1).map((p) => p.name),
      ),
    },
    serviceCrashed: service.crashed(),
    shutdown: {
      inFlight: SHUTDOWN_BURST,
      answered200: answers.filter((a) => a.outcome === 200 && inspect(a).cardsOk).length,
      exitCode,
      exitMs,
    },
    logs: {
      errorLines: parsed.filter((line) => (line.level ?? 0) >= 50).length,
      serverErrors: parsed.filter((line) => (line.status ?? 0) >= 500).length,
      secretsFound: secretsFound.map((secret) =>
        secret === TOKEN ? 'the bearer token' : 'the patient id',
      ),
    },
  };
  const summaries = plan.map((phase, index) =>
    summarisePhase(
      phase,
      load.records,
      samples,
      {
        start: starts[index] ?? 0,
        end: starts[index + 1] ?? 0,
        hasNext: index < plan.length - 1,
      },
      TAIL_MS,
    ),
  );
  const checks = evaluate(facts);
  // Every request, for a closer look when a check fails.
  writeFileSync(join(LOG_DIR, 'records.json'), JSON.stringify(load.records));
  const cpuMsPerRequest =
    cpuAtStart[1] !== undefined && cpuEnd !== undefined
      ? ((cpuEnd - cpuAtStart[1]) * 1000) / load.records.filter((r) => r.phase !== 'warm-up').length
      : undefined;

  printTable(summaries);
  printChecks(checks);
  const passed = checks.every((check) => check.ok);
  process.stdout.write(
    `\nload generator: max schedule lag ${Math.round(load.maxLagMs)} ms; service CPU ${cpuMsPerRequest?.toFixed(1) ?? '?'} ms/request after warm-up; ` +
      `shutdown: exit ${exitCode} ${Math.round(exitMs)} ms after SIGTERM\nlogs: ${LOG_DIR}\n`,
  );
  if (args.out) {
    writeFileSync(
      args.out,
      `${JSON.stringify(
        {
          date: now.toISOString(),
          machine: {
            cpus: os.cpus().length,
            model: os.cpus()[0]?.model,
            memoryGb: Math.round(os.totalmem() / 2 ** 30),
            node: process.version,
            loadAverage: os.loadavg().map((value) => Math.round(value * 10) / 10),
          },
          settings: {
            rate: args.rate,
            short: args.short,
            cycles: args.cycles,
            patientResources: PATIENT_SIZE,
            pageSize: PAGE_SIZE,
            service: SERVICE_LIMITS,
            tailMs: TAIL_MS,
            criteria: CRITERIA,
          },
          phases: summaries,
          memory: {
            points: points.map((p) => ({
              label: p.label,
              heapMb: round1(p.heapMb),
              rssMb: round1(p.rssMb),
            })),
            /** [ms since start, phase, RSS MB, heap used MB] every second. */
            samples: samples.map((s) => [
              Math.round(s.at),
              s.phase,
              round1(s.rssMb),
              round1(s.heapUsedMb ?? Number.NaN),
            ]),
          },
          shutdown: facts.shutdown,
          loadGenerator: { maxLagMs: Math.round(load.maxLagMs) },
          serviceCpuMsPerRequest:
            cpuMsPerRequest === undefined ? undefined : round1(cpuMsPerRequest),
          checks,
          passed,
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`results: ${args.out}\n`);
  }
  if (!passed) {
    process.stdout.write(
      `\nFAILED: ${checks
        .filter((check) => !check.ok)
        .map((check) => check.name)
        .join('; ')}\n`,
    );
    process.exitCode = 1;
  } else {
    process.stdout.write('\nPASSED\n');
  }
  // The plain closing line CI reads: one per criterion checked.
  const failed = checks.filter((check) => !check.ok).length;
  process.stdout.write(`load: ${checks.length - failed} passed, ${failed} failed\n`);
}

function printTable(summaries: PhaseSummary[]): void {
  const header = [
    'phase',
    's',
    'sent',
    'statuses',
    'tail statuses',
    'p50 ms',
    'p99 ms',
    'max ms',
    '412 causes',
    'RSS MB',
    'heap MB',
  ];
  const rows = summaries.map((s) => [
    s.name,
    String(s.durationS),
    String(s.sent),
    histogram(s.outcomes),
    histogram(s.tail),
    String(s.p50),
    String(s.p99),
    String(s.max),
    histogram(s.causes),
    String(s.rssMbMedian),
    String(s.heapMbMedian),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  process.stdout.write(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

function histogram(counts: Record<string, number | undefined>): string {
  const entries = Object.entries(counts).filter(([, n]) => n);
  return entries.length ? entries.map(([key, n]) => `${key}×${n}`).join(' ') : '–';
}

function printChecks(checks: Check[]): void {
  process.stdout.write('\n');
  for (const check of checks)
    process.stdout.write(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name}: ${check.detail}\n`);
}

const round1 = (value: number) => (Number.isFinite(value) ? Math.round(value * 10) / 10 : null);
const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

main().catch((error: unknown) => {
  process.stderr.write(`load: ${error instanceof Error ? error.message : String(error)}\n`);
  killChildren();
  // The run itself failed: no criterion could be checked.
  process.stdout.write('load: 0 passed, 1 failed\n');
  process.exit(1);
});
