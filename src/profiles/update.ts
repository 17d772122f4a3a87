import { createHash } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { ERASED_EXTERNAL_ID_SQL } from '../../db/repo/mentions.ts';
import type { ProfilesConfig } from '../config/schema.ts';
import type { StoredBatch } from '../pipeline/ingest.ts';
import { refreshCustomerTags } from './customers.ts';
import { canonicalHandle } from './handles.ts';
import { decay, influenceSql, stanceSql, tierSql } from './influence.ts';
import { chunks, numOrNull, rows } from './sql.ts';

export interface ProfileSettings {
  profiles: ProfilesConfig;
}

/** How many highest-reach mentions per brand and day `brand_top_mentions` keeps. */
export const TOP_PER_DAY = 50;

/** SHA-256 of `platform\0handle`: how erasures are remembered without keeping the handle. */
export const authorKeyHash = (platform: string, handle: string) =>
  createHash('sha256').update(`${platform}\u0000${handle}`).digest('hex');

const dayOf = (d: Date) => new Date(Math.floor(d.getTime() / 86_400_000) * 86_400_000);
const engagementOf = (r: { likes?: number | null; shares?: number | null; replies?: number | null }) =>
  (r.likes ?? 0) + (r.shares ?? 0) + (r.replies ?? 0);

/**
 * A location a collector put in the raw payload, when there is one (Weibo's IP属地, a
 * profile location, a country code). Unknown stays unknown: analytics report it as such.
 */
export function geoOf(raw: unknown): string | null {
  if (!raw || typeof raw !== 'object') return null;
  const o = raw as Record<string, unknown>;
  const user = (o.user ?? o.author) as Record<string, unknown> | undefined;
  const candidates = [
    o.geo,
    o.country,
    o.countryCode,
    o.region,
    o.ip_location,
    o.ipLocation,
    o.region_name,
    o.location,
    user && typeof user === 'object' ? user.location : undefined,
  ];
  for (const c of candidates) {
    if (typeof c !== 'string') continue;
    const v = c
      .replace(/^\s*(IP属地|发布于|来自)[:：]?\s*/u, '')
      .trim()
      .slice(0, 64);
    if (v) return v;
  }
  return null;
}

/**
 * Fold a committed batch into author profiles and the analytics rollups, inside the ingest
 * transaction (a restart can neither lose nor double-count a batch). Every write is one
 * set-based statement per table: the batch travels as a JSON parameter.
 *
 * @example
 * createPipeline({ ...deps, afterStore: (tx, b) => applyStoredBatch(tx, b, { profiles }) });
 */
