import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { acquireDataDirLock, type DataDirLock } from './lock.ts';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** The one database type both drivers satisfy. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** A database or an open transaction: repository functions take either. */
export type DbOrTx = Db | Tx;

export interface DbHandle {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Raw rows from a SQL string with $1.. parameters; same shape on both drivers. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
  /** The underlying client, for migrations and advisory locks. */
  client: PGlite | postgres.Sql;
  /** The data directory's exclusive lock (PGlite on disk only), released by `close()`. */
  lock?: DataDirLock;
}

export interface OpenDbOptions {
  /** postgres:// URL; when absent an embedded PGlite is used. */
  url?: string;
  /** PGlite data directory; `memory://` for an in-memory database. */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  max?: number;
  /** What opens a PGlite data directory (`start`, `ingest`...), named in the lock for messages. */
  command?: string;
}

/**
 * Open the database: PGlite in `dataDir` when no URL is given, PostgreSQL otherwise.
 *
 * @example
 * const h = await openDb({ dataDir: './data/pglite' });
 * await h.db.select().from(brands);
 */
export async function openDb(opts: OpenDbOptions): Promise<DbHandle> {
  if (opts.url) {
    const client = postgres(opts.url, {
      max: opts.max ?? 10,
      onnotice: () => {},
      // timestamptz and bigint parsing are left to drizzle's column modes.
      connection: { application_name: 'earshot' },
    });
    const db = drizzlePostgres(client, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      client,
      query: async <T>(text: string, params: unknown[] = []) =>
        (await client.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[],
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dataDir = opts.dataDir ?? 'memory://';
  let lock: DataDirLock | undefined;
  if (!dataDir.startsWith('memory://')) {
    mkdirSync(dataDir, { recursive: true });
    // PGlite is single-process: a second process opening the same files corrupts them, so the
    // lock is taken before PGlite reads a byte and throws DataDirLockedError when held (db/lock.ts).
    lock = acquireDataDirLock(dataDir, opts.command ?? 'earshot');
  }
  let client: PGlite;
  try {
    client = await PGlite.create(dataDir);
  } catch (e) {
    lock?.release();
    throw e;
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    client,
    lock,
    query: async <T>(text: string, params: unknown[] = []) => (await client.query<T>(text, params)).rows,
    close: async () => {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}
