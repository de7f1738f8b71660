/**
 * GET /metrics (Prometheus text, src/http/metrics.ts) read after real calls: the
 * request histogram, cards by code and indicator, FHIR fetches and their failures,
 * authentication failures, store latency and issued cards lost move with what the
 * app did; process defaults are there; one registry per app. Also: a request refused
 * before routing (401) is logged and counted with the route it was sent to.
 */
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import request from 'supertest';
import type { TokenVerifier } from '../../src/http/auth/verify';
import {
  createMetrics,
  instrumentStore,
  metricsListener,
  type AppMetrics,
} from '../../src/http/metrics';
import { routePattern } from '../../src/http/app';
import { StoreError } from '../../src/store/types';
import { testApp } from '../helpers/app';
import { daysAgo, hookRequest, labs, patient, prefetchFor } from '../helpers/fhir';
import { startFhirServer } from '../helpers/fhir-server';
import { RecordingStore } from '../helpers/stores';
import { parsedLogs } from './support';

const PATIENT_VIEW = '/cds-services/fls-patient-view';

/** One sample's value from the exposition text, or undefined when there is no such series. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
      found[String(label[1])] = String(label[2]);
    }
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) {
      return Number(match[3]);
    }
  }
  return undefined;
}

async function scrape(metrics: AppMetrics): Promise<string> {
  const response = await request(metricsListener(metrics)).get('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text;
}

const hypocalcaemiaPrefetch = () =>
  prefetchFor([patient(), labs.calcium(2.0, daysAgo(10)), labs.albumin(40, daysAgo(10))]);

describe('GET /metrics', () => {
  test('a hook call moves the request histogram, the card counter for its codes and store latency', async () => {
    const metrics = createMetrics({ processDefaults: false });
    const { app, feedback } = testApp({
      metrics,
      store: instrumentStore(new RecordingStore(), metrics),
    });
    const requestSeries = {
      method: 'POST',
      route: '/cds-services/:id',
      service: 'fls-patient-view',
      status: '200',
    };
    const before = await scrape(metrics);
    expect(
      sample(before, 'fls_http_request_duration_seconds_count', requestSeries),
    ).toBeUndefined();

    const response = await request(app)
      .post(PATIENT_VIEW)
      .send(hookRequest('patient-view', { prefetch: hypocalcaemiaPrefetch() }));
    expect(response.status).toBe(200);
    const cards = (
      response.body as { cards: { indicator: string; source: { topic: { code: string } } }[] }
    ).cards;
    expect(cards.map((card) => card.source.topic.code)).toContain('hypocalcaemia');
    // The issued-card records are written behind the answer.
    await feedback.flush();

    const after = await scrape(metrics);
    expect(sample(after, 'fls_http_request_duration_seconds_count', requestSeries)).toBe(1);
    expect(
      sample(after, 'fls_http_request_duration_seconds_bucket', { ...requestSeries, le: '+Inf' }),
    ).toBe(1);
    for (const card of cards) {
      const series = {
        service: 'fls-patient-view',
        code: card.source.topic.code,
        indicator: card.indicator,
      };
      const same = cards.filter(
        (other) =>
          other.source.topic.code === card.source.topic.code && other.indicator === card.indicator,
      ).length;
      expect([series, sample(after, 'fls_cards_total', series)]).toEqual([series, same]);
    }
    expect(
      sample(after, 'fls_store_operation_duration_seconds_count', {
        operation: 'recordIssuedCards',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(sample(after, 'fls_issued_cards_lost_total')).toBe(0);
    // The GETs of /metrics went to the metrics listener, not through the app.
    expect(after).not.toContain('route="/metrics"');
  });

  test('cards answered but not recorded are counted as lost', async () => {
    const metrics = createMetrics({ processDefaults: false });
    class FailingStore extends RecordingStore {
      override async recordIssuedCards(): Promise<void> {
        throw new StoreError('record issued cards', { code: '53300' });
      }
    }
    const { app, feedback } = testApp({
      metrics,
      store: instrumentStore(new FailingStore(), metrics),
    });
    const response = await request(app)
      .post(PATIENT_VIEW)
      .send(hookRequest('patient-view', { prefetch: hypocalcaemiaPrefetch() }));
    expect(response.status).toBe(200);
    const answered = (response.body as { cards: unknown[] }).cards.length;
    expect(answered).toBeGreaterThan(0);
    // Counted when the write behind the answer fails, not before.
    await feedback.flush();
    const text = await scrape(metrics);
    expect(sample(text, 'fls_issued_cards_lost_total')).toBe(answered);
    expect(
      sample(text, 'fls_store_operation_duration_seconds_count', {
        operation: 'recordIssuedCards',
        outcome: 'error',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  test('keys fetched from fhirServer are timed by key; a failed fetch is counted by cause', async () => {
    const fhir = await startFhirServer([
      patient(),
      labs.calcium(2.0, daysAgo(10)),
      labs.albumin(40, daysAgo(10)),
    ]);
    try {
      const metrics = createMetrics({ processDefaults: false });
      const { app } = testApp({ metrics });
      // No labs key: the service fetches it.
      const prefetch = prefetchFor([patient()]);
      delete prefetch.labs;
      const ok = await request(app)
        .post(PATIENT_VIEW)
        .send(hookRequest('patient-view', { prefetch, fhirServer: fhir.baseUrl }));
      expect(ok.status).toBe(200);

      fhir.setFailure(503);
      const failed = await request(app)
        .post(PATIENT_VIEW)
        .send(hookRequest('patient-view', { prefetch, fhirServer: fhir.baseUrl }));
      expect(failed.status).toBe(412);

      const text = await scrape(metrics);
      expect(
        sample(text, 'fls_fhir_fetch_duration_seconds_count', { key: 'labs', outcome: 'ok' }),
      ).toBe(1);
      expect(
        sample(text, 'fls_fhir_fetch_duration_seconds_count', { key: 'labs', outcome: 'failed' }),
      ).toBe(1);
      expect(
        sample(text, 'fls_fhir_fetch_failures_total', { key: 'labs', cause: 'http-status' }),
      ).toBe(1);
      // Only the key that was fetched: the given ones are not FHIR fetches.
      expect(text).not.toMatch(/fls_fhir_fetch_duration_seconds_count\{key="patient"/);
    } finally {
      await fhir.close();
    }
  });

  test('a refused token is counted by reason, and logged with the route it was sent to', async () => {
    const metrics = createMetrics({ processDefaults: false });
    const refusing: TokenVerifier = { verify: async () => ({ ok: false, reason: 'expired' }) };
    const { app, logs } = testApp({ metrics, auth: { verifier: refusing } });
    expect((await request(app).get('/cds-services')).status).toBe(401);
    expect((await request(app).delete(`${PATIENT_VIEW}/feedback/`)).status).toBe(401);

    expect(parsedLogs(logs)).toEqual([
      expect.objectContaining({ status: 401, route: '/cds-services', authFailure: 'expired' }),
      expect.objectContaining({ status: 401, route: '/cds-services/:id/feedback' }),
    ]);
    const text = await scrape(metrics);
    expect(sample(text, 'fls_auth_failures_total', { reason: 'expired' })).toBe(2);
    expect(
      sample(text, 'fls_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/cds-services',
        status: '401',
      }),
    ).toBe(1);
  });

  test('a method refused after authentication (405) is logged with its route', async () => {
    const accepting: TokenVerifier = {
      verify: async () => ({ ok: true, issuer: 'https://ehr.example.org' }),
    };
    const { app, logs } = testApp({ auth: { verifier: accepting } });
    expect((await request(app).delete('/cds-services')).status).toBe(405);
    expect((await request(app).get('/quality-indicators/x')).status).toBe(404);
    expect(parsedLogs(logs)).toEqual([
      expect.objectContaining({ status: 405, route: '/cds-services' }),
      expect.objectContaining({ status: 404, route: 'unmatched' }),
    ]);
  });

  test('process defaults are exported (memory, CPU, event-loop lag, GC); each app has its own registry', async () => {
    const metrics = createMetrics();
    const text = await scrape(metrics);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect([name, sample(text, name)]).toEqual([name, expect.any(Number)]);
    }
    expect(text).toContain('# TYPE nodejs_gc_duration_seconds histogram');

    const other = createMetrics({ processDefaults: false });
    const { app } = testApp({ metrics: other });
    await request(app).get('/healthz');
    expect(await scrape(other)).toContain('route="/healthz"');
    expect(await scrape(metrics)).not.toContain('route="/healthz"');
  });

  test('log lines dropped by the log output are exported as a counter', async () => {
    let dropped = 3;
    const metrics = createMetrics({ processDefaults: false, logLinesDropped: () => dropped });
    expect(sample(await scrape(metrics), 'fls_log_lines_dropped_total')).toBe(3);
    dropped = 5;
    expect(sample(await scrape(metrics), 'fls_log_lines_dropped_total')).toBe(5);
  });

  test('the metrics listener serves GET /metrics only', async () => {
    const listener = metricsListener(createMetrics({ processDefaults: false }));
    expect((await request(listener).get('/')).status).toBe(404);
    expect((await request(listener).get('/cds-services')).status).toBe(404);
    const post = await request(listener).post('/metrics');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    // On a real server, as main.ts runs it.
    const server = createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/metrics?x=1`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('fls_issued_cards_lost_total 0');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('routePattern', () => {
  test.each([
    ['/cds-services', '/cds-services'],
    ['/cds-services/', '/cds-services'],
    ['/CDS-Services', '/cds-services'],
    ['/cds-services/fls-patient-view', '/cds-services/:id'],
    ['/cds-services/anything/feedback', '/cds-services/:id/feedback'],
    ['/quality-indicators', '/quality-indicators'],
    ['/healthz', '/healthz'],
    ['/openapi.json', '/openapi.json'],
    ['/', undefined],
    ['/cds-services//feedback', undefined],
    ['/cds-services/a/b', undefined],
    ['/metrics', undefined],
  ])('%s → %s', (path, route) => {
    expect(routePattern(path)).toBe(route);
  });
});
