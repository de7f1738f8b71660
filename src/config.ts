/** Service configuration from environment variables, validated at start-up. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LANGUAGES, type Language } from './cards/texts';
import { resolveGuidelineConfig, type GuidelineConfig } from './guideline/config';
import { PROFILES, PROFILE_SETTINGS, type Profile } from './guideline/profiles';
import {
  ASYMMETRIC_ALGORITHMS,
  parseTrustedClients,
  TrustedClientsError,
  type TrustedClient,
} from './http/auth/trusted-clients';
import { storeEnvSchema, storeSettingsFrom, type StoreSettings } from './store/settings';

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    /**
     * Prometheus metrics (GET /metrics) on a port of their own, on HOST; `off` (default
     * outside the container image, which sets 9464): not served.
     */
    METRICS_PORT: z
      .union([z.literal('off'), z.coerce.number().int().min(0).max(65535)])
      .default('off'),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /** Largest request body accepted, in bytes (413 above it). */
    BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(5_000_000),
    /** Deadline for each prefetch key the service fetches itself (all pages of it). */
    FHIR_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
    /** Most pages followed for one search before the data counts as unavailable. */
    // Servers page by as little as 10: 100 pages cover ~1,000 results per key (10 years of labs).
    FHIR_MAX_PAGES: z.coerce.number().int().positive().default(100),
    /** Largest FHIR response read, in bytes. */
    FHIR_MAX_RESPONSE_BYTES: z.coerce.number().int().positive().default(20_000_000),
    /** `_count` on the service's own searches: fewer, larger pages (HAPI's default page is 10). */
    FHIR_SEARCH_COUNT: z.coerce.number().int().min(1).max(1000).default(100),
    /**
     * Budget for all of one hook call's FHIR fetching (every key, every page), counted
     * from when its body has been read: each key's deadline is min(FHIR_TIMEOUT_MS, what is left).
     */
    // 5 s: an EHR opening a chart waits a few seconds for CDS cards, not more.
    REQUEST_DEADLINE_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
    /** Node's server: the request headers must arrive within this. */
    HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    /** The whole request (headers and body) must arrive within this; a connection idle for twice this is closed. */
    // 30 s: a 5 MB body at 2 Mbit/s takes 20 s.
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    /** An idle keep-alive connection is closed after this. */
    HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
    /** On SIGTERM / SIGINT, requests in flight get this long to finish before the process exits with 1. */
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
    /** Site profile: no (Norway, default), dk (Denmark: FLS groups), se (Sweden: fracture chain). */
    CDS_PROFILE: z.enum(PROFILES).default('no'),
    /** JSON {"tenant": "dk", …}: with auth on, the verified JWT tenant picks the profile per request. */
    CDS_TENANT_PROFILES: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (text === undefined || text.trim() === '') return {};
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON object of tenant → profile' });
          return z.NEVER;
        }
        const result = z.record(z.string().min(1), z.enum(PROFILES)).safeParse(parsed);
        if (!result.success) {
          ctx.addIssue({ code: 'custom', message: 'must map tenants to one of no, dk, se' });
          return z.NEVER;
        }
        return result.data;
      }),
    /** Card language when Accept-Language names none we have; default: the profile's (nb, da, sv). */
    DEFAULT_LANGUAGE: z.enum(LANGUAGES as [Language, ...Language[]]).optional(),
    /** Optional JSON file overriding guideline thresholds (src/guideline/config.ts). */
    GUIDELINE_CONFIG_FILE: z.string().min(1).optional(),
    NODE_ENV: z.string().optional(),
    /** Client JWT verification; unset: on when trusted clients are configured or in production. */
    CDS_AUTH: z.enum(['on', 'off']).optional(),
    /** Trusted clients as JSON (docs/security.md), or a file holding it. */
    CDS_TRUSTED_CLIENTS: z.string().min(1).optional(),
    CDS_TRUSTED_CLIENTS_FILE: z.string().min(1).optional(),
    /** The service's public URL (scheme, host, optional path prefix), which client JWTs name in `aud`. */
    PUBLIC_BASE_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .refine((value) => !/[?#]/.test(value), 'must not have a query or fragment')
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
    /**
     * The FHIR server GET /worklist reads (pathway.md): fixed by the operator, never
     * named by a caller. Unset: the worklist routes answer 503.
     */
    WORKLIST_FHIR_BASE: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .refine((value) => !/[?#]/.test(value), 'must not have a query or fragment')
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
    /**
     * Where the FLS pages are served (docs/pages.md), e.g. https://cds.example.org: the
     * patient-view cards then link to {this}/fls/patient.html?id=…. Unset: no link.
     */
    FLS_PAGES_BASE_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .refine((value) => !/[?#]/.test(value), 'must not have a query or fragment')
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
    /** Bearer token for WORKLIST_FHIR_BASE, when it wants one (a system token). */
    WORKLIST_FHIR_TOKEN: z.string().min(1).optional(),
    /** Patients the worklist reads at the same time. */
    WORKLIST_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
    /** Deadline for each of the worklist's FHIR queries (all pages of one key). */
    WORKLIST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    JWT_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(60),
    /** Comma-separated JWS algorithms accepted; asymmetric only. */
    JWT_ALGORITHMS: z
      .string()
      .default('ES384,RS384')
      .transform((value) =>
        value
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(
            z.enum(ASYMMETRIC_ALGORITHMS, {
              error: `only asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}); never none or HMAC`,
            }),
          )
          .min(1),
      ),
  })
  .extend(storeEnvSchema.shape)
  .superRefine((e, ctx) => {
    if (e.METRICS_PORT !== 'off' && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
      ctx.addIssue({
        code: 'custom',
        path: ['METRICS_PORT'],
        message: `must differ from PORT (${e.PORT}), or be off`,
      });
    }
    // Each pair would let one limit silently cut short the work the other allows.
    const order = (
      smaller: keyof typeof e,
      larger: keyof typeof e,
      why: string,
      strict: boolean,
    ): void => {
      const [a, b] = [Number(e[smaller]), Number(e[larger])];
      if (strict ? a < b : a <= b) return;
      ctx.addIssue({
        code: 'custom',
        path: [larger],
        message: `must be ${strict ? 'greater than' : 'at least'} ${smaller} (${a}): ${why}`,
      });
    };
    order(
      'HTTP_HEADERS_TIMEOUT_MS',
      'HTTP_REQUEST_TIMEOUT_MS',
      'the headers are part of the request',
      false,
    );
    order(
      'REQUEST_DEADLINE_MS',
      'HTTP_REQUEST_TIMEOUT_MS',
      'a connection must not be dropped as idle while its hook call is still fetching',
      true,
    );
    order(
      'REQUEST_DEADLINE_MS',
      'SHUTDOWN_GRACE_MS',
      'requests in flight at shutdown must be able to finish',
      true,
    );
  });

export type AuthConfig =
  | {
      mode: 'on';
      clients: TrustedClient[];
      /** undefined: the aud is built from each request's protocol and Host. */
      publicBaseUrl: string | undefined;
      clockSkewSeconds: number;
      algorithms: string[];
    }
  | { mode: 'off'; why: 'CDS_AUTH=off' | 'no trusted clients outside production' };

export interface AppConfig {
  port: number;
  host: string;
  /** undefined: METRICS_PORT=off. */
  metricsPort: number | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  bodyLimitBytes: number;
  fhir: {
    timeoutMs: number;
    maxPages: number;
    maxResponseBytes: number;
    requestDeadlineMs: number;
    searchCount: number;
  };
  /** Node HTTP server limits against slow or idle clients (src/main.ts). */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
  shutdownGraceMs: number;
  profile: Profile;
  tenantProfiles: Record<string, Profile>;
  defaultLanguage: Language;
  guideline: GuidelineConfig;
  auth: AuthConfig;
  store: StoreSettings;
  /** The FLS worklist's FHIR server (GET /worklist); undefined: not configured. */
  worklist?: { baseUrl: string; accessToken?: string; concurrency: number; timeoutMs: number };
  /** FLS_PAGES_BASE_URL: the patient-view cards link to the patient page there; undefined: no link. */
  pagesBaseUrl?: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    metricsPort: e.METRICS_PORT === 'off' ? undefined : e.METRICS_PORT,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    fhir: {
      timeoutMs: e.FHIR_TIMEOUT_MS,
      maxPages: e.FHIR_MAX_PAGES,
      maxResponseBytes: e.FHIR_MAX_RESPONSE_BYTES,
      requestDeadlineMs: e.REQUEST_DEADLINE_MS,
      searchCount: e.FHIR_SEARCH_COUNT,
    },
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    profile: e.CDS_PROFILE,
    tenantProfiles: e.CDS_TENANT_PROFILES,
    defaultLanguage: e.DEFAULT_LANGUAGE ?? PROFILE_SETTINGS[e.CDS_PROFILE].language,
    guideline: loadGuidelineConfig(e.GUIDELINE_CONFIG_FILE),
    auth: resolveAuth(e),
    store: storeSettingsFrom(e),
    ...(e.FLS_PAGES_BASE_URL ? { pagesBaseUrl: e.FLS_PAGES_BASE_URL } : {}),
    ...(e.WORKLIST_FHIR_BASE
      ? {
          worklist: {
            baseUrl: e.WORKLIST_FHIR_BASE,
            ...(e.WORKLIST_FHIR_TOKEN ? { accessToken: e.WORKLIST_FHIR_TOKEN } : {}),
            concurrency: e.WORKLIST_CONCURRENCY,
            timeoutMs: e.WORKLIST_TIMEOUT_MS,
          },
        }
      : {}),
  };
}

/**
 * Safe by default: production never runs unauthenticated unless CDS_AUTH=off says
 * so; outside production, no trusted clients means auth off (main.ts warns loudly)
 * so that `npm start` works with no set-up.
 */
function resolveAuth(e: z.infer<typeof envSchema>): AuthConfig {
  const production = e.NODE_ENV === 'production';
  const clients = loadTrustedClients(e.CDS_TRUSTED_CLIENTS, e.CDS_TRUSTED_CLIENTS_FILE);
  if (e.CDS_AUTH === 'off') {
    // The worklist lists patients: never served without authentication in production.
    if (production && e.WORKLIST_FHIR_BASE) {
      throw new ConfigError(
        'WORKLIST_FHIR_BASE with CDS_AUTH=off and NODE_ENV=production: the worklist holds patient data and is never served without authentication in production',
      );
    }
    return { mode: 'off', why: 'CDS_AUTH=off' };
  }
  if (!clients) {
    if (e.CDS_AUTH === 'on') {
      throw new ConfigError(
        'CDS_AUTH=on needs trusted clients: set CDS_TRUSTED_CLIENTS or CDS_TRUSTED_CLIENTS_FILE',
      );
    }
    if (production) {
      throw new ConfigError(
        'NODE_ENV=production without trusted clients: set CDS_TRUSTED_CLIENTS or CDS_TRUSTED_CLIENTS_FILE, or CDS_AUTH=off to run without authentication (never with clinical data)',
      );
    }
    return { mode: 'off', why: 'no trusted clients outside production' };
  }
  if (production && !e.PUBLIC_BASE_URL) {
    throw new ConfigError(
      'PUBLIC_BASE_URL is required with NODE_ENV=production and authentication on: client JWTs are checked against the public URL they were sent to',
    );
  }
  return {
    mode: 'on',
    clients,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    clockSkewSeconds: e.JWT_CLOCK_SKEW_SECONDS,
    algorithms: e.JWT_ALGORITHMS,
  };
}

function loadTrustedClients(
  json: string | undefined,
  file: string | undefined,
): TrustedClient[] | undefined {
  if (json && file) {
    throw new ConfigError('set CDS_TRUSTED_CLIENTS or CDS_TRUSTED_CLIENTS_FILE, not both');
  }
  const name = file ? 'CDS_TRUSTED_CLIENTS_FILE' : 'CDS_TRUSTED_CLIENTS';
  let text = json;
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError(`CDS_TRUSTED_CLIENTS_FILE: cannot read ${file}`);
    }
  }
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`${name}: not valid JSON`);
  }
  try {
    return parseTrustedClients(value);
  } catch (error) {
    if (error instanceof TrustedClientsError) throw new ConfigError(`${name}: ${error.message}`);
    throw error;
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}

export function loadGuidelineConfig(file: string | undefined): GuidelineConfig {
  if (!file) return resolveGuidelineConfig();
  let overrides: unknown;
  try {
    overrides = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ConfigError(`GUIDELINE_CONFIG_FILE: cannot read JSON from ${file}`);
  }
  const result = z
    .unknown()
    .transform((value) => resolveGuidelineConfig(value))
    .safeParse(overrides);
  if (!result.success) {
    throw new ConfigError(
      `GUIDELINE_CONFIG_FILE: ${result.error.issues.map((issue) => issue.message).join('; ')}`,
    );
  }
  return result.data;
}
