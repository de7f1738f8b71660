/** PostgreSQL (DATABASE_URL) through node-postgres: a small pool with deadlines, so a sick database fails fast. */
import { Pool } from 'pg';
import type { SqlClient, SqlExecutor } from './sql';

export interface PostgresOptions {
  connectionString: string;
  /** Called for errors of idle pooled connections (which would otherwise crash the process). */
  onIdleError?: (error: Error) => void;
}

export async function openPostgres(options: PostgresOptions): Promise<SqlClient> {
  const pool = new Pool({
    connectionString: options.connectionString,
    max: 10,
    connectionTimeoutMillis: 5_000,
    query_timeout: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'fls-cds-hooks',
  });
  pool.on('error', (error) => options.onIdleError?.(error));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const run = async <Row>(
    target: Pick<Pool, 'query'>,
    text: string,
    params: readonly unknown[] = [],
  ): Promise<Row[]> => {
    const result = await target.query(text, [...params]);
    return result.rows as Row[];
  };
  return {
    query: (text, params) => run(pool, text, params),
    async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let failure: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work({ query: (text, params) => run(client, text, params) });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        failure = error instanceof Error ? error : new Error('transaction failed');
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        // A connection that failed mid-transaction is discarded, not reused.
        client.release(failure);
      }
    },
    close: () => pool.end(),
  };
}
