import { and, asc, desc, eq, gte, inArray, lt, lte, min, sql, sum } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { brandHourly, mentionBrands, mentions, metricSnapshots } from '../db/schema/index.ts';
import type { GradeInput } from './grade.ts';
import type { RuleId, RuleParams } from './rules.ts';

/**
 * The detection rules. Each reads bounded, indexed ranges (the hourly rollup, one brand's
 * recent links by `(brand_id, published_at)`, a batch's own rows), never a full scan, and
 * returns candidates: what fired, why (a `GradeInput`), and the mentions behind it. Grading
 * and grouping into incidents happen in the engine.
 */
export interface Candidate {
  brandId: string | null;
  sourceId?: string;
  rule: RuleId;
  /** brand + rule + topic/story: alerts with the same key join one incident. */
  groupKey: string;
  title: string;
  input: GradeInput;
  mentionIds: string[];
  counts: Record<string, number>;
  /** Fixed level for rules that are not graded from mentions (collector down). */
  level?: 1 | 2 | 3 | 4;
  extraFactors?: { name: string; value: number | string; weight: number; explanation: string }[];
}

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
const floorHour = (t: number) => Math.floor(t / HOUR) * HOUR;

interface Row {
  id: string;
  authorHandle: string;
  platform: string;
  followers: number | null;
  verified: boolean | null;
  url: string | null;
  storyId: string;
  label: string | null;
  score: number | null;
  crisis: number | null;
}

const rowCols = {
  id: mentions.id,
  authorHandle: mentions.authorHandle,
  platform: mentions.platform,
  followers: mentions.authorFollowers,
  verified: mentions.authorVerified,
  url: mentions.url,
  storyId: mentions.storyId,
  label: mentionBrands.sentimentLabel,
  score: mentionBrands.sentimentScore,
  crisis: mentions.crisisScore,
};

/** One brand's mentions published in [from, to], newest first, capped. */
async function brandWindow(db: DbOrTx, brandId: string, from: Date, to: Date, cap = 20_000): Promise<Row[]> {
  return db
    .select(rowCols)
    .from(mentionBrands)
    .innerJoin(mentions, eq(mentions.id, mentionBrands.mentionId))
    .where(
      and(
        eq(mentionBrands.brandId, brandId),
        gte(mentionBrands.publishedAt, from),
        lte(mentionBrands.publishedAt, to),
      ),
    )
    .orderBy(desc(mentionBrands.publishedAt))
    .limit(cap);
}

function summarise(rows: Row[]) {
  const neg = rows.filter((r) => r.label === 'negative');
  const authors = new Set(neg.map((r) => `${r.platform}:${r.authorHandle}`));
  const platforms = new Set(neg.map((r) => r.platform));
  const intensity = neg.length
    ? neg.reduce((a, r) => a + Math.min(1, Math.abs(r.score ?? 0.5)), 0) / neg.length
    : 0;
  const maxFollowers = neg.reduce((a, r) => Math.max(a, r.followers ?? 0), 0);
  const verified = new Set(neg.filter((r) => r.verified).map((r) => r.authorHandle)).size;
  const crisis = neg.reduce((a, r) => Math.max(a, r.crisis ?? 0), 0);
  const reach = neg.reduce((a, r) => a + (r.followers ?? 0), 0);
  return {
    neg,
    authors: authors.size,
    platforms: platforms.size,
    intensity,
    maxFollowers,
    verified,
    crisis,
    reach,
  };
}

