/**
 * The built service on its default embedded store with a file (STORE_FILE):
 * feedback on a card issued just before a restart is accepted by the next process
 * — after a clean stop, and after a kill that left no time to write the card's
 * record (docs/store.md "What a crash may lose").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daysAgo, hookRequest, labs, patient, prefetchFor } from '../helpers/fhir';
import {
  BUILD_TIMEOUT_MS,
  buildService,
  killService,
  START_TIMEOUT_MS,
  startService,
  type ServiceProcess,
} from './support';

let main: string;
let dir: string;
let running: ServiceProcess | undefined;

beforeAll(async () => {
  main = await buildService();
  dir = mkdtempSync(join(tmpdir(), 'fls-restart-'));
}, BUILD_TIMEOUT_MS);

afterEach(async () => {
  await killService(running);
  running = undefined;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const now = new Date();
const TODAY = now.toISOString().slice(0, 10);

async function post(service: ServiceProcess, path: string, body: unknown) {
  const response = await fetch(`${service.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** A patient-view call that gives cards (low vitamin D, eGFR 30); their uuids and codes. */
async function issueCards(service: ServiceProcess) {
  const answer = await post(
    service,
    '/cds-services/fls-patient-view',
    hookRequest('patient-view', {
      prefetch: prefetchFor([
        patient(),
        labs.egfr(30, daysAgo(10, now)),
        labs.vitaminD(40, daysAgo(20, now)),
      ]),
    }),
  );
  expect(answer.status).toBe(200);
  const cards = (answer.body as { cards: { uuid: string; source: { topic: { code: string } } }[] })
    .cards;
  expect(cards.length).toBeGreaterThan(0);
  return cards;
}

function overridden(card: string) {
  return {
    feedback: [
      {
        card,
        outcome: 'overridden',
        overrideReason: {
          reason: {
            system: 'https://fls-cds.example.org/fhir/CodeSystem/override-reason',
            code: 'already-handled',
          },
        },
        outcomeTimestamp: now.toISOString(),
      },
    ],
  };
}

async function indicators(service: ServiceProcess) {
  const response = await fetch(`${service.baseUrl}/quality-indicators?from=${TODAY}&to=${TODAY}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { indicators: { code: string; issued: number }[] }).indicators;
}

test(
  'after SIGTERM: the next process accepts feedback on the card and counts it',
  async () => {
    const env = { STORE_FILE: join(dir, 'clean.jsonl') };
    const first = await startService(main, env);
    running = first;
    const [card] = await issueCards(first);
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const second = await startService(main, env);
    running = second;
    const answer = await post(
      second,
      '/cds-services/fls-patient-view/feedback',
      overridden(String(card?.uuid)),
    );
    expect(answer).toEqual({ status: 200, body: { stored: 1, enriched: 0, duplicates: 0 } });
    expect(await indicators(second)).toContainEqual(
      expect.objectContaining({ code: card?.source.topic.code, issued: 1, overridden: 1 }),
    );
  },
  START_TIMEOUT_MS * 2,
);

test(
  'after SIGKILL right after the answer: feedback on the card is still accepted',
  async () => {
    const env = { STORE_FILE: join(dir, 'killed.jsonl') };
    const first = await startService(main, env);
    running = first;
    const [card] = await issueCards(first);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startService(main, env);
    running = second;
    const answer = await post(
      second,
      '/cds-services/fls-patient-view/feedback',
      overridden(String(card?.uuid)),
    );
    expect(answer).toEqual({ status: 200, body: { stored: 1, enriched: 0, duplicates: 0 } });
    // A uuid the service never signed is still refused.
    const forged = `${String(card?.uuid).slice(0, -1)}${String(card?.uuid).endsWith('0') ? '1' : '0'}`;
    const refused = await post(
      second,
      '/cds-services/fls-patient-view/feedback',
      overridden(forged),
    );
    expect(refused.status).toBe(422);
  },
  START_TIMEOUT_MS * 2,
);
