import {
  type AlertLevelInfo,
  type AlertLocale,
  type AlertMention,
  type AlertMessage,
  levelInfo,
} from '../../types.ts';
import { escapeMarkdown, escapeWeakMarkdown, markdownUrl, neutralize, oneLine, safeUrl } from './escape.ts';

/**
 * Rendering of an `AlertMessage` for people, in one place for every channel: a format-neutral
 * view (`alertView`, shrunk to fit a size limit by `shrinkToFit`), plain text and markdown here,
 * the HTML email in `./email.tsx`, each channel's payload in its own file. Everything a
 * platform user wrote (post text, author names and handles) is untrusted: each format escapes
 * it with its own syntax (`./escape.ts`); brand names, rule titles and factor explanations come
 * from config and the core, and are escaped all the same.
 *
 * Why graphemes: a limit cut must never split a surrogate pair, a multi-byte UTF-8 sequence,
 * a combining mark or a ZWJ emoji; `Intl.Segmenter` walks user-perceived characters.
 */

// ---------------------------------------------------------------- sizes and truncation

const ELLIPSIS = '…';
const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });

export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function truncateBy(s: string, max: number, measure: (x: string) => number, ellipsis: string): string {
  if (measure(s) <= max) return s;
  const room = max - measure(ellipsis);
  if (room < 0) return '';
  let used = 0;
  let out = '';
  for (const { segment } of segmenter.segment(s)) {
    const n = measure(segment);
    if (used + n > room) break;
    used += n;
    out += segment;
  }
  return out + ellipsis;
}

/**
 * Cut `s` to at most `maxBytes` UTF-8 bytes, ellipsis included, on a grapheme boundary.
 *
 * @example
 * truncateBytes('红色预警', 8) // '红…' (3 + 3 bytes)
 */
export function truncateBytes(s: string, maxBytes: number, ellipsis = ELLIPSIS): string {
  return truncateBy(s, maxBytes, byteLength, ellipsis);
}

/** Cut `s` to at most `maxChars` UTF-16 code units (what Slack and JSON-limit APIs count). */
export function truncateChars(s: string, maxChars: number, ellipsis = ELLIPSIS): string {
  return truncateBy(s, maxChars, (x) => x.length, ellipsis);
}

// ---------------------------------------------------------------- labels

/** `en` alone, or Chinese first then English. */
export function label(locale: AlertLocale, en: string, zh: string): string {
  return locale === 'en' ? en : `${zh} / ${en}`;
}

export function levelLabel(info: AlertLevelInfo, locale: AlertLocale): string {
  return label(locale, info.en, info.zh);
}

const KIND: Record<AlertMessage['kind'], [string, string]> = {
  alert: ['New alert', '新预警'],
  escalation: ['Escalated', '已升级通知'],
  'level-up': ['Level raised', '预警升级'],
  reminder: ['Reminder', '提醒'],
  resolved: ['Resolved', '已解除'],
  digest: ['Digest', '舆情摘要'],
  'collector-down': ['Collector down', '采集中断'],
  test: ['Test message', '测试消息'],
};

const SENTIMENT: Record<string, [string, string]> = {
  negative: ['negative', '负面'],
  neutral: ['neutral', '中性'],
  positive: ['positive', '正面'],
  mixed: ['mixed', '混合'],
};

export function kindLabel(kind: AlertMessage['kind'], locale: AlertLocale): string {
  const [en, zh] = KIND[kind];
  return label(locale, en, zh);
}

/** `2026-03-01 08:05 UTC`; unparseable input is returned as is. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function formatValue(v: number | string): string {
  if (typeof v === 'string') return v;
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
}

// ---------------------------------------------------------------- the view

/** One quoted mention; every string is raw (unescaped). */
export interface MentionView {
  who: string;
  meta: string;
  text: string;
  url: string | undefined;
}

/**
 * A format-neutral view of a message. Strings are raw: each renderer escapes them. A
 * `budget` shrinks the quoted mentions so the rendering fits a size limit.
 */
export interface AlertView {
  /** The message's locale (labels are English, or Chinese first then English). */
  locale: AlertLocale;
  level: AlertLevelInfo | undefined;
  emoji: string;
  /** e.g. `🔴 红色预警 / Critical — Acme: negative spike`. */
  headline: string;
  /** Headline without the emoji, for subjects and titles. */
  title: string;
  facts: { label: string; value: string }[];
  sections: { title: string; items: string[] }[];
  mentionsTitle: string;
  mentions: MentionView[];
  links: { label: string; url: string }[];
  footer: string;
}

export interface RenderBudget {
  /** At most this many mentions. */
  mentions: number;
  /** Each mention's text cut to this many characters. */
  textChars: number;
}

export const FULL_BUDGET: RenderBudget = { mentions: 5, textChars: 280 };
const BUDGETS: RenderBudget[] = [
  FULL_BUDGET,
  { mentions: 5, textChars: 140 },
  { mentions: 3, textChars: 100 },
  { mentions: 1, textChars: 80 },
  { mentions: 0, textChars: 0 },
];

