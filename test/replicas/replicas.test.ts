/**
 * Scale-out (issue #8): two real service processes on one PostgreSQL, behind one
 * public URL, with client authentication on. Everything is checked through HTTP:
 * feedback posted to either replica lands once, a JWT used on one is refused by the
 * other, quality indicators count the cards of both, and both replicas starting
 * together on an empty database migrate it once.
 *
 * Needs DATABASE_URL (a PostgreSQL role that may CREATE DATABASE); each run works in
 * a new database it drops afterwards. `.ci/postgres-tests.sh` provides one; without
 * it the file is skipped, so `npm test` stays on the embedded store.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from '../../src/store/migrations';
import { hookCalls, hookRequest, loadPatient, localPrefetch } from '../fixtures/load';
import { clientClaims, signingKey, signToken, type SigningKey } from '../helpers/jwt';
import {
  BUILD_TIMEOUT_MS,
  buildService,
  createDatabase,
  startReplica,
  stopReplica,
  type Build,
  type Database,
  type Replica,
} from './processes';

const ADMIN_URL = process.env.DATABASE_URL;
if (!ADMIN_URL) {
  process.stdout.write(
    'test/replicas skipped: DATABASE_URL is not set (run `bash .ci/postgres-tests.sh` for a throwaway PostgreSQL)\n',
  );
}
const describeWithPostgres = ADMIN_URL ? describe : describe.skip;

const ISSUER = 'https://ehr.example.org/cds-client';
/** One Service URL in front of both replicas: the `aud` every client token names. */
const BASE = 'https://fls-cds.example.org';
const OVERRIDE_SYSTEM = 'https://fls-cds.example.org/fhir/CodeSystem/override-reason';

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

interface IssuedCard {
  uuid: string;
  code: string;
}

interface Indicator {
  code: string;
  issued: number;
  accepted: number;
  overridden: number;
  withoutFeedback: number;
  overrideReasons: { system?: string; code: string; count: number }[];
}

