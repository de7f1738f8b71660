/**
 * What `npm run test:load` concludes from what it recorded: per-phase summaries
 * and the pass criteria. Pure functions (no I/O), so that the criteria are tested
 * on their own (test/unit/load-analysis.test.ts).
 */

/** An HTTP status, or no answer at all. */
export type Outcome = number | 'conn-error' | 'client-timeout';

/** Live heap (after a forced full GC) and RSS at one point of the run. */
export interface MemoryPoint {
  label: string;
  heapMb: number;
  rssMb: number;
}

/** Why a 412 said the data could not be had (from its diagnostics). */
export type Cause = 'deadline' | 'timeout' | 'http-status' | 'unreachable' | 'other';

export interface RequestRecord {
  phase: string;
  /** Intended send time, ms since the run started (open model: the schedule, not the send). */
  at: number;
  /** From the intended send time to the end of the answer. */
  latencyMs: number;
  outcome: Outcome;
  /** conn-error: the socket error code (ECONNRESET, …). */
  error?: string;
  /** 200: whether the expected cards were there. */
  cardsOk?: boolean;
  /** 412: the failure its diagnostics name. */
  cause?: Cause;
}

export interface PhaseSpec {
  name: string;
  /** What the FHIR server does, for the table. */
  fhir: string;
  /** The statuses every request of this phase must get. */
  expect: number[];
  /** The failures a 412 of this phase may name. */
  causes?: Cause[];
}

export interface MemorySample {
  /** ms since the run started */
  at: number;
  phase: string;
  rssMb: number;
  heapUsedMb?: number;
}

export interface PhaseSummary {
  name: string;
  fhir: string;
  durationS: number;
  sent: number;
  /** Outcome → count, the requests before the tail. */
  outcomes: Record<string, number>;
  /** Outcome → count, the requests sent so close to the next phase that they may meet its FHIR behaviour. */
  tail: Record<string, number>;
  /** Latency percentiles of the requests before the tail, ms. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  causes: Partial<Record<Cause, number>>;
  /** 200s without the expected cards. */
  badBodies: number;
  rssMbMedian: number;
  heapMbMedian: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * Pass criteria. Each bound says what it guards against; none is tuned to a run.
 * - Recovery latency: p50 on a shared 2-core machine moves ±20–30 % between runs
 *   (docs/benchmark.md); twice the baseline plus 20 ms still catches what a bad
 *   recovery looks like (each call waiting on a dead connection, a breaker stuck
 *   open, timers piling up), which costs whole FHIR round trips or deadlines.
 * - Deadline: REQUEST_DEADLINE_MS bounds the FHIR wait; 1 s more covers queueing,
 *   rules, cards and the store on the busy machine.
 * - Memory: the fault cycle runs twice, so growth that repeats shows as a trend.
 *   Live heap after a full GC may grow by 10 MB over the run and by 5 MB from one
 *   cycle's end to the next (~1,200 calls a cycle: a leak of 4 KB per call shows).
 *   RSS saw-tooths by 50–100 MB with the collector's timing (the fault phases leave
 *   more garbage between collections; V8 grows its heap for it and gives pages back
 *   some seconds after a major GC), so its peaks and any single reading say little.
 *   What a leak raises is the floor: the lowest RSS of a stretch, which the forced
 *   full GC at the end of each cycle makes sure follows a collection. The floor may
 *   rise by 32 MB from one cycle to the next (~25 KB per call kept outside the JS
 *   heap: buffers, sockets) and by 64 MB from warm-up and baseline to the last
 *   cycle (the embedded store keeps every issued card in memory: ~1 MB a run).
 * - Sent: an open model is only one if the schedule was kept: ≥ 95 % of the
 *   planned requests were sent.
 */
export const CRITERIA = {
  recoveryP50Factor: 2,
  recoveryP50SlackMs: 20,
  deadlineSlackMs: 1000,
  heapGrowthMb: 10,
  heapCycleGrowthMb: 5,
  rssGrowthMb: 64,
  rssCycleGrowthMb: 32,
  minSentFraction: 0.95,
} as const;

