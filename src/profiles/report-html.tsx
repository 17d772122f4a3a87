/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
import { raw } from 'hono/html';
import { htmlDocument } from '../html.ts';
import { TIER_LABELS, type Tier } from './influence.ts';
import type { KolReport, KolRow } from './report.ts';

// The KOL report as a self-contained printable page, built with hono/jsx: every value from the
// data is escaped; the stylesheet below is the one raw insertion, a constant of this file.

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

type Label = keyof typeof L;
type T = (k: Label) => string;

const fmt = (n: number | null) => (n === null ? '—' : n.toLocaleString('en-US'));

function KolTable({
  list,
  t,
  tierLabel,
  growth,
}: {
  list: KolRow[];
  t: T;
  tierLabel: (x: Tier) => string;
  growth?: boolean;
}) {
  if (list.length === 0) return <p class="muted">{t('none')}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>{t('author')}</th>
          <th>{t('tier')}</th>
          <th>{t('influence')}</th>
          <th>{t('followers')}</th>
          <th>{t('posts')}</th>
          {growth && <th>{t('growth')}</th>}
          <th>{t('engagement')}</th>
          <th>{t('reach')}</th>
          <th>{t('sentiment')}</th>
          <th>{t('stance')}</th>
          <th>{t('sample')}</th>
        </tr>
      </thead>
      <tbody>
        {list.map((k) => (
          <tr>
            <td>
              {k.name ?? k.handle}
              <br />
              <span class="muted">{`${k.platform} @${k.handle}`}</span>
            </td>
            <td>{tierLabel(k.tier)}</td>
            <td class="n">{k.influence.toFixed(1)}</td>
            <td class="n">{fmt(k.followers)}</td>
            <td class="n">{k.posts}</td>
            {growth && <td class="n">{`×${k.growth}`}</td>}
            <td class="n">{`${fmt(k.engagement)} (${k.engagementPerPost}/post)`}</td>
            <td class="n">{fmt(k.reach)}</td>
            <td class={`n ${(k.avgSentiment ?? 0) < 0 ? 'neg' : 'pos'}`}>
              {k.avgSentiment === null ? '—' : k.avgSentiment.toFixed(2)}
            </td>
            <td>{k.stance}</td>
            <td class="sample">{k.sample ? k.sample.text : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Card({ label, value }: { label: string; value: string }) {
  return (
    <div class="card">
      <span class="muted">{label}</span>
      <b>{value}</b>
    </div>
  );
}

function DailyChart({ daily, t }: { daily: KolReport['daily']; t: T }) {
  const W = 1000;
  const H = 180;
  const max = Math.max(1, ...daily.map((d) => d.total));
  const bw = W / Math.max(1, daily.length);
  return (
    <svg viewBox={`0 0 ${W} ${H + 20}`} width="100%" role="img" aria-label={t('daily')}>
      {daily.map((d, i) => {
        const hNeg = (d.negative / max) * H;
        const hPos = (d.positive / max) * H;
        const hRest = ((d.total - d.negative - d.positive) / max) * H;
        const x = i * bw + 1;
        const w = Math.max(1, bw - 2);
        return (
          <>
            <rect x={x} y={H - hRest - hPos - hNeg} width={w} height={hRest} fill="#afb8c1" />
            <rect x={x} y={H - hPos - hNeg} width={w} height={hPos} fill="#2da44e" />
            <rect x={x} y={H - hNeg} width={w} height={hNeg} fill="#cf222e" />
            {i % Math.ceil(daily.length / 10) === 0 && (
              <text x={x} y={H + 14} font-size={11} fill="#57606a">
                {d.t.slice(5, 10)}
              </text>
            )}
          </>
        );
      })}
    </svg>
  );
}

function InfluenceChart({ list }: { list: KolRow[] }) {
  if (list.length === 0) return null;
  const rowH = 20;
  return (
    <svg viewBox={`0 0 1000 ${list.length * rowH + 4}`} width="100%" role="img" aria-label="influence">
      {list.map((k, i) => (
        <>
          <text x={0} y={i * rowH + 14} font-size={12}>
            {`${k.platform} @${k.handle}`.slice(0, 32)}
          </text>
          <rect x={220} y={i * rowH + 3} width={(k.influence / 100) * 700} height={rowH - 6} fill="#0969da" />
          <text x={226 + (k.influence / 100) * 700} y={i * rowH + 14} font-size={12}>
            {k.influence.toFixed(1)}
          </text>
        </>
      ))}
    </svg>
  );
}

function SovChart({ list }: { list: KolReport['competitors'] }) {
  const rowH = 22;
  return (
    <svg viewBox={`0 0 1000 ${list.length * rowH + 4}`} width="100%" role="img" aria-label="share of voice">
      {list.map((c, i) => (
        <>
          <text x={0} y={i * rowH + 15} font-size={12} font-weight={c.isSubject ? 'bold' : 'normal'}>
            {c.name.slice(0, 28)}
          </text>
          <rect
            x={220}
            y={i * rowH + 3}
            width={(c.share / 100) * 700}
            height={rowH - 6}
            fill={c.isSubject ? '#0969da' : '#8c959f'}
          />
          <text x={226 + (c.share / 100) * 700} y={i * rowH + 15} font-size={12}>
            {`${c.share}%`}
          </text>
        </>
      ))}
    </svg>
  );
}

/** A self-contained printable HTML page; every value from the data is escaped. */
export function kolReportHtml(r: KolReport): string {
  const bilingual = r.brand.locale === 'zh' || r.brand.locale === 'bilingual';
  const t: T = (k) => (bilingual ? `${L[k][0]} / ${L[k][1]}` : L[k][0]);
  const tierLabel = (x: Tier) =>
    bilingual ? `${TIER_LABELS[x].en} / ${TIER_LABELS[x].zh}` : TIER_LABELS[x].en;
  const title = `${t('title')} — ${r.brand.name}`;
  const ugcLine = `${fmt(r.ugc.mentions)} ${t('mentions')} · ${fmt(r.ugc.authors)} ${t('author')} · ${t('positive')} ${r.ugc.positive} · ${t('negative')} ${r.ugc.negative} · ${t('neutral')} ${r.ugc.neutral} · ${t('net')} ${r.ugc.net ?? '—'}`;
  return htmlDocument(
    <html lang={bilingual ? 'zh-CN' : 'en'}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <style>{raw(CSS)}</style>
      </head>
      <body>
        <h1>{title}</h1>
        <p class="muted">{`${t('period')}: ${r.period.from.slice(0, 10)} → ${r.period.to.slice(0, 10)}`}</p>
        <div class="cards">
          <Card label={t('mentions')} value={fmt(r.totals.mentions)} />
          <Card label={t('kolMentions')} value={fmt(r.totals.kolMentions)} />
          <Card label={t('kols')} value={fmt(r.totals.kols)} />
          <Card label={t('ugc')} value={`${fmt(r.ugc.mentions)} · ${t('net')} ${r.ugc.net ?? '—'}`} />
        </div>
        <h2>{t('daily')}</h2>
        <DailyChart daily={r.daily} t={t} />
        <h2>{t('top')}</h2>
        <InfluenceChart list={r.topKols.slice(0, 10)} />
        <KolTable list={r.topKols} t={t} tierLabel={tierLabel} />
        <h2>{t('new')}</h2>
        <KolTable list={r.newKols} t={t} tierLabel={tierLabel} />
        <h2>{t('rising')}</h2>
        <KolTable list={r.risingKols} t={t} tierLabel={tierLabel} growth />
        <h2>{t('detractor')}</h2>
        <KolTable list={r.detractorKols} t={t} tierLabel={tierLabel} />
        <h2>{t('ugc')}</h2>
        <p>{ugcLine}</p>
        <h2>{t('competitors')}</h2>
        <SovChart list={r.competitors} />
        <table>
          <thead>
            <tr>
              <th>{t('brand')}</th>
              <th>{t('mentions')}</th>
              <th>{t('share')}</th>
              <th>{t('net')}</th>
              <th>{t('kolMentions')}</th>
            </tr>
          </thead>
          <tbody>
            {r.competitors.map((c) => (
              <tr>
                <td>{c.isSubject ? <b>{c.name}</b> : c.name}</td>
                <td class="n">{fmt(c.mentions)}</td>
                <td class="n">{`${c.share}%`}</td>
                <td class="n">{c.net ?? '—'}</td>
                <td class="n">{fmt(c.kolMentions)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>{t('method')}</h2>
        <dl>
          {Object.entries(r.methodology).map(([k, v]) => (
            <>
              <dt>
                <b>{k}</b>
              </dt>
              <dd>{v}</dd>
            </>
          ))}
        </dl>
      </body>
    </html>,
  );
}
