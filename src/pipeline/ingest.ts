import { sql } from 'drizzle-orm';
import type { ClassifierInput, ClassifierOutput } from '../../classifiers/types.ts';
import type { Db, DbOrTx } from '../../db/client.ts';
import { markForEvaluation } from '../../db/repo/alert-marks.ts';
import {
  addBrandHourly,
  authorHistory,
  findExisting,
  findNearDupCandidates,
  type HourlyDelta,
  insertMentionBrands,
  insertMentions,
  type MentionBrandInsert,
  type MentionInsert,
  type MetricUpdate,
  storySizes,
  updateMetrics,
} from '../../db/repo/mentions.ts';
import { cursors, ingestBatches } from '../../db/schema/index.ts';
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../log.ts';
import type { NormalizedMention } from '../mention.ts';
import { foldText, tokenize } from '../text.ts';
import type { ClassifierChain } from './classify.ts';
import { type BrandMatcher, brandsOf } from './match.ts';
import { normalizeBatch, type Rejected } from './normalize.ts';
import { bands, features, fromHex, hamming, type SimHash, simhash, toHex } from './simhash.ts';

export interface PipelineSettings {
  dropUnmatched: boolean;
  nearDuplicateDistance: number;
  nearDuplicateWindowDays: number;
}

export interface PipelineDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  classifiers: ClassifierChain;
  /** The current brand matcher (rebuilt when brands change). */
  matcher: () => BrandMatcher;
  settings: PipelineSettings;
  /** Called after a batch commits, with the new mentions' ids and brand links. */
  onCommitted?: (e: CommittedBatch) => void;
  /**
   * Derived state that must commit with every batch (author profiles, rollups): called inside
   * the transaction with the rows actually inserted.
   */
  afterStore?: (tx: DbOrTx, stored: StoredBatch) => Promise<void>;
}

/** The rows a batch inserted, for in-transaction hooks. */
export interface StoredBatch {
  rows: MentionInsert[];
  links: MentionBrandInsert[];
  now: Date;
}

export interface BatchOptions {
  /** `api`, `file:<name>`, `source:<id>`… recorded on the batch row. */
  origin: string;
  sourceId?: string;
  /** Cursor to store in the same transaction as the batch's rows. */
  cursor?: { key: string; value: unknown };
  /** Extra writes that must commit atomically with the batch (source health, runs). */
  inTransaction?: (tx: DbOrTx, result: BatchResult) => Promise<void>;
}

export interface BatchResult {
  batchId: string;
  received: number;
  stored: number;
  duplicates: number;
  /** Duplicates whose engagement counts changed and were refreshed. */
  updated: number;
  rejected: Rejected[];
  unmatched: number;
  nearDuplicates: number;
  /** Newest published_at among stored mentions, if any. */
  newestPublishedAt: Date | null;
  /** Milliseconds per phase (normalize, dedup, prepare, nearDup, classify, store). */
  timings?: Record<string, number>;
}

export interface CommittedBatch {
  batchId: string;
  sourceId?: string;
  mentions: {
    id: string;
    brandIds: string[];
    storyId: string;
    publishedAt: Date;
    sentiment: string | null;
  }[];
  updatedIds: string[];
}

interface Candidate {
  m: NormalizedMention;
  id: string;
  folded: string;
  hash: SimHash | null;
  storyId: string;
  brandIds: string[];
  searchText: string;
}

const metricsOf = (m: NormalizedMention) => ({
  likes: m.metrics?.likes ?? null,
  shares: m.metrics?.shares ?? null,
  replies: m.metrics?.replies ?? null,
  views: m.metrics?.views ?? null,
});

/**
 * The ingest pipeline for one batch: normalise → exact dedup on (platform, externalId),
 * refreshing counts of stored mentions → near-duplicate linking (SimHash) → brand matching →
 * classification → one transaction that stores rows, brand links, the batch record and the
 * cursor. Either all of it commits or none of it: a crash never advances a cursor past
 * uncommitted data, and re-running the same input stores nothing twice.
 *
 * @example
 * const r = await pipeline.processBatch(items, { origin: 'api' });
 */
