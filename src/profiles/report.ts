import { inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { brands } from '../../db/schema/index.ts';
import { netSentiment, shareOfVoice, timeSeries } from '../analytics/queries.ts';
import type { ProfilesConfig } from '../config/schema.ts';
import { toCsv } from './csv.ts';
import { INFLUENCE, stanceOf, type Tier, tierAtLeast, tierOf } from './influence.ts';
import { isoOrNull, num, numOrNull, rows } from './sql.ts';

type BrandRow = typeof brands.$inferSelect;

export interface KolRow {
  platform: string;
  handle: string;
  name: string | null;
  tier: Tier;
  influence: number;
  followers: number | null;
  posts: number;
  previousPosts: number;
  engagement: number;
  engagementPerPost: number;
  reach: number;
  positive: number;
  negative: number;
  neutral: number;
  avgSentiment: number | null;
  /** Stance in the window (same rule as profiles) and over all time. */
  stance: string;
  stanceAllTime: string;
  firstMentionedBrandAt: string | null;
  growth: number;
  sample: { url: string | null; text: string; sentiment: string | null } | null;
}

export interface KolReport {
  brand: { id: string; name: string; locale: string };
  period: { from: string; to: string; previousFrom: string };
  kolTier: Tier;
  totals: { mentions: number; kolMentions: number; kols: number; authors: number };
  topKols: KolRow[];
  newKols: KolRow[];
  risingKols: KolRow[];
  detractorKols: KolRow[];
  ugc: {
    mentions: number;
    authors: number;
    positive: number;
    negative: number;
    neutral: number;
    net: number | null;
  };
  competitors: {
    name: string;
    isSubject: boolean;
    mentions: number;
    share: number;
    net: number | null;
    kolMentions: number;
  }[];
  daily: { t: string; total: number; positive: number; negative: number; neutral: number }[];
  methodology: Record<string, string>;
}

/**
 * The KOL report of a brand over a period: top KOLs by influence with what they said, new and
 * rising KOLs (against the previous period of equal length), detractor KOLs, user-generated
 * content (non-KOL authors), and the same numbers for competitors. Reads the brand's mentions
 * of the period (an index range), not the whole table.
 *
 * @example
 * const r = await buildKolReport(db, profiles, brand, { from, to });
 */
export async function buildKolReport(
  db: DbOrTx,
  cfg: ProfilesConfig,
  brand: BrandRow,
  opts: { from: Date; to: Date; limit?: number },
): Promise<KolReport> {
  const limit = opts.limit ?? 20;
  const { from, to } = opts;
  const span = to.getTime() - from.getTime();
  const prevFrom = new Date(from.getTime() - span);
  const kolMin = cfg.tiers[cfg.kolTier];

  const perAuthor = await rows<Record<string, unknown>>(
    db,
    sql`select m.platform, m.author_handle as handle,
        count(*) filter (where mb.published_at >= ${from.toISOString()}::timestamptz) as posts,
        count(*) filter (where mb.published_at < ${from.toISOString()}::timestamptz) as prev_posts,
        sum(coalesce(m.likes, 0) + coalesce(m.shares, 0) + coalesce(m.replies, 0)) filter (where mb.published_at >= ${from.toISOString()}::timestamptz) as eng,
        sum(coalesce(m.author_followers, 0)) filter (where mb.published_at >= ${from.toISOString()}::timestamptz) as reach,
        max(m.author_followers) as followers,
        count(*) filter (where mb.published_at >= ${from.toISOString()}::timestamptz and mb.sentiment_label = 'positive') as pos,
        count(*) filter (where mb.published_at >= ${from.toISOString()}::timestamptz and mb.sentiment_label = 'negative') as neg,
        count(*) filter (where mb.published_at >= ${from.toISOString()}::timestamptz and mb.sentiment_label = 'neutral') as neu,
        avg(mb.sentiment_score) filter (where mb.published_at >= ${from.toISOString()}::timestamptz) as avg_s
      from mention_brands mb join mentions m on m.id = mb.mention_id
      where mb.brand_id = ${brand.id} and mb.published_at >= ${prevFrom.toISOString()}::timestamptz
        and mb.published_at < ${to.toISOString()}::timestamptz
      group by 1, 2`,
  );
  const profiles = new Map<string, Record<string, unknown>>();
  const kolKeys = perAuthor
    .filter((a) => num(a.followers) >= kolMin)
    .map((a) => ({ platform: String(a.platform), handle: String(a.handle) }));
  if (kolKeys.length) {
    const ps = await rows<Record<string, unknown>>(
      db,
      sql`select a.platform, a.handle, a.name, a.influence, a.tier, a.followers, ab.stance, ab.first_at
        from json_to_recordset(${JSON.stringify(kolKeys)}::json) as k(platform text, handle text)
        join authors a on a.platform = k.platform and a.handle = k.handle
        left join author_brands ab on ab.platform = a.platform and ab.handle = a.handle and ab.brand_id = ${brand.id}`,
    );
    for (const p of ps) profiles.set(`${p.platform}\u0000${p.handle}`, p);
  }

  let mentionsTotal = 0;
  let kolMentions = 0;
  const ugc = { mentions: 0, authors: 0, positive: 0, negative: 0, neutral: 0, net: null as number | null };
  const kols: KolRow[] = [];
  for (const a of perAuthor) {
    const posts = num(a.posts);
    mentionsTotal += posts;
    const p = profiles.get(`${a.platform}\u0000${a.handle}`);
    const followers = p ? numOrNull(p.followers) : numOrNull(a.followers);
    const tier = p ? (String(p.tier) as Tier) : tierOf(followers, cfg.tiers);
    if (!p || !tierAtLeast(tier, cfg.kolTier)) {
      if (posts > 0) {
        ugc.mentions += posts;
        ugc.authors++;
        ugc.positive += num(a.pos);
        ugc.negative += num(a.neg);
        ugc.neutral += num(a.neu);
      }
      continue;
    }
    if (posts === 0) continue;
    kolMentions += posts;
    const counts = { positive: num(a.pos), negative: num(a.neg), neutral: num(a.neu) };
    const prev = num(a.prev_posts);
    kols.push({
      platform: String(a.platform),
      handle: String(a.handle),
      name: (p.name as string | null) ?? null,
      tier,
      influence: num(p.influence),
      followers,
      posts,
      previousPosts: prev,
      engagement: num(a.eng),
      engagementPerPost: Math.round((num(a.eng) / posts) * 10) / 10,
      reach: num(a.reach),
      ...counts,
      avgSentiment: a.avg_s === null || a.avg_s === undefined ? null : Math.round(num(a.avg_s) * 1000) / 1000,
      stance: stanceOf(counts, cfg.stance),
      stanceAllTime: (p.stance as string | null) ?? 'neutral',
      firstMentionedBrandAt: isoOrNull(p.first_at),
      growth: Math.round(((posts + 1) / (prev + 1)) * 100) / 100,
      sample: null,
    });
  }
  ugc.net = netSentiment(ugc.positive, ugc.negative);
  const byInfluence = [...kols].sort((x, y) => y.influence - x.influence || y.reach - x.reach);
  const topKols = byInfluence.slice(0, limit);
  const newKols = byInfluence
    .filter((k) => k.firstMentionedBrandAt && k.firstMentionedBrandAt >= from.toISOString())
    .slice(0, limit);
  const risingKols = kols
    .filter((k) => k.previousPosts > 0 && k.posts >= 2 && k.growth >= 2)
    .sort((x, y) => y.growth - x.growth || y.influence - x.influence)
    .slice(0, limit);
  const detractorKols = byInfluence
    .filter((k) => k.stance === 'detractor' || k.stanceAllTime === 'detractor')
    .slice(0, limit);

  // One quoted post per listed KOL: the highest-engagement one of the period.
  const listed = [
    ...new Map(
      [...topKols, ...newKols, ...risingKols, ...detractorKols].map((k) => [
        `${k.platform}\u0000${k.handle}`,
        k,
      ]),
    ).values(),
  ];
  if (listed.length) {
    const samples = await rows<Record<string, unknown>>(
      db,
      sql`select distinct on (m.platform, m.author_handle) m.platform, m.author_handle, m.url, left(m.text, 280) as text, mb.sentiment_label
        from json_to_recordset(${JSON.stringify(listed.map((k) => ({ platform: k.platform, handle: k.handle })))}::json) as k(platform text, handle text)
        join mentions m on m.platform = k.platform and m.author_handle = k.handle
        join mention_brands mb on mb.mention_id = m.id and mb.brand_id = ${brand.id}
        where m.published_at >= ${from.toISOString()}::timestamptz and m.published_at < ${to.toISOString()}::timestamptz
        order by m.platform, m.author_handle, coalesce(m.likes, 0) + coalesce(m.shares, 0) + coalesce(m.replies, 0) desc, m.published_at desc`,
    );
    const byKey = new Map(samples.map((s) => [`${s.platform}\u0000${s.author_handle}`, s]));
    for (const k of listed) {
      const s = byKey.get(`${k.platform}\u0000${k.handle}`);
      if (s)
        k.sample = {
          url: (s.url as string | null) ?? null,
          text: String(s.text),
          sentiment: (s.sentiment_label as string | null) ?? null,
        };
    }
  }

  const comps = brand.competitors.length
    ? await db
        .select({ id: brands.id, name: brands.name })
        .from(brands)
        .where(inArray(brands.name, brand.competitors))
    : [];
  const sov = await shareOfVoice(db, { id: brand.id, name: brand.name }, comps, from, to);
  const kolByBrand = await rows<{ brand_id: string; n: unknown }>(
    db,
    sql`select mb.brand_id, count(*) as n from mention_brands mb join mentions m on m.id = mb.mention_id
      where mb.brand_id in (select jsonb_array_elements_text(${JSON.stringify(sov.map((s) => s.brandId))}::jsonb))
        and mb.published_at >= ${from.toISOString()}::timestamptz and mb.published_at < ${to.toISOString()}::timestamptz
        and coalesce(m.author_followers, 0) >= ${kolMin}
      group by mb.brand_id`,
  );
  const daily = await timeSeries(db, { brandId: brand.id, from, to }, 'day', 'UTC');

  return {
    brand: { id: brand.id, name: brand.name, locale: brand.settings.locale ?? 'en' },
    period: { from: from.toISOString(), to: to.toISOString(), previousFrom: prevFrom.toISOString() },
    kolTier: cfg.kolTier,
    totals: { mentions: mentionsTotal, kolMentions, kols: kols.length, authors: kols.length + ugc.authors },
    topKols,
    newKols,
    risingKols,
    detractorKols,
    ugc,
    competitors: sov.map((s) => ({
      name: s.name,
      isSubject: s.isSubject,
      mentions: s.total,
      share: s.share,
      net: s.net,
      kolMentions: num(kolByBrand.find((k) => k.brand_id === s.brandId)?.n),
    })),
    daily: daily.map((d) => ({
      t: d.t,
      total: d.total,
      positive: d.positive,
      negative: d.negative,
      neutral: d.neutral,
    })),
    methodology: {
      influence: `0-100 per platform: 100 × (${INFLUENCE.reachWeight}·Φ(zR) + ${INFLUENCE.engagementWeight}·Φ(zE)) × (1 − ${INFLUENCE.spamPenalty}·spam). R = log10(1 + followers), E = log10(1 + engagement per post), z against the mean and standard deviation of the platform's stored posts; Φ is the normal CDF. Platforms without follower counts use 100 × Φ(zE). So 80 reads "above about 80% of this platform's posts".`,
      tiers: `By followers: nano/尾部 < ${cfg.tiers.micro}, micro/腰部 < ${cfg.tiers.macro}, macro/头部 < ${cfg.tiers.mega}, mega/超头部 ≥ ${cfg.tiers.mega}. KOLs are ${cfg.kolTier} and above.`,
      engagement:
        'likes + shares + replies, as first collected; engagement per post = engagement / posts; reach = sum of the author follower counts at each post.',
      sentiment:
        'Sentiment toward the brand (target sentiment) per mention; net = (positive − negative) / (positive + negative) × 100.',
      stance: `advocate when (positive − negative) / labelled ≥ ${cfg.stance.threshold}, detractor when ≤ −${cfg.stance.threshold}, with at least ${cfg.stance.minPosts} labelled posts; otherwise neutral.`,
      newAndRising:
        'New: first mentioned the brand within the period. Rising: at least 2 posts and (posts + 1) / (previous-period posts + 1) ≥ 2.',
      ugc: 'User-generated content: mentions by authors below the KOL tier.',
      shareOfVoice: "A brand's mentions / the mentions of the brand and its tracked competitors, percent.",
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CSV

const KOL_COLUMNS = [
  'section',
  'platform',
  'handle',
  'name',
  'tier',
  'influence',
  'followers',
  'posts',
  'previousPosts',
  'growth',
  'engagement',
  'engagementPerPost',
  'reach',
  'positive',
  'negative',
  'neutral',
  'avgSentiment',
  'stance',
  'stanceAllTime',
  'firstMentionedBrandAt',
  'sampleUrl',
  'sampleText',
] as const;

export function kolReportCsv(r: KolReport): string {
  const out: unknown[][] = [];
  const add = (section: string, list: KolRow[]) => {
    for (const k of list) {
      const row = {
        section,
        ...k,
        sampleUrl: k.sample?.url ?? '',
        sampleText: k.sample?.text ?? '',
      } as Record<string, unknown>;
      out.push(KOL_COLUMNS.map((c) => row[c]));
    }
  };
  add('top', r.topKols);
  add('new', r.newKols);
  add('rising', r.risingKols);
  add('detractor', r.detractorKols);
  return toCsv(KOL_COLUMNS, out);
}

// The HTML page is built with hono/jsx in ./report-html.tsx; the API and the CLI take it from here.
export { kolReportHtml } from './report-html.tsx';
