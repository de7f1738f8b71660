/**
 * REQUEST_DEADLINE_MS over HTTP: a FHIR server that is slow (every answer, or only
 * the later pages of a search) cannot hold a hook call past the deadline, even when
 * FHIR_TIMEOUT_MS is far longer. The answer is a 412 that names the keys and the
 * deadline. Timings are only bounded generously (well before the 10 s delay).
 */
import { Writable } from 'node:stream';
import request from 'supertest';
import type { OperationOutcome } from 'fhir/r4';
import { DEFAULT_GUIDELINE_CONFIG } from '../../src/guideline/config';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/http/logger';
import { daysAgo, hookRequest, labs, NOW, patient } from '../helpers/fhir';
import { startFhirServer, type FakeFhirServer } from '../helpers/fhir-server';
import { RecordingStore } from '../helpers/stores';

const TOKEN = 'tok-SECRET-deadline';
const FHIR_DELAY_MS = 10_000;
const PATIENT_VIEW = '/cds-services/fls-patient-view';

let server: FakeFhirServer;
beforeAll(async () => {
  server = await startFhirServer([
    patient(),
    ...Array.from({ length: 6 }, (_, i) => labs.egfr(30 + i, daysAgo(10 + i * 30))),
  ]);
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.setDelay(0);
  server.setPageSize(100);
  server.requests.length = 0;
});

function app(requestDeadlineMs: number) {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const express = createApp({
    deps: {
      guideline: DEFAULT_GUIDELINE_CONFIG,
      // FHIR_TIMEOUT_MS longer than the FHIR server's delay: only the deadline can end the call.
      fhir: {
        timeoutMs: 60_000,
        maxPages: 100,
        maxResponseBytes: 5_000_000,
        requestDeadlineMs,
      },
      now: () => NOW,
    },
    bodyLimitBytes: 1_000_000,
    defaultLanguage: 'en',
    logger: createLogger('info', sink),
    store: new RecordingStore(),
  });
  return { express, logs };
}

const call = (target: ReturnType<typeof app>['express']) =>
  request(target)
    .post(PATIENT_VIEW)
    .send(hookRequest('patient-view', { fhirServer: server.baseUrl, accessToken: TOKEN }));

function diagnosticsOf(body: OperationOutcome): string {
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0]?.code).toBe('incomplete');
  const diagnostics = body.issue[0]?.diagnostics ?? '';
  expect(diagnostics).not.toContain(TOKEN);
  expect(diagnostics).not.toContain(server.baseUrl);
  return diagnostics;
}

describe('REQUEST_DEADLINE_MS: a slow FHIR server cannot hold a hook call past it', () => {
  test('every answer 10 s late → 412 naming the deadline, well before the delay', async () => {
    const { express, logs } = app(500);
    server.setDelay(FHIR_DELAY_MS);
    const started = performance.now();
    const response = await call(express).expect(412);
    // Generous: the point is that the call did not wait for the 10 s FHIR answers.
    expect(performance.now() - started).toBeLessThan(FHIR_DELAY_MS / 2);
    const diagnostics = diagnosticsOf(response.body);
    expect(diagnostics).toMatch(
      /patient: the FHIR server did not answer within the request deadline \(500 ms\)/,
    );
    expect(diagnostics).toMatch(/labs: .*request deadline/);
    expect(server.requests.length).toBeGreaterThanOrEqual(8);
    expect(logs.join('')).not.toContain(TOKEN);
  });

  test('only the later pages slow: paging cannot run past the deadline either', async () => {
    const { express } = app(800);
    server.setPageSize(1);
    // First pages answer at once; every `next` page is 10 s late.
    server.setDelay(FHIR_DELAY_MS, (r) => r.query.includes('_getpages'));
    const started = performance.now();
    const response = await call(express).expect(412);
    expect(performance.now() - started).toBeLessThan(FHIR_DELAY_MS / 2);
    const diagnostics = diagnosticsOf(response.body);
    expect(diagnostics).toMatch(/labs: the FHIR server did not answer within the request deadline/);
    // The keys without a second page were fetched in time and are not named.
    expect(diagnostics).not.toMatch(/patient:/);
    expect(server.requests.some((r) => r.query.includes('_getpages'))).toBe(true);
  });

  test('a FHIR server inside the deadline → 200 with the cards', async () => {
    const { express } = app(5000);
    server.setDelay(50);
    const response = await call(express).expect(200);
    const codes = (response.body as { cards: { source: { topic: { code: string } } }[] }).cards.map(
      (card) => card.source.topic.code,
    );
    expect(codes).toContain('renal-impairment');
  });
});