/** Negatives and totals per hour-of-week slot over past weeks, or the recent day when there is no weekly history. */
export async function spikeBaseline(db: DbOrTx, brandId: string, now: Date, windowMs: number, weeks: number) {
  const [first] = await db
    .select({ at: min(brandHourly.hour) })
    .from(brandHourly)
    .where(eq(brandHourly.brandId, brandId));
  const since = first?.at ? new Date(first.at).getTime() : null;
  const windowStart = now.getTime() - windowMs;
  if (since === null || since >= floorHour(windowStart))
    return { perHour: 0, share: undefined as number | undefined, source: 'none' as const };
  const hours = Math.max(1, Math.round(windowMs / HOUR));
  const slots: number[] = [];
  for (let k = 1; k <= weeks; k++) {
    const end = floorHour(now.getTime() - k * WEEK);
    if (end - (hours - 1) * HOUR < since) break;
    for (let h = 0; h < hours; h++) slots.push(end - h * HOUR);
  }
  if (slots.length) {
    const [r] = await db
      .select({ neg: sum(brandHourly.negative), total: sum(brandHourly.total) })
      .from(brandHourly)
      .where(
        and(
          eq(brandHourly.brandId, brandId),
          inArray(
            brandHourly.hour,
            slots.map((s) => new Date(s)),
          ),
        ),
      );
    const neg = Number(r?.neg ?? 0);
    const total = Number(r?.total ?? 0);
    return {
      perHour: neg / slots.length,
      share: total > 0 ? neg / total : undefined,
      source: 'hour-of-week' as const,
    };
  }
  // No full week of history yet: the recent day before the window.
  const from = new Date(Math.max(since, floorHour(windowStart) - 24 * HOUR));
  const to = new Date(floorHour(windowStart));
  const [r] = await db
    .select({ neg: sum(brandHourly.negative), total: sum(brandHourly.total) })
    .from(brandHourly)
    .where(and(eq(brandHourly.brandId, brandId), gte(brandHourly.hour, from), lt(brandHourly.hour, to)));
  const span = Math.max(1, (to.getTime() - from.getTime()) / HOUR);
  const neg = Number(r?.neg ?? 0);
  const total = Number(r?.total ?? 0);
  return { perHour: neg / span, share: total > 0 ? neg / total : undefined, source: 'recent' as const };
}

/**
 * Negative spike: negatives in the trailing window above `ratio` × the hour-of-week baseline
 * and `z` Poisson deviations over it, the negative share up by `minShareRise` over its
 * baseline, at least `minNegative` negatives from `minAuthors` distinct authors.
 */
export async function detectNegativeSpike(
  db: DbOrTx,
  brandId: string,
  p: RuleParams['negative-spike'],
  now: Date,
): Promise<Candidate | null> {
  if (!p.enabled) return null;
  const rows = await brandWindow(
    db,
    brandId,
    new Date(now.getTime() - p.window),
    new Date(now.getTime() + 5 * 60_000),
  );
  const s = summarise(rows);
  if (s.neg.length < p.minNegative || s.authors < p.minAuthors) return null;
  const base = await spikeBaseline(db, brandId, now, p.window, p.baselineWeeks);
  const windowHours = p.window / HOUR;
  const expected = base.perHour * windowHours;
  const ratio = s.neg.length / windowHours / Math.max(base.perHour, 1 / windowHours);
  if (s.neg.length < p.ratio * expected || s.neg.length < expected + p.z * Math.sqrt(Math.max(expected, 1)))
    return null;
  const share = s.neg.length / rows.length;
  const baseShare = base.share ?? p.priorShare;
  if (share < baseShare + p.minShareRise) return null;
  return {
    brandId,
    rule: 'negative-spike',
    groupKey: `${brandId}:negative-spike`,
    title: 'Negative spike',
    input: {
      negative: s.neg.length,
      velocityRatio: ratio,
      negativeShare: share,
      baselineShare: baseShare,
      intensity: s.intensity,
      maxFollowers: s.maxFollowers,
      verifiedAuthors: s.verified,
      platforms: s.platforms,
      ...(s.crisis > 0 ? { crisisScore: s.crisis } : {}),
    },
    mentionIds: s.neg.map((r) => r.id),
    counts: {
      mentions: rows.length,
      negative: s.neg.length,
      authors: s.authors,
      reach: s.reach,
      baselinePerHour: Math.round(base.perHour * 100) / 100,
    },
  };
}

/** Negative mentions of this batch toward a brand, with author fields. */
async function batchNegatives(db: DbOrTx, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const out: (Row & {
    brandId: string;
    likes: number | null;
    shares: number | null;
    replies: number | null;
    publishedAt: Date;
  })[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const part = ids.slice(i, i + 1000);
    out.push(
      ...(await db
        .select({
          ...rowCols,
          brandId: mentionBrands.brandId,
          likes: mentions.likes,
          shares: mentions.shares,
          replies: mentions.replies,
          publishedAt: mentions.publishedAt,
        })
        .from(mentionBrands)
        .innerJoin(mentions, eq(mentions.id, mentionBrands.mentionId))
        .where(and(inArray(mentionBrands.mentionId, part), eq(mentionBrands.sentimentLabel, 'negative')))),
    );
  }
  return out;
}

