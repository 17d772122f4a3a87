import { eq, min } from 'drizzle-orm';
import type { ClassifierOutput } from '../../classifiers/types.ts';
import { runCollector } from '../../collectors/types.ts';
import { cursors, sourceHealth, sourceRuns, type sources } from '../../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { EarshotError, faultKindOf } from '../errors.ts';
import { newId } from '../ids.ts';
import type { NormalizedMention } from '../mention.ts';
import { type ClassifierChain, createClassifierChain } from './classify.ts';
import { recordFault, recordSuccess } from './health.ts';
import { brandsOf } from './match.ts';
import { normalizeBatch } from './normalize.ts';

type SourceRow = typeof sources.$inferSelect;

/** What a dry run shows of a mention beside it: the brands it matches and its sentiment. */
export interface MentionPreview {
  brandIds: string[];
  sentiment: ClassifierOutput['sentiment'] | null;
}

export interface RunOptions {
  /**
   * Fetch and normalise, print through `onMention` with the brands each mention matches and
   * its sentiment (offline classifiers only, no LLM), store nothing and move no cursor.
   */
  dryRun?: boolean;
  onMention?: (m: NormalizedMention, preview?: MentionPreview) => void;
  onProgress?: (p: { pages: number; items: number; stored: number }) => void;
  signal?: AbortSignal;
  maxPages?: number;
  /** The run's id (the API answers with it before the run ends). */
  runId?: string;
  /** Called once the run's `running` row is committed (or at once for a dry run). */
  onStarted?: () => void;
  /**
   * Level of the log line of an expected fault (a source fault or a failed fetch; always with
   * kind and message, never a stack). The CLI prints the fault itself and passes `info`.
   */
  faultLogLevel?: 'info' | 'warn';
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
  /** The source_runs row (absent for a dry run). */
  runId?: string;
  /** This call joined a run of the same source already in progress in this process. */
  joined?: boolean;
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
  const runId = opts.runId ?? newId('run');
  if (!opts.dryRun) summary.runId = runId;
  if (!opts.dryRun) {
    try {
      await deps.db
        .insert(sourceRuns)
        .values({ id: runId, sourceId: source.id, startedAt, status: 'running' });
    } finally {
      opts.onStarted?.();
    }
  } else opts.onStarted?.();
  let newest: Date | null = null;
  let chain: ClassifierChain | undefined;
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
        chain ??= offlineChain(deps);
        const previews = await preview(
          deps,
          chain,
          good.map((g) => g.mention),
        );
        for (const [i, g] of good.entries()) opts.onMention?.(g.mention, previews[i]);
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
    // A source fault or a failed fetch is expected: one line with its kind. Anything else is a
    // bug and is logged with its stack.
    if (err instanceof EarshotError)
      log[opts.faultLogLevel ?? 'warn']({ kind, error: message, pages: summary.pages }, 'source run failed');
    else log.error({ err, kind, pages: summary.pages }, 'source run failed');
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

/** The chain a dry run previews with: every configured classifier but the LLM pass (no cost, no budget). */
function offlineChain(deps: Deps): ClassifierChain {
  return createClassifierChain(
    deps.classifierDefs.filter((d) => d.id !== 'llm'),
    {
      log: deps.log,
      disabled: deps.config.config.classifiers.disabled,
      options: deps.config.config.classifiers.options,
    },
  );
}

async function preview(
  deps: Deps,
  chain: ClassifierChain,
  ms: NormalizedMention[],
): Promise<MentionPreview[]> {
  const matcher = deps.matcher();
  const brandIds = ms.map((m) => brandsOf(matcher, m));
  const { merged } = await chain.run(
    ms.map((m, i) => ({
      id: String(i),
      text: m.text,
      title: m.title,
      lang: m.lang,
      platform: m.platform,
      publishedAt: m.publishedAt,
      author: m.author,
      metrics: m.metrics ?? undefined,
      url: m.url,
      brands: brandIds[i]!.map((b) => matcher.target(b)).filter((t) => t !== undefined),
    })),
  );
  return ms.map((_, i) => ({ brandIds: brandIds[i]!, sentiment: merged[i]?.sentiment ?? null }));
}

export interface StartedRun {
  runId: string;
  startedAt: Date;
  /** An existing run of the source was joined instead of starting a second one. */
  joined: boolean;
  /** Resolves once the run's row exists (readable by id). */
  started: Promise<void>;
  done: Promise<RunSummary>;
}

/**
 * Run a source now unless it is already running in this process, in which case the run in
 * progress is joined: two runs of one source would read the same cursor and race to move it.
 * The scheduler, `POST /v1/sources/{id}/run` and `earshot collect --once` all start runs here.
 *
 * @example
 * const { runId, done } = startSourceRun(deps, source); await done;
 */
export function startSourceRun(deps: Deps, source: SourceRow, opts: RunOptions = {}): StartedRun {
  const active = deps.activeRuns.get(source.id);
  if (active && !opts.dryRun)
    return {
      runId: active.runId,
      startedAt: active.startedAt,
      joined: true,
      started: active.started,
      done: active.done,
    };
  const runId = opts.runId ?? newId('run');
  const startedAt = deps.clock.now();
  let onStarted: () => void = () => {};
  const started = new Promise<void>((r) => {
    onStarted = r;
  });
  const done = runSource(deps, source, {
    ...opts,
    runId,
    onStarted: () => {
      onStarted();
      opts.onStarted?.();
    },
  });
  if (!opts.dryRun) {
    const entry = { runId, startedAt, started, done };
    deps.activeRuns.set(source.id, entry);
    const clear = () => {
      if (deps.activeRuns.get(source.id) === entry) deps.activeRuns.delete(source.id);
    };
    done.then(clear, clear);
  }
  return { runId, startedAt, joined: false, started, done };
}

/** `startSourceRun` awaited: the summary, with `joined` set when a run in progress was joined. */
export async function runSourceOnce(
  deps: Deps,
  source: SourceRow,
  opts: RunOptions = {},
): Promise<RunSummary> {
  const r = startSourceRun(deps, source, opts);
  const summary = await r.done;
  return r.joined ? { ...summary, joined: true } : summary;
}

/**
 * Close the runs a killed process left `running`: they become `interrupted`, and each source's
 * health records it as its last error (not as a failure of the source: its state and failure
 * count stay). Called at start, once this process owns the collectors. On PostgreSQL another
 * live process's run closed here is set right by its own final update.
 */
export async function closeInterruptedRuns(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const closed = await tx
      .update(sourceRuns)
      .set({
        status: 'interrupted',
        finishedAt: now,
        errorKind: 'interrupted',
        errorMessage: 'the process stopped before the run finished',
      })
      .where(eq(sourceRuns.status, 'running'))
      .returning({ sourceId: sourceRuns.sourceId, startedAt: sourceRuns.startedAt });
    const latest = new Map<string, Date>();
    for (const r of closed) {
      const cur = latest.get(r.sourceId);
      if (!cur || r.startedAt > cur) latest.set(r.sourceId, r.startedAt);
    }
    for (const [sourceId, startedAt] of latest) {
      const message = `the run started at ${startedAt.toISOString()} was interrupted (the process stopped); pages it committed are kept and the next run resumes from its cursor`;
      await tx
        .insert(sourceHealth)
        .values({
          sourceId,
          lastErrorAt: now,
          lastErrorKind: 'interrupted',
          lastErrorMessage: message,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: sourceHealth.sourceId,
          set: { lastErrorAt: now, lastErrorKind: 'interrupted', lastErrorMessage: message, updatedAt: now },
        });
    }
    return closed.length;
  });
}