export function createPipeline(deps: PipelineDeps) {
  const log = deps.log.child({ component: 'pipeline' });

  async function processBatch(items: readonly unknown[], opts: BatchOptions): Promise<BatchResult> {
    const now = deps.clock.now();
    const timings: Record<string, number> = {};
    let mark = performance.now();
    const lap = (name: string) => {
      const t = performance.now();
      timings[name] = Math.round((t - mark) * 10) / 10;
      mark = t;
    };
    const { good, rejected } = normalizeBatch(items, now);

    // Exact dedup within the batch: the last occurrence carries the freshest counts.
    const byKey = new Map<string, NormalizedMention>();
    for (const { mention } of good) byKey.set(`${mention.platform}\u0000${mention.externalId}`, mention);
    let duplicates = good.length - byKey.size;

    lap('normalize');
    const existing = await findExisting(deps.db, [...byKey.values()]);
    lap('dedup');
    const metricUpdates: MetricUpdate[] = [];
    for (const e of existing) {
      const key = `${e.platform}\u0000${e.externalId}`;
      const m = byKey.get(key)!;
      byKey.delete(key);
      duplicates++;
      const next = metricsOf(m);
      const changed = (['likes', 'shares', 'replies', 'views'] as const).some(
        (k) => next[k] !== null && next[k] !== e[k],
      );
      if (changed) metricUpdates.push({ id: e.id, ...next });
    }

    // Prepare new mentions: tokens once, reused for search text, SimHash and matching.
    const matcher = deps.matcher();
    const fresh: Candidate[] = [];
    let unmatched = 0;
    for (const m of byKey.values()) {
      const folded = foldText(m.title ? `${m.title}\n${m.text}` : m.text);
      const tokens = tokenize(folded, { folded: true });
      const brandIds = brandsOf(matcher, m);
      if (brandIds.length === 0) {
        unmatched++;
        if (deps.settings.dropUnmatched) continue;
      }
      const id = newId('men');
      fresh.push({
        m,
        id,
        folded,
        hash: simhash(features(tokens, folded)),
        storyId: id,
        brandIds,
        searchText: tokens
          .map((t) => (t.kind === 'hashtag' || t.kind === 'mention' ? t.t.slice(1) : t.t))
          .join(' '),
      });
    }

    lap('prepare');
    const nearDuplicates = await linkNearDuplicates(fresh, now);
    const dupCounts = await nearDuplicateCounts(fresh, nearDuplicates, now);
    lap('nearDup');
    const seen = await authorHistory(
      deps.db,
      fresh.map((c) => ({ platform: c.m.platform, handle: c.m.author.handle })),
    );

    // Classify new mentions (with their matched brands as targets).
    const inputs: ClassifierInput[] = fresh.map((c) => ({
      id: c.id,
      text: c.m.text,
      title: c.m.title,
      lang: c.m.lang,
      platform: c.m.platform,
      publishedAt: c.m.publishedAt,
      author: {
        handle: c.m.author.handle,
        followers: c.m.author.followers,
        verified: c.m.author.verified,
        postsCount: c.m.author.postsCount,
        createdAt: c.m.author.createdAt,
      },
      metrics: c.m.metrics ?? undefined,
      url: c.m.url,
      brands: c.brandIds.map((b) => matcher.target(b)).filter((t) => t !== undefined),
      nearDuplicates: dupCounts.get(c.id) ?? 0,
      authorSeen: seen.get(`${c.m.platform}\u0000${c.m.author.handle}`),
    }));
    const { merged, records } = await deps.classifiers.run(inputs);
    lap('classify');

    const rows: MentionInsert[] = fresh.map((c, i) => toRow(c, merged[i]!, records[i]!, now, opts.sourceId));
    const links: MentionBrandInsert[] = [];
    fresh.forEach((c, i) => {
      const out = merged[i]!;
      for (const brandId of c.brandIds) {
        const s = out.brandSentiment?.[brandId] ?? out.sentiment;
        links.push({
          mentionId: c.id,
          brandId,
          publishedAt: c.m.publishedAt,
          sentimentLabel: s?.label ?? null,
          sentimentScore: s?.score ?? null,
        });
      }
    });

    const batchId = newId('bat');
    const result: BatchResult = {
      batchId,
      received: items.length,
      stored: 0,
      duplicates,
      updated: metricUpdates.length,
      rejected,
      unmatched,
      nearDuplicates,
      newestPublishedAt: null,
    };

    let insertedIds = new Set<string>();
    await deps.db.transaction(async (tx) => {
      insertedIds = await insertMentions(tx, rows);
      // Rows that lost a race with a concurrent writer are duplicates, not new.
      result.stored = insertedIds.size;
      result.duplicates += rows.length - insertedIds.size;
      await insertMentionBrands(
        tx,
        links.filter((l) => insertedIds.has(l.mentionId)),
      );
      await addBrandHourly(tx, hourlyDeltas(rows, links, insertedIds));
      if (metricUpdates.length) await updateMetrics(tx, metricUpdates, now);
      // The alert engine evaluates committed state: the "to evaluate" mark commits with the
      // batch and is cleared with its evaluation, so a crash in between loses no alert.
      await markForEvaluation(tx, {
        batchId,
        now,
        newLinks: links.filter((l) => insertedIds.has(l.mentionId)),
        updatedIds: metricUpdates.map((u) => u.id),
        newId: () => newId('amk'),
      });
      for (const r of rows) {
        if (
          insertedIds.has(r.id) &&
          (!result.newestPublishedAt || r.publishedAt > result.newestPublishedAt)
        ) {
          result.newestPublishedAt = r.publishedAt;
        }
      }
      await tx.insert(ingestBatches).values({
        id: batchId,
        origin: opts.origin,
        sourceId: opts.sourceId ?? null,
        received: result.received,
        stored: result.stored,
        duplicates: result.duplicates,
        rejected: rejected.length,
        committedAt: now,
      });
      if (opts.cursor) {
        await tx
          .insert(cursors)
          .values({ key: opts.cursor.key, value: opts.cursor.value, updatedAt: now })
          .onConflictDoUpdate({ target: cursors.key, set: { value: sql`excluded.value`, updatedAt: now } });
      }
      if (deps.afterStore && insertedIds.size > 0) {
        await deps.afterStore(tx, {
          rows: rows.filter((r) => insertedIds.has(r.id)),
          links: links.filter((l) => insertedIds.has(l.mentionId)),
          now,
        });
      }
      await opts.inTransaction?.(tx, result);
    });
    lap('store');
    result.timings = timings;

    log.debug({ origin: opts.origin, ...result, rejected: rejected.length }, 'batch committed');
    deps.onCommitted?.({
      batchId,
      sourceId: opts.sourceId,
      mentions: fresh
        .map((c, i) => ({
          id: c.id,
          brandIds: c.brandIds,
          storyId: c.storyId,
          publishedAt: c.m.publishedAt,
          sentiment: merged[i]?.sentiment?.label ?? null,
        }))
        .filter((x) => insertedIds.has(x.id)),
      updatedIds: metricUpdates.map((u) => u.id),
    });
    return result;
  }

  /** Link each new mention to the earliest stored or in-batch mention within the distance. */
  async function linkNearDuplicates(fresh: Candidate[], now: Date): Promise<number> {
    const maxD = deps.settings.nearDuplicateDistance;
    const hashed = fresh.filter((c) => c.hash);
    if (hashed.length === 0) return 0;
    const since = new Date(now.getTime() - deps.settings.nearDuplicateWindowDays * 86_400_000);
    const stored = await findNearDupCandidates(
      deps.db,
      hashed.map((c) => bands(c.hash!)),
      since,
    );
    const storedHashes = stored.map((s) => ({ ...s, hash: fromHex(s.simhash) }));
    let linked = 0;
    const seen: Candidate[] = [];
    for (const c of hashed) {
      let best: { storyId: string; d: number; at: number } | undefined;
      for (const s of storedHashes) {
        const d = hamming(c.hash!, s.hash);
        if (d <= maxD && (!best || d < best.d || (d === best.d && s.publishedAt.getTime() < best.at))) {
          best = { storyId: s.storyId, d, at: s.publishedAt.getTime() };
        }
      }
      if (!best) {
        for (const p of seen) {
          const d = hamming(c.hash!, p.hash!);
          if (d <= maxD && (!best || d < best.d))
            best = { storyId: p.storyId, d, at: p.m.publishedAt.getTime() };
        }
      }
      if (best) {
        c.storyId = best.storyId;
        linked++;
      }
      seen.push(c);
    }
    return linked;
  }

  /**
   * For each linked mention, how many mentions its story already holds: stored members within
   * the near-duplicate window plus earlier members of this batch (the spam classifier's flood
   * signal). One grouped query, only when something was linked.
   */
  async function nearDuplicateCounts(fresh: Candidate[], linked: number, now: Date) {
    const out = new Map<string, number>();
    if (linked === 0) return out;
    const batchIds = new Set(fresh.map((c) => c.id));
    const storedStories = fresh
      .filter((c) => c.storyId !== c.id && !batchIds.has(c.storyId))
      .map((c) => c.storyId);
    const since = new Date(now.getTime() - deps.settings.nearDuplicateWindowDays * 86_400_000);
    const stored = await storySizes(deps.db, storedStories, since);
    const inBatch = new Map<string, number>();
    for (const c of fresh) {
      const before = inBatch.get(c.storyId) ?? 0;
      if (c.storyId !== c.id) out.set(c.id, (stored.get(c.storyId) ?? 0) + before);
      inBatch.set(c.storyId, before + 1);
    }
    return out;
  }

  return { processBatch };
}

