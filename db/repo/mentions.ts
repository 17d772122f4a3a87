import { createHash } from 'node:crypto';
import { and, type Column, gte, or, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { authors, brandHourly, type mentionBrands, mentions, metricSnapshots } from '../schema/index.ts';

export type MentionInsert = typeof mentions.$inferInsert;
export type MentionBrandInsert = typeof mentionBrands.$inferInsert;

/** Rows per INSERT statement: ~40 columns each keeps us far below the 65,535-parameter limit. */
const CHUNK = 500;

function chunks<T>(xs: readonly T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/**
 * `column = any(array)` with the whole list as ONE text parameter (a PostgreSQL array literal).
 *
 * Why not drizzle's `inArray`: it binds one parameter per value, so a 1,000-row batch builds and
 * binds thousands of parameters per lookup, and every batch size is a new statement text that
 * the server parses again. One parameter keeps the statement text fixed (prepared once per
 * connection) and the plan the same: an index scan on `= any(...)`.
 */
function anyOf(col: Column, values: readonly (string | number)[], type: 'text' | 'int'): SQL {
  const literal = `{${values.map((v) => (typeof v === 'number' ? String(v) : `"${v.replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`;
  return sql`${col} = any(${literal}::${sql.raw(type)}[])`;
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
/** The external id an erased post is stored under; `ERASED_EXTERNAL_ID_SQL` is the same in SQL. */
export const erasedExternalId = (externalId: string) =>
  `erased:${createHash('md5').update(externalId, 'utf8').digest('hex')}`;
export const ERASED_EXTERNAL_ID_SQL = sql.raw(
  "case when external_id like 'erased:%' then external_id else 'erased:' || md5(external_id) end",
);

export async function findExisting(
  db: DbOrTx,
  keys: readonly { platform: string; externalId: string }[],
): Promise<ExistingMention[]> {
  if (keys.length === 0) return [];
  const out: ExistingMention[] = [];
  const wanted = new Set(keys.map((k) => `${k.platform}\u0000${k.externalId}`));
  // An erased post is stored under `erased:<md5 of its id>`: reading it again must find it, or
  // it would be stored (and counted) once more on every re-read.
  const erased = new Map(
    keys.map((k) => [`${k.platform}\u0000${erasedExternalId(k.externalId)}`, k.externalId]),
  );
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
      .where(
        and(
          anyOf(mentions.platform, platforms, 'text'),
          anyOf(
            mentions.externalId,
            part.flatMap((k) => [k.externalId, erasedExternalId(k.externalId)]),
            'text',
          ),
        ),
      );
    for (const r of rows) {
      const key = `${r.platform}\u0000${r.externalId}`;
      if (wanted.has(key)) out.push(r);
      else if (erased.has(key)) out.push({ ...r, externalId: erased.get(key)! });
    }
  }
  return out;
}

export interface NearDupCandidate {
  id: string;
  storyId: string;
  simhash: string;
  publishedAt: Date;
}

/** Story originals sharing at least one SimHash band with any of `bandSets`, published since `since`. */
export async function findNearDupCandidates(
  db: DbOrTx,
  bandSets: readonly number[][],
  since: Date,
): Promise<NearDupCandidate[]> {
  if (bandSets.length === 0) return [];
  const col = [mentions.sh0, mentions.sh1, mentions.sh2, mentions.sh3] as const;
  const per = [0, 1, 2, 3].map((i) => [...new Set(bandSets.map((b) => b[i]!))]);
  const rows = await db
    .select({
      id: mentions.id,
      storyId: mentions.storyId,
      simhash: mentions.simhash,
      publishedAt: mentions.publishedAt,
    })
    .from(mentions)
    .where(
      and(
        sql`${mentions.id} = ${mentions.storyId}`,
        gte(mentions.publishedAt, since),
        or(...col.map((c, i) => anyOf(c, per[i]!, 'int'))),
      ),
    );
  return rows.filter((r): r is NearDupCandidate => r.simhash !== null);
}

/** Column name and SQL type of every insertable mentions column, in table order. */
const MENTION_COLUMNS: [keyof MentionInsert, string, string][] = [
  ['id', 'id', 'text'],
  ['platform', 'platform', 'text'],
  ['externalId', 'external_id', 'text'],
  ['url', 'url', 'text'],
  ['authorHandle', 'author_handle', 'text'],
  ['authorName', 'author_name', 'text'],
  ['authorFollowers', 'author_followers', 'integer'],
  ['authorVerified', 'author_verified', 'boolean'],
  ['authorUrl', 'author_url', 'text'],
  ['text', 'text', 'text'],
  ['title', 'title', 'text'],
  ['lang', 'lang', 'text'],
  ['langConfidence', 'lang_confidence', 'real'],
  ['publishedAt', 'published_at', 'timestamptz'],
  ['collectedAt', 'collected_at', 'timestamptz'],
  ['updatedAt', 'updated_at', 'timestamptz'],
  ['likes', 'likes', 'integer'],
  ['shares', 'shares', 'integer'],
  ['replies', 'replies', 'integer'],
  ['views', 'views', 'integer'],
  ['parentId', 'parent_id', 'text'],
  ['threadId', 'thread_id', 'text'],
  ['sourceId', 'source_id', 'text'],
  ['storyId', 'story_id', 'text'],
  ['simhash', 'simhash', 'text'],
  ['sh0', 'sh0', 'integer'],
  ['sh1', 'sh1', 'integer'],
  ['sh2', 'sh2', 'integer'],
  ['sh3', 'sh3', 'integer'],
  ['sentimentLabel', 'sentiment_label', 'text'],
  ['sentimentScore', 'sentiment_score', 'real'],
  ['sentimentConfidence', 'sentiment_confidence', 'real'],
  ['crisisScore', 'crisis_score', 'real'],
  ['spamScore', 'spam_score', 'real'],
  ['topics', 'topics', 'jsonb'],
  ['classifications', 'classifications', 'jsonb'],
  ['labels', 'labels', 'jsonb'],
  ['raw', 'raw', 'jsonb'],
  ['searchText', 'search_text', 'text'],
];
const COLS = MENTION_COLUMNS.map(([, c]) => c).join(', ');
const RECORD = MENTION_COLUMNS.map(([, c, t]) => `${c} ${t}`).join(', ');
const DEFAULTS: Record<string, string> = { topics: "'[]'::jsonb", classifications: "'{}'::jsonb" };
const SEL = MENTION_COLUMNS.map(([, c]) => (DEFAULTS[c] ? `coalesce(${c}, ${DEFAULTS[c]})` : c)).join(', ');

/**
 * Insert new mentions; rows that lost a race to another writer are skipped. Returns inserted ids.
 *
 * Why JSON: a batch travels as ONE parameter and PostgreSQL expands it with
 * json_to_recordset. Building a 20,000-parameter INSERT costs more in the query builder and the
 * wire protocol than the insert itself; this is several times faster on both drivers.
 */
export async function insertMentions(db: DbOrTx, rows: readonly MentionInsert[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (const part of chunks(rows, 2000)) {
    const payload = JSON.stringify(
      part.map((r) => {
        const o: Record<string, unknown> = {};
        for (const [k, c] of MENTION_COLUMNS) {
          const v = r[k];
          o[c] = v instanceof Date ? v.toISOString() : (v ?? null);
        }
        return o;
      }),
    );
    const res = await db.execute(
      sql
        .raw(`insert into mentions (${COLS}) select ${SEL} from json_to_recordset(`)
        .append(sql`${payload}::json`)
        .append(sql.raw(`) as x(${RECORD}) on conflict (platform, external_id) do nothing returning id`)),
    );
    for (const x of rowsOf<{ id: string }>(res)) inserted.add(x.id);
  }
  return inserted;
}

/** Rows of a db.execute result: postgres.js returns an array, PGlite an object with `rows`. */
function rowsOf<T>(res: unknown): T[] {
  return Array.isArray(res) ? (res as T[]) : ((res as { rows?: T[] }).rows ?? []);
}

export async function insertMentionBrands(db: DbOrTx, rows: readonly MentionBrandInsert[]): Promise<void> {
  for (const part of chunks(rows, 5000)) {
    const payload = JSON.stringify(
      part.map((r) => ({
        mention_id: r.mentionId,
        brand_id: r.brandId,
        published_at: r.publishedAt.toISOString(),
        sentiment_label: r.sentimentLabel ?? null,
        sentiment_score: r.sentimentScore ?? null,
      })),
    );
    await db.execute(sql`
      insert into mention_brands (mention_id, brand_id, published_at, sentiment_label, sentiment_score)
      select mention_id, brand_id, published_at, sentiment_label, sentiment_score
      from json_to_recordset(${payload}::json)
        as x(mention_id text, brand_id text, published_at timestamptz, sentiment_label text, sentiment_score real)
      on conflict do nothing`);
  }
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
      .values(
        part.map((r) => ({
          mentionId: r.id,
          at,
          likes: r.likes,
          shares: r.shares,
          replies: r.replies,
          views: r.views,
        })),
      )
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

/** Members of each story among mentions published since `since` (the story original included). */
export async function storySizes(
  db: DbOrTx,
  storyIds: readonly string[],
  since: Date,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (storyIds.length === 0) return out;
  const rows = await db
    .select({ storyId: mentions.storyId, n: sql<number>`count(*)::int` })
    .from(mentions)
    .where(and(anyOf(mentions.storyId, [...new Set(storyIds)], 'text'), gte(mentions.publishedAt, since)))
    .groupBy(mentions.storyId);
  for (const r of rows) if (r.storyId) out.set(r.storyId, Number(r.n));
  return out;
}

/** Stored author profiles (posts about tracked brands, first seen), keyed `platform\0handle`. */
export async function authorHistory(
  db: DbOrTx,
  keys: readonly { platform: string; handle: string }[],
): Promise<Map<string, { posts: number; firstSeenAt: Date | null }>> {
  const out = new Map<string, { posts: number; firstSeenAt: Date | null }>();
  if (keys.length === 0) return out;
  const wanted = new Set(keys.map((k) => `${k.platform}\u0000${k.handle}`));
  const rows = await db
    .select({
      platform: authors.platform,
      handle: authors.handle,
      posts: authors.posts,
      firstSeenAt: authors.firstSeenAt,
    })
    .from(authors)
    .where(
      and(
        anyOf(authors.platform, [...new Set(keys.map((k) => k.platform))], 'text'),
        anyOf(authors.handle, [...new Set(keys.map((k) => k.handle))], 'text'),
      ),
    );
  for (const r of rows) {
    const key = `${r.platform}\u0000${r.handle}`;
    if (wanted.has(key)) out.set(key, { posts: Number(r.posts), firstSeenAt: r.firstSeenAt });
  }
  return out;
}