export function causeOf(diagnostics: string): Cause {
  if (/request deadline/.test(diagnostics)) return 'deadline';
  if (/did not answer within/.test(diagnostics)) return 'timeout';
  if (/answered HTTP [45]\d\d/.test(diagnostics)) return 'http-status';
  if (/could not be reached|closed the connection/.test(diagnostics)) return 'unreachable';
  return 'other';
}

/** Nearest-rank percentile of an ascending list; NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** Whether a request was sent within `tailMs` before the next phase began. */
export function isTail(
  record: RequestRecord,
  nextStart: number | undefined,
  tailMs: number,
): boolean {
  return nextStart !== undefined && nextStart - record.at < tailMs;
}

const round = (value: number, digits = 1): number =>
  Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : value;

export function summarisePhase(
  spec: PhaseSpec,
  records: readonly RequestRecord[],
  samples: readonly MemorySample[],
  /** When the phase began and ended; `hasNext`: a phase follows (so it has a tail). */
  window: { start: number; end: number; hasNext: boolean },
  tailMs: number,
): PhaseSummary {
  const mine = records.filter((r) => r.phase === spec.name);
  const outcomes: Record<string, number> = {};
  const tail: Record<string, number> = {};
  const causes: Partial<Record<Cause, number>> = {};
  for (const r of mine) {
    const counts = window.hasNext && isTail(r, window.end, tailMs) ? tail : outcomes;
    counts[String(r.outcome)] = (counts[String(r.outcome)] ?? 0) + 1;
    if (r.cause) causes[r.cause] = (causes[r.cause] ?? 0) + 1;
  }
  // Latency of the requests before the tail: what this phase's FHIR server gave.
  const latencies = mine
    .filter(
      (r) => typeof r.outcome === 'number' && !(window.hasNext && isTail(r, window.end, tailMs)),
    )
    .map((r) => r.latencyMs)
    .sort((a, b) => a - b);
  const memory = samples.filter((s) => s.phase === spec.name);
  const heaps = memory.flatMap((s) => (s.heapUsedMb === undefined ? [] : [s.heapUsedMb]));
  return {
    name: spec.name,
    fhir: spec.fhir,
    durationS: round((window.end - window.start) / 1000),
    sent: mine.length,
    outcomes,
    tail,
    p50: round(percentile(latencies, 0.5)),
    p90: round(percentile(latencies, 0.9)),
    p99: round(percentile(latencies, 0.99)),
    max: round(latencies[latencies.length - 1] ?? Number.NaN),
    causes,
    badBodies: mine.filter((r) => r.outcome === 200 && r.cardsOk === false).length,
    rssMbMedian: round(median(memory.map((s) => s.rssMb))),
    heapMbMedian: round(median(heaps)),
  };
}

export interface RunFacts {
  phases: readonly PhaseSpec[];
  /** Start of each phase (ms since the run started), and the end of the last one. */
  starts: readonly number[];
  records: readonly RequestRecord[];
  tailMs: number;
  baseline: string;
  /** Phases after which latency must be back to the baseline's. */
  recoveries: readonly string[];
  /** Phases whose FHIR server answers later than the deadline. */
  pastDeadline: readonly string[];
  deadlineMs: number;
  planned: number;
  memory: {
    samples: readonly MemorySample[];
    /** After a forced full GC at the end of the warm-up, then at the end of each fault cycle. */
    points: readonly MemoryPoint[];
    /** The phases before the first cycle (warm-up, baseline). */
    before: readonly string[];
    /** The phases of each fault cycle, in order. */
    cycles: readonly (readonly string[])[];
  };
  /** Whether the service process stayed up until it was told to stop. */
  serviceCrashed: boolean;
  shutdown: { inFlight: number; answered200: number; exitCode: number | null; exitMs: number };
  logs: { errorLines: number; serverErrors: number; secretsFound: string[] };
}

