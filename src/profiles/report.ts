import { inArray, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { brands } from '../../db/schema/index.ts';
import { netSentiment, shareOfVoice, timeSeries } from '../analytics/queries.ts';
import type { ProfilesConfig } from '../config/schema.ts';
import { toCsv } from './csv.ts';
import { INFLUENCE, stanceOf, TIER_LABELS, type Tier, tierAtLeast, tierOf } from './influence.ts';
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

// ---------------------------------------------------------------------------------------------
// HTML: built as a tree whose text is escaped on output; only the constant CSS is raw.

type Child = Node | string | number | null | undefined | false | Child[];
interface Node {
  tag: string;
  attrs: Record<string, string | number>;
  children: Child[];
}
const el = (tag: string, attrs: Record<string, string | number> = {}, ...children: Child[]): Node => ({
  tag,
  attrs,
  children,
});
const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const VOID = new Set(['meta', 'br', 'rect', 'line', 'circle', 'path', 'polyline']);
function render(c: Child): string {
  if (c === null || c === undefined || c === false) return '';
  if (Array.isArray(c)) return c.map(render).join('');
  if (typeof c === 'string') return esc(c);
  if (typeof c === 'number') return esc(String(c));
  const attrs = Object.entries(c.attrs)
    .map(([k, v]) => ` ${k}="${esc(String(v))}"`)
    .join('');
  if (VOID.has(c.tag) && c.children.length === 0) return `<${c.tag}${attrs}${c.tag === 'meta' ? '' : ' /'}>`;
  return `<${c.tag}${attrs}>${c.children.map(render).join('')}</${c.tag}>`;
}

const L = {
  title: ['KOL report', 'KOL 报告'],
  period: ['Period', '统计周期'],
  mentions: ['Mentions', '提及量'],
  kolMentions: ['KOL mentions', 'KOL 提及'],
  kols: ['KOLs', 'KOL 数'],
  ugc: ['UGC (non-KOL)', '用户原创内容（UGC）'],
  top: ['Top KOLs by influence', '影响力 KOL 榜单'],
  new: ['New KOLs', '新晋 KOL'],
  rising: ['Rising KOLs', '上升 KOL'],
  detractor: ['Detractor KOLs', '负面 KOL'],
  competitors: ['Competitor comparison', '竞品对比'],
  daily: ['Daily volume and sentiment', '每日声量与情感'],
  method: ['How the numbers are computed', '指标说明'],
  author: ['Author', '作者'],
  tier: ['Tier', '层级'],
  influence: ['Influence', '影响力'],
  followers: ['Followers', '粉丝数'],
  posts: ['Posts', '发文数'],
  engagement: ['Engagement', '互动量'],
  reach: ['Reach', '覆盖'],
  sentiment: ['Avg sentiment', '平均情感'],
  stance: ['Stance', '立场'],
  sample: ['Top post', '代表内容'],
  brand: ['Brand', '品牌'],
  share: ['Share of voice', '声量份额'],
  net: ['Net sentiment', '净情感值'],
  positive: ['positive', '正面'],
  negative: ['negative', '负面'],
  neutral: ['neutral', '中性'],
  growth: ['Growth', '增长倍数'],
  none: ['None in this period.', '本期无。'],
} as const;

const CSS = `body{font:14px/1.45 -apple-system,"Segoe UI","PingFang SC","Noto Sans CJK SC",sans-serif;color:#1f2328;margin:24px auto;max-width:1100px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{border-bottom:1px solid #eaeef2;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#57606a}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;min-width:140px}.card b{display:block;font-size:20px}
.neg{color:#cf222e}.pos{color:#1a7f37}.sample{max-width:320px;white-space:pre-wrap;word-break:break-word}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table{break-inside:auto}tr{break-inside:avoid}}`;

/** A self-contained printable HTML page; every value from the data is escaped. */
export function kolReportHtml(r: KolReport): string {
  const bilingual = r.brand.locale === 'zh' || r.brand.locale === 'bilingual';
  const t = (k: keyof typeof L) => (bilingual ? `${L[k][0]} / ${L[k][1]}` : L[k][0]);
  const fmt = (n: number | null) => (n === null ? '—' : n.toLocaleString('en-US'));
  const tierLabel = (x: Tier) =>
    bilingual ? `${TIER_LABELS[x].en} / ${TIER_LABELS[x].zh}` : TIER_LABELS[x].en;
  const kolTable = (list: KolRow[], extra?: 'growth') =>
    list.length === 0
      ? el('p', { class: 'muted' }, t('none'))
      : el(
          'table',
          {},
          el(
            'thead',
            {},
            el(
              'tr',
              {},
              el('th', {}, t('author')),
              el('th', {}, t('tier')),
              el('th', {}, t('influence')),
              el('th', {}, t('followers')),
              el('th', {}, t('posts')),
              extra === 'growth' ? el('th', {}, t('growth')) : null,
              el('th', {}, t('engagement')),
              el('th', {}, t('reach')),
              el('th', {}, t('sentiment')),
              el('th', {}, t('stance')),
              el('th', {}, t('sample')),
            ),
          ),
          el(
            'tbody',
            {},
            list.map((k) =>
              el(
                'tr',
                {},
                el(
                  'td',
                  {},
                  `${k.name ?? k.handle}`,
                  el('br'),
                  el('span', { class: 'muted' }, `${k.platform} @${k.handle}`),
                ),
                el('td', {}, tierLabel(k.tier)),
                el('td', { class: 'n' }, k.influence.toFixed(1)),
                el('td', { class: 'n' }, fmt(k.followers)),
                el('td', { class: 'n' }, k.posts),
                extra === 'growth' ? el('td', { class: 'n' }, `×${k.growth}`) : null,
                el('td', { class: 'n' }, `${fmt(k.engagement)} (${k.engagementPerPost}/post)`),
                el('td', { class: 'n' }, fmt(k.reach)),
                el(
                  'td',
                  { class: `n ${(k.avgSentiment ?? 0) < 0 ? 'neg' : 'pos'}` },
                  k.avgSentiment === null ? '—' : k.avgSentiment.toFixed(2),
                ),
                el('td', {}, k.stance),
                el('td', { class: 'sample' }, k.sample ? k.sample.text : ''),
              ),
            ),
          ),
        );
  const card = (label: string, value: string) =>
    el('div', { class: 'card' }, el('span', { class: 'muted' }, label), el('b', {}, value));
  const doc = el(
    'html',
    { lang: bilingual ? 'zh-CN' : 'en' },
    el(
      'head',
      {},
      el('meta', { charset: 'utf-8' }),
      el('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
      el('title', {}, `${t('title')} — ${r.brand.name}`),
      { tag: 'style', attrs: {}, children: [] } as Node,
    ),
    el(
      'body',
      {},
      el('h1', {}, `${t('title')} — ${r.brand.name}`),
      el(
        'p',
        { class: 'muted' },
        `${t('period')}: ${r.period.from.slice(0, 10)} → ${r.period.to.slice(0, 10)}`,
      ),
      el(
        'div',
        { class: 'cards' },
        card(t('mentions'), fmt(r.totals.mentions)),
        card(t('kolMentions'), fmt(r.totals.kolMentions)),
        card(t('kols'), fmt(r.totals.kols)),
        card(t('ugc'), `${fmt(r.ugc.mentions)} · ${t('net')} ${r.ugc.net ?? '—'}`),
      ),
      el('h2', {}, t('daily')),
      dailyChart(r.daily, t),
      el('h2', {}, t('top')),
      influenceChart(r.topKols.slice(0, 10)),
      kolTable(r.topKols),
      el('h2', {}, t('new')),
      kolTable(r.newKols),
      el('h2', {}, t('rising')),
      kolTable(r.risingKols, 'growth'),
      el('h2', {}, t('detractor')),
      kolTable(r.detractorKols),
      el('h2', {}, t('ugc')),
      el(
        'p',
        {},
        `${fmt(r.ugc.mentions)} ${t('mentions')} · ${fmt(r.ugc.authors)} ${t('author')} · ${t('positive')} ${r.ugc.positive} · ${t('negative')} ${r.ugc.negative} · ${t('neutral')} ${r.ugc.neutral} · ${t('net')} ${r.ugc.net ?? '—'}`,
      ),
      el('h2', {}, t('competitors')),
      sovChart(r.competitors),
      el(
        'table',
        {},
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', {}, t('brand')),
            el('th', {}, t('mentions')),
            el('th', {}, t('share')),
            el('th', {}, t('net')),
            el('th', {}, t('kolMentions')),
          ),
        ),
        el(
          'tbody',
          {},
          r.competitors.map((c) =>
            el(
              'tr',
              {},
              el('td', {}, c.isSubject ? el('b', {}, c.name) : c.name),
              el('td', { class: 'n' }, fmt(c.mentions)),
              el('td', { class: 'n' }, `${c.share}%`),
              el('td', { class: 'n' }, c.net ?? '—'),
              el('td', { class: 'n' }, fmt(c.kolMentions)),
            ),
          ),
        ),
      ),
      el('h2', {}, t('method')),
      el(
        'dl',
        {},
        Object.entries(r.methodology).map(([k, v]) => [el('dt', {}, el('b', {}, k)), el('dd', {}, v)]),
      ),
    ),
  );
  // The stylesheet is a constant of this file, the one raw insertion.
  return `<!doctype html>\n${render(doc).replace('<style></style>', `<style>${CSS}</style>`)}`;
}

