/**
 * A test file with client authentication on: one store (the JWT replay cache), one
 * ES384 client key and a JWKS server publishing it, opened before the file's (or the
 * describe block's) tests and closed after them.
 */
import type { QualityStore } from '../../src/store/types';
import { signingKey, startJwksServer, testVerifier, type JwksServer, type SigningKey } from './jwt';
import { openTestStore, STORE_START_TIMEOUT_MS } from './stores';

export interface SecuredEnvironment {
  store: QualityStore;
  key: SigningKey;
  jwks: JwksServer;
  /** A verifier trusting `issuer` with the published key, its replay cache the store. */
  verifier(issuer: string): ReturnType<typeof testVerifier>;
}

export function securedEnvironment(): SecuredEnvironment {
  const env = {
    verifier: (issuer: string) => testVerifier(issuer, env.jwks.url, env.store),
  } as SecuredEnvironment;
  beforeAll(async () => {
    [env.store, env.key] = await Promise.all([openTestStore(), signingKey('ES384')]);
    env.jwks = await startJwksServer([env.key.publicJwk]);
  }, STORE_START_TIMEOUT_MS);
  afterAll(async () => {
    await env.jwks?.close();
    await env.store?.close();
  });
  return env;
}
