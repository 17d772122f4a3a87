import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { isoOrNull, num, numOrNull, rows } from '../profiles/sql.ts';
import { TOP_PER_DAY } from '../profiles/update.ts';

/**
 * Analytics for the dashboard and reports, read from rollups maintained in the ingest
 * transaction (`brand_hourly`, `brand_topic_daily`, `brand_geo_daily`, `brand_top_mentions`,
 * `author_brands`), never by scanning mentions: every query is a primary-key or index range
 * on (brand, time). docs/analytics.md lists the formulas.
 */
export interface Window {
  brandId: string;
  from: Date;
  to: Date;
}
export type Interval = 'hour' | 'day';
export type GroupBy = 'platform' | 'lang' | 'sentiment';

const INTERVALS: Record<Interval, string> = { hour: 'hour', day: 'day' };

/** Net sentiment, −100..100: (positive − negative) / (positive + negative) × 100; null without opinions. */
export const netSentiment = (pos: number, neg: number): number | null =>
  pos + neg === 0 ? null : Math.round(((pos - neg) / (pos + neg)) * 1000) / 10;

/** Bucket starts covering [from, to) in a time zone, as instants. */
async function buckets(db: DbOrTx, w: Window, interval: Interval, tz: string): Promise<string[]> {
  const i = INTERVALS[interval];
  const r = await rows<{ b: unknown }>(
    db,
    sql`select (g at time zone ${tz}) as b from generate_series(
      date_trunc(${i}, ${w.from.toISOString()}::timestamptz at time zone ${tz}),
      date_trunc(${i}, (${w.to.toISOString()}::timestamptz - interval '1 microsecond') at time zone ${tz}),
      ${`1 ${i}`}::interval) g`,
  );
  return r.map((x) => isoOrNull(x.b)!);
}

export interface VolumePoint {
  t: string;
  total: number;
  positive: number;
  negative: number;
  neutral: number;
  engagement: number;
  reach: number;
  /** Average sentiment score of labelled mentions (−1..1). */
  avgSentiment: number | null;
  net: number | null;
  groups?: Record<string, number>;
}

/** Volume and sentiment per hour or day (zero-filled), optionally split by platform, language or sentiment. */
export async function timeSeries(
  db: DbOrTx,
  w: Window,
  interval: Interval,
  tz: string,
  by?: GroupBy,
): Promise<VolumePoint[]> {
  const i = INTERVALS[interval];
  const key = by === 'platform' ? sql.raw('platform') : by === 'lang' ? sql.raw('lang') : sql.raw("''");
  const r = await rows<Record<string, unknown>>(
    db,
    sql`select (date_trunc(${i}, hour at time zone ${tz}) at time zone ${tz}) as b, ${key} as k,
        sum(total) as total, sum(positive) as pos, sum(negative) as neg, sum(neutral) as neu,
        sum(sentiment_sum) as ssum, sum(engagement) as eng, sum(reach) as reach
      from brand_hourly
      where brand_id = ${w.brandId} and hour >= ${w.from.toISOString()}::timestamptz and hour < ${w.to.toISOString()}::timestamptz
      group by 1, 2`,
  );
  const points = new Map<string, VolumePoint>();
  for (const t of await buckets(db, w, interval, tz)) {
    points.set(t, {
      t,
      total: 0,
      positive: 0,
      negative: 0,
      neutral: 0,
      engagement: 0,
      reach: 0,
      avgSentiment: null,
      net: null,
      ...(by ? { groups: {} } : {}),
    });
  }
  const ssum = new Map<string, number>();
  for (const x of r) {
    const t = isoOrNull(x.b)!;
    const p = points.get(t);
    if (!p) continue;
    p.total += num(x.total);
    p.positive += num(x.pos);
    p.negative += num(x.neg);
    p.neutral += num(x.neu);
    p.engagement += num(x.eng);
    p.reach += num(x.reach);
    ssum.set(t, (ssum.get(t) ?? 0) + num(x.ssum));
    if (by === 'platform' || by === 'lang')
      p.groups![String(x.k)] = (p.groups![String(x.k)] ?? 0) + num(x.total);
  }
  for (const p of points.values()) {
    const labelled = p.positive + p.negative + p.neutral;
    p.avgSentiment = labelled ? Math.round(((ssum.get(p.t) ?? 0) / labelled) * 1000) / 1000 : null;
    p.net = netSentiment(p.positive, p.negative);
    if (by === 'sentiment')
      p.groups = {
        positive: p.positive,
        negative: p.negative,
        neutral: p.neutral,
        unlabelled: p.total - labelled,
      };
  }
  return [...points.values()];
}

