/**
 * Load generators, both closed-loop on loopback with a fixed number of concurrent
 * connections, a warm-up that is not measured, and a bounded duration:
 * - `httpLoad`: autocannon (one fixed request); latencies are taken from its
 *   per-response events (float ms), so p50 / p99 have sub-millisecond resolution
 *   (autocannon's own histogram rounds to whole ms);
 * - `groupLoad`: a user-supplied async unit of work (e.g. the 8 parallel FHIR
 *   searches of a prefetch), timed end to end.
 */
import autocannon from 'autocannon';

export interface LoadOptions {
  connections: number;
  durationS: number;
  warmupS: number;
}

export interface LoadResult {
  /** Successful (2xx) responses per second over the measured phase. */
  rps: number;
  requests: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** Connection errors, timeouts included (groupLoad: units that threw). */
  errors: number;
  non2xx: number;
  durationS: number;
}

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function summarise(
  latencies: number[],
  ok: number,
  errors: number,
  non2xx: number,
  durationS: number,
): LoadResult {
  const sorted = latencies.sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    rps: Math.round((ok / durationS) * 10) / 10,
    requests: ok + non2xx,
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
    mean: round(sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length)),
    errors,
    non2xx,
    durationS: round(durationS),
  };
}

export interface HttpRequestSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export async function httpLoad(spec: HttpRequestSpec, options: LoadOptions): Promise<LoadResult> {
  const base = {
    url: spec.url,
    method: spec.method,
    headers: spec.headers,
    ...(spec.body === undefined ? {} : { body: spec.body }),
    connections: options.connections,
    pipelining: 1,
    timeout: 30,
  };
  if (options.warmupS > 0) await run({ ...base, duration: options.warmupS });
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  const result = await run({ ...base, duration: options.durationS }, (instance) =>
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        ok += 1;
        latencies.push(responseTime);
      } else {
        non2xx += 1;
      }
    }),
  );
  return summarise(latencies, ok, result.errors, non2xx, result.duration);
}

function run(
  options: autocannon.Options,
  observe?: (instance: autocannon.Instance) => void,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error: unknown, result) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(result);
    });
    observe?.(instance);
  });
}

/** Runs `unit` in `connections` parallel loops; a unit that throws counts as an error. */
export async function groupLoad(
  unit: () => Promise<void>,
  options: LoadOptions,
): Promise<LoadResult> {
  const phase = async (seconds: number, record: boolean) => {
    const latencies: number[] = [];
    let ok = 0;
    let errors = 0;
    const started = performance.now();
    const end = started + seconds * 1000;
    const loop = async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await unit();
          ok += 1;
          if (record) latencies.push(performance.now() - t0);
        } catch {
          errors += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: options.connections }, loop));
    return { latencies, ok, errors, durationS: (performance.now() - started) / 1000 };
  };
  if (options.warmupS > 0) await phase(options.warmupS, false);
  const measured = await phase(options.durationS, true);
  return summarise(measured.latencies, measured.ok, measured.errors, 0, measured.durationS);
}