function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** Influential negative: a negative mention by a high-reach or verified author, or from an authoritative site. */
export async function detectInfluential(
  db: DbOrTx,
  ids: readonly string[],
  params: (brandId: string) => RuleParams['influential-negative'] | null,
): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const r of await batchNegatives(db, ids)) {
    const p = params(r.brandId);
    if (!p?.enabled) continue;
    const host = hostOf(r.url);
    const site = host
      ? p.authoritativeSites.find((s) => host === s.toLowerCase() || host.endsWith(`.${s.toLowerCase()}`))
      : undefined;
    const f = r.followers ?? 0;
    if (!(f >= p.minFollowers || (r.verified && f >= p.verifiedMinFollowers) || site)) continue;
    out.push({
      brandId: r.brandId,
      rule: 'influential-negative',
      groupKey: `${r.brandId}:influential-negative:${r.storyId}`,
      title: `Influential negative post by @${r.authorHandle}`,
      input: {
        negative: 1,
        intensity: Math.min(1, Math.abs(r.score ?? 0.5)),
        maxFollowers: f,
        verifiedAuthors: r.verified ? 1 : 0,
        ...(site ? { authoritativeSite: site } : {}),
        platforms: 1,
        ...(r.crisis ? { crisisScore: r.crisis } : {}),
      },
      mentionIds: [r.id],
      counts: { mentions: 1, negative: 1, authors: 1, reach: f },
    });
  }
  return out;
}

const engagementOf = (m: { likes: number | null; shares: number | null; replies: number | null }) =>
  (m.likes ?? 0) + 2 * (m.shares ?? 0) + (m.replies ?? 0);

/**
 * Viral negative: a negative mention whose engagement grows faster than the threshold across
 * re-polls (the last two snapshots; with one, the average since publication).
 */
export async function detectViral(
  db: DbOrTx,
  updatedIds: readonly string[],
  params: (brandId: string) => RuleParams['viral-negative'] | null,
  now: Date,
): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const r of await batchNegatives(db, updatedIds)) {
    const p = params(r.brandId);
    if (!p?.enabled) continue;
    const snaps = await db
      .select()
      .from(metricSnapshots)
      .where(eq(metricSnapshots.mentionId, r.id))
      .orderBy(desc(metricSnapshots.at))
      .limit(2);
    const last = snaps[0];
    if (!last) continue;
    const current = engagementOf(last);
    if (current < p.minEngagement) continue;
    let perHour: number;
    const prev = snaps[1];
    if (prev)
      perHour =
        (current - engagementOf(prev)) / Math.max((last.at.getTime() - prev.at.getTime()) / HOUR, 1 / 60);
    else perHour = current / Math.max((last.at.getTime() - r.publishedAt.getTime()) / HOUR, 1 / 60);
    if (perHour < p.minVelocityPerHour) continue;
    out.push({
      brandId: r.brandId,
      rule: 'viral-negative',
      groupKey: `${r.brandId}:viral-negative:${r.storyId}`,
      title: `Viral negative post by @${r.authorHandle}`,
      input: {
        negative: 1,
        engagementPerHour: perHour,
        intensity: Math.min(1, Math.abs(r.score ?? 0.5)),
        maxFollowers: r.followers ?? 0,
        platforms: 1,
        ...(r.crisis ? { crisisScore: r.crisis } : {}),
      },
      mentionIds: [r.id],
      counts: { mentions: 1, negative: 1, authors: 1, engagement: current, reach: r.followers ?? 0 },
    });
  }
  void now;
  return out;
}

/** The crisis categories a mention's stored classifier records carry. */
function crisisCategories(classifications: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const rec of Object.values(classifications ?? {})) {
    const signals = (rec as { crisis?: { signals?: { category?: unknown }[] } } | null)?.crisis?.signals;
    if (Array.isArray(signals))
      for (const s of signals) if (typeof s?.category === 'string') out.push(s.category);
  }
  return out;
}

