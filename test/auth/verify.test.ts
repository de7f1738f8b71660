/**
 * CDS client JWT verification (../shared/cds-hooks.md "Security") with real ES384
 * and RS384 keys generated here and a JWKS server on 127.0.0.1. Every case checks
 * the reason, so a token refused for the wrong reason fails the test.
 */
import { randomUUID } from 'node:crypto';
import type { TrustedClient } from '../../src/http/auth/trusted-clients';
import { JwtVerifier, type VerifierSettings } from '../../src/http/auth/verify';
import {
  clientClaims,
  hmacForgery,
  nowSeconds,
  signingKey,
  signToken,
  startJwksServer,
  unsignedToken,
  type JwksServer,
  type SigningKey,
} from '../helpers/jwt';
import { RecordingStore } from '../helpers/stores';

const ISSUER = 'https://ehr.example.org/cds-client';
const AUDIENCE = 'https://cds.example.org/fls/cds-services/fls-patient-view';

let es384: SigningKey;
let rs384: SigningKey;
let jwks: JwksServer;

beforeAll(async () => {
  [es384, rs384] = await Promise.all([signingKey('ES384'), signingKey('RS384')]);
  jwks = await startJwksServer([es384.publicJwk, rs384.publicJwk]);
}, 30_000);

afterAll(async () => {
  await jwks.close();
});

beforeEach(() => {
  jwks.keys = [es384.publicJwk, rs384.publicJwk];
  jwks.mode = 'ok';
  jwks.failNext = 0;
});

function verifier(
  client: Partial<TrustedClient> = {},
  settings: Partial<VerifierSettings> = {},
): JwtVerifier {
  return new JwtVerifier({
    clients: [{ issuer: ISSUER, jwksUrl: jwks.url, allowedJku: [], ...client }],
    algorithms: ['ES384', 'RS384'],
    clockSkewSeconds: 60,
    replay: new RecordingStore(),
    jwks: { timeoutMs: 1000, cooldownMs: 0, retries: 1 },
    ...settings,
  });
}

const claims = (overrides: Record<string, unknown> = {}) =>
  clientClaims(ISSUER, AUDIENCE, overrides);

describe('valid tokens', () => {
  test.each(['ES384', 'RS384'])('a %s token from a trusted issuer passes', async (alg) => {
    const key = alg === 'ES384' ? es384 : rs384;
    const token = await signToken(key, claims());
    await expect(verifier().verify(token, AUDIENCE)).resolves.toEqual({
      ok: true,
      issuer: ISSUER,
    });
  });

  test('aud may be a list that contains the URL called', async () => {
    const token = await signToken(es384, claims({ aud: ['https://other.example.org', AUDIENCE] }));
    await expect(verifier().verify(token, AUDIENCE)).resolves.toMatchObject({ ok: true });
  });

  test('a token that expired within the clock skew still passes', async () => {
    const now = nowSeconds();
    const token = await signToken(es384, claims({ iat: now - 300, exp: now - 30 }));
    await expect(verifier().verify(token, AUDIENCE)).resolves.toMatchObject({ ok: true });
  });

  test('keys may be configured statically: no JWKS fetch', async () => {
    const before = jwks.requests;
    const token = await signToken(rs384, claims());
    const statics = verifier({ jwksUrl: undefined, jwks: { keys: [rs384.publicJwk] } });
    await expect(statics.verify(token, AUDIENCE)).resolves.toMatchObject({ ok: true });
    expect(jwks.requests).toBe(before);
  });
});

