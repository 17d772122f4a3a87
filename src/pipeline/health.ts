import { z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { type SourceState, sourceHealth, type sources } from '../../db/schema/index.ts';
import { isBlockingFault } from '../errors.ts';
import { stateOf } from '../source-state.ts';

type HealthRow = typeof sourceHealth.$inferSelect;
type SourceRow = typeof sources.$inferSelect;

export const healthSchema = z
  .object({
    sourceId: z.string(),
    name: z.string(),
    type: z.string(),
    enabled: z.boolean(),
    state: z.enum(['ok', 'failing', 'blocked', 'silent', 'never-run']),
    lastRunAt: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    lastError: z.object({ at: z.string(), kind: z.string(), message: z.string() }).nullable(),
    consecutiveFailures: z.number().int(),
    runs: z.number().int(),
    itemsLastRun: z.number().int(),
    avgItemsPerRun: z.number(),
    lastMentionAt: z.string().nullable(),
    lagSeconds: z
      .number()
      .nullable()
      .openapi({ description: 'Now minus the newest stored mention of this source' }),
    lastNewAt: z.string().nullable(),
    usualNewIntervalSeconds: z.number().nullable(),
  })
  .openapi('SourceHealth');

export type HealthView = z.infer<typeof healthSchema>;

export function healthView(s: SourceRow, h: HealthRow | undefined, now: Date): HealthView {
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
  return {
    sourceId: s.id,
    name: s.name,
    type: s.type,
    enabled: s.enabled,
    state: stateOf(h, now),
    lastRunAt: iso(h?.lastRunAt),
    lastSuccessAt: iso(h?.lastSuccessAt),
    lastError:
      h?.lastErrorAt && h.lastErrorKind
        ? { at: h.lastErrorAt.toISOString(), kind: h.lastErrorKind, message: h.lastErrorMessage ?? '' }
        : null,
    consecutiveFailures: h?.consecutiveFailures ?? 0,
    runs: h?.runs ?? 0,
    itemsLastRun: h?.lastItems ?? 0,
    avgItemsPerRun: Math.round((h?.avgItems ?? 0) * 100) / 100,
    lastMentionAt: iso(h?.lastMentionAt),
    lagSeconds: h?.lastMentionAt
      ? Math.max(0, Math.round((now.getTime() - h.lastMentionAt.getTime()) / 1000))
      : null,
    lastNewAt: iso(h?.lastNewAt),
    usualNewIntervalSeconds: h?.avgNewIntervalSec ? Math.round(h.avgNewIntervalSec) : null,
  };
}

async function current(tx: DbOrTx, sourceId: string): Promise<HealthRow | undefined> {
  const r = await tx.select().from(sourceHealth).where(eq(sourceHealth.sourceId, sourceId)).limit(1);
  return r[0];
}

/** Record a successful run (in the transaction of its last page, or its own). */
export async function recordSuccess(
  tx: DbOrTx,
  sourceId: string,
  run: { items: number; stored: number; newestPublishedAt: Date | null },
  now: Date,
): Promise<void> {
  const h = await current(tx, sourceId);
  const alpha = 0.2;
  const avgItems = h && h.runs > 0 ? h.avgItems * (1 - alpha) + run.items * alpha : run.items;
  let lastNewAt = h?.lastNewAt ?? null;
  let avgNew = h?.avgNewIntervalSec ?? null;
  if (run.stored > 0) {
    if (lastNewAt) {
      const gap = (now.getTime() - lastNewAt.getTime()) / 1000;
      avgNew = avgNew === null ? gap : avgNew * (1 - alpha) + gap * alpha;
    }
    lastNewAt = now;
  }
  const lastMentionAt =
    run.newestPublishedAt && (!h?.lastMentionAt || run.newestPublishedAt > h.lastMentionAt)
      ? run.newestPublishedAt
      : (h?.lastMentionAt ?? null);
  const values = {
    sourceId,
    state: 'ok' as const,
    lastRunAt: now,
    lastSuccessAt: now,
    consecutiveFailures: 0,
    runs: (h?.runs ?? 0) + 1,
    lastItems: run.items,
    avgItems,
    lastMentionAt,
    lastNewAt,
    avgNewIntervalSec: avgNew,
    updatedAt: now,
  };
  await tx
    .insert(sourceHealth)
    .values(values)
    .onConflictDoUpdate({ target: sourceHealth.sourceId, set: values });
}

export async function recordFault(
  tx: DbOrTx,
  sourceId: string,
  fault: { kind: string; message: string },
  now: Date,
): Promise<{ consecutiveFailures: number; state: SourceState }> {
  const h = await current(tx, sourceId);
  const consecutiveFailures = (h?.consecutiveFailures ?? 0) + 1;
  const state: SourceState = isBlockingFault(fault.kind) ? 'blocked' : 'failing';
  const values = {
    sourceId,
    state,
    lastRunAt: now,
    lastErrorAt: now,
    lastErrorKind: fault.kind,
    lastErrorMessage: fault.message.slice(0, 1000),
    consecutiveFailures,
    runs: (h?.runs ?? 0) + 1,
    lastItems: 0,
    updatedAt: now,
  };
  await tx
    .insert(sourceHealth)
    .values(values)
    .onConflictDoUpdate({ target: sourceHealth.sourceId, set: values });
  return { consecutiveFailures, state };
}