/** Crisis language: crisis-signal mentions about a brand from at least `minAuthors` authors within the window, grouped by category. */
export async function detectCrisis(
  db: DbOrTx,
  brandId: string,
  p: RuleParams['crisis-language'],
  now: Date,
): Promise<Candidate | null> {
  if (!p.enabled) return null;
  const rows = await db
    .select({ ...rowCols, classifications: mentions.classifications })
    .from(mentionBrands)
    .innerJoin(mentions, eq(mentions.id, mentionBrands.mentionId))
    .where(
      and(
        eq(mentionBrands.brandId, brandId),
        gte(mentionBrands.publishedAt, new Date(now.getTime() - p.window)),
        gte(mentions.crisisScore, p.minScore),
      ),
    )
    .orderBy(desc(mentions.crisisScore))
    .limit(2000);
  const authors = new Set(rows.map((r) => `${r.platform}:${r.authorHandle}`));
  if (authors.size < p.minAuthors) return null;
  const tally = new Map<string, number>();
  for (const r of rows)
    for (const c of new Set(crisisCategories(r.classifications))) tally.set(c, (tally.get(c) ?? 0) + 1);
  const category =
    [...tally.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? 'general';
  const s = summarise(rows.map((r) => ({ ...r, label: 'negative' })));
  return {
    brandId,
    rule: 'crisis-language',
    groupKey: `${brandId}:crisis-language:${category}`,
    title: `Crisis language (${category})`,
    input: {
      negative: rows.length,
      crisisScore: s.crisis,
      crisisAuthors: authors.size,
      intensity: s.intensity,
      maxFollowers: s.maxFollowers,
      verifiedAuthors: s.verified,
      platforms: s.platforms,
    },
    mentionIds: rows.map((r) => r.id),
    counts: {
      mentions: rows.length,
      negative: rows.filter((r) => r.label === 'negative').length,
      authors: authors.size,
      reach: s.reach,
    },
  };
}

/** Sentiment drop: net sentiment ((pos − neg) / total) over the last day against the previous `baselineDays`, from the rollup. */
export async function detectSentimentDrop(
  db: DbOrTx,
  brandId: string,
  p: RuleParams['sentiment-drop'],
  now: Date,
): Promise<Candidate | null> {
  if (!p.enabled) return null;
  const dayStart = new Date(floorHour(now.getTime()) - 23 * HOUR);
  const baseStart = new Date(dayStart.getTime() - p.baselineDays * 24 * HOUR);
  const agg = async (from: Date, to: Date) => {
    const [r] = await db
      .select({
        pos: sum(brandHourly.positive),
        neg: sum(brandHourly.negative),
        total: sum(brandHourly.total),
      })
      .from(brandHourly)
      .where(and(eq(brandHourly.brandId, brandId), gte(brandHourly.hour, from), lt(brandHourly.hour, to)));
    return { pos: Number(r?.pos ?? 0), neg: Number(r?.neg ?? 0), total: Number(r?.total ?? 0) };
  };
  const cur = await agg(dayStart, new Date(now.getTime() + HOUR));
  const base = await agg(baseStart, dayStart);
  if (cur.total < p.minMentions || base.total < p.minMentions) return null;
  const netNow = (cur.pos - cur.neg) / cur.total;
  const netBase = (base.pos - base.neg) / base.total;
  if (netBase - netNow < p.minDrop) return null;
  const rows = (await brandWindow(db, brandId, dayStart, now, 5000)).filter((r) => r.label === 'negative');
  rows.sort((a, b) => (b.followers ?? 0) - (a.followers ?? 0));
  const s = summarise(rows);
  return {
    brandId,
    rule: 'sentiment-drop',
    groupKey: `${brandId}:sentiment-drop`,
    title: 'Net sentiment drop',
    input: {
      negative: cur.neg,
      negativeShare: cur.neg / cur.total,
      baselineShare: base.neg / base.total,
      intensity: s.intensity,
      platforms: s.platforms,
      maxFollowers: s.maxFollowers,
    },
    mentionIds: rows.slice(0, 50).map((r) => r.id),
    counts: { mentions: cur.total, negative: cur.neg, authors: s.authors, reach: s.reach },
    extraFactors: [
      {
        name: 'net-sentiment',
        value: Math.round(netNow * 100) / 100,
        weight: 0,
        explanation: `net sentiment ${Math.round(netNow * 100)} over the last day vs ${Math.round(netBase * 100)} over the previous ${p.baselineDays} days`,
      },
    ],
  };
}

/** Mentions quoted in a notification: the incident's negative mentions, widest reach first. */
export async function topMentions(db: DbOrTx, ids: readonly string[], limit = 5) {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(mentions)
    .where(inArray(mentions.id, ids.slice(0, 5000)))
    .orderBy(sql`coalesce(${mentions.authorFollowers}, 0) desc`, asc(mentions.publishedAt))
    .limit(limit);
}