export function evaluate(facts: RunFacts): Check[] {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const { phases, starts, records, tailMs } = facts;
  const byName = new Map(phases.map((phase, index) => [phase.name, index]));

  const serverErrors = records.filter((r) => typeof r.outcome === 'number' && r.outcome >= 500);
  add(
    'zero 5xx from the service',
    serverErrors.length === 0,
    `${serverErrors.length} answers ≥ 500${describeByPhase(serverErrors)}`,
  );
  const noAnswer = records.filter((r) => typeof r.outcome !== 'number');
  add(
    'zero connection errors and client time-outs',
    noAnswer.length === 0,
    `${noAnswer.length} requests without an answer${describeByPhase(noAnswer)}`,
  );

  const unexpected: string[] = [];
  const wrongCause: string[] = [];
  for (const r of records) {
    const index = byName.get(r.phase);
    const spec = index === undefined ? undefined : phases[index];
    if (!spec || index === undefined || typeof r.outcome !== 'number') continue;
    const next = phases[index + 1];
    const tail = next !== undefined && isTail(r, starts[index + 1], tailMs);
    const allowed = tail && next ? [...spec.expect, ...next.expect] : spec.expect;
    if (!allowed.includes(r.outcome))
      unexpected.push(`${r.phase}: ${r.outcome} at ${Math.round(r.at)} ms`);
    const causes = tail && next ? [...(spec.causes ?? []), ...(next.causes ?? [])] : spec.causes;
    if (r.outcome === 412 && causes && r.cause && !causes.includes(r.cause)) {
      wrongCause.push(`${r.phase}: ${r.cause}`);
    }
  }
  add(
    'every phase answers as its FHIR server behaves (412 only while FHIR fails)',
    unexpected.length === 0,
    unexpected.length === 0
      ? phases.map((p) => `${p.name}: ${p.expect.join('/')}`).join(', ')
      : `${unexpected.length} unexpected: ${unexpected.slice(0, 5).join('; ')}`,
  );
  add(
    "each 412 names its phase's failure",
    wrongCause.length === 0,
    wrongCause.length === 0
      ? 'deadline / HTTP status / unreachable as expected'
      : wrongCause.slice(0, 5).join('; '),
  );
  const badBodies = records.filter((r) => r.outcome === 200 && r.cardsOk === false).length;
  const ok200 = records.filter((r) => r.outcome === 200).length;
  add('every 200 carries the expected cards', badBodies === 0, `${ok200 - badBodies} of ${ok200}`);

  // A phase's latency is its own: the tail met the next phase's FHIR server.
  const latencies = (phase: string) => {
    const index = byName.get(phase);
    const nextStart = index === undefined ? undefined : starts[index + 1];
    const hasNext = index !== undefined && index < phases.length - 1;
    return records
      .filter(
        (r) =>
          r.phase === phase &&
          typeof r.outcome === 'number' &&
          !(hasNext && isTail(r, nextStart, tailMs)),
      )
      .map((r) => r.latencyMs)
      .sort((a, b) => a - b);
  };
  const base50 = percentile(latencies(facts.baseline), 0.5);
  const bound = CRITERIA.recoveryP50Factor * base50 + CRITERIA.recoveryP50SlackMs;
  const recoveries = facts.recoveries.map((phase) => ({
    phase,
    p50: percentile(latencies(phase), 0.5),
  }));
  add(
    'latency back to normal after recovery',
    recoveries.length > 0 && recoveries.every((r) => r.p50 <= bound),
    `p50 ${recoveries.map((r) => `${round(r.p50)} ms in ${r.phase}`).join(', ')} vs ${round(base50)} ms in ${facts.baseline} (bound ${round(bound)} ms)`,
  );
  const limit = facts.deadlineMs + CRITERIA.deadlineSlackMs;
  const past = facts.pastDeadline.map((phase) => ({
    phase,
    p99: percentile(latencies(phase), 0.99),
  }));
  if (past.length > 0) {
    add(
      'the request deadline holds while FHIR is slower than it',
      past.every((p) => p.p99 <= limit),
      `p99 ${past.map((p) => `${round(p.p99)} ms in ${p.phase}`).join(', ')} (deadline ${facts.deadlineMs} ms, bound ${limit} ms)`,
    );
  }

  const { memory } = facts;
  const [warm, ...ends] = memory.points;
  if (warm && ends.length > 0) {
    const growth = Math.max(...ends.map((p) => p.heapMb)) - warm.heapMb;
    const cycleGrowth = Math.max(
      ...ends.slice(1).map((p, index) => p.heapMb - (ends[index]?.heapMb ?? p.heapMb)),
      0,
    );
    add(
      'live heap stable (after full GC)',
      growth <= CRITERIA.heapGrowthMb && cycleGrowth <= CRITERIA.heapCycleGrowthMb,
      `${memory.points.map((p) => `${p.label} ${round(p.heapMb)}`).join(' → ')} MB (bounds +${CRITERIA.heapGrowthMb} over the run, +${CRITERIA.heapCycleGrowthMb} per cycle)`,
    );
  } else {
    add('live heap stable (after full GC)', false, 'no memory points were taken');
  }
  // The floor of a stretch: its lowest RSS, from the 1 s samples and the reading after the GC.
  const floor = (phases: readonly string[]): number =>
    Math.min(
      ...memory.samples.filter((s) => phases.includes(s.phase)).map((s) => s.rssMb),
      ...memory.points.filter((p) => phases.includes(p.label)).map((p) => p.rssMb),
    );
  const before = floor(memory.before);
  const floors = memory.cycles.map(floor);
  const last = floors[floors.length - 1] ?? Number.NaN;
  add(
    'RSS after the run within a margin of RSS after warm-up',
    Number.isFinite(before) && last - before <= CRITERIA.rssGrowthMb,
    `lowest RSS ${round(before)} MB in ${memory.before.join(' + ')}, ${round(last)} MB in the last cycle (${signed(last - before)} MB, bound +${CRITERIA.rssGrowthMb})`,
  );
  const steps = floors.slice(1).map((value, index) => value - (floors[index] ?? value));
  const peaks = memory.cycles.map((phases) =>
    Math.max(...memory.samples.filter((s) => phases.includes(s.phase)).map((s) => s.rssMb)),
  );
  add(
    'no RSS growth from one fault cycle to the next',
    floors.length >= 2 &&
      floors.every(Number.isFinite) &&
      steps.every((step) => step <= CRITERIA.rssCycleGrowthMb),
    `lowest RSS per cycle ${floors.map((f) => round(f)).join(' → ')} MB (bound +${CRITERIA.rssCycleGrowthMb} per cycle); peaks ${peaks.map((p) => round(p)).join(' → ')} MB`,
  );

  add(
    'the open-model schedule was kept',
    records.length >= CRITERIA.minSentFraction * facts.planned,
    `${records.length} of ${facts.planned} planned requests sent`,
  );
  add(
    'the service never crashed',
    !facts.serviceCrashed,
    facts.serviceCrashed ? 'it exited during the run' : 'up until SIGTERM',
  );
  const { shutdown } = facts;
  add(
    'graceful shutdown under load: requests in flight answered, exit code 0',
    shutdown.answered200 === shutdown.inFlight && shutdown.inFlight > 0 && shutdown.exitCode === 0,
    `${shutdown.answered200} of ${shutdown.inFlight} in flight answered 200; exit code ${shutdown.exitCode} after ${Math.round(shutdown.exitMs)} ms`,
  );
  add(
    'logs: no 5xx, no error lines, no token or patient id',
    facts.logs.serverErrors === 0 &&
      facts.logs.errorLines === 0 &&
      facts.logs.secretsFound.length === 0,
    `${facts.logs.serverErrors} 5xx lines, ${facts.logs.errorLines} error lines${facts.logs.secretsFound.length ? `, found: ${facts.logs.secretsFound.join(', ')}` : ''}`,
  );
  return checks;
}

function describeByPhase(records: readonly RequestRecord[]): string {
  if (records.length === 0) return '';
  const counts = new Map<string, number>();
  for (const r of records) {
    const key = `${r.phase} ${r.outcome}${r.error ? ` ${r.error}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return ` (${[...counts].map(([key, n]) => `${key}: ${n}`).join(', ')})`;
}

const signed = (value: number): string => `${value >= 0 ? '+' : ''}${round(value)}`;
