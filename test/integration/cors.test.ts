/**
 * A browser CDS client (the CDS Hooks sandbox) reads the FHIR server from the page, so
 * the HAPI launcher behind `npm run hapi` must answer CORS: a preflight for a search
 * with a bearer token, and the allow-origin header on the answer itself.
 */
import { hapiBaseUrl } from './support';

const ORIGIN = 'https://sandbox.cds-hooks.org';

describe('HAPI launcher: CORS for browser CDS clients', () => {
  test('a preflight for a search with Authorization is allowed (204, methods, headers)', async () => {
    const response = await fetch(`${hapiBaseUrl()}/Observation?patient=x`, {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization, accept',
        'Access-Control-Request-Private-Network': 'true',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toContain('GET');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(response.headers.get('access-control-allow-private-network')).toBe('true');
  });

  test('a cross-origin read carries Access-Control-Allow-Origin and still answers FHIR', async () => {
    const response = await fetch(`${hapiBaseUrl()}/metadata`, {
      headers: { Origin: ORIGIN, Accept: 'application/fhir+json' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const body = (await response.json()) as { resourceType?: string };
    expect(body.resourceType).toBe('CapabilityStatement');
  });

  test('a same-origin request (no Origin) gets no CORS headers', async () => {
    const response = await fetch(`${hapiBaseUrl()}/metadata`, {
      headers: { Accept: 'application/fhir+json' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