export async function applyStoredBatch(tx: DbOrTx, b: StoredBatch, s: ProfileSettings): Promise<void> {
  if (b.rows.length === 0) return;
  const now = b.now;
  const erased = await erasedAmong(tx, b.rows);
  if (erased.size) await redactMentions(tx, [...erased]);
  const kept = b.rows.filter((r) => !erased.has(r.id));
  const byId = new Map(kept.map((r) => [r.id, r]));
  const links = b.links.filter((l) => byId.has(l.mentionId));

  // Authors.
  type A = {
    platform: string;
    handle: string;
    name: string | null;
    url: string | null;
    followers: number | null;
    verified: boolean | null;
    newest: number;
    posts: number;
    engagement: number;
    views: number;
    reach: number;
    spam_sum: number;
    spam_n: number;
    first_at: number;
    last_at: number;
    activity: number;
  };
  const authors = new Map<string, A>();
  const stats = new Map<
    string,
    { platform: string; n: number; nr: number; rs: number; rq: number; es: number; eq: number }
  >();
  for (const r of kept) {
    const key = `${r.platform}\u0000${r.authorHandle}`;
    const t = r.publishedAt.getTime();
    const eng = engagementOf(r);
    let a = authors.get(key);
    if (!a) {
      a = {
        platform: r.platform,
        handle: r.authorHandle,
        name: null,
        url: null,
        followers: null,
        verified: null,
        newest: -Infinity,
        posts: 0,
        engagement: 0,
        views: 0,
        reach: 0,
        spam_sum: 0,
        spam_n: 0,
        first_at: t,
        last_at: t,
        activity: 0,
      };
      authors.set(key, a);
    }
    if (t >= a.newest) {
      a.newest = t;
      a.name = r.authorName ?? a.name;
      a.url = r.authorUrl ?? a.url;
      a.followers = r.authorFollowers ?? a.followers;
      a.verified = r.authorVerified ?? a.verified;
    }
    a.posts++;
    a.engagement += eng;
    a.views += r.views ?? 0;
    a.reach += r.authorFollowers ?? 0;
    if (r.spamScore !== null && r.spamScore !== undefined) {
      a.spam_sum += r.spamScore;
      a.spam_n++;
    }
    a.first_at = Math.min(a.first_at, t);
    a.last_at = Math.max(a.last_at, t);
    a.activity += decay(now.getTime() - t);

    let st = stats.get(r.platform);
    if (!st) {
      st = { platform: r.platform, n: 0, nr: 0, rs: 0, rq: 0, es: 0, eq: 0 };
      stats.set(r.platform, st);
    }
    st.n++;
    const le = Math.log10(1 + eng);
    st.es += le;
    st.eq += le * le;
    if (r.authorFollowers !== null && r.authorFollowers !== undefined) {
      const lr = Math.log10(1 + Math.max(0, r.authorFollowers));
      st.nr++;
      st.rs += lr;
      st.rq += lr * lr;
    }
  }
  const iso = (t: number) => new Date(t).toISOString();
  const nowIso = now.toISOString();
  // Platform statistics (append-only sums) for the influence normalisation. They go first: the
  // authors statement below scores influence against the statistics that include this batch.
  const statsPayload = JSON.stringify(sortedBy(stats));
  await tx.execute(sql`
    insert into platform_stats as p (platform, n, n_reach, reach_sum, reach_sq, eng_sum, eng_sq, updated_at)
    select platform, n, nr, rs, rq, es, eq, ${nowIso}::timestamptz
    from json_to_recordset(${statsPayload}::json) as x(platform text, n bigint, nr bigint, rs float8, rq float8, es float8, eq float8)
    on conflict (platform) do update set
      n = p.n + excluded.n, n_reach = p.n_reach + excluded.n_reach,
      reach_sum = p.reach_sum + excluded.reach_sum, reach_sq = p.reach_sq + excluded.reach_sq,
      eng_sum = p.eng_sum + excluded.eng_sum, eng_sq = p.eng_sq + excluded.eng_sq,
      updated_at = excluded.updated_at`);

  // Influence and tier are written by the upsert itself, from the row's new totals: each author
  // row is written once per batch, not upserted and then updated again (see docs/performance.md).
  // `influenceSql` reads `a` (authors) and `s` (platform_stats); `a` here is a one-row derived
  // table holding the new values, computed from the locked current row `cur` and `excluded`.
  const influence = influenceSql();
  const tier = tierSql('a.followers', s.profiles.tiers);
  const scored = (values: SQL) =>
    sql`(select ${influence} from (select ${values}) as a, platform_stats s where s.platform = a.platform)`;
  const newFollowers = sql.raw(
    'case when excluded.last_seen_at >= cur.last_seen_at then coalesce(excluded.followers, cur.followers) else coalesce(cur.followers, excluded.followers) end',
  );
  const insertedValues = sql.raw('x.platform, x.followers, x.posts, x.engagement, x.spam_sum, x.spam_n');
  const mergedValues = sql`excluded.platform, ${newFollowers} as followers, cur.posts + excluded.posts as posts,
    cur.engagement + excluded.engagement as engagement, cur.spam_sum + excluded.spam_sum as spam_sum,
    cur.spam_n + excluded.spam_n as spam_n`;
  /** The author columns that author_brands copies, as the upsert left them. */
  type Scored = {
    platform: string;
    handle: string;
    influence: number;
    followers: number | null;
    tier: string;
  };
  const scoredAuthors: Scored[] = [];
  // Rows go in key order, so concurrent batches lock shared rows in the same order (no deadlock).
  for (const part of chunks(sortedBy(authors), 2000)) {
    const payload = JSON.stringify(
      part.map(({ newest: _n, first_at, last_at, ...a }) => ({
        ...a,
        first_at: iso(first_at),
        last_at: iso(last_at),
      })),
    );
    const got = await rows<Scored>(
      tx,
      sql`
      insert into authors as cur (platform, handle, name, url, followers, verified, posts, engagement, views, reach,
        spam_sum, spam_n, first_seen_at, last_seen_at, activity, activity_at, updated_at, influence, tier)
      select platform, handle, name, url, followers, verified, posts, engagement, views, reach,
        spam_sum, spam_n, first_at, last_at, activity, ${nowIso}::timestamptz, ${nowIso}::timestamptz,
        ${scored(insertedValues)}, (select ${tier} from (select x.followers) as a)
      from json_to_recordset(${payload}::json) as x(platform text, handle text, name text, url text,
        followers int, verified boolean, posts int, engagement bigint, views bigint, reach bigint,
        spam_sum real, spam_n int, first_at timestamptz, last_at timestamptz, activity real)
      on conflict (platform, handle) do update set
        name = case when excluded.last_seen_at >= cur.last_seen_at then coalesce(excluded.name, cur.name) else coalesce(cur.name, excluded.name) end,
        url = case when excluded.last_seen_at >= cur.last_seen_at then coalesce(excluded.url, cur.url) else coalesce(cur.url, excluded.url) end,
        followers = ${newFollowers},
        verified = case when excluded.last_seen_at >= cur.last_seen_at then coalesce(excluded.verified, cur.verified) else coalesce(cur.verified, excluded.verified) end,
        posts = cur.posts + excluded.posts,
        engagement = cur.engagement + excluded.engagement,
        views = cur.views + excluded.views,
        reach = cur.reach + excluded.reach,
        spam_sum = cur.spam_sum + excluded.spam_sum,
        spam_n = cur.spam_n + excluded.spam_n,
        first_seen_at = least(cur.first_seen_at, excluded.first_seen_at),
        last_seen_at = greatest(cur.last_seen_at, excluded.last_seen_at),
        activity = cur.activity * power(0.5, greatest(0, extract(epoch from (excluded.activity_at - cur.activity_at))) / ${ACTIVITY_HALF_LIFE_S}) + excluded.activity,
        activity_at = greatest(cur.activity_at, excluded.activity_at),
        updated_at = excluded.updated_at,
        influence = ${scored(mergedValues)},
        tier = (select ${tier} from (select ${newFollowers} as followers) as a)
      returning platform, handle, influence, followers, tier`,
    );
    for (const g of got) {
      scoredAuthors.push({
        platform: g.platform,
        handle: g.handle,
        influence: Number(g.influence),
        followers: numOrNull(g.followers),
        tier: g.tier,
      });
    }
  }
  const scoredByKey = new Map(scoredAuthors.map((a) => [`${a.platform}\u0000${a.handle}`, a]));

  // Author x brand.
  type AB = {
    brand_id: string;
    platform: string;
    handle: string;
    posts: number;
    positive: number;
    negative: number;
    neutral: number;
    s_sum: number;
    s_n: number;
    engagement: number;
    reach: number;
    first_at: number;
    last_at: number;
    last_neg: number | null;
  };
  const ab = new Map<string, AB>();
  type TD = { brand_id: string; day: string; topic: string; n: number; negative: number };
  const topicDaily = new Map<string, TD>();
  const geoDaily = new Map<string, { brand_id: string; day: string; geo: string; n: number }>();
  const tops: Top[] = [];
  for (const l of links) {
    const r = byId.get(l.mentionId)!;
    const key = `${l.brandId}\u0000${r.platform}\u0000${r.authorHandle}`;
    const t = r.publishedAt.getTime();
    let x = ab.get(key);
    if (!x) {
      x = {
        brand_id: l.brandId,
        platform: r.platform,
        handle: r.authorHandle,
        posts: 0,
        positive: 0,
        negative: 0,
        neutral: 0,
        s_sum: 0,
        s_n: 0,
        engagement: 0,
        reach: 0,
        first_at: t,
        last_at: t,
        last_neg: null,
      };
      ab.set(key, x);
    }
    x.posts++;
    if (l.sentimentLabel === 'positive') x.positive++;
    else if (l.sentimentLabel === 'negative') {
      x.negative++;
      x.last_neg = Math.max(x.last_neg ?? t, t);
    } else if (l.sentimentLabel === 'neutral') x.neutral++;
    if (l.sentimentScore !== null && l.sentimentScore !== undefined) {
      x.s_sum += l.sentimentScore;
      x.s_n++;
    }
    x.engagement += engagementOf(r);
    x.reach += r.authorFollowers ?? 0;
    x.first_at = Math.min(x.first_at, t);
    x.last_at = Math.max(x.last_at, t);

    const day = dayOf(r.publishedAt).toISOString();
    for (const topic of new Set(r.topics ?? [])) {
      const k = `${l.brandId}\u0000${day}\u0000${topic}`;
      let td = topicDaily.get(k);
      if (!td) {
        td = { brand_id: l.brandId, day, topic, n: 0, negative: 0 };
        topicDaily.set(k, td);
      }
      td.n++;
      if (l.sentimentLabel === 'negative') td.negative++;
    }
    const geo = geoOf(r.raw);
    if (geo) {
      const k = `${l.brandId}\u0000${day}\u0000${geo}`;
      const g = geoDaily.get(k) ?? { brand_id: l.brandId, day, geo, n: 0 };
      g.n++;
      geoDaily.set(k, g);
    }
    tops.push({
      brand_id: l.brandId,
      day,
      mention_id: r.id,
      reach: r.authorFollowers ?? 0,
      engagement: engagementOf(r),
    });
  }
  // Stance from the row's new counts; `stanceSql` reads `ab`, here a one-row derived table.
  const stance = stanceSql(s.profiles.stance);
  for (const part of chunks(sortedBy(ab), 2000)) {
    const payload = JSON.stringify(
      part.map((x) => {
        const a = scoredByKey.get(`${x.platform}\u0000${x.handle}`);
        return {
          ...x,
          first_at: iso(x.first_at),
          last_at: iso(x.last_at),
          last_neg: x.last_neg === null ? null : iso(x.last_neg),
          influence: a?.influence ?? 0,
          followers: a?.followers ?? null,
          tier: a?.tier ?? 'nano',
        };
      }),
    );
    await tx.execute(sql`
      insert into author_brands as cur (brand_id, platform, handle, posts, positive, negative, neutral,
        sentiment_sum, sentiment_n, engagement, reach, first_at, last_at, last_negative_at,
        influence, followers, tier, stance)
      select brand_id, platform, handle, posts, positive, negative, neutral, s_sum, s_n, engagement, reach,
        first_at, last_at, last_neg, influence, followers, tier,
        (select ${stance} from (select x.positive, x.negative, x.neutral) as ab)
      from json_to_recordset(${payload}::json) as x(brand_id text, platform text, handle text, posts int,
        positive int, negative int, neutral int, s_sum real, s_n int, engagement bigint, reach bigint,
        first_at timestamptz, last_at timestamptz, last_neg timestamptz, influence real, followers int, tier text)
      on conflict (brand_id, platform, handle) do update set
        posts = cur.posts + excluded.posts, positive = cur.positive + excluded.positive,
        negative = cur.negative + excluded.negative, neutral = cur.neutral + excluded.neutral,
        sentiment_sum = cur.sentiment_sum + excluded.sentiment_sum, sentiment_n = cur.sentiment_n + excluded.sentiment_n,
        engagement = cur.engagement + excluded.engagement, reach = cur.reach + excluded.reach,
        first_at = least(cur.first_at, excluded.first_at), last_at = greatest(cur.last_at, excluded.last_at),
        last_negative_at = greatest(cur.last_negative_at, excluded.last_negative_at),
        influence = excluded.influence, followers = excluded.followers, tier = excluded.tier,
        stance = (select ${stance} from (select cur.positive + excluded.positive as positive,
          cur.negative + excluded.negative as negative, cur.neutral + excluded.neutral as neutral) as ab)`);
  }

  // Topics per author.
  const at = new Map<
    string,
    { platform: string; handle: string; topic: string; n: number; last_at: string }
  >();
  for (const r of kept) {
    for (const topic of new Set(r.topics ?? [])) {
      const k = `${r.platform}\u0000${r.authorHandle}\u0000${topic}`;
      const x = at.get(k) ?? {
        platform: r.platform,
        handle: r.authorHandle,
        topic,
        n: 0,
        last_at: r.publishedAt.toISOString(),
      };
      x.n++;
      if (r.publishedAt.toISOString() > x.last_at) x.last_at = r.publishedAt.toISOString();
      at.set(k, x);
    }
  }
  for (const part of chunks(sortedBy(at), 5000)) {
    await tx.execute(sql`
      insert into author_topics as t (platform, handle, topic, n, last_at)
      select platform, handle, topic, n, last_at
      from json_to_recordset(${JSON.stringify(part)}::json) as x(platform text, handle text, topic text, n int, last_at timestamptz)
      on conflict (platform, handle, topic) do update set n = t.n + excluded.n, last_at = greatest(t.last_at, excluded.last_at)`);
  }

  // The touched authors' rows for brands this batch did not mention: influence, followers and
  // tier moved with the author. Rows already up to date (the ones upserted above) are skipped.
  const keys = JSON.stringify(scoredAuthors);
  await tx.execute(sql`
    update author_brands ab set influence = k.influence, followers = k.followers, tier = k.tier, stance = ${stance}
    from json_to_recordset(${keys}::json) as k(platform text, handle text, influence real, followers int, tier text)
    where ab.platform = k.platform and ab.handle = k.handle
      and (ab.influence, ab.followers, ab.tier, ab.stance) is distinct from (k.influence, k.followers, k.tier, ${stance})`);

  // Analytics rollups.
  if (topicDaily.size) {
    await tx.execute(sql`
      insert into brand_topic_daily as t (brand_id, day, topic, n, negative)
      select brand_id, day, topic, n, negative
      from json_to_recordset(${JSON.stringify(sortedBy(topicDaily))}::json) as x(brand_id text, day timestamptz, topic text, n int, negative int)
      on conflict (brand_id, day, topic) do update set n = t.n + excluded.n, negative = t.negative + excluded.negative`);
  }
  if (geoDaily.size) {
    await tx.execute(sql`
      insert into brand_geo_daily as g (brand_id, day, geo, n)
      select brand_id, day, geo, n
      from json_to_recordset(${JSON.stringify(sortedBy(geoDaily))}::json) as x(brand_id text, day timestamptz, geo text, n int)
      on conflict (brand_id, day, geo) do update set n = g.n + excluded.n`);
  }
  if (tops.length) {
    await tx.execute(sql`
      insert into brand_top_mentions (brand_id, day, mention_id, reach, engagement)
      select brand_id, day, mention_id, reach, engagement
      from json_to_recordset(${JSON.stringify(topCandidates(tops))}::json) as x(brand_id text, day timestamptz, mention_id text, reach bigint, engagement bigint)
      on conflict do nothing`);
    const touched = JSON.stringify(
      [...new Set(tops.map((t) => `${t.brand_id}|${t.day}`))].map((k) => {
        const [brand_id, day] = k.split('|');
        return { brand_id, day };
      }),
    );
    // Keep the top TOP_PER_DAY of each touched (brand, day).
    await tx.execute(sql`
      delete from brand_top_mentions t using (
        select b.brand_id, b.day, b.mention_id from json_to_recordset(${touched}::json) as k(brand_id text, day timestamptz)
        cross join lateral (
          select brand_id, day, mention_id from brand_top_mentions x
          where x.brand_id = k.brand_id and x.day = k.day
          order by reach desc, engagement desc, mention_id offset ${TOP_PER_DAY}
        ) b
      ) d
      where t.brand_id = d.brand_id and t.day = d.day and t.mention_id = d.mention_id`);
  }

  // Customers linked to these authors: tags may have changed.
  const linked = await rows<{ customer_id: string }>(
    tx,
    sql`select distinct ch.customer_id from customer_handles ch
        join json_to_recordset(${keys}::json) as k(platform text, handle text)
          on ch.platform = k.platform and ch.handle = k.handle`,
  );
  if (linked.length) {
    await refreshCustomerTags(
      tx,
      linked.map((l) => l.customer_id),
      s.profiles,
      now,
    );
  }
}