export interface Totals {
  total: number;
  positive: number;
  negative: number;
  neutral: number;
  engagement: number;
  reach: number;
  net: number | null;
}

/** Totals of several brands over a window (one grouped range read on brand_hourly). */
export async function totals(
  db: DbOrTx,
  brandIds: string[],
  from: Date,
  to: Date,
): Promise<Map<string, Totals>> {
  const r = await rows<Record<string, unknown>>(
    db,
    sql`select brand_id, sum(total) as total, sum(positive) as pos, sum(negative) as neg, sum(neutral) as neu,
        sum(engagement) as eng, sum(reach) as reach
      from brand_hourly
      where brand_id in (select jsonb_array_elements_text(${JSON.stringify(brandIds)}::jsonb))
        and hour >= ${from.toISOString()}::timestamptz and hour < ${to.toISOString()}::timestamptz
      group by brand_id`,
  );
  const out = new Map<string, Totals>();
  for (const id of brandIds)
    out.set(id, { total: 0, positive: 0, negative: 0, neutral: 0, engagement: 0, reach: 0, net: null });
  for (const x of r) {
    const t: Totals = {
      total: num(x.total),
      positive: num(x.pos),
      negative: num(x.neg),
      neutral: num(x.neu),
      engagement: num(x.eng),
      reach: num(x.reach),
      net: netSentiment(num(x.pos), num(x.neg)),
    };
    out.set(String(x.brand_id), t);
  }
  return out;
}

export interface SovEntry extends Totals {
  brandId: string;
  name: string;
  /** Share of the combined volume, percent. */
  share: number;
  /** Share of the combined engagement, percent. */
  engagementShare: number;
  isSubject: boolean;
}

/** Share of voice of a brand against its competitors (those tracked as brands). */
export async function shareOfVoice(
  db: DbOrTx,
  subject: { id: string; name: string },
  competitors: { id: string; name: string }[],
  from: Date,
  to: Date,
): Promise<SovEntry[]> {
  const all = [subject, ...competitors];
  const t = await totals(
    db,
    all.map((b) => b.id),
    from,
    to,
  );
  const sum = [...t.values()].reduce((a, x) => a + x.total, 0);
  const eng = [...t.values()].reduce((a, x) => a + x.engagement, 0);
  return all.map((b) => {
    const x = t.get(b.id)!;
    return {
      brandId: b.id,
      name: b.name,
      ...x,
      share: sum ? Math.round((x.total / sum) * 1000) / 10 : 0,
      engagementShare: eng ? Math.round((x.engagement / eng) * 1000) / 10 : 0,
      isSubject: b.id === subject.id,
    };
  });
}

export interface TopicEntry {
  topic: string;
  mentions: number;
  negative: number;
  previous: number;
  /** (current + 1) / (previous + 1): smoothed growth against the previous window of equal length. */
  growth: number;
  isNew: boolean;
}

const dayFloor = (d: Date) => new Date(Math.floor(d.getTime() / 86_400_000) * 86_400_000);

/**
 * Top topics of a window, and emerging ones: growth against the previous window of the same
 * length, smoothed, among topics with at least `minMentions` (days are UTC days).
 */
export async function topics(
  db: DbOrTx,
  w: Window,
  limit: number,
  minMentions = 3,
): Promise<{ top: TopicEntry[]; emerging: TopicEntry[] }> {
  const from = dayFloor(w.from);
  const span = Math.max(86_400_000, w.to.getTime() - from.getTime());
  const prevFrom = new Date(from.getTime() - span);
  const r = await rows<Record<string, unknown>>(
    db,
    sql`select topic,
        sum(n) filter (where day >= ${from.toISOString()}::timestamptz) as cur,
        sum(negative) filter (where day >= ${from.toISOString()}::timestamptz) as neg,
        sum(n) filter (where day < ${from.toISOString()}::timestamptz) as prev
      from brand_topic_daily
      where brand_id = ${w.brandId} and day >= ${prevFrom.toISOString()}::timestamptz and day < ${w.to.toISOString()}::timestamptz
      group by topic`,
  );
  const all: TopicEntry[] = r.map((x) => {
    const cur = num(x.cur);
    const prev = num(x.prev);
    return {
      topic: String(x.topic),
      mentions: cur,
      negative: num(x.neg),
      previous: prev,
      growth: Math.round(((cur + 1) / (prev + 1)) * 100) / 100,
      isNew: prev === 0 && cur > 0,
    };
  });
  const top = all
    .filter((t) => t.mentions > 0)
    .sort((a, b) => b.mentions - a.mentions || a.topic.localeCompare(b.topic))
    .slice(0, limit);
  const emerging = all
    .filter((t) => t.mentions >= minMentions && t.growth > 1.5)
    .sort((a, b) => b.growth - a.growth || b.mentions - a.mentions)
    .slice(0, limit);
  return { top, emerging };
}