function mentionView(m: AlertMention, locale: AlertLocale, budget: RenderBudget): MentionView {
  const handle = oneLine(m.authorHandle);
  const name = m.authorName ? oneLine(m.authorName) : '';
  const who =
    name && name !== handle ? `${name} (@${handle.replace(/^@/, '')})` : `@${handle.replace(/^@/, '')}`;
  const meta = [m.platform, formatTime(m.publishedAt)];
  if (m.sentiment) {
    const s = SENTIMENT[m.sentiment];
    if (s) meta.push(label(locale, s[0], s[1]));
  }
  if (m.reach !== undefined) meta.push(`${label(locale, 'reach', '触达')} ${m.reach}`);
  return {
    who,
    meta: meta.join(' · '),
    text: truncateChars(oneLine(m.text), budget.textChars),
    url: safeUrl(m.url),
  };
}

export function alertView(message: AlertMessage, budget: RenderBudget = FULL_BUDGET): AlertView {
  const loc = message.locale;
  const kind = kindLabel(message.kind, loc);
  const facts: AlertView['facts'] = [];
  const sections: AlertView['sections'] = [];
  const links: AlertView['links'] = [];
  let mentions: AlertMention[] = [];
  let level: AlertLevelInfo | undefined;
  let emoji = 'ℹ️';
  let title = kind;

  const inc = message.incident;
  if (inc) {
    level = levelInfo(inc.level);
    emoji = message.kind === 'resolved' ? '✅' : level.emoji;
    const lead = message.kind === 'alert' ? levelLabel(level, loc) : `${levelLabel(level, loc)} · ${kind}`;
    title = `${lead} — ${oneLine(inc.brandName)}: ${oneLine(inc.title)}`;
    facts.push(
      { label: label(loc, 'Brand', '品牌'), value: oneLine(inc.brandName) },
      { label: label(loc, 'Level', '级别'), value: levelLabel(level, loc) },
      { label: label(loc, 'Rule', '规则'), value: oneLine(inc.rule) },
      { label: label(loc, 'Status', '状态'), value: statusLabel(inc.status, loc) },
      { label: label(loc, 'Opened', '开始时间'), value: formatTime(inc.openedAt) },
      { label: label(loc, 'Mentions', '提及数'), value: countsLine(inc.counts, loc) },
    );
    if (inc.factors.length) {
      sections.push({
        title: label(loc, 'Why this level', '预警依据'),
        items: inc.factors.map(
          (f) =>
            `${oneLine(f.name)}: ${formatValue(f.value)}${f.weight !== undefined ? ` (×${formatValue(f.weight)})` : ''} — ${oneLine(f.explanation)}`,
        ),
      });
    }
    mentions = inc.mentions;
    const ack = safeUrl(inc.ackUrl);
    const dash = safeUrl(inc.dashboardUrl);
    if (ack && inc.status === 'open' && message.kind !== 'resolved')
      links.push({ label: label(loc, 'Acknowledge', '确认'), url: ack });
    if (dash) links.push({ label: label(loc, 'Open in Earshot', '查看详情'), url: dash });
  } else if (message.digest) {
    const d = message.digest;
    emoji = '📊';
    title = `${kind} — ${oneLine(d.brandName)}${d.period.label ? ` (${oneLine(d.period.label)})` : ''}`;
    facts.push(
      { label: label(loc, 'Brand', '品牌'), value: oneLine(d.brandName) },
      {
        label: label(loc, 'Period', '时段'),
        value: `${formatTime(d.period.from)} – ${formatTime(d.period.to)}`,
      },
      { label: label(loc, 'Mentions', '提及数'), value: String(d.totals.mentions) },
      { label: label(loc, 'Negative', '负面'), value: String(d.totals.negative) },
      { label: label(loc, 'Incidents', '预警事件'), value: String(d.totals.incidents) },
    );
    if (d.topIncidents.length) {
      sections.push({
        title: label(loc, 'Top incidents', '主要预警'),
        items: d.topIncidents.map((i) => {
          const li = levelInfo(i.level);
          return `${li.emoji} ${levelLabel(li, loc)} — ${oneLine(i.title)} (${statusLabel(i.status, loc)}, ${formatTime(i.openedAt)})`;
        }),
      });
    }
    mentions = d.topMentions;
    const dash = safeUrl(d.dashboardUrl);
    if (dash) links.push({ label: label(loc, 'Open in Earshot', '查看详情'), url: dash });
  } else if (message.collector) {
    const c = message.collector;
    emoji = '⚠️';
    title = `${kind} — ${oneLine(c.sourceName)}`;
    facts.push(
      { label: label(loc, 'Source', '数据源'), value: `${oneLine(c.sourceName)} (${oneLine(c.sourceType)})` },
      { label: label(loc, 'Fault', '故障'), value: oneLine(c.fault) },
      { label: label(loc, 'Since', '开始时间'), value: formatTime(c.since) },
    );
    if (c.lastError)
      sections.push({
        title: label(loc, 'Last error', '最近错误'),
        items: [truncateChars(oneLine(c.lastError), 500)],
      });
    const dash = safeUrl(c.dashboardUrl);
    if (dash) links.push({ label: label(loc, 'Open in Earshot', '查看详情'), url: dash });
  } else if (message.kind === 'test') {
    emoji = '🧪';
    title = `${kind} — Earshot`;
    sections.push({
      title: label(loc, 'Channel check', '通道检查'),
      items: [label(loc, 'This channel is configured correctly.', '此通知通道配置正确。')],
    });
  }

  return {
    locale: loc,
    level,
    emoji,
    headline: `${emoji} ${title}`,
    title,
    facts,
    sections,
    mentionsTitle: label(loc, 'Top mentions', '代表性提及'),
    mentions: mentions.slice(0, budget.mentions).map((m) => mentionView(m, loc, budget)),
    links,
    footer: `Earshot · ${oneLine(message.incident?.id ?? message.id)} · ${formatTime(message.createdAt)}`,
  };
}

