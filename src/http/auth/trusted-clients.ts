/**
 * Trusted CDS clients (CDS_TRUSTED_CLIENTS / CDS_TRUSTED_CLIENTS_FILE): who may
 * call, and where their public keys are. Validated at start-up; error messages
 * name the field, never a key.
 */
import { z } from 'zod';
import type { JSONWebKeySet } from 'jose';

/** Asymmetric JWS algorithms a site may enable; `none` and HMAC never. */
export const ASYMMETRIC_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
] as const;

export interface TrustedClient {
  /** The exact `iss` of the client's JWTs. */
  issuer: string;
  /** The issuer's JWKS, fetched and cached. */
  jwksUrl?: string;
  /** Or its public keys, configured here. */
  jwks?: JSONWebKeySet;
  /** `jku` header values accepted from this issuer (normalised URLs); any other `jku` is refused. */
  allowedJku: readonly string[];
  /** When set, the JWT's `tenant` must be one of these. */
  tenants?: readonly string[];
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or http to this machine (local JWKS servers in development and tests). */
const keyUrl = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a URL' });
    return z.NEVER;
  }
  const local = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !local) {
    ctx.addIssue({ code: 'custom', message: 'must be an https URL (http only for localhost)' });
    return z.NEVER;
  }
  if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must not contain credentials' });
    return z.NEVER;
  }
  return url.href;
});

/** Members that only private or symmetric keys have. */
const SECRET_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const publicJwk = z
  .looseObject({ kty: z.enum(['EC', 'RSA', 'OKP']), kid: z.string().min(1) })
  .refine((jwk) => SECRET_MEMBERS.every((member) => !(member in jwk)), {
    message: 'must be a public key (no private or symmetric key members)',
  });

const trustedClient = z
  .strictObject({
    issuer: z.string().min(1).max(1024),
    jwksUrl: keyUrl.optional(),
    jwks: z.object({ keys: z.array(publicJwk).min(1) }).optional(),
    allowedJku: z.array(keyUrl).min(1).optional(),
    tenants: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((client) => !(client.jwksUrl && client.jwks), {
    message: 'give jwksUrl or jwks, not both',
  })
  .refine((client) => client.jwksUrl || client.jwks || client.allowedJku, {
    message: 'needs jwksUrl, jwks or allowedJku to find the issuer keys',
  });

const trustedClients = z
  .array(trustedClient)
  .min(1)
  .superRefine((clients, ctx) => {
    const seen = new Set<string>();
    clients.forEach((client, index) => {
      if (seen.has(client.issuer)) {
        ctx.addIssue({ code: 'custom', path: [index, 'issuer'], message: 'issuer listed twice' });
      }
      seen.add(client.issuer);
    });
  });

export class TrustedClientsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrustedClientsError';
  }
}

/** Validates parsed JSON; throws TrustedClientsError naming each problem by its path. */
export function parseTrustedClients(json: unknown): TrustedClient[] {
  const parsed = trustedClients.safeParse(json);
  if (!parsed.success) {
    throw new TrustedClientsError(
      parsed.error.issues
        .slice(0, 5)
        .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
        .join('; '),
    );
  }
  return parsed.data.map((client) => ({
    issuer: client.issuer,
    ...(client.jwksUrl ? { jwksUrl: client.jwksUrl } : {}),
    ...(client.jwks ? { jwks: client.jwks as JSONWebKeySet } : {}),
    allowedJku: client.allowedJku ?? [],
    ...(client.tenants ? { tenants: client.tenants } : {}),
  }));
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(the list)';
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

/** The URL in the form the allow-list holds, or undefined when it is not a URL. */
export function normaliseUrl(value: string): string | undefined {
  try {
    return new URL(value).href;
  } catch {
    return undefined;
  }
}
