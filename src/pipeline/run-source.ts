import { eq, min } from 'drizzle-orm';
import { runCollector } from '../../collectors/types.ts';
import { cursors, sourceRuns, type sources } from '../../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { EarshotError, faultKindOf } from '../errors.ts';
import { newId } from '../ids.ts';
import type { NormalizedMention } from '../mention.ts';
import { recordFault, recordSuccess } from './health.ts';
import { normalizeBatch } from './normalize.ts';

type SourceRow = typeof sources.$inferSelect;

export interface RunOptions {
  /** Fetch and normalise, print through `onMention`, store nothing and move no cursor. */
  dryRun?: boolean;
  onMention?: (m: NormalizedMention) => void;
  onProgress?: (p: { pages: number; items: number; stored: number }) => void;
  signal?: AbortSignal;
  maxPages?: number;
}

export interface RunSummary {
  sourceId: string;
  name: string;
  status: 'ok' | 'fault';
  pages: number;
  items: number;
  stored: number;
  duplicates: number;
  updated: number;
  rejected: number;
  error?: { kind: string; message: string; retry: boolean };
}

export const cursorKey = (sourceId: string) => `source:${sourceId}`;

/**
 * Run one source once. Each page is stored with its cursor in one transaction, so a fault
 * (or a crash) after page N leaves pages 1..N stored and the cursor at N: the next run resumes
 * without a gap or a duplicate. A fault is recorded in source health and emitted as an event.
 */
export async function runSource(deps: Deps, source: SourceRow, opts: RunOptions = {}): Promise<RunSummary> {
  const log = deps.log.child({ component: 'collector', sourceId: source.id, source: source.name });
  const summary: RunSummary = {
    sourceId: source.id,
    name: source.name,
    status: 'ok',
    pages: 0,
    items: 0,
    stored: 0,
    duplicates: 0,
    updated: 0,
    rejected: 0,
  };
  const startedAt = deps.clock.now();
  const runId = newId('run');
  if (!opts.dryRun) {
    await deps.db.insert(sourceRuns).values({ id: runId, sourceId: source.id, startedAt, status: 'running' });
  }
  let newest: Date | null = null;
  try {
    const def = deps.collectors.find((c) => c.id === source.type);
    if (!def) throw new EarshotError('CONFIG', `unknown source type ${source.type}`);
    const parsed = def.options.safeParse(source.options);
    if (!parsed.success)
      throw new EarshotError('CONFIG', `stored options no longer valid: ${parsed.error.issues[0]?.message}`);
    const secrets = source.secretsEnc
      ? (JSON.parse(deps.secrets.open(source.secretsEnc)) as Record<string, string>)
      : {};
    const key = cursorKey(source.id);
    const stored = await deps.db
      .select({ value: cursors.value })
      .from(cursors)
      .where(eq(cursors.key, key))
      .limit(1);
    // The backfill horizon is fixed at the source's first run: nothing older is ever stored, on
    // any run, while a source that was down for days still gets what was posted meanwhile.
    const [first] = await deps.db
      .select({ at: min(sourceRuns.startedAt) })
      .from(sourceRuns)
      .where(eq(sourceRuns.sourceId, source.id));
    const anchor = first?.at ?? startedAt;
    const signal = opts.signal ?? new AbortController().signal;
    const ctx = {
      http: deps.httpFor({
        scope: key,
        allowPrivateNetwork: source.allowPrivateNetwork,
        rateLimit: def.rateLimit,
      }),
      log,
      clock: deps.clock,
      signal,
      cursor: (stored[0]?.value ?? null) as never,
      backfillSince: new Date(anchor.getTime() - source.backfillDays * 86_400_000),
      maxPages: opts.maxPages ?? 100,
      secrets,
    };
    for await (const page of runCollector(def, ctx, parsed.data)) {
      signal.throwIfAborted();
      summary.pages++;
      summary.items += page.mentions.length;
      if (opts.dryRun) {
        const { good, rejected } = normalizeBatch(page.mentions, deps.clock.now());
        for (const g of good) opts.onMention?.(g.mention);
        summary.rejected += rejected.length;
        for (const r of rejected) log.warn({ index: r.index, field: r.field }, `item rejected: ${r.message}`);
      } else {
        const r = await deps.pipeline.processBatch(page.mentions, {
          origin: `source:${source.name}`,
          sourceId: source.id,
          cursor: { key, value: page.cursor },
          inTransaction: async (tx) => {
            await tx
              .update(sourceRuns)
              .set({ pages: summary.pages, items: summary.items })
              .where(eq(sourceRuns.id, runId));
          },
        });
        summary.stored += r.stored;
        summary.duplicates += r.duplicates;
        summary.updated += r.updated;
        summary.rejected += r.rejected.length;
        if (r.newestPublishedAt && (!newest || r.newestPublishedAt > newest)) newest = r.newestPublishedAt;
      }
      opts.onProgress?.({ pages: summary.pages, items: summary.items, stored: summary.stored });
      if (summary.pages >= ctx.maxPages) break;
    }
    if (!opts.dryRun) {
      const now = deps.clock.now();
      await deps.db.transaction(async (tx) => {
        await recordSuccess(
          tx,
          source.id,
          { items: summary.items, stored: summary.stored, newestPublishedAt: newest },
          now,
        );
        await tx
          .update(sourceRuns)
          .set({ status: 'ok', finishedAt: now, stored: summary.stored, duplicates: summary.duplicates })
          .where(eq(sourceRuns.id, runId));
      });
      deps.events.emit('source-ok', { sourceId: source.id, sourceName: source.name, at: now });
    }
    log.info({ ...summary }, 'source run finished');
  } catch (err) {
    const kind = faultKindOf(err);
    const message = err instanceof Error ? err.message : String(err);
    const retry = err instanceof EarshotError ? err.retry : false;
    summary.status = 'fault';
    summary.error = { kind, message, retry };
    log.warn({ err, kind, pages: summary.pages }, 'source run failed');
    if (!opts.dryRun) {
      const now = deps.clock.now();
      const h = await deps.db.transaction(async (tx) => {
        const r = await recordFault(tx, source.id, { kind, message }, now);
        await tx
          .update(sourceRuns)
          .set({
            status: 'fault',
            finishedAt: now,
            stored: summary.stored,
            duplicates: summary.duplicates,
            errorKind: kind,
            errorMessage: message.slice(0, 1000),
          })
          .where(eq(sourceRuns.id, runId));
        return r;
      });
      deps.events.emit('source-fault', {
        sourceId: source.id,
        sourceName: source.name,
        kind,
        message,
        consecutiveFailures: h.consecutiveFailures,
        at: now,
      });
    }
  }
  return summary;
}
