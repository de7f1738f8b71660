/**
 * Where the store lives, from the environment: DATABASE_URL for PostgreSQL, else
 * PGlite when PGLITE_DATA_DIR is set (opt-in), else the embedded store in
 * STORE_FILE (docs/store.md). Used by config.ts and by `npm run report`, which
 * needs nothing else of the service's configuration.
 */
import { z } from 'zod';

export type StoreSettings =
  | { kind: 'postgres'; url: string }
  /** file undefined: in memory (tests, throwaway runs). */
  | { kind: 'embedded'; file?: string }
  /** dataDir undefined: in memory. */
  | { kind: 'pglite'; dataDir?: string };

/** STORE_FILE or PGLITE_DATA_DIR value for a store that lives only as long as the process. */
export const IN_MEMORY = 'memory://';

export const storeEnvSchema = z.object({
  /** PostgreSQL for issued cards, feedback and the JWT replay cache; absent → embedded. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** The embedded store's append-only file; `memory://` keeps nothing. */
  STORE_FILE: z.string().min(1).default('./data/store.jsonl'),
  /** Opt-in: PGlite (WebAssembly PostgreSQL) in this directory instead; `memory://` keeps nothing. */
  PGLITE_DATA_DIR: z.string().min(1).optional(),
});

export function storeSettingsFrom(env: z.infer<typeof storeEnvSchema>): StoreSettings {
  if (env.DATABASE_URL) return { kind: 'postgres', url: env.DATABASE_URL };
  if (env.PGLITE_DATA_DIR) {
    return env.PGLITE_DATA_DIR === IN_MEMORY
      ? { kind: 'pglite' }
      : { kind: 'pglite', dataDir: env.PGLITE_DATA_DIR };
  }
  return env.STORE_FILE === IN_MEMORY
    ? { kind: 'embedded' }
    : { kind: 'embedded', file: env.STORE_FILE };
}

export class StoreSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreSettingsError';
  }
}

/** Throws StoreSettingsError naming the variable (never echoing its value). */
export function loadStoreSettings(env: NodeJS.ProcessEnv = process.env): StoreSettings {
  const parsed = storeEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new StoreSettingsError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
    );
  }
  return storeSettingsFrom(parsed.data);
}