describe('each header field and claim wrong in turn', () => {
  const now = nowSeconds();
  const cases: [string, string, () => Promise<string>][] = [
    ['typ missing', 'bad-typ', () => signToken(es384, claims(), { typ: undefined })],
    ['typ not JWT', 'bad-typ', () => signToken(es384, claims(), { typ: 'at+jwt' })],
    ['kid missing', 'missing-kid', () => signToken(es384, claims(), { kid: undefined })],
    ['iss missing', 'missing-claim', () => signToken(es384, claims({ iss: undefined }))],
    [
      'iss not on the allow-list',
      'unknown-issuer',
      () => signToken(es384, claims({ iss: 'https://attacker.example.org' })),
    ],
    ['aud missing', 'missing-claim', () => signToken(es384, claims({ aud: undefined }))],
    [
      'aud another endpoint of this service',
      'aud-mismatch',
      () => signToken(es384, claims({ aud: 'https://cds.example.org/fls/cds-services' })),
    ],
    [
      'aud another host',
      'aud-mismatch',
      () =>
        signToken(
          es384,
          claims({ aud: 'https://evil.example.org/fls/cds-services/fls-patient-view' }),
        ),
    ],
    ['exp missing', 'missing-claim', () => signToken(es384, claims({ exp: undefined }))],
    [
      'expired beyond the clock skew',
      'expired',
      () => signToken(es384, claims({ iat: now - 600, exp: now - 120 })),
    ],
    ['iat missing', 'missing-claim', () => signToken(es384, claims({ iat: undefined }))],
    [
      'iat in the future',
      'iat-in-future',
      () => signToken(es384, claims({ iat: now + 600, exp: now + 900 })),
    ],
    ['nbf in the future', 'not-yet-valid', () => signToken(es384, claims({ nbf: now + 600 }))],
    [
      'lifetime over one hour',
      'lifetime-too-long',
      () => signToken(es384, claims({ exp: now + 7200 })),
    ],
    ['jti missing', 'missing-claim', () => signToken(es384, claims({ jti: undefined }))],
    [
      'jti absurdly long',
      'malformed-token',
      () => signToken(es384, claims({ jti: 'x'.repeat(300) })),
    ],
  ];

  test.each(cases)('%s → 401 (%s)', async (_name, reason, token) => {
    await expect(verifier().verify(await token(), AUDIENCE)).resolves.toMatchObject({
      ok: false,
      reason,
    });
  });

  test('a refusal names the issuer only once it is on the allow-list', async () => {
    const unknown = await signToken(es384, claims({ iss: 'https://attacker.example.org' }));
    const verdict = await verifier().verify(unknown, AUDIENCE);
    expect(verdict).toEqual({ ok: false, reason: 'unknown-issuer' });
  });
});

describe('tenant', () => {
  test.each([
    ['missing', undefined, 'tenant-not-allowed'],
    ['another tenant', 'helse-bergen', 'tenant-not-allowed'],
  ])('%s → 401', async (_name, tenant, reason) => {
    const token = await signToken(es384, claims({ tenant }));
    await expect(
      verifier({ tenants: ['helse-stavanger'] }).verify(token, AUDIENCE),
    ).resolves.toMatchObject({ ok: false, reason });
  });

  test('a configured tenant passes', async () => {
    const token = await signToken(es384, claims({ tenant: 'helse-stavanger' }));
    await expect(
      verifier({ tenants: ['helse-stavanger'] }).verify(token, AUDIENCE),
    ).resolves.toMatchObject({ ok: true });
  });
});

