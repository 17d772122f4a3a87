import * as cheerio from 'cheerio';
import type { AnyNode } from 'domhandler';
import { SourceFault } from '../../src/errors.ts';
import type { MentionInput } from '../../src/mention.ts';
import { htmlToText } from '../../src/text.ts';
import { assertNotBlocked, decodeDocument, resolveUrl, shortHash } from './html.ts';
import { assertCompleteHtml } from './page-checks.ts';

/**
 * Selectors for a generic page. Each field is a CSS selector evaluated inside the item, optionally
 * followed by `@attribute` to read an attribute instead of text (`time@datetime`,
 * `meta[property="og:article:author"]@content`); a bare `@attribute` reads the item's own.
 */
export interface PageSelectors {
  item: string;
  text: string;
  title?: string;
  author?: string;
  date?: string;
  link?: string;
  id?: string;
  next?: string;
}

export interface WebPage {
  mentions: MentionInput[];
  nextUrl: string | null;
}

/**
 * Page bytes to text. The HTTP charset wins; without one, bytes that are valid UTF-8 are read as
 * UTF-8 even under a legacy `<meta charset>`: saved and re-served pages are often transcoded
 * without fixing the meta (the recorded Tencent page says gb2312 and is UTF-8), while real GBK
 * text with non-ASCII bytes is almost never valid UTF-8.
 */
export function decodePage(body: Buffer, headerCharset?: string): string {
  if (!headerCharset) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(body).replace(/^\uFEFF/, '');
    } catch {
      /* not UTF-8: fall through to the declared charset */
    }
  }
  return decodeDocument(body, headerCharset);
}

const ATTR_SUFFIX = /@([A-Za-z_:][\w:.-]*)$/;

function select($: cheerio.CheerioAPI, scope: cheerio.Cheerio<AnyNode>, spec: string) {
  const m = ATTR_SUFFIX.exec(spec);
  const css = (m ? spec.slice(0, m.index) : spec).trim();
  const nodes = css ? scope.find(css) : scope;
  return { nodes, attr: m?.[1] ?? null, $ };
}

/** First value of a field: an attribute, or the text of the first match. */
function first(
  $: cheerio.CheerioAPI,
  scope: cheerio.Cheerio<AnyNode>,
  spec: string | undefined,
): string | null {
  if (!spec) return null;
  const { nodes, attr } = select($, scope, spec);
  const n = nodes.first();
  if (n.length === 0) return null;
  const v = attr ? n.attr(attr) : htmlToText(n.html() ?? '');
  return v?.trim() ? v.trim() : null;
}

/** All matches of a field as text, one per line (an article's paragraphs). */
function all($: cheerio.CheerioAPI, scope: cheerio.Cheerio<AnyNode>, spec: string): string {
  const { nodes, attr } = select($, scope, spec);
  return nodes
    .toArray()
    .map((n) => (attr ? ($(n).attr(attr) ?? '') : htmlToText($(n).html() ?? '')).trim())
    .filter(Boolean)
    .join('\n');
}

/** Dates as pages write them: epoch seconds or ms, ISO 8601, RFC 2822 and other `Date.parse` forms. */
export function parsePageDate(v: string | null): Date | null {
  if (!v) return null;
  const s = v.trim();
  if (/^\d{9,11}$/.test(s)) return new Date(Number(s) * 1000);
  if (/^\d{12,14}$/.test(s)) return new Date(Number(s));
  const d = new Date(s);
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1990 ? null : d;
}

/**
 * Extract items from a page with configured selectors. Links resolve against `<base href>` (itself
 * resolved against the page URL). Ids come from the `id` selector or a hash of link and text.
 * No item, or items with no text, is a fault (a captcha, a login wall or a changed layout).
 */
export function parseWebPage(
  html: string,
  pageUrl: string,
  sel: PageSelectors,
  at: { platform: string; collectedAt: Date },
): WebPage {
  if (!html.trim()) throw new SourceFault('empty', 'the page answered an empty body');
  assertCompleteHtml(html);
  const $ = cheerio.load(html);
  const base = resolveUrl($('base[href]').first().attr('href'), pageUrl) ?? pageUrl;
  const items = $(sel.item);
  if (items.length === 0) {
    assertNotBlocked(html);
    throw new SourceFault('schema-changed', `no element matches the item selector "${sel.item}"`);
  }
  const mentions: MentionInput[] = [];
  items.each((_, el) => {
    const item = $(el);
    const text = all($, item, sel.text);
    const title = first($, item, sel.title);
    if (!text && !title) return;
    const link = resolveUrl(first($, item, sel.link), base);
    const id = first($, item, sel.id) ?? shortHash(link, text);
    const author = first($, item, sel.author);
    const date = parsePageDate(first($, item, sel.date));
    mentions.push({
      platform: at.platform,
      externalId: id,
      url: link ?? pageUrl,
      author: { handle: author ?? new URL(pageUrl).hostname, name: author },
      title,
      text,
      publishedAt: date ?? at.collectedAt,
      raw: { page: pageUrl, dated: date !== null },
    });
  });
  if (mentions.length === 0) {
    assertNotBlocked(html);
    throw new SourceFault('schema-changed', `items match "${sel.item}" but none has text for "${sel.text}"`);
  }
  let nextUrl: string | null = null;
  if (sel.next) {
    const spec = ATTR_SUFFIX.test(sel.next) ? sel.next : `${sel.next}@href`;
    nextUrl = resolveUrl(first($, $.root(), spec), base);
    if (nextUrl === pageUrl) nextUrl = null;
  }
  return { mentions, nextUrl };
}
