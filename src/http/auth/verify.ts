/**
 * Verifies a CDS client's JWT (../shared/cds-hooks.md "Security"), transport-free.
 * Order: header (typ, alg, kid) → iss on the allow-list → aud is the URL called →
 * exp / nbf / iat within the clock skew, lifetime ≤ 1 h → tenant → key (kid; jku
 * only if allow-listed) and signature → jti not seen before. The first failure is
 * the verdict; its reason is for the log, never for the response.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import {
  joseCode,
  KeyResolver,
  KeySourceError,
  DEFAULT_JWKS_OPTIONS,
  type JwksOptions,
} from './keys';
import { ASYMMETRIC_ALGORITHMS, type TrustedClient } from './trusted-clients';

export type AuthFailureReason =
  | 'missing-token'
  | 'malformed-token'
  | 'bad-typ'
  | 'alg-not-allowed'
  | 'missing-kid'
  | 'missing-claim'
  | 'unknown-issuer'
  | 'aud-mismatch'
  | 'expired'
  | 'not-yet-valid'
  | 'iat-in-future'
  | 'lifetime-too-long'
  | 'tenant-not-allowed'
  | 'jku-not-allowed'
  | 'no-key-source'
  | 'unknown-kid'
  | 'ambiguous-kid'
  | 'jwks-unavailable'
  | 'bad-signature'
  | 'invalid-token'
  | 'replayed-jti';

export type Verdict =
  /** tenant: the verified token's `tenant` claim, when it has one (it may choose the site profile). */
  | { ok: true; issuer: string; tenant?: string }
  /** issuer only when it is on the allow-list (an unverified string is not logged). */
  | { ok: false; reason: AuthFailureReason; issuer?: string };

/** Remembers (issuer, jti) until the token expires; shared by replicas through the database. */
export interface ReplayCache {
  rememberJti(issuer: string, jti: string, expiresAt: Date, now: Date): Promise<boolean>;
}

export interface VerifierSettings {
  clients: readonly TrustedClient[];
  algorithms: readonly string[];
  clockSkewSeconds: number;
  replay: ReplayCache;
  /** Longest accepted exp − iat, which also bounds how long a jti is remembered. */
  maxLifetimeSeconds?: number;
  jwks?: Partial<JwksOptions>;
  now?: () => Date;
}

/** CDS Hooks: the replay cache covers the token lifetime, up to one hour. */
const DEFAULT_MAX_LIFETIME_SECONDS = 3600;
const MAX_TOKEN_CHARS = 16_384;
const MAX_JTI_CHARS = 255;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const REQUIRED_CLAIMS = ['iss', 'aud', 'exp', 'iat', 'jti'];

/** What the HTTP layer needs of a verifier (app.ts imports only this type, so jose loads only with auth on). */
export interface TokenVerifier {
  verify(token: string | undefined, audience: string): Promise<Verdict>;
}

export class JwtVerifier implements TokenVerifier {
  private readonly clients: ReadonlyMap<string, TrustedClient>;
  private readonly algorithms: readonly string[];
  private readonly keys: KeyResolver;
  private readonly maxLifetimeSeconds: number;
  private readonly now: () => Date;

  constructor(private readonly settings: VerifierSettings) {
    for (const algorithm of settings.algorithms) {
      if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(algorithm)) {
        throw new Error(`JWT algorithm ${algorithm} is not an allowed asymmetric algorithm`);
      }
    }
    this.clients = new Map(settings.clients.map((client) => [client.issuer, client]));
    this.algorithms = [...settings.algorithms];
    this.keys = new KeyResolver({ ...DEFAULT_JWKS_OPTIONS, ...settings.jwks });
    this.maxLifetimeSeconds = settings.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
    this.now = settings.now ?? (() => new Date());
  }

  /** `audience`: the exact URL the client called. Throws only when the replay cache fails. */
  async verify(token: string | undefined, audience: string): Promise<Verdict> {
    if (!token) return { ok: false, reason: 'missing-token' };
    if (token.length > MAX_TOKEN_CHARS || !COMPACT_JWS.test(token)) {
      return { ok: false, reason: 'malformed-token' };
    }
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      return { ok: false, reason: 'malformed-token' };
    }
    if (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT') {
      return { ok: false, reason: 'bad-typ' };
    }
    if (typeof header.alg !== 'string' || !this.algorithms.includes(header.alg)) {
      return { ok: false, reason: 'alg-not-allowed' };
    }
    if (typeof header.kid !== 'string' || header.kid === '') {
      return { ok: false, reason: 'missing-kid' };
    }
    if (header.jku !== undefined && typeof header.jku !== 'string') {
      return { ok: false, reason: 'malformed-token' };
    }

    if (typeof claims.iss !== 'string') return { ok: false, reason: 'missing-claim' };
    const client = this.clients.get(claims.iss);
    if (!client) return { ok: false, reason: 'unknown-issuer' };
    const fail = (reason: AuthFailureReason): Verdict => ({
      ok: false,
      reason,
      issuer: client.issuer,
    });

    const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
    if (audiences.length === 0) return fail('missing-claim');
    if (!audiences.includes(audience)) return fail('aud-mismatch');

    const { exp, iat, jti, nbf } = claims;
    if (typeof exp !== 'number' || typeof iat !== 'number' || typeof jti !== 'string' || !jti) {
      return fail('missing-claim');
    }
    if (jti.length > MAX_JTI_CHARS) return fail('malformed-token');
    const skew = this.settings.clockSkewSeconds;
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    if (exp <= nowSeconds - skew) return fail('expired');
    if (typeof nbf === 'number' && nbf > nowSeconds + skew) return fail('not-yet-valid');
    if (iat > nowSeconds + skew) return fail('iat-in-future');
    if (exp - iat > this.maxLifetimeSeconds) return fail('lifetime-too-long');

    if (client.tenants) {
      const tenant = (claims as { tenant?: unknown }).tenant;
      if (typeof tenant !== 'string' || !client.tenants.includes(tenant)) {
        return fail('tenant-not-allowed');
      }
    }

    const lookup = this.keys.lookup(client, header.jku);
    if (lookup.kind !== 'found') return fail(lookup.kind);
    try {
      await jwtVerify(token, lookup.getKey, {
        issuer: client.issuer,
        audience,
        algorithms: [...this.algorithms],
        clockTolerance: skew,
        typ: 'JWT',
        requiredClaims: REQUIRED_CLAIMS,
        currentDate: this.now(),
      });
    } catch (error) {
      return fail(classify(error));
    }

    // Remembered past its expiry by the skew, while a clock-skewed copy could still pass.
    const rememberUntil = new Date((exp + skew) * 1000);
    const firstUse = await this.settings.replay.rememberJti(
      client.issuer,
      jti,
      rememberUntil,
      this.now(),
    );
    if (!firstUse) return fail('replayed-jti');
    const tenant = (claims as { tenant?: unknown }).tenant;
    return {
      ok: true,
      issuer: client.issuer,
      ...(typeof tenant === 'string' && tenant ? { tenant } : {}),
    };
  }
}

function classify(error: unknown): AuthFailureReason {
  if (error instanceof KeySourceError) return 'jwks-unavailable';
  switch (joseCode(error)) {
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'unknown-kid';
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'ambiguous-kid';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad-signature';
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'alg-not-allowed';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (error as { claim?: unknown }).claim;
      if (claim === 'aud') return 'aud-mismatch';
      if (claim === 'nbf') return 'not-yet-valid';
      if (claim === 'iat') return 'iat-in-future';
      return 'invalid-token';
    }
    default:
      return 'invalid-token';
  }
}