function dailyChart(daily: KolReport['daily'], t: (k: keyof typeof L) => string): Node {
  const W = 1000;
  const H = 180;
  const max = Math.max(1, ...daily.map((d) => d.total));
  const bw = W / Math.max(1, daily.length);
  return el(
    'svg',
    { viewBox: `0 0 ${W} ${H + 20}`, width: '100%', role: 'img', 'aria-label': t('daily') },
    daily.map((d, i) => {
      const hNeg = (d.negative / max) * H;
      const hPos = (d.positive / max) * H;
      const hRest = ((d.total - d.negative - d.positive) / max) * H;
      const x = i * bw + 1;
      const w = Math.max(1, bw - 2);
      return [
        el('rect', { x, y: H - hRest - hPos - hNeg, width: w, height: hRest, fill: '#afb8c1' }),
        el('rect', { x, y: H - hPos - hNeg, width: w, height: hPos, fill: '#2da44e' }),
        el('rect', { x, y: H - hNeg, width: w, height: hNeg, fill: '#cf222e' }),
        i % Math.ceil(daily.length / 10) === 0
          ? el('text', { x, y: H + 14, 'font-size': 11, fill: '#57606a' }, d.t.slice(5, 10))
          : null,
      ];
    }),
  );
}

function influenceChart(list: KolRow[]): Node | null {
  if (list.length === 0) return null;
  const rowH = 20;
  return el(
    'svg',
    { viewBox: `0 0 1000 ${list.length * rowH + 4}`, width: '100%', role: 'img', 'aria-label': 'influence' },
    list.map((k, i) => [
      el('text', { x: 0, y: i * rowH + 14, 'font-size': 12 }, `${k.platform} @${k.handle}`.slice(0, 32)),
      el('rect', {
        x: 220,
        y: i * rowH + 3,
        width: (k.influence / 100) * 700,
        height: rowH - 6,
        fill: '#0969da',
      }),
      el(
        'text',
        { x: 226 + (k.influence / 100) * 700, y: i * rowH + 14, 'font-size': 12 },
        k.influence.toFixed(1),
      ),
    ]),
  );
}

function sovChart(list: KolReport['competitors']): Node {
  const rowH = 22;
  return el(
    'svg',
    {
      viewBox: `0 0 1000 ${list.length * rowH + 4}`,
      width: '100%',
      role: 'img',
      'aria-label': 'share of voice',
    },
    list.map((c, i) => [
      el(
        'text',
        { x: 0, y: i * rowH + 15, 'font-size': 12, 'font-weight': c.isSubject ? 'bold' : 'normal' },
        c.name.slice(0, 28),
      ),
      el('rect', {
        x: 220,
        y: i * rowH + 3,
        width: (c.share / 100) * 700,
        height: rowH - 6,
        fill: c.isSubject ? '#0969da' : '#8c959f',
      }),
      el('text', { x: 226 + (c.share / 100) * 700, y: i * rowH + 15, 'font-size': 12 }, `${c.share}%`),
    ]),
  );
}
