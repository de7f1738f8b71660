/** The little a store needs from a Postgres driver; PGlite and node-postgres both provide it. */
export interface SqlExecutor {
  /** One statement; rows typed by the caller, whose SQL decides their shape. */
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface SqlClient extends SqlExecutor {
  /** Commits when `work` resolves, rolls back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
