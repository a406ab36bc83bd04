import type { SQL } from 'drizzle-orm';
import type { Queryable } from './client.ts';
import { rowsOf } from './rows.ts';

interface PostgresJsClient { unsafe(query: string, params: unknown[], options: { prepare: boolean }): Promise<unknown> }
interface DrizzleInternals { session?: { client?: Partial<PostgresJsClient> }; dialect?: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } } }

/**
 * Runs a hot statement (ingestion's, the domain lookups) as a named prepared statement where the
 * driver is postgres.js: each connection parses and plans it once, then reuses the plan. Drizzle's
 * `execute` sends every statement unnamed, so Postgres planned a batch's big statement each time, and
 * postgres.js asked for its parameter types first, a round trip more. Elsewhere (PGlite) as a plain
 * statement. A list goes in as one array parameter (`sql.param(list)`, cast `::text[]`).
 */
export async function executePrepared<T>(db: Queryable, query: SQL): Promise<T[]> {
  const { session, dialect } = db as unknown as DrizzleInternals;
  const client = session?.client;
  if (dialect && typeof client?.unsafe === 'function') {
    const { sql: text, params } = dialect.sqlToQuery(query);
    return rowsOf<T>(await client.unsafe(text, params, { prepare: true }));
  }
  return rowsOf<T>(await db.execute(query));
}
