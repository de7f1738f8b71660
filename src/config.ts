/** Service configuration from environment variables, validated at start-up. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { resolveGuidelineConfig, type GuidelineConfig } from './guideline/config';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest request body accepted, in bytes (413 above it). */
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(5_000_000),
  /** Deadline for each prefetch key the service fetches itself (all pages of it). */
  FHIR_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  /** Most pages followed for one search before the data counts as unavailable. */
  FHIR_MAX_PAGES: z.coerce.number().int().positive().default(20),
  /** Largest FHIR response read, in bytes. */
  FHIR_MAX_RESPONSE_BYTES: z.coerce.number().int().positive().default(20_000_000),
  /** Card language when the request's Accept-Language names none we have. */
  DEFAULT_LANGUAGE: z.enum(['nb', 'en']).default('nb'),
  /** Optional JSON file overriding guideline thresholds (src/guideline/config.ts). */
  GUIDELINE_CONFIG_FILE: z.string().min(1).optional(),
});

export interface AppConfig {
  port: number;
  host: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  bodyLimitBytes: number;
  fhir: { timeoutMs: number; maxPages: number; maxResponseBytes: number };
  defaultLanguage: 'nb' | 'en';
  guideline: GuidelineConfig;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
    );
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    fhir: {
      timeoutMs: e.FHIR_TIMEOUT_MS,
      maxPages: e.FHIR_MAX_PAGES,
      maxResponseBytes: e.FHIR_MAX_RESPONSE_BYTES,
    },
    defaultLanguage: e.DEFAULT_LANGUAGE,
    guideline: loadGuidelineConfig(e.GUIDELINE_CONFIG_FILE),
  };
}

function loadGuidelineConfig(file: string | undefined): GuidelineConfig {
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
