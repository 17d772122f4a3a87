import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { alertMarks, mentionBrands } from '../schema/index.ts';

export type AlertMark = typeof alertMarks.$inferSelect;

/**
 * Write the "to evaluate" marks of a batch, inside the batch's transaction: one per brand with
 * the brand's new mentions, plus the brands of stored mentions whose engagement was refreshed.
 *
 * @example
 * await markForEvaluation(tx, { batchId, now, newLinks: [{ mentionId, brandId }], updatedIds });
 */
export async function markForEvaluation(
  tx: DbOrTx,
  o: {
    batchId: string;
    now: Date;
    newLinks: readonly { mentionId: string; brandId: string }[];
    updatedIds: readonly string[];
    newId: () => string;
  },
): Promise<number> {
  const byBrand = new Map<string, { mentionIds: string[]; updatedIds: string[] }>();
  const of = (brandId: string) => {
    let m = byBrand.get(brandId);
    if (!m) {
      m = { mentionIds: [], updatedIds: [] };
      byBrand.set(brandId, m);
    }
    return m;
  };
  for (const l of o.newLinks) of(l.brandId).mentionIds.push(l.mentionId);
  if (o.updatedIds.length) {
    const links = await tx
      .select({ mentionId: mentionBrands.mentionId, brandId: mentionBrands.brandId })
      .from(mentionBrands)
      .where(inArray(mentionBrands.mentionId, [...o.updatedIds]));
    for (const l of links) of(l.brandId).updatedIds.push(l.mentionId);
  }
  if (byBrand.size === 0) return 0;
  await tx.insert(alertMarks).values(
    [...byBrand].map(([brandId, m]) => ({
      id: o.newId(),
      brandId,
      batchId: o.batchId,
      mentionIds: m.mentionIds,
      updatedIds: m.updatedIds,
      createdAt: o.now,
    })),
  );
  return byBrand.size;
}

/** Brands with marks waiting, oldest mark first. */
export async function markedBrands(db: DbOrTx): Promise<string[]> {
  const rows = await db
    .select({ brandId: alertMarks.brandId, first: sql<Date>`min(${alertMarks.createdAt})` })
    .from(alertMarks)
    .groupBy(alertMarks.brandId)
    .orderBy(sql`min(${alertMarks.createdAt})`);
  return rows.map((r) => r.brandId);
}

/**
 * Claim up to `limit` marks of one brand in the current transaction: rows another transaction
 * holds are skipped, and the claimed rows stay locked until the transaction ends.
 */
export async function claimMarks(tx: DbOrTx, brandId: string, limit = 200): Promise<AlertMark[]> {
  return tx
    .select()
    .from(alertMarks)
    .where(eq(alertMarks.brandId, brandId))
    .orderBy(asc(alertMarks.createdAt), asc(alertMarks.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function deleteMarks(tx: DbOrTx, ids: readonly string[]): Promise<void> {
  if (ids.length) await tx.delete(alertMarks).where(inArray(alertMarks.id, [...ids]));
}

/** Record a failed evaluation on the marks (they stay and are retried). */
export async function markFailed(db: DbOrTx, ids: readonly string[], error: string): Promise<void> {
  if (!ids.length) return;
  await db
    .update(alertMarks)
    .set({ attempts: sql`${alertMarks.attempts} + 1`, lastError: error.slice(0, 1000) })
    .where(inArray(alertMarks.id, [...ids]));
}

/** How many marks wait (all brands). */
export async function pendingMarks(db: DbOrTx): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(alertMarks);
  return Number(r?.n ?? 0);
}