const ACTIVITY_HALF_LIFE_S = 30 * 86_400;

type Top = { brand_id: string; day: string; mention_id: string; reach: number; engagement: number };

/**
 * The batch's rows that can still be among the top TOP_PER_DAY of their (brand, day): a row
 * outranked by TOP_PER_DAY rows of the same batch on (reach, engagement) cannot, whatever is
 * stored. Ties at the cut stay, since the final tie-break (mention id) is left to the database's
 * own ordering. Skips inserting rows that the trim below would delete at once.
 */
function topCandidates(tops: readonly Top[]): Top[] {
  const byKey = new Map<string, Top[]>();
  for (const t of tops) {
    const k = `${t.brand_id}|${t.day}`;
    const list = byKey.get(k);
    if (list) list.push(t);
    else byKey.set(k, [t]);
  }
  const out: Top[] = [];
  for (const list of byKey.values()) {
    if (list.length <= TOP_PER_DAY) {
      out.push(...list);
      continue;
    }
    list.sort((a, b) => b.reach - a.reach || b.engagement - a.engagement);
    const cut = list[TOP_PER_DAY - 1]!;
    for (const t of list) {
      if (t.reach > cut.reach || (t.reach === cut.reach && t.engagement >= cut.engagement)) out.push(t);
    }
  }
  return out;
}

