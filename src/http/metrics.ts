/**
 * Prometheus metrics (prom-client), one registry per app: process defaults (memory,
 * CPU, event-loop lag, GC), HTTP requests, FHIR fetches, cards, authentication
 * failures, issued cards lost and store latency. Nothing below src/http imports
 * this: the prefetch layer reports through the FhirFetchObserver it is given and
 * the store is timed from outside (instrumentStore). Served on its own port
 * (METRICS_PORT, docs/operations.md "Metrics"), never on the service's.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { FhirFetchObserver } from '../cds/prefetch';

/** Seconds; a hook call is answered within REQUEST_DEADLINE_MS (5 s by default). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

export interface RequestLabels {
  method: string;
  /** The route pattern (`/cds-services/:id`), never the path: a path would be unbounded. */
  route: string;
  /** The CDS service id, or "none" for the other routes. */
  service: string;
  status: number;
}

export interface AppMetrics {
  readonly registry: Registry;
  request(labels: RequestLabels, seconds: number): void;
  /** Given to the prefetch layer: one observation per key the service fetched itself. */
  readonly fhirFetch: FhirFetchObserver;
  cardsIssued(service: string, cards: readonly { code: string; indicator: string }[]): void;
  authFailure(reason: string): void;
  issuedCardsLost(cards: number): void;
  storeOperation(operation: string, ok: boolean, seconds: number): void;
}

export interface MetricsOptions {
  /** Process and Node.js defaults (main.ts: yes; an app embedded in a test: no, by default). */
  processDefaults?: boolean;
  /** Log lines dropped so far (src/http/logger.ts logOutput), read at each scrape. */
  logLinesDropped?: () => number;
}

export function createMetrics(options: MetricsOptions = {}): AppMetrics {
  const registry = new Registry();
  if (options.processDefaults ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requests = new Histogram({
    name: 'fls_http_request_duration_seconds',
    help: 'HTTP requests answered, by method, route pattern, CDS service and status',
    labelNames: ['method', 'route', 'service', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const fetches = new Histogram({
    name: 'fls_fhir_fetch_duration_seconds',
    help: 'Prefetch keys the service fetched from the FHIR server itself (all pages), by key and outcome',
    labelNames: ['key', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const fetchFailures = new Counter({
    name: 'fls_fhir_fetch_failures_total',
    help: 'Prefetch keys that could not be fetched from the FHIR server, by key and cause',
    labelNames: ['key', 'cause'] as const,
    registers,
  });
  const cards = new Counter({
    name: 'fls_cards_total',
    help: 'Cards answered, by CDS service, recommendation code and indicator',
    labelNames: ['service', 'code', 'indicator'] as const,
    registers,
  });
  const authFailures = new Counter({
    name: 'fls_auth_failures_total',
    help: 'Requests refused with 401, by the reason logged',
    labelNames: ['reason'] as const,
    registers,
  });
  const lost = new Counter({
    name: 'fls_issued_cards_lost_total',
    help: 'Cards answered whose records were not written (store write failed or queue full): missing from the quality indicators',
    registers,
  });
  const store = new Histogram({
    name: 'fls_store_operation_duration_seconds',
    help: 'Store (database) operations, by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: STORE_BUCKETS,
    registers,
  });
  // Present from the start (at 0), so that a rate() over it exists before the first loss.
  lost.inc(0);
  const logLinesDropped = options.logLinesDropped;
  if (logLinesDropped) {
    let counted = 0;
    new Counter({
      name: 'fls_log_lines_dropped_total',
      help: 'Log lines not written: stdout was closed or full, or its reader too slow',
      registers,
      collect() {
        const now = logLinesDropped();
        this.inc(Math.max(0, now - counted));
        counted = Math.max(counted, now);
      },
    });
  }

  return {
    registry,
    request({ method, route, service, status }, seconds) {
      requests.observe({ method, route, service, status: String(status) }, seconds);
    },
    fhirFetch(key, seconds, failure) {
      fetches.observe({ key, outcome: failure ? 'failed' : 'ok' }, seconds);
      if (failure) fetchFailures.inc({ key, cause: failure });
    },
    cardsIssued(service, issued) {
      for (const card of issued) {
        cards.inc({ service, code: card.code, indicator: card.indicator });
      }
    },
    authFailure(reason) {
      authFailures.inc({ reason });
    },
    issuedCardsLost(count) {
      lost.inc(count);
    },
    storeOperation(operation, ok, seconds) {
      store.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds);
    },
  };
}

/**
 * The same store with every method that returns a promise timed (operation = the
 * method's name). A Proxy, so that it keeps up with the store's interface whatever
 * that becomes; the store calls its own methods without it.
 */
export function instrumentStore<T extends object>(store: T, metrics: AppMetrics): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const cached = wrapped.get(property);
      if (cached) return cached;
      const method = value as (...args: unknown[]) => unknown;
      const timed = (...args: unknown[]): unknown => {
        const started = performance.now();
        const done = (ok: boolean): void =>
          metrics.storeOperation(property, ok, (performance.now() - started) / 1000);
        let result: unknown;
        try {
          result = method.apply(target, args);
        } catch (error) {
          done(false);
          throw error;
        }
        if (!isPromise(result)) return result;
        return result.then(
          (resolved) => {
            done(true);
            return resolved;
          },
          (error: unknown) => {
            done(false);
            throw error;
          },
        );
      };
      wrapped.set(property, timed);
      return timed;
    },
  });
}

function isPromise(value: unknown): value is Promise<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** The metrics port's only endpoint: GET (or HEAD) /metrics; anything else is a bare 404 / 405. */
export function metricsListener(metrics: AppMetrics): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
        .end('method not allowed\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('no metrics\n');
      },
    );
  };
}
