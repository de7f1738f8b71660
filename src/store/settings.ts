/**
 * Where the store lives, from the environment: DATABASE_URL for PostgreSQL, else
 * embedded PGlite in PGLITE_DATA_DIR. Used by config.ts and by `npm run report`,
 * which needs nothing else of the service's configuration.
 */
import { z } from 'zod';

export type StoreSettings =
  | { kind: 'postgres'; url: string }
  /** dataDir undefined: in memory (tests, throwaway runs). */
  | { kind: 'pglite'; dataDir?: string };

/** PGLITE_DATA_DIR value for a database that lives only as long as the process. */
export const IN_MEMORY = 'memory://';

export const storeEnvSchema = z.object({
  /** PostgreSQL for issued cards, feedback and the JWT replay cache; absent → embedded PGlite. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Where embedded PGlite keeps its files; `memory://` keeps nothing. */
  PGLITE_DATA_DIR: z.string().min(1).default('./data/pglite'),
});

export function storeSettingsFrom(env: z.infer<typeof storeEnvSchema>): StoreSettings {
  if (env.DATABASE_URL) return { kind: 'postgres', url: env.DATABASE_URL };
  return env.PGLITE_DATA_DIR === IN_MEMORY
    ? { kind: 'pglite' }
    : { kind: 'pglite', dataDir: env.PGLITE_DATA_DIR };
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