function statusLabel(s: string, loc: AlertLocale): string {
  if (s === 'open') return label(loc, 'open', '未处理');
  if (s === 'acknowledged') return label(loc, 'acknowledged', '已确认');
  if (s === 'resolved') return label(loc, 'resolved', '已解除');
  return oneLine(s);
}

function countsLine(
  c: { mentions: number; negative?: number; authors?: number; reach?: number },
  loc: AlertLocale,
): string {
  const parts = [String(c.mentions)];
  if (c.negative !== undefined) parts.push(`${label(loc, 'negative', '负面')} ${c.negative}`);
  if (c.authors !== undefined) parts.push(`${label(loc, 'authors', '作者')} ${c.authors}`);
  if (c.reach !== undefined) parts.push(`${label(loc, 'reach', '触达')} ${c.reach}`);
  return parts.join(' · ');
}

/**
 * Render with shrinking budgets until `measure(out) <= max`; as a last resort cut the
 * smallest rendering with `cut`. Keeps the headline, facts and reasons; mentions go first.
 */
export function shrinkToFit<T>(
  message: AlertMessage,
  build: (view: AlertView) => T,
  measure: (out: T) => number,
  max: number,
  cut?: (out: T) => T,
): T {
  let out: T | undefined;
  for (const b of BUDGETS) {
    out = build(alertView(message, b));
    if (measure(out) <= max) return out;
  }
  return cut ? cut(out as T) : (out as T);
}

// ---------------------------------------------------------------- formats

/** Plain text: no escaping needed beyond neutralising links and mentions. */
export function textOf(v: AlertView): string {
  const lines = [v.headline, ''];
  for (const f of v.facts) lines.push(`${f.label}: ${f.value}`);
  for (const s of v.sections) {
    lines.push('', `${s.title}:`);
    for (const i of s.items) lines.push(`• ${i}`);
  }
  if (v.mentions.length) {
    lines.push('', `${v.mentionsTitle}:`);
    for (const m of v.mentions) {
      lines.push(`• ${neutralize(m.who)} — ${m.meta}`, `  “${neutralize(m.text)}”`);
      if (m.url) lines.push(`  ${m.url}`);
    }
  }
  if (v.links.length) {
    lines.push('');
    for (const l of v.links) lines.push(`${l.label}: ${l.url}`);
  }
  lines.push('', v.footer);
  return lines.join('\n');
}

export function renderText(message: AlertMessage, maxBytes = 64 * 1024): string {
  return shrinkToFit(message, textOf, byteLength, maxBytes, (s) => truncateBytes(s, maxBytes));
}

export type MarkdownFlavor = 'commonmark' | 'weak';

/**
 * Markdown for DingTalk / WeCom (`weak`) and CommonMark-ish targets. Our own links are the
 * only links; post URLs are shown as `[open](url)` only when http(s).
 */
export function markdownOf(v: AlertView, flavor: MarkdownFlavor): string {
  const esc = flavor === 'weak' ? escapeWeakMarkdown : escapeMarkdown;
  const lines = [`### ${esc(v.headline)}`, ''];
  for (const f of v.facts) lines.push(`**${esc(f.label)}**: ${esc(f.value)}  `);
  for (const s of v.sections) {
    lines.push('', `**${esc(s.title)}**`, '');
    for (const i of s.items) lines.push(`- ${esc(i)}`);
  }
  if (v.mentions.length) {
    lines.push('', `**${esc(v.mentionsTitle)}**`, '');
    for (const m of v.mentions) {
      const link = m.url ? ` · [open](${markdownUrl(m.url)})` : '';
      lines.push(`> **${esc(m.who)}** · ${esc(m.meta)}${link}`, `> ${esc(m.text)}`, '');
    }
  }
  if (v.links.length)
    lines.push('', v.links.map((l) => `[${esc(l.label)}](${markdownUrl(l.url)})`).join(' · '));
  lines.push('', esc(v.footer));
  return lines.join('\n');
}

export function renderMarkdown(message: AlertMessage, flavor: MarkdownFlavor, maxBytes: number): string {
  return shrinkToFit(
    message,
    (v) => markdownOf(v, flavor),
    byteLength,
    maxBytes,
    (s) => truncateBytes(s, maxBytes),
  );
}
