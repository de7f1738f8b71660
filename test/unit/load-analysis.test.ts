/**
 * The pass criteria of `npm run test:load` (load/analyse.ts) on synthetic runs:
 * a healthy run passes, and each kind of failure the load test is there to find
 * fails the check that names it.
 */
import {
  causeOf,
  evaluate,
  isTail,
  percentile,
  summarisePhase,
  type Check,
  type MemorySample,
  type PhaseSpec,
  type RequestRecord,
  type RunFacts,
} from '../../load/analyse';

const PHASES: PhaseSpec[] = [
  { name: 'baseline', fhir: 'normal', expect: [200] },
  { name: 'errors-1', fhir: '500', expect: [412], causes: ['http-status'] },
  { name: 'recovery-1', fhir: 'normal', expect: [200] },
  { name: 'errors-2', fhir: '500', expect: [412], causes: ['http-status'] },
  { name: 'recovery-2', fhir: 'normal', expect: [200] },
];
/** Each phase lasts 10 s; the tail is the last 2 s of a phase. */
const STARTS = [0, 10_000, 20_000, 30_000, 40_000, 50_000];
const TAIL_MS = 2000;

/** One request every 100 ms, answered as the phase's FHIR server makes the service answer. */
function healthyRecords(): RequestRecord[] {
  const records: RequestRecord[] = [];
  PHASES.forEach((phase, index) => {
    for (let at = STARTS[index] ?? 0; at < (STARTS[index + 1] ?? 0); at += 100) {
      const ok = phase.expect.includes(200);
      records.push({
        phase: phase.name,
        at,
        latencyMs: ok ? 20 : 5,
        outcome: ok ? 200 : 412,
        ...(ok ? { cardsOk: true } : { cause: 'http-status' as const }),
      });
    }
  });
  return records;
}

function memorySamples(rss: (phase: string) => number): MemorySample[] {
  return PHASES.flatMap((phase, index) =>
    Array.from({ length: 10 }, (_, second) => ({
      at: (STARTS[index] ?? 0) + second * 1000,
      phase: phase.name,
      rssMb: rss(phase.name),
      heapUsedMb: 40,
    })),
  );
}

function facts(overrides: Partial<RunFacts> = {}): RunFacts {
  return {
    phases: PHASES,
    starts: STARTS,
    records: healthyRecords(),
    tailMs: TAIL_MS,
    baseline: 'baseline',
    recoveries: ['recovery-1', 'recovery-2'],
    pastDeadline: [],
    deadlineMs: 1500,
    planned: 500,
    memory: {
      samples: memorySamples(() => 500),
      points: [
        { label: 'baseline', heapMb: 35, rssMb: 480 },
        { label: 'recovery-1', heapMb: 36, rssMb: 520 },
        { label: 'recovery-2', heapMb: 36, rssMb: 522 },
      ],
      before: ['baseline'],
      cycles: [
        ['errors-1', 'recovery-1'],
        ['errors-2', 'recovery-2'],
      ],
    },
    serviceCrashed: false,
    shutdown: { inFlight: 10, answered200: 10, exitCode: 0, exitMs: 900 },
    logs: { errorLines: 0, serverErrors: 0, secretsFound: [] },
    ...overrides,
  };
}

const failed = (checks: Check[]): string[] => checks.filter((c) => !c.ok).map((c) => c.name);