describeWithPostgres('two replicas on one PostgreSQL', () => {
  // Set by beforeAll; afterAll cleans up whatever of them exists.
  let build: Build | undefined;
  let database: Database;
  let workDir: string;
  let key: SigningKey;
  let a: Replica;
  let b: Replica;
  const replicas: Replica[] = [];
  /** Every token sent and every card answered, for the log and indicator checks. */
  const tokens: string[] = [];
  const issued: IssuedCard[] = [];
  const withFeedback = new Set<string>();

  beforeAll(async () => {
    const adminUrl = String(ADMIN_URL);
    // One at a time, so that afterAll can clean up whatever was made before a failure.
    build = await buildService();
    database = await createDatabase(adminUrl);
    key = await signingKey('ES384');
    // An empty working directory: the replicas must not write there (no embedded store).
    workDir = mkdtempSync(join(tmpdir(), 'fls-replicas-cwd-'));
    const env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      PUBLIC_BASE_URL: BASE,
      CDS_TRUSTED_CLIENTS: JSON.stringify([{ issuer: ISSUER, jwks: { keys: [key.publicJwk] } }]),
    };
    // Both at once on the empty database: each runs the migrations at start-up.
    const mainJs = build.mainJs;
    const cwd = workDir;
    const started = await Promise.allSettled(
      ['A', 'B'].map((name) => startReplica(name, mainJs, env, cwd)),
    );
    for (const result of started) if (result.status === 'fulfilled') replicas.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    [a, b] = replicas as [Replica, Replica];
  }, BUILD_TIMEOUT_MS + 90_000);

  afterAll(async () => {
    try {
      await Promise.all(replicas.map((replica) => stopReplica(replica)));
    } finally {
      await database?.drop();
      build?.remove();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    }
  }, 60_000);

  async function tokenFor(path: string): Promise<string> {
    const token = await signToken(key, clientClaims(ISSUER, `${BASE}${path}`));
    tokens.push(token);
    return token;
  }

  async function send(
    replica: Replica,
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; token?: string } = {},
  ): Promise<Answer> {
    const token = options.token ?? (await tokenFor(path.split('?')[0] ?? path));
    const response = await fetch(`${replica.origin}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as unknown) : undefined,
      headers: response.headers,
    };
  }

  /** patient-view for a library patient, with the prefetch an EHR would send; records the cards. */
  async function patientView(replica: Replica, patientName: string): Promise<IssuedCard[]> {
    const patient = loadPatient(patientName, new Date());
    const [call] = hookCalls(patient);
    if (!call) throw new Error(`${patientName} has no patient-view expectation`);
    const answer = await send(replica, 'POST', '/cds-services/fls-patient-view', {
      body: hookRequest(patient, call, { prefetch: localPrefetch(patient) }),
    });
    expect(answer.status).toBe(200);
    const cards = (
      answer.body as { cards: { uuid: string; source: { topic: { code: string } } }[] }
    ).cards;
    const answered = cards.map((card) => ({ uuid: card.uuid, code: card.source.topic.code }));
    expect(answered.map((card) => card.code).sort()).toEqual([...call.codes].sort());
    issued.push(...answered);
    return answered;
  }

  function overriddenFeedback(card: IssuedCard, at: string) {
    return {
      feedback: [
        {
          card: card.uuid,
          outcome: 'overridden',
          overrideReason: { reason: { system: OVERRIDE_SYSTEM, code: 'already-handled' } },
          outcomeTimestamp: at,
        },
      ],
    };
  }

  async function reasonOf(card: IssuedCard): Promise<string | null | undefined> {
    const rows = await database.query<{ code: string | null }>(
      'SELECT override_reason_code AS code FROM card_feedback WHERE card_uuid = $1',
      [card.uuid],
    );
    return rows[0]?.code;
  }

  /**
   * Waits until the records of these cards are in the database: each replica
   * writes them just after answering (docs/store.md), so another replica's
   * report may be read a moment before them.
   */
  async function recorded(cards: readonly IssuedCard[]): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const rows = await database.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM issued_card WHERE card_uuid = ANY($1::uuid[])',
        [cards.map((card) => card.uuid)],
      );
      if (Number(rows[0]?.n) === cards.length) return;
      if (Date.now() > deadline) throw new Error('issued cards not recorded within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function feedbackRows(card: IssuedCard): Promise<number> {
    const rows = await database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM card_feedback WHERE card_uuid = $1',
      [card.uuid],
    );
    return Number(rows[0]?.n);
  }

  describe('start-up', () => {
    test('both started together on an empty database, which was migrated exactly once', async () => {
      const migratedBy = replicas.map((replica) => {
        const line = replica.logs.find((entry) => entry.msg === 'store open');
        expect(line).toMatchObject({ store: 'postgres', database: database.name });
        return line?.migrated as number[];
      });
      const versions = MIGRATIONS.map((migration) => migration.version);
      // One replica applied every migration; the other, waiting for the lock, found none left.
      expect(migratedBy.flat().sort((x, y) => x - y)).toEqual(versions);
      expect(migratedBy.filter((applied) => applied.length === 0)).toHaveLength(1);
      const rows = await database.query<{ version: number }>(
        'SELECT version FROM schema_migration ORDER BY version',
      );
      expect(rows.map((row) => Number(row.version))).toEqual(versions);
      for (const replica of replicas) {
        const health = await fetch(`${replica.origin}/healthz`);
        expect(health.status).toBe(200);
      }
    });
  });

  describe('a client JWT is used once across replicas', () => {
    test('accepted by A, refused (401) when replayed to B', async () => {
      const token = await tokenFor('/cds-services');
      expect((await send(a, 'GET', '/cds-services', { token })).status).toBe(200);
      const replayed = await send(b, 'GET', '/cds-services', { token });
      expect(replayed.status).toBe(401);
      expect(replayed.headers.get('www-authenticate')).toBe('Bearer realm="fls-cds-hooks"');
      // Refused for the replay, not for anything else about the token.
      await expect(
        b.waitForLog((line) => line.status === 401 && line.authFailure !== undefined),
      ).resolves.toMatchObject({ authFailure: 'replayed-jti', client: ISSUER });
    });

    test('accepted by B, refused when replayed to A', async () => {
      const token = await tokenFor('/cds-services');
      expect((await send(b, 'GET', '/cds-services', { token })).status).toBe(200);
      expect((await send(a, 'GET', '/cds-services', { token })).status).toBe(401);
      await expect(
        a.waitForLog((line) => line.status === 401 && line.authFailure !== undefined),
      ).resolves.toMatchObject({ authFailure: 'replayed-jti', client: ISSUER });
    });

    test('sent to both at the same moment, it is accepted exactly once', async () => {
      for (let round = 0; round < 5; round += 1) {
        const token = await tokenFor('/cds-services');
        const answers = await Promise.all(
          [a, b].map((replica) => send(replica, 'GET', '/cds-services', { token })),
        );
        expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
      }
    });

    test('a fresh jti works on both', async () => {
      expect((await send(a, 'GET', '/cds-services')).status).toBe(200);
      expect((await send(b, 'GET', '/cds-services')).status).toBe(200);
    });
  });

  describe('feedback lands once, whichever replica it reaches', () => {
    test('a card issued by A gets feedback through B; the same feedback to A is a duplicate', async () => {
      const [card] = await patientView(a, 'r10-renal-impairment');
      if (!card) throw new Error('no card');
      const body = overriddenFeedback(card, '2026-11-22T10:05:00Z');
      const path = '/cds-services/fls-patient-view/feedback';
      const first = await send(b, 'POST', path, { body });
      expect(first).toMatchObject({ status: 200, body: { stored: 1, duplicates: 0 } });
      const again = await send(a, 'POST', path, { body });
      expect(again).toMatchObject({ status: 200, body: { stored: 0, duplicates: 1 } });
      withFeedback.add(card.uuid);
      expect(await feedbackRows(card)).toBe(1);
    });

    test('the same feedback sent to both at once is stored once', async () => {
      const cards = await patientView(b, 'r08-vitamin-d-low');
      expect(cards.length).toBeGreaterThan(1);
      const path = '/cds-services/fls-patient-view/feedback';
      for (const card of cards) {
        const body = overriddenFeedback(card, '2026-11-22T10:06:00Z');
        const answers = await Promise.all(
          [a, b].map((replica) => send(replica, 'POST', path, { body })),
        );
        expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
        const results = answers.map(
          (answer) => answer.body as { stored: number; duplicates: number },
        );
        expect(results.reduce((sum, result) => sum + result.stored, 0)).toBe(1);
        expect(results.reduce((sum, result) => sum + result.duplicates, 0)).toBe(1);
        withFeedback.add(card.uuid);
        expect(await feedbackRows(card)).toBe(1);
      }
    });

    test('a bare override through A, its reason through B: one item, enriched with the reason', async () => {
      const [card] = await patientView(a, 'r10-renal-impairment');
      if (!card) throw new Error('no card');
      const path = '/cds-services/fls-patient-view/feedback';
      const at = '2026-11-22T10:08:00Z';
      const bare = { feedback: [{ card: card.uuid, outcome: 'overridden', outcomeTimestamp: at }] };
      const withReason = overriddenFeedback(card, at);
      expect(await send(a, 'POST', path, { body: bare })).toMatchObject({
        status: 200,
        body: { stored: 1, enriched: 0, duplicates: 0 },
      });
      expect(await send(b, 'POST', path, { body: withReason })).toMatchObject({
        status: 200,
        body: { stored: 0, enriched: 1, duplicates: 0 },
      });
      expect(await send(a, 'POST', path, { body: withReason })).toMatchObject({
        status: 200,
        body: { stored: 0, enriched: 0, duplicates: 1 },
      });
      withFeedback.add(card.uuid);
      expect(await feedbackRows(card)).toBe(1);
      expect(await reasonOf(card)).toBe('already-handled');
    });

    test('the bare override and its reason sent to both at once: one item, with the reason', async () => {
      const cards = await patientView(b, 'r08-vitamin-d-low');
      const path = '/cds-services/fls-patient-view/feedback';
      const at = '2026-11-22T10:09:00Z';
      for (const card of cards) {
        const bare = {
          feedback: [{ card: card.uuid, outcome: 'overridden', outcomeTimestamp: at }],
        };
        const answers = await Promise.all([
          send(a, 'POST', path, { body: bare }),
          send(b, 'POST', path, { body: overriddenFeedback(card, at) }),
        ]);
        expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
        const results = answers.map(
          (answer) => answer.body as { stored: number; enriched: number; duplicates: number },
        );
        expect(results.reduce((sum, result) => sum + result.stored, 0)).toBe(1);
        // The reason either enriched the bare item or was stored before the bare one came.
        expect(results.reduce((sum, result) => sum + result.enriched + result.duplicates, 0)).toBe(
          1,
        );
        withFeedback.add(card.uuid);
        expect(await feedbackRows(card)).toBe(1);
        expect(await reasonOf(card)).toBe('already-handled');
      }
    });

    test('a card neither replica issued is refused (422) by both, and nothing is stored', async () => {
      const unknown = { uuid: '3f1d8a52-6a4e-4d3b-9a55-0c1e8f7b2d10', code: 'none' };
      const body = overriddenFeedback(unknown, '2026-11-22T10:07:00Z');
      for (const replica of [a, b]) {
        const answer = await send(replica, 'POST', '/cds-services/fls-patient-view/feedback', {
          body,
        });
        expect(answer.status).toBe(422);
        expect(answer.body).toMatchObject({ resourceType: 'OperationOutcome' });
      }
      expect(await feedbackRows(unknown)).toBe(0);
    });
  });

  describe('quality indicators', () => {
    test('read from either replica, they count the cards of both and each feedback once', async () => {
      await patientView(a, 'r08-vitamin-d-low');
      await patientView(b, 'r10-renal-impairment');
      await recorded(issued);
      const expected = new Map<string, { issued: number; overridden: number }>();
      for (const card of issued) {
        const entry = expected.get(card.code) ?? { issued: 0, overridden: 0 };
        entry.issued += 1;
        if (withFeedback.has(card.uuid)) entry.overridden += 1;
        expected.set(card.code, entry);
      }
      const reports = await Promise.all(
        [a, b].map((replica) => send(replica, 'GET', '/quality-indicators')),
      );
      for (const report of reports) {
        expect(report.status).toBe(200);
        const indicators = (report.body as { indicators: Indicator[] }).indicators;
        expect(indicators.map((indicator) => indicator.code).sort()).toEqual(
          [...expected.keys()].sort(),
        );
        for (const indicator of indicators) {
          const want = expected.get(indicator.code) ?? { issued: -1, overridden: -1 };
          expect(indicator).toMatchObject({
            issued: want.issued,
            accepted: 0,
            overridden: want.overridden,
            withoutFeedback: want.issued - want.overridden,
          });
          expect(indicator.overrideReasons).toEqual(
            want.overridden > 0
              ? [{ system: OVERRIDE_SYSTEM, code: 'already-handled', count: want.overridden }]
              : [],
          );
        }
      }
      expect(reports[0]?.body).toEqual(reports[1]?.body);
      // Cards of both replicas, and feedback on cards of both.
      expect(issued.length).toBeGreaterThanOrEqual(4);
      expect(withFeedback.size).toBeGreaterThanOrEqual(2);
    });
  });

  describe('one replica stopping', () => {
    test('A stops cleanly on SIGTERM; B goes on with the shared state', async () => {
      const stopping = stopReplica(a);
      await expect(stopping).resolves.toBe(0);
      await expect(a.waitForLog((line) => line.msg === 'stopped')).resolves.toMatchObject({
        signal: 'SIGTERM',
      });
      // A card B issues now still gets feedback, and the indicators still count A's cards.
      const [card] = await patientView(b, 'r10-renal-impairment');
      if (!card) throw new Error('no card');
      const stored = await send(b, 'POST', '/cds-services/fls-patient-view/feedback', {
        body: overriddenFeedback(card, '2026-11-22T10:08:00Z'),
      });
      expect(stored).toMatchObject({ status: 200, body: { stored: 1, duplicates: 0 } });
      const report = await send(b, 'GET', '/quality-indicators');
      const renal = (report.body as { indicators: Indicator[] }).indicators.find(
        (indicator) => indicator.code === 'renal-impairment',
      );
      expect(renal?.issued).toBe(
        issued.filter((entry) => entry.code === 'renal-impairment').length,
      );
    });

    test('neither replica wrote to its working directory, nor logged a token or a patient id', () => {
      expect(readdirSync(workDir)).toEqual([]);
      for (const replica of replicas) {
        // Every token refused in this file was refused as a replay (none for aud, keys, clock).
        const refusals = replica.logs.filter((line) => line.status === 401);
        expect(refusals.length).toBeGreaterThan(0);
        for (const line of refusals) expect(line.authFailure).toBe('replayed-jti');
        const output = replica.output();
        expect(output).toContain('ready at');
        for (const token of tokens) expect(output).not.toContain(token);
        expect(output).not.toMatch(/pat-r10|pat-r08/);
      }
    });
  });
});
