import { and, gte, inArray, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { brandHourly, mentionBrands, mentions, metricSnapshots } from '../schema/index.ts';

export type MentionInsert = typeof mentions.$inferInsert;
export type MentionBrandInsert = typeof mentionBrands.$inferInsert;

/** Rows per INSERT statement: ~40 columns each keeps us far below the 65,535-parameter limit. */
const CHUNK = 500;

function chunks<T>(xs: readonly T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export interface ExistingMention {
  id: string;
  platform: string;
  externalId: string;
  likes: number | null;
  shares: number | null;
  replies: number | null;
  views: number | null;
}

/** Stored mentions among (platform, externalId) keys, in one query per chunk. */
export async function findExisting(db: DbOrTx, keys: readonly { platform: string; externalId: string }[]): Promise<ExistingMention[]> {
  if (keys.length === 0) return [];
  const out: ExistingMention[] = [];
  const wanted = new Set(keys.map((k) => `${k.platform}\u0000${k.externalId}`));
  for (const part of chunks(keys, 2000)) {
    const platforms = [...new Set(part.map((k) => k.platform))];
    const rows = await db
      .select({
        id: mentions.id,
        platform: mentions.platform,
        externalId: mentions.externalId,
        likes: mentions.likes,
        shares: mentions.shares,
        replies: mentions.replies,
        views: mentions.views,
      })
      .from(mentions)
      .where(and(inArray(mentions.platform, platforms), inArray(mentions.externalId, part.map((k) => k.externalId))));
    for (const r of rows) if (wanted.has(`${r.platform}\u0000${r.externalId}`)) out.push(r);
  }
  return out;
}

export interface NearDupCandidate {
  id: string;
  storyId: string;
  simhash: string;
  publishedAt: Date;
}

/** Stored mentions sharing at least one SimHash band with any of `bandSets`, since `since`. */
export async function findNearDupCandidates(db: DbOrTx, bandSets: readonly number[][], since: Date): Promise<NearDupCandidate[]> {
  if (bandSets.length === 0) return [];
  const col = [mentions.sh0, mentions.sh1, mentions.sh2, mentions.sh3] as const;
  const per = [0, 1, 2, 3].map((i) => [...new Set(bandSets.map((b) => b[i]!))]);
  const rows = await db
    .select({ id: mentions.id, storyId: mentions.storyId, simhash: mentions.simhash, publishedAt: mentions.publishedAt })
    .from(mentions)
    .where(and(gte(mentions.publishedAt, since), or(...col.map((c, i) => inArray(c, per[i]!)))));
  return rows.filter((r): r is NearDupCandidate => r.simhash !== null);
}

/** Insert new mentions; rows that lost a race to another writer are skipped. Returns inserted ids. */
export async function insertMentions(db: DbOrTx, rows: readonly MentionInsert[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const part of chunks(rows)) {
    const r = await db.insert(mentions).values(part).onConflictDoNothing().returning({ id: mentions.id });
    for (const x of r) inserted.add(x.id);
  }
  return inserted;
}

export async function insertMentionBrands(db: DbOrTx, rows: readonly MentionBrandInsert[]): Promise<void> {
  for (const part of chunks(rows, 2000)) await db.insert(mentionBrands).values(part).onConflictDoNothing();
}

export interface MetricUpdate {
  id: string;
  likes: number | null;
  shares: number | null;
  replies: number | null;
  views: number | null;
}

/** Refresh engagement counts of stored mentions in one statement per chunk, and snapshot them. */
export async function updateMetrics(db: DbOrTx, rows: readonly MetricUpdate[], at: Date): Promise<void> {
  for (const part of chunks(rows, 1000)) {
    const values = sql.join(
      part.map((r) => sql`(${r.id}, ${r.likes}::int, ${r.shares}::int, ${r.replies}::int, ${r.views}::int)`),
      sql`, `,
    );
    await db.execute(sql`
      update mentions as m set
        likes = coalesce(v.likes, m.likes), shares = coalesce(v.shares, m.shares),
        replies = coalesce(v.replies, m.replies), views = coalesce(v.views, m.views),
        updated_at = ${at.toISOString()}::timestamptz
      from (values ${values}) as v(id, likes, shares, replies, views)
      where m.id = v.id`);
    await db
      .insert(metricSnapshots)
      .values(part.map((r) => ({ mentionId: r.id, at, likes: r.likes, shares: r.shares, replies: r.replies, views: r.views })))
      .onConflictDoNothing();
  }
}

export interface HourlyDelta {
  brandId: string;
  hour: Date;
  platform: string;
  lang: string;
  total: number;
  positive: number;
  negative: number;
  neutral: number;
  sentimentSum: number;
  engagement: number;
  reach: number;
}

/**
 * Add to the per-brand hourly rollup in one statement per chunk (same transaction as the
 * mentions). Engagement is counted as first seen; re-polls refresh the mention, not the rollup.
 */
export async function addBrandHourly(db: DbOrTx, deltas: readonly HourlyDelta[]): Promise<void> {
  for (const part of chunks(deltas, 1000)) {
    await db
      .insert(brandHourly)
      .values(part)
      .onConflictDoUpdate({
        target: [brandHourly.brandId, brandHourly.hour, brandHourly.platform, brandHourly.lang],
        set: {
          total: sql`${brandHourly.total} + excluded.total`,
          positive: sql`${brandHourly.positive} + excluded.positive`,
          negative: sql`${brandHourly.negative} + excluded.negative`,
          neutral: sql`${brandHourly.neutral} + excluded.neutral`,
          sentimentSum: sql`${brandHourly.sentimentSum} + excluded.sentiment_sum`,
          engagement: sql`${brandHourly.engagement} + excluded.engagement`,
          reach: sql`${brandHourly.reach} + excluded.reach`,
        },
      });
  }
}