describe('load test criteria (load/analyse.ts)', () => {
  test('a healthy run passes every check', () => {
    const checks = evaluate(facts());
    expect(failed(checks)).toEqual([]);
    expect(checks.length).toBeGreaterThanOrEqual(12);
  });

  test('one 5xx anywhere fails "zero 5xx"', () => {
    const records = healthyRecords().map((r, i) => (i === 3 ? { ...r, outcome: 502 } : r));
    expect(failed(evaluate(facts({ records })))).toContain('zero 5xx from the service');
  });

  test('a connection error fails, and its code is named', () => {
    const records = healthyRecords().map((r, i) =>
      i === 5 ? { ...r, outcome: 'conn-error' as const, error: 'ECONNRESET' } : r,
    );
    const check = evaluate(facts({ records })).find((c) => c.name.startsWith('zero connection'));
    expect(check?.ok).toBe(false);
    expect(check?.detail).toContain('baseline conn-error ECONNRESET: 1');
  });

  test('a 412 while FHIR is healthy fails; in the tail before a failing phase it is allowed', () => {
    const early = healthyRecords().map((r) =>
      r.phase === 'baseline' && r.at === 1000
        ? { ...r, outcome: 412, cause: 'http-status' as const }
        : r,
    );
    expect(failed(evaluate(facts({ records: early })))).toContain(
      'every phase answers as its FHIR server behaves (412 only while FHIR fails)',
    );
    const tail = healthyRecords().map((r) =>
      r.phase === 'baseline' && r.at === 9000
        ? { ...r, outcome: 412, cause: 'http-status' as const }
        : r,
    );
    expect(failed(evaluate(facts({ records: tail })))).toEqual([]);
  });

  test('a 200 while FHIR fails (data that cannot have been read) fails', () => {
    const records = healthyRecords().map((r) =>
      r.phase === 'errors-2' && r.at === 31_000 ? { ...r, outcome: 200, cardsOk: true } : r,
    );
    expect(failed(evaluate(facts({ records })))).toContain(
      'every phase answers as its FHIR server behaves (412 only while FHIR fails)',
    );
  });

  test('a 412 naming another failure than its phase fails', () => {
    const records = healthyRecords().map((r) =>
      r.phase === 'errors-1' && r.at === 11_000 ? { ...r, cause: 'unreachable' as const } : r,
    );
    expect(failed(evaluate(facts({ records })))).toEqual(["each 412 names its phase's failure"]);
  });

  test('a 200 without the expected cards fails', () => {
    const records = healthyRecords().map((r, i) => (i === 0 ? { ...r, cardsOk: false } : r));
    expect(failed(evaluate(facts({ records })))).toEqual(['every 200 carries the expected cards']);
  });

  test('recovery slower than twice the baseline + 20 ms fails', () => {
    const records = healthyRecords().map((r) =>
      r.phase === 'recovery-2' ? { ...r, latencyMs: 61 } : r,
    );
    expect(failed(evaluate(facts({ records })))).toEqual(['latency back to normal after recovery']);
    const justInside = healthyRecords().map((r) =>
      r.phase === 'recovery-2' ? { ...r, latencyMs: 60 } : r,
    );
    expect(failed(evaluate(facts({ records: justInside })))).toEqual([]);
  });

  test("a phase's latency leaves out its tail, which met the next phase's FHIR server", () => {
    const tailSlow = healthyRecords().map((r) =>
      r.phase === 'recovery-1' && r.at >= 28_100 ? { ...r, latencyMs: 5000 } : r,
    );
    expect(failed(evaluate(facts({ records: tailSlow })))).toEqual([]);
    const allSlow = healthyRecords().map((r) =>
      r.phase === 'recovery-1' ? { ...r, latencyMs: 5000 } : r,
    );
    expect(failed(evaluate(facts({ records: allSlow })))).toEqual([
      'latency back to normal after recovery',
    ]);
  });

  test('answers past the deadline + 1 s while FHIR is slower than the deadline fail', () => {
    const records = healthyRecords().map((r) =>
      r.phase === 'errors-1' ? { ...r, latencyMs: 2600 } : r,
    );
    expect(failed(evaluate(facts({ records, pastDeadline: ['errors-1'] })))).toEqual([
      'the request deadline holds while FHIR is slower than it',
    ]);
  });

  test('live heap growing from one cycle to the next fails', () => {
    const points = [
      { label: 'baseline', heapMb: 35, rssMb: 480 },
      { label: 'recovery-1', heapMb: 36, rssMb: 500 },
      { label: 'recovery-2', heapMb: 42, rssMb: 500 },
    ];
    expect(failed(evaluate(facts({ memory: { ...facts().memory, points } })))).toEqual([
      'live heap stable (after full GC)',
    ]);
  });

  test('live heap far above the warm-up fails even when each cycle grows a little', () => {
    const points = [
      { label: 'baseline', heapMb: 35, rssMb: 480 },
      { label: 'recovery-1', heapMb: 39, rssMb: 500 },
      { label: 'recovery-2', heapMb: 43, rssMb: 500 },
      { label: 'recovery-3', heapMb: 47, rssMb: 500 },
    ];
    expect(failed(evaluate(facts({ memory: { ...facts().memory, points } })))).toEqual([
      'live heap stable (after full GC)',
    ]);
  });

  test('RSS peaks alone (GC timing) do not fail; a rising floor does', () => {
    // One sample per phase 100 MB up: a saw-tooth, not a leak.
    const sawTooth = memorySamples(() => 500).map((sample, i) =>
      i % 10 === 5 ? { ...sample, rssMb: 600 } : sample,
    );
    expect(failed(evaluate(facts({ memory: { ...facts().memory, samples: sawTooth } })))).toEqual(
      [],
    );
    const rising = memorySamples((phase) => (phase.endsWith('-2') ? 540 : 500));
    const points = [
      { label: 'baseline', heapMb: 35, rssMb: 500 },
      { label: 'recovery-1', heapMb: 36, rssMb: 500 },
      { label: 'recovery-2', heapMb: 36, rssMb: 540 },
    ];
    expect(
      failed(evaluate(facts({ memory: { ...facts().memory, samples: rising, points } }))),
    ).toEqual(['no RSS growth from one fault cycle to the next']);
  });

  test('an RSS floor far above warm-up and baseline fails, though each cycle grows less', () => {
    const floors: Record<string, number> = {
      baseline: 480,
      'errors-1': 530,
      'recovery-1': 530,
      'errors-2': 550,
      'recovery-2': 550,
    };
    const samples = memorySamples((phase) => floors[phase] ?? 0);
    const points = [
      { label: 'baseline', heapMb: 35, rssMb: 480 },
      { label: 'recovery-1', heapMb: 36, rssMb: 530 },
      { label: 'recovery-2', heapMb: 36, rssMb: 550 },
    ];
    expect(failed(evaluate(facts({ memory: { ...facts().memory, samples, points } })))).toEqual([
      'RSS after the run within a margin of RSS after warm-up',
    ]);
  });

  test('a crash, a bad shutdown, a token in the logs or a kept schedule missed each fail', () => {
    expect(failed(evaluate(facts({ serviceCrashed: true })))).toEqual([
      'the service never crashed',
    ]);
    expect(
      failed(
        evaluate(facts({ shutdown: { inFlight: 10, answered200: 9, exitCode: 0, exitMs: 1 } })),
      ),
    ).toEqual(['graceful shutdown under load: requests in flight answered, exit code 0']);
    expect(
      failed(
        evaluate(facts({ shutdown: { inFlight: 10, answered200: 10, exitCode: 1, exitMs: 1 } })),
      ),
    ).toEqual(['graceful shutdown under load: requests in flight answered, exit code 0']);
    expect(
      failed(
        evaluate(
          facts({ logs: { errorLines: 0, serverErrors: 0, secretsFound: ['the bearer token'] } }),
        ),
      ),
    ).toEqual(['logs: no 5xx, no error lines, no token or patient id']);
    expect(failed(evaluate(facts({ planned: 1000 })))).toEqual([
      'the open-model schedule was kept',
    ]);
  });
});

