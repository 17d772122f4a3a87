import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type postgres from 'postgres';
import type { DbHandle } from './client.ts';

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Arbitrary constant shared by every Earshot process: the key of the migration advisory lock. */
const MIGRATION_LOCK_KEY = 0x6561_7273; // 'ears'

/**
 * Apply pending migrations. On PostgreSQL, an advisory lock is held around drizzle's
 * migrator: it takes no lock of its own (drizzle-orm issue 874), so two processes
 * starting at once would otherwise race on the same DDL.
 */
export async function migrate(h: DbHandle): Promise<void> {
  if (h.kind === 'pglite') {
    await migratePglite(h.db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  const sql = h.client as postgres.Sql;
  const conn = await sql.reserve();
  try {
    await conn`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(h.db as unknown as PostgresJsDatabase, { migrationsFolder });
  } finally {
    await conn`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
    conn.release();
  }
}

export type { PGlite };