export interface TopMention {
  id: string;
  platform: string;
  url: string | null;
  authorHandle: string;
  authorName: string | null;
  authorFollowers: number | null;
  text: string;
  publishedAt: string;
  reach: number;
  engagement: number;
  sentiment: string | null;
}

/** Highest-reach mentions of a window, from the per-day top list. */
export async function topMentions(db: DbOrTx, w: Window, limit: number): Promise<TopMention[]> {
  const r = await rows<Record<string, unknown>>(
    db,
    sql`select m.id, m.platform, m.url, m.author_handle, m.author_name, m.author_followers, m.text, m.published_at,
        t.reach, t.engagement, mb.sentiment_label
      from (select mention_id, reach, engagement from brand_top_mentions
            where brand_id = ${w.brandId} and day >= ${dayFloor(w.from).toISOString()}::timestamptz
              and day < ${w.to.toISOString()}::timestamptz
            -- Only the first and last day can hold rows outside [from, to), at most TOP_PER_DAY each.
            order by reach desc, engagement desc, mention_id limit ${limit + 2 * TOP_PER_DAY}) t
      join mentions m on m.id = t.mention_id
      join mention_brands mb on mb.mention_id = m.id and mb.brand_id = ${w.brandId}
      where m.published_at >= ${w.from.toISOString()}::timestamptz and m.published_at < ${w.to.toISOString()}::timestamptz
      order by t.reach desc, t.engagement desc, m.id limit ${limit}`,
  );
  return r.map((x) => ({
    id: String(x.id),
    platform: String(x.platform),
    url: (x.url as string | null) ?? null,
    authorHandle: String(x.author_handle),
    authorName: (x.author_name as string | null) ?? null,
    authorFollowers: numOrNull(x.author_followers),
    text: String(x.text),
    publishedAt: isoOrNull(x.published_at)!,
    reach: num(x.reach),
    engagement: num(x.engagement),
    sentiment: (x.sentiment_label as string | null) ?? null,
  }));
}

export type AuthorSort = 'influence' | 'posts' | 'engagement';

export interface TopAuthor {
  platform: string;
  handle: string;
  name: string | null;
  followers: number | null;
  tier: string;
  influence: number;
  posts: number;
  engagement: number;
  engagementPerPost: number;
  reach: number;
  avgSentiment: number | null;
  positive: number;
  negative: number;
  neutral: number;
  stance: string;
  /** The author's share of the brand's all-time conversation, percent. */
  share: number;
  firstAt: string;
  lastAt: string;
}

/**
 * Authors about a brand active since `from`, ranked by influence, posts or engagement about
 * the brand (counts are all-time, per brand; the index walk stops after `limit` rows).
 */
export async function topAuthors(
  db: DbOrTx,
  w: Window,
  sort: AuthorSort,
  limit: number,
  filter: { stance?: string; minTier?: string[] } = {},
): Promise<TopAuthor[]> {
  const order = sql.raw(
    sort === 'posts' ? 'ab.posts' : sort === 'engagement' ? 'ab.engagement' : 'ab.influence',
  );
  const tiers = filter.minTier
    ? sql`and ab.tier in (select jsonb_array_elements_text(${JSON.stringify(filter.minTier)}::jsonb))`
    : sql``;
  const stance = filter.stance ? sql`and ab.stance = ${filter.stance}` : sql``;
  const r = await rows<Record<string, unknown>>(
    db,
    sql`with tot as (select coalesce(sum(total), 0) as n from brand_hourly where brand_id = ${w.brandId})
      select ab.*, a.name, tot.n as brand_total
      from author_brands ab join authors a on a.platform = ab.platform and a.handle = ab.handle, tot
      where ab.brand_id = ${w.brandId} and ab.last_at >= ${w.from.toISOString()}::timestamptz ${tiers} ${stance}
      order by ${order} desc, ab.platform desc, ab.handle desc limit ${limit}`,
  );
  return r.map((x) => authorView(x));
}