describe('helpers', () => {
  test.each([
    ['patient: the FHIR server did not answer within the request deadline (1500 ms)', 'deadline'],
    ['labs: the FHIR server did not answer within 3000 ms', 'timeout'],
    ['patient: the FHIR server answered HTTP 503', 'http-status'],
    ['labs: the FHIR server could not be reached', 'unreachable'],
    ['labs: the FHIR server closed the connection', 'unreachable'],
    ['the search has more than 100 pages', 'other'],
  ])('%s → %s', (diagnostics, cause) => {
    expect(causeOf(diagnostics)).toBe(cause);
  });

  test('percentile is nearest-rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile([], 0.5)).toBeNaN();
  });

  test('isTail: only requests within tailMs before the next phase', () => {
    const record = (at: number): RequestRecord => ({ phase: 'p', at, latencyMs: 1, outcome: 200 });
    expect(isTail(record(8500), 10_000, 2000)).toBe(true);
    expect(isTail(record(7000), 10_000, 2000)).toBe(false);
    expect(isTail(record(9999), undefined, 2000)).toBe(false);
  });

  test('summarisePhase counts outcomes, causes and the tail of one phase', () => {
    const errors = PHASES.find((phase) => phase.name === 'errors-1');
    if (!errors) throw new Error('no errors-1 phase');
    const summary = summarisePhase(
      errors,
      healthyRecords(),
      memorySamples(() => 500),
      { start: 10_000, end: 20_000, hasNext: true },
      TAIL_MS,
    );
    expect(summary).toMatchObject({
      name: 'errors-1',
      sent: 100,
      // Sent at 18.1 … 19.9 s: less than 2 s before the next phase.
      outcomes: { '412': 81 },
      tail: { '412': 19 },
      causes: { 'http-status': 100 },
      p50: 5,
      badBodies: 0,
      rssMbMedian: 500,
    });
  });
});