export type Pipeline = ReturnType<typeof createPipeline>;

function toRow(
  c: Candidate,
  out: ClassifierOutput,
  records: Record<string, unknown>,
  now: Date,
  sourceId?: string,
): MentionInsert {
  const m = c.m;
  const b = c.hash ? bands(c.hash) : null;
  return {
    id: c.id,
    platform: m.platform,
    externalId: m.externalId,
    url: m.url ?? null,
    authorHandle: m.author.handle,
    authorName: m.author.name ?? null,
    authorFollowers: m.author.followers ?? null,
    authorVerified: m.author.verified ?? null,
    authorUrl: m.author.url ?? null,
    text: m.text,
    title: m.title,
    lang: out.lang?.code ?? m.lang ?? null,
    langConfidence: out.lang?.confidence ?? null,
    publishedAt: m.publishedAt,
    collectedAt: m.collectedAt,
    updatedAt: now,
    ...metricsOf(m),
    parentId: m.parentId ?? null,
    threadId: m.threadId ?? null,
    sourceId: sourceId ?? null,
    storyId: c.storyId,
    simhash: c.hash ? toHex(c.hash) : null,
    sh0: b?.[0] ?? null,
    sh1: b?.[1] ?? null,
    sh2: b?.[2] ?? null,
    sh3: b?.[3] ?? null,
    sentimentLabel: out.sentiment?.label ?? null,
    sentimentScore: out.sentiment?.score ?? null,
    sentimentConfidence: out.sentiment?.confidence ?? null,
    crisisScore: out.crisis?.score ?? null,
    spamScore: out.spam?.score ?? null,
    topics: out.topics?.map((t) => t.id) ?? [],
    classifications: records,
    raw: m.raw ?? null,
    searchText: c.searchText,
  };
}