export function authorView(x: Record<string, unknown>): TopAuthor {
  const posts = num(x.posts);
  const sn = num(x.sentiment_n);
  const total = num(x.brand_total);
  return {
    platform: String(x.platform),
    handle: String(x.handle),
    name: (x.name as string | null) ?? null,
    followers: numOrNull(x.followers),
    tier: String(x.tier),
    influence: num(x.influence),
    posts,
    engagement: num(x.engagement),
    engagementPerPost: posts ? Math.round((num(x.engagement) / posts) * 10) / 10 : 0,
    reach: num(x.reach),
    avgSentiment: sn ? Math.round((num(x.sentiment_sum) / sn) * 1000) / 1000 : null,
    positive: num(x.positive),
    negative: num(x.negative),
    neutral: num(x.neutral),
    stance: String(x.stance),
    share: total ? Math.round((posts / total) * 10_000) / 100 : 0,
    firstAt: isoOrNull(x.first_at)!,
    lastAt: isoOrNull(x.last_at)!,
  };
}

/** Mentions by location where a post carried one; the rest is reported as unknown, never guessed. */
export async function geography(
  db: DbOrTx,
  w: Window,
  limit: number,
): Promise<{ known: { geo: string; mentions: number }[]; unknown: number; total: number }> {
  const r = await rows<{ geo: string; n: unknown }>(
    db,
    sql`select geo, sum(n) as n from brand_geo_daily
      where brand_id = ${w.brandId} and day >= ${dayFloor(w.from).toISOString()}::timestamptz and day < ${w.to.toISOString()}::timestamptz
      group by geo order by 2 desc, 1 limit ${limit}`,
  );
  const t = (await totals(db, [w.brandId], dayFloor(w.from), w.to)).get(w.brandId)!;
  const known = r.map((x) => ({ geo: x.geo, mentions: num(x.n) }));
  const k = known.reduce((a, x) => a + x.mentions, 0);
  return { known, unknown: Math.max(0, t.total - k), total: t.total };
}

export interface SourceHealthSummary {
  counts: Record<string, number>;
  sources: {
    id: string;
    name: string;
    type: string;
    enabled: boolean;
    state: string;
    lastSuccessAt: string | null;
    lastErrorAt: string | null;
    lastErrorKind: string | null;
    consecutiveFailures: number;
    lagSeconds: number | null;
    avgItems: number;
  }[];
}

/** One row per source with its state and lag, and counts by state. */
export async function sourceHealthSummary(db: DbOrTx, now: Date): Promise<SourceHealthSummary> {
  const r = await rows<Record<string, unknown>>(
    db,
    sql`select s.id, s.name, s.type, s.enabled, coalesce(h.state, 'never-run') as state, h.last_success_at,
        h.last_error_at, h.last_error_kind, coalesce(h.consecutive_failures, 0) as cf, h.last_mention_at, coalesce(h.avg_items, 0) as avg_items
      from sources s left join source_health h on h.source_id = s.id order by s.name`,
  );
  const counts: Record<string, number> = {};
  const sources = r.map((x) => {
    const state = x.enabled ? String(x.state) : 'disabled';
    counts[state] = (counts[state] ?? 0) + 1;
    const last = isoOrNull(x.last_mention_at);
    return {
      id: String(x.id),
      name: String(x.name),
      type: String(x.type),
      enabled: Boolean(x.enabled),
      state,
      lastSuccessAt: isoOrNull(x.last_success_at),
      lastErrorAt: isoOrNull(x.last_error_at),
      lastErrorKind: (x.last_error_kind as string | null) ?? null,
      consecutiveFailures: num(x.cf),
      lagSeconds: last ? Math.max(0, Math.round((now.getTime() - Date.parse(last)) / 1000)) : null,
      avgItems: Math.round(num(x.avg_items) * 10) / 10,
    };
  });
  return { counts, sources };
}
