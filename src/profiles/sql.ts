import type { SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';

/**
 * Rows of a raw statement on either driver. postgres.js returns an array and PGlite an object
 * with `rows`; the shape difference is why shared code avoids bare `db.execute()`.
 */
export async function rows<T>(db: DbOrTx, q: SQL): Promise<T[]> {
  const res: unknown = await db.execute(q);
  return Array.isArray(res) ? (res as T[]) : ((res as { rows?: T[] }).rows ?? []);
}

/** Numbers come back as strings for bigint/numeric on postgres.js: read them uniformly. */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const dateOf = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
export const isoOrNull = (v: unknown): string | null =>
  v === null || v === undefined ? null : dateOf(v).toISOString();

export function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