/** Aggregate the batch's new brand links into hourly rollup increments. */
function hourlyDeltas(
  rows: readonly MentionInsert[],
  links: readonly MentionBrandInsert[],
  inserted: Set<string>,
): HourlyDelta[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const acc = new Map<string, HourlyDelta>();
  for (const l of links) {
    if (!inserted.has(l.mentionId)) continue;
    const m = byId.get(l.mentionId)!;
    const hour = new Date(Math.floor(m.publishedAt.getTime() / 3_600_000) * 3_600_000);
    const lang = m.lang ?? 'und';
    const key = `${l.brandId}|${hour.getTime()}|${m.platform}|${lang}`;
    let d = acc.get(key);
    if (!d) {
      d = {
        brandId: l.brandId,
        hour,
        platform: m.platform,
        lang,
        total: 0,
        positive: 0,
        negative: 0,
        neutral: 0,
        sentimentSum: 0,
        engagement: 0,
        reach: 0,
      };
      acc.set(key, d);
    }
    d.total++;
    if (l.sentimentLabel === 'positive') d.positive++;
    else if (l.sentimentLabel === 'negative') d.negative++;
    else if (l.sentimentLabel === 'neutral') d.neutral++;
    d.sentimentSum += l.sentimentScore ?? 0;
    d.engagement += (m.likes ?? 0) + (m.shares ?? 0) + (m.replies ?? 0);
    d.reach += m.authorFollowers ?? 0;
  }
  return [...acc.values()];
}
