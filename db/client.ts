import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema/index.ts';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Repository functions take either the database or an open transaction. */
export type Queryable = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** A human-readable place, without credentials. */
  where: string;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** DATABASE_URL → PostgreSQL through postgres.js; none → embedded PGlite in the data dir (one process only). */
export async function openDatabase(opts: { url?: string; dataDir: string; max?: number; connectTimeoutSeconds?: number }): Promise<DatabaseHandle> {
  if (opts.url) {
    const { default: postgres } = await import('postgres');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const { migrate } = await import('drizzle-orm/postgres-js/migrator');
    // A database that does not answer is a 503 within seconds, not a request hanging for postgres.js'
    // default 30 s connect timeout.
    // postgres.js' default reconnect backoff shares one retry counter across the pool and grows to
    // 20 s between attempts during an outage, so requests would wait 15–30 s for a database that is
    // down (found by the chaos suite); a short, capped backoff keeps the answer a prompt 503.
    const sql = postgres(opts.url, {
      max: opts.max ?? 10, onnotice: () => {}, connect_timeout: opts.connectTimeoutSeconds ?? 3,
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    });
    const db = drizzle(sql, { schema });
    const url = new URL(opts.url);
    return {
      db: db as unknown as Database,
      kind: 'postgres',
      where: `postgres://${url.host}${url.pathname}`,
      migrate: () => migrate(db, { migrationsFolder }),
      ping: async () => { await sql`select 1`; },
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const dir = resolve(opts.dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const client = new PGlite(dir, { extensions: { pg_trgm } });
  const db = drizzle(client, { schema });
  return {
    db: db as unknown as Database,
    kind: 'pglite',
    where: `PGlite at ${dir}`,
    migrate: () => migrate(db, { migrationsFolder }),
    ping: async () => { await client.query('select 1'); },
    close: () => client.close(),
  };
}