/** Values of a keyed map in key order. */
function sortedBy<T>(m: Map<string, T>): T[] {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
}

/**
 * Ids of rows written by erased authors, matched as the platform matches handles (a later post
 * by `Victim` after `victim` was erased is theirs on a case-insensitive platform). Erasures
 * recorded before handles were canonicalised hashed the handle as given: that is checked too.
 */
async function erasedAmong(tx: DbOrTx, batch: StoredBatch['rows']): Promise<Set<string>> {
  const byHash = new Map<string, string[]>();
  for (const r of batch) {
    const keys = new Set([
      authorKeyHash(r.platform, canonicalHandle(r.platform, r.authorHandle)),
      authorKeyHash(r.platform, r.authorHandle),
    ]);
    for (const h of keys) byHash.set(h, [...(byHash.get(h) ?? []), r.id]);
  }
  const hit = await rows<{ key_hash: string }>(
    tx,
    sql`select key_hash from erasures where key_hash in (select jsonb_array_elements_text(${JSON.stringify([...byHash.keys()])}::jsonb))`,
  );
  return new Set(hit.flatMap((h) => byHash.get(h.key_hash) ?? []));
}

/**
 * Remove the personal data of mentions, keeping what aggregates need (platform, time,
 * language, sentiment, topics, counts): the hourly rollups stay consistent and contain no one.
 * The external id, which leads back to the post, becomes `erased:<md5>`: the same post read
 * again is still recognised as stored (`findExisting` looks for that form too).
 */
export async function redactMentions(tx: DbOrTx, ids: string[]): Promise<number> {
  let n = 0;
  for (const part of chunks(ids, 5000)) {
    const r = await rows<{ id: string }>(
      tx,
      sql`update mentions set
        author_handle = 'erased:' || substr(md5(id || random()::text), 1, 12), author_name = null, author_url = null,
        external_id = ${ERASED_EXTERNAL_ID_SQL},
        author_verified = null, text = '[erased]', title = null, url = null, raw = null, labels = null,
        classifications = '{}'::jsonb, search_text = '', simhash = null, sh0 = null, sh1 = null, sh2 = null, sh3 = null
      where id in (select jsonb_array_elements_text(${JSON.stringify(part)}::jsonb)) returning id`,
    );
    n += r.length;
  }
  return n;
}
