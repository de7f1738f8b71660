/**
 * Client authentication over HTTP: discovery, service, feedback and quality
 * indicators need a valid JWT whose aud is the URL called; a failure is a bare
 * 401 whose reason is logged without the token; the replay cache is the store.
 */
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { testApp } from '../helpers/app';
import { daysAgo, hookRequest, labs, patient, prefetchFor } from '../helpers/fhir';
import { clientClaims, signToken } from '../helpers/jwt';
import { securedEnvironment } from '../helpers/secured';
import { parsedLogs } from '../http/support';

const ISSUER = 'https://ehr.example.org/cds-client';
const BASE = 'https://cds.example.org/fls';

const secured = securedEnvironment();

/** publicBaseUrl null: no PUBLIC_BASE_URL, the aud comes from the request. */
function securedApp(publicBaseUrl: string | null = BASE) {
  const verifier = secured.verifier(ISSUER);
  return testApp({
    store: secured.store,
    auth: { verifier, ...(publicBaseUrl !== null ? { publicBaseUrl } : {}) },
  });
}

const tokenFor = (path: string, overrides: Record<string, unknown> = {}) =>
  signToken(secured.key, clientClaims(ISSUER, `${BASE}${path}`, overrides));

const cardRequest = () =>
  hookRequest('patient-view', {
    prefetch: prefetchFor([
      patient(),
      labs.calcium(2.0, daysAgo(10)),
      labs.albumin(40, daysAgo(10)),
    ]),
  });

describe('a valid client JWT', () => {
  test('opens discovery', async () => {
    const { app, logs } = securedApp();
    const response = await request(app)
      .get('/cds-services')
      .set('Authorization', `Bearer ${await tokenFor('/cds-services')}`);
    expect(response.status).toBe(200);
    expect(parsedLogs(logs)).toContainEqual(
      expect.objectContaining({ status: 200, client: ISSUER }),
    );
  });

  test('opens a service call, and its cards can then get feedback with another token', async () => {
    const { app } = securedApp();
    const path = '/cds-services/fls-patient-view';
    const called = await request(app)
      .post(path)
      .set('Authorization', `Bearer ${await tokenFor(path)}`)
      .send(cardRequest());
    expect(called.status).toBe(200);
    const [card] = (called.body as { cards: { uuid: string }[] }).cards;
    const feedback = await request(app)
      .post(`${path}/feedback`)
      .set('Authorization', `Bearer ${await tokenFor(`${path}/feedback`)}`)
      .send({
        feedback: [
          { card: card?.uuid, outcome: 'overridden', outcomeTimestamp: new Date().toISOString() },
        ],
      });
    expect(feedback.status).toBe(200);
  });

  test('opens the quality indicators (aud without the query string)', async () => {
    const { app } = securedApp();
    const response = await request(app)
      .get('/quality-indicators?from=2026-01-01&to=2026-01-31')
      .set('Authorization', `Bearer ${await tokenFor('/quality-indicators')}`);
    expect(response.status).toBe(200);
  });

  test('without PUBLIC_BASE_URL the aud is the URL as this request reached the service', async () => {
    const { app } = securedApp(null);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const token = await signToken(secured.key, clientClaims(ISSUER, `${origin}/cds-services`));
      const ok = await fetch(`${origin}/cds-services`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(ok.status).toBe(200);
      const behindProxy = await tokenFor('/cds-services');
      const refused = await fetch(`${origin}/cds-services`, {
        headers: { Authorization: `Bearer ${behindProxy}` },
      });
      expect(refused.status).toBe(401);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('a bare 401', () => {
  test.each([
    ['GET', '/cds-services'],
    ['POST', '/cds-services/fls-patient-view'],
    ['POST', '/cds-services/fls-patient-view/feedback'],
    ['GET', '/quality-indicators'],
    ['GET', '/no-such-path'],
  ])('%s %s without a token', async (method, path) => {
    const { app, logs } = securedApp();
    const response =
      method === 'GET' ? await request(app).get(path) : await request(app).post(path).send({});
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="fls-cds-hooks"');
    expect(response.text).toBe('');
    expect(parsedLogs(logs)).toContainEqual(
      expect.objectContaining({ status: 401, authFailure: 'missing-token' }),
    );
  });

  test('a token for another endpoint is refused, logged with its reason and never the token', async () => {
    const { app, logs } = securedApp();
    const token = await tokenFor('/cds-services');
    const response = await request(app)
      .post('/cds-services/fls-patient-view')
      .set('Authorization', `Bearer ${token}`)
      .send(cardRequest());
    expect(response.status).toBe(401);
    expect(response.text).toBe('');
    const lines = parsedLogs(logs);
    expect(lines).toContainEqual(
      expect.objectContaining({ status: 401, authFailure: 'aud-mismatch', client: ISSUER }),
    );
    const [header, payload, signature] = token.split('.');
    for (const part of [header, payload, signature]) {
      expect(logs.join('\n')).not.toContain(String(part));
    }
  });

  test('a replayed token: 200 the first time, 401 the second (jti in the store)', async () => {
    const { app, logs } = securedApp();
    const token = await tokenFor('/cds-services');
    const first = await request(app).get('/cds-services').set('Authorization', `Bearer ${token}`);
    const second = await request(app).get('/cds-services').set('Authorization', `Bearer ${token}`);
    expect([first.status, second.status]).toEqual([200, 401]);
    expect(parsedLogs(logs)).toContainEqual(
      expect.objectContaining({ status: 401, authFailure: 'replayed-jti' }),
    );
  });

  test('a replay is refused by another app instance on the same store (replicas)', async () => {
    const token = await tokenFor('/cds-services');
    const first = await request(securedApp().app)
      .get('/cds-services')
      .set('Authorization', `Bearer ${token}`);
    const second = await request(securedApp().app)
      .get('/cds-services')
      .set('Authorization', `Bearer ${token}`);
    expect([first.status, second.status]).toEqual([200, 401]);
  });

  test('a non-Bearer Authorization header counts as no token', async () => {
    const { app } = securedApp();
    const response = await request(app)
      .get('/cds-services')
      .set('Authorization', 'Basic Zm9vOmJhcg==');
    expect(response.status).toBe(401);
  });
});

describe('open without a token', () => {
  test.each(['/healthz', '/openapi.json'])('GET %s', async (path) => {
    const { app } = securedApp();
    expect((await request(app).get(path)).status).toBe(200);
  });

  test('a CORS preflight', async () => {
    const { app } = securedApp();
    const response = await request(app)
      .options('/cds-services/fls-patient-view')
      .set('Origin', 'https://ehr.example.org')
      .set('Access-Control-Request-Method', 'POST');
    expect(response.status).toBe(204);
  });
});
