/**
 * Finds the key that should have signed a token: the issuer's pinned keys
 * (any `jku` header is then ignored, never fetched), else the token's `jku`
 * when (and only when) that URL is on the issuer's allow-list, else its JWKS URL. Remote key sets are cached per URL by jose; an unknown
 * `kid` refetches once the cooldown has passed (key rotation), each fetch with a
 * deadline and a few retries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type FetchImplementation,
  type JWTVerifyGetKey,
} from 'jose';
import { normaliseUrl, type TrustedClient } from './trusted-clients';

export interface JwksOptions {
  /** Deadline for one JWKS fetch including its retries. */
  timeoutMs: number;
  /** Least time between fetches triggered by unknown `kid`s (stops kid-spraying from hammering the issuer). */
  cooldownMs: number;
  /** Keys are refetched when older than this. */
  cacheMaxAgeMs: number;
  /** Extra attempts after a network error or a 5xx. */
  retries: number;
}

export const DEFAULT_JWKS_OPTIONS: JwksOptions = {
  timeoutMs: 3_000,
  cooldownMs: 30_000,
  cacheMaxAgeMs: 600_000,
  retries: 2,
};

/** The key source failed (network, timeout, not a JWKS): not the token's fault, but it cannot be verified. */
export class KeySourceError extends Error {
  constructor(cause: unknown) {
    super('the issuer key set could not be fetched', { cause });
    this.name = 'KeySourceError';
  }
}

export type KeyLookup =
  | { kind: 'found'; getKey: JWTVerifyGetKey }
  | { kind: 'jku-not-allowed' }
  | { kind: 'no-key-source' };

export class KeyResolver {
  private readonly remoteSets = new Map<string, JWTVerifyGetKey>();
  private readonly localSets = new Map<string, JWTVerifyGetKey>();

  constructor(private readonly options: JwksOptions = DEFAULT_JWKS_OPTIONS) {}

  lookup(client: TrustedClient, jku: string | undefined): KeyLookup {
    // Pinned keys are the trust anchor: a `jku` header (some clients always send one)
    // cannot add a key, so it is ignored and never fetched.
    if (client.jwks) {
      let local = this.localSets.get(client.issuer);
      if (!local) {
        local = createLocalJWKSet(client.jwks);
        this.localSets.set(client.issuer, local);
      }
      return { kind: 'found', getKey: local };
    }
    if (jku !== undefined) {
      const normalised = normaliseUrl(jku);
      const allowed =
        normalised !== undefined &&
        (client.allowedJku.includes(normalised) || client.jwksUrl === normalised);
      return allowed
        ? { kind: 'found', getKey: this.remote(normalised) }
        : { kind: 'jku-not-allowed' };
    }
    if (client.jwksUrl) return { kind: 'found', getKey: this.remote(client.jwksUrl) };
    return { kind: 'no-key-source' };
  }

  private remote(url: string): JWTVerifyGetKey {
    let getKey = this.remoteSets.get(url);
    if (!getKey) {
      const set = createRemoteJWKSet(new URL(url), {
        timeoutDuration: this.options.timeoutMs,
        cooldownDuration: this.options.cooldownMs,
        cacheMaxAge: this.options.cacheMaxAgeMs,
        [customFetch]: retryingFetch(this.options.retries),
      });
      getKey = async (header, token) => {
        try {
          return await set(header, token);
        } catch (error) {
          // jose's verdicts on the kid pass through; every failure to get the key set is marked.
          if (KEY_VERDICTS.has(joseCode(error) ?? '')) throw error;
          throw new KeySourceError(error);
        }
      };
      this.remoteSets.set(url, getKey);
    }
    return getKey;
  }
}

const KEY_VERDICTS = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS']);

/** jose errors carry a stable `code` (compared as a string: errors may come from another realm). */
export function joseCode(error: unknown): string | undefined {
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** fetch with bounded retries on network errors and 5xx, all within jose's deadline signal. */
function retryingFetch(retries: number): FetchImplementation {
  return async (url, init) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await fetch(url, init);
        if (response.status < 500 || attempt >= retries) return response;
        await response.body?.cancel();
      } catch (error) {
        if (init.signal.aborted || attempt >= retries) throw error;
      }
      await sleep(100 * 2 ** attempt, undefined, { signal: init.signal });
    }
  };
}