describe('signature and keys', () => {
  test('a signature by another key under the issuer kid → bad-signature', async () => {
    const impostor = { ...(await signingKey('ES384')), kid: es384.kid };
    const token = await signToken(impostor, claims());
    await expect(verifier().verify(token, AUDIENCE)).resolves.toMatchObject({
      ok: false,
      reason: 'bad-signature',
    });
  });

  test('a payload changed after signing → bad-signature', async () => {
    const [header, , signature] = (await signToken(es384, claims())).split('.');
    const forged = Buffer.from(JSON.stringify(claims({ tenant: 'admin' }))).toString('base64url');
    await expect(
      verifier().verify(`${header}.${forged}.${signature}`, AUDIENCE),
    ).resolves.toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  test('a kid the issuer does not publish → unknown-kid', async () => {
    const stranger = await signingKey('ES384');
    await expect(
      verifier().verify(await signToken(stranger, claims()), AUDIENCE),
    ).resolves.toMatchObject({ ok: false, reason: 'unknown-kid' });
  });

  test('an enabled-elsewhere algorithm (ES256) is refused before any key lookup', async () => {
    const es256 = await signingKey('ES256');
    jwks.keys = [...jwks.keys, es256.publicJwk];
    const before = jwks.requests;
    await expect(
      verifier().verify(await signToken(es256, claims()), AUDIENCE),
    ).resolves.toMatchObject({ ok: false, reason: 'alg-not-allowed' });
    expect(jwks.requests).toBe(before);
  });
});

describe('forgeries', () => {
  test('alg: none → alg-not-allowed', async () => {
    const token = unsignedToken({ kid: es384.kid }, claims());
    await expect(verifier().verify(token, AUDIENCE)).resolves.toMatchObject({
      ok: false,
      reason: 'alg-not-allowed',
    });
  });

  test('HS256 signed with the public key → alg-not-allowed', async () => {
    const token = await hmacForgery(es384, claims());
    await expect(verifier().verify(token, AUDIENCE)).resolves.toMatchObject({
      ok: false,
      reason: 'alg-not-allowed',
    });
  });

  test('a verifier cannot even be configured with HMAC or none', () => {
    for (const algorithm of ['HS256', 'none']) {
      expect(() => verifier({}, { algorithms: [algorithm] })).toThrow(/not an allowed/);
    }
  });

  test.each([
    ['no token', 'missing-token', undefined],
    ['not a JWT', 'malformed-token', 'not-a-jwt'],
    ['garbage in base64url', 'malformed-token', 'eyJhbGciOi.eyJpc3Mi.c2ln'],
  ])('%s → %s', async (_name, reason, token) => {
    await expect(verifier().verify(token, AUDIENCE)).resolves.toMatchObject({
      ok: false,
      reason,
    });
  });
});

describe('jku', () => {
  test('an allow-listed jku is used to find the key', async () => {
    const sandboxKey = await signingKey('ES384');
    const sandbox = await startJwksServer([sandboxKey.publicJwk]);
    try {
      const token = await signToken(sandboxKey, claims(), { jku: sandbox.url });
      const jkuOnly = verifier({ jwksUrl: undefined, allowedJku: [sandbox.url] });
      await expect(jkuOnly.verify(token, AUDIENCE)).resolves.toMatchObject({ ok: true });
      expect(sandbox.requests).toBe(1);
    } finally {
      await sandbox.close();
    }
  });

  test('a jku not on the issuer allow-list is never fetched → jku-not-allowed', async () => {
    const attackerKey = await signingKey('ES384');
    const attacker = await startJwksServer([attackerKey.publicJwk]);
    try {
      const token = await signToken(attackerKey, claims(), { jku: attacker.url });
      await expect(verifier().verify(token, AUDIENCE)).resolves.toMatchObject({
        ok: false,
        reason: 'jku-not-allowed',
      });
      expect(attacker.requests).toBe(0);
    } finally {
      await attacker.close();
    }
  });
  test('pinned keys: the jku header is ignored, never fetched, and the pinned key verifies', async () => {
    const clientKey = await signingKey('ES384');
    const published = await startJwksServer([clientKey.publicJwk]);
    try {
      const token = await signToken(clientKey, claims(), { jku: published.url });
      const pinned = verifier({ jwksUrl: undefined, jwks: { keys: [clientKey.publicJwk] } });
      await expect(pinned.verify(token, AUDIENCE)).resolves.toEqual({ ok: true, issuer: ISSUER });
      expect(published.requests).toBe(0);
    } finally {
      await published.close();
    }
  });

  test('pinned keys: a token signed by the jku key set but not a pinned key fails, nothing fetched', async () => {
    const attackerKey = await signingKey('ES384');
    const attacker = await startJwksServer([attackerKey.publicJwk]);
    try {
      const token = await signToken(attackerKey, claims(), { jku: attacker.url });
      const pinned = verifier({ jwksUrl: undefined, jwks: { keys: [rs384.publicJwk] } });
      const verdict = await pinned.verify(token, AUDIENCE);
      expect(verdict.ok).toBe(false);
      expect(attacker.requests).toBe(0);
    } finally {
      await attacker.close();
    }
  });
});

describe('replay', () => {
  test('the same jti twice → replayed-jti the second time', async () => {
    const check = verifier();
    const jti = randomUUID();
    await expect(
      check.verify(await signToken(es384, claims({ jti })), AUDIENCE),
    ).resolves.toMatchObject({ ok: true });
    await expect(check.verify(await signToken(es384, claims({ jti })), AUDIENCE)).resolves.toEqual({
      ok: false,
      reason: 'replayed-jti',
      issuer: ISSUER,
    });
  });

  test('the jti is remembered until the token expires plus the clock skew', async () => {
    const replay = new RecordingStore();
    const remember = jest.spyOn(replay, 'rememberJti');
    const exp = nowSeconds() + 300;
    const token = await signToken(es384, claims({ exp }));
    await verifier({}, { replay }).verify(token, AUDIENCE);
    expect(remember).toHaveBeenCalledWith(
      ISSUER,
      expect.any(String),
      new Date((exp + 60) * 1000),
      expect.any(Date),
    );
  });
});

describe('JWKS cache, rotation and outages', () => {
  test('a rotated key is fetched on its unknown kid once the cooldown has passed', async () => {
    const rotating = verifier({}, { jwks: { timeoutMs: 1000, cooldownMs: 300, retries: 0 } });
    await expect(
      rotating.verify(await signToken(es384, claims()), AUDIENCE),
    ).resolves.toMatchObject({ ok: true });
    const fetchesBefore = jwks.requests;
    const next = await signingKey('ES384');
    jwks.keys = [next.publicJwk];

    // Within the cooldown an unknown kid does not make the service hammer the issuer.
    await expect(rotating.verify(await signToken(next, claims()), AUDIENCE)).resolves.toMatchObject(
      {
        ok: false,
        reason: 'unknown-kid',
      },
    );
    expect(jwks.requests).toBe(fetchesBefore);

    await new Promise((resolve) => setTimeout(resolve, 350));
    await expect(rotating.verify(await signToken(next, claims()), AUDIENCE)).resolves.toMatchObject(
      {
        ok: true,
      },
    );
    expect(jwks.requests).toBe(fetchesBefore + 1);
    // The retired key is gone from the refreshed set.
    await expect(
      rotating.verify(await signToken(es384, claims()), AUDIENCE),
    ).resolves.toMatchObject({ ok: false, reason: 'unknown-kid' });
  });

  test('cached keys keep working while the JWKS server is down', async () => {
    const cached = verifier();
    await expect(cached.verify(await signToken(es384, claims()), AUDIENCE)).resolves.toMatchObject({
      ok: true,
    });
    jwks.mode = 'error';
    await expect(cached.verify(await signToken(es384, claims()), AUDIENCE)).resolves.toMatchObject({
      ok: true,
    });
  });

  test('JWKS server answering 500 → jwks-unavailable after a bounded number of attempts', async () => {
    jwks.mode = 'error';
    const before = jwks.requests;
    await expect(
      verifier({}, { jwks: { timeoutMs: 2000, cooldownMs: 0, retries: 2 } }).verify(
        await signToken(es384, claims()),
        AUDIENCE,
      ),
    ).resolves.toMatchObject({ ok: false, reason: 'jwks-unavailable' });
    expect(jwks.requests - before).toBe(3);
  });

  test('one failed fetch is retried', async () => {
    jwks.failNext = 1;
    const before = jwks.requests;
    await expect(
      verifier().verify(await signToken(rs384, claims()), AUDIENCE),
    ).resolves.toMatchObject({ ok: true });
    expect(jwks.requests - before).toBe(2);
  });

  test('a JWKS server that never answers → jwks-unavailable within the timeout', async () => {
    jwks.mode = 'hang';
    const started = Date.now();
    await expect(
      verifier({}, { jwks: { timeoutMs: 300, cooldownMs: 0, retries: 2 } }).verify(
        await signToken(es384, claims()),
        AUDIENCE,
      ),
    ).resolves.toMatchObject({ ok: false, reason: 'jwks-unavailable' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('a JWKS server that is gone (connection refused) → jwks-unavailable', async () => {
    const gone = await startJwksServer([es384.publicJwk]);
    const url = gone.url;
    await gone.close();
    await expect(
      verifier({ jwksUrl: url }).verify(await signToken(es384, claims()), AUDIENCE),
    ).resolves.toMatchObject({ ok: false, reason: 'jwks-unavailable' });
  });
});
