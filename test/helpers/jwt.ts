/**
 * Real keys and tokens for the auth tests: key pairs generated in the test with
 * jose, tokens signed with them, and a JWKS server on 127.0.0.1 whose keys and
 * health the test controls. Never the internet.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwtVerifier, type ReplayCache } from '../../src/http/auth/verify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function signingKey(
  alg: 'ES384' | 'RS384' | 'ES256',
  kid = randomUUID(),
): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

/** Header and claims as given; a value `undefined` leaves that member out. */
export async function signToken(
  key: SigningKey,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const protectedHeader = withoutUndefined({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header });
  return new SignJWT(withoutUndefined(claims))
    .setProtectedHeader(protectedHeader as { alg: string })
    .sign(key.privateKey);
}

/** Claims a CDS client sends: valid for five minutes from now, fresh jti. */
export function clientClaims(
  issuer: string,
  audience: string | string[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: issuer, aud: audience, iat: now, exp: now + 300, jti: randomUUID(), ...overrides };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** An unsigned token (`alg: none`), as a forger would send it. */
export function unsignedToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT', ...header })}.${part(claims)}.`;
}

/** HS256 with the issuer's public key as the HMAC secret: the classic key-confusion forgery. */
export async function hmacForgery(
  key: SigningKey,
  claims: Record<string, unknown>,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid })
    .sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)));
}

export interface JwksServer {
  url: string;
  /** Served as {"keys": [...]}; replace to rotate. */
  keys: JWK[];
  /** ok: 200; error: 500; hang: never answers. */
  mode: 'ok' | 'error' | 'hang';
  /** Answer this many requests with 503 before behaving as `mode`. */
  failNext: number;
  requests: number;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const state: JwksServer = {
    url: '',
    keys,
    mode: 'ok',
    failNext: 0,
    requests: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((_req, res) => {
    state.requests += 1;
    if (state.failNext > 0) {
      state.failNext -= 1;
      res.writeHead(503).end();
      return;
    }
    if (state.mode === 'hang') return;
    if (state.mode === 'error') {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return state;
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
}

/**
 * The verifier the HTTP auth tests use: one trusted issuer whose keys come from
 * `jwksUrl`, ES384 / RS384, 60 s skew, the store as replay cache, no JWKS retries.
 */
export function testVerifier(issuer: string, jwksUrl: string, replay: ReplayCache): JwtVerifier {
  return new JwtVerifier({
    clients: [{ issuer, jwksUrl, allowedJku: [] }],
    algorithms: ['ES384', 'RS384'],
    clockSkewSeconds: 60,
    replay,
    jwks: { timeoutMs: 1000, cooldownMs: 0, retries: 0 },
  });
}
