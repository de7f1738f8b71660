/**
 * One deployment for several sites (rules.md "Profiles and languages"; issue 6):
 * the verified JWT `tenant` picks the site profile per request (CDS_TENANT_PROFILES).
 */
import request from 'supertest';
import { testApp } from '../helpers/app';
import { fracture, hookRequest, patient, prefetchFor, tScore } from '../helpers/fhir';
import { clientClaims, signToken } from '../helpers/jwt';
import { securedEnvironment } from '../helpers/secured';

const ISSUER = 'https://ehr.example.org/cds-client';
const BASE = 'https://cds.example.org/fls';
const PATH = '/cds-services/fls-patient-view';

const secured = securedEnvironment();

function multiSiteApp() {
  const verifier = secured.verifier(ISSUER);
  return testApp({
    store: secured.store,
    now: () => new Date(),
    auth: { verifier, publicBaseUrl: BASE },
    tenantProfiles: { 'region-midtjylland': 'dk', 'region-skane': 'se' },
  }).app;
}

/** A wrist-fracture patient with osteopenia on a recent DXA (real clock: dates relative to now). */
const body = () => {
  const now = new Date();
  const ago = (months: number) =>
    new Date(now.getTime() - months * 30.4375 * 86_400_000).toISOString();
  return hookRequest('patient-view', {
    prefetch: prefetchFor([patient(), fracture('radius', ago(4)), tScore('spine', -1.8, ago(1))]),
  });
};

const call = async (tenant?: string) =>
  request(multiSiteApp())
    .post(PATH)
    .set(
      'Authorization',
      `Bearer ${await signToken(secured.key, clientClaims(ISSUER, `${BASE}${PATH}`, tenant ? { tenant } : {}))}`,
    )
    .send(body());

const codes = (response: request.Response) =>
  (response.body as { cards: { source: { topic: { code: string } } }[] }).cards.map(
    (card) => card.source.topic.code,
  );

describe('profile per request from the verified JWT tenant', () => {
  test('a Danish tenant gets the Danish FLS group, in Danish', async () => {
    const response = await call('region-midtjylland');
    expect(response.status).toBe(200);
    expect(response.headers['content-language']).toBe('da');
    expect(codes(response)).toContain('fls-group-2a');
    expect(codes(response)).not.toContain('antiresorptive-indicated');
  });

  test('a Swedish tenant gets the fracture chain, in Swedish', async () => {
    const response = await call('region-skane');
    expect(response.headers['content-language']).toBe('sv');
    expect(codes(response)).toContain('fracture-chain-no-visit');
  });

  test('an unmapped or missing tenant gets the deployment profile (no): no pathway card, R3(c) counts the wrist fracture', async () => {
    for (const response of [await call('another-site'), await call()]) {
      expect(response.headers['content-language']).toBe('nb');
      expect(
        codes(response).some(
          (code) => code.startsWith('fls-group') || code.startsWith('fracture-chain'),
        ),
      ).toBe(false);
      expect(codes(response)).toContain('antiresorptive-indicated');
    }
  });
});
