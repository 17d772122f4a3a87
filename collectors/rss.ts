import * as cheerio from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { z } from 'zod';
import { SourceFault } from '../src/errors.ts';
import type { MentionInput } from '../src/mention.ts';
import { decodeEntities, htmlToText } from '../src/text.ts';
import { isRecord, scalarText } from './_lib/api.ts';
import {
  assertNotBlocked,
  charsetOf,
  decodeDocument,
  escapeHtml,
  rebaseUrl,
  resolveUrl,
  shortHash,
} from './_lib/html.ts';
import { defineCollector } from './types.ts';

export interface RssCursor {
  etag?: string;
  lastModified?: string;
}

export interface FeedItem {
  id: string;
  link: string | null;
  title: string | null;
  html: string;
  author: string | null;
  published: Date | null;
  categories: string[];
}

export interface Feed {
  title: string | null;
  link: string | null;
  generator: string | null;
  items: FeedItem[];
}

/** Atom 1.0 and 0.3 namespaces. */
const ATOM_NS = /^http:\/\/(www\.w3\.org\/2005\/Atom|purl\.org\/atom\/ns#)$/;

const RSSHUB_TAIL =
  /\s*-\s*(Powered by RSSHub|Made with love by RSSHub\(https:\/\/github\.com\/DIYgod\/RSSHub\))\s*$/i;

/**
 * Zone abbreviations feeds write that `Date` does not know (it knows UT, GMT, Z and the US
 * zones). `CST` stays US Central, as `Date` reads it; `IST` is India, the commonest in feeds.
 */
const ZONES: Record<string, string> = {
  UTC: '+0000',
  WET: '+0000',
  WEST: '+0100',
  BST: '+0100',
  CET: '+0100',
  MET: '+0100',
  CEST: '+0200',
  MEST: '+0200',
  EET: '+0200',
  EEST: '+0300',
  MSK: '+0300',
  IST: '+0530',
  HKT: '+0800',
  SGT: '+0800',
  AWST: '+0800',
  JST: '+0900',
  KST: '+0900',
  ACST: '+0930',
  AEST: '+1000',
  AEDT: '+1100',
  NZST: '+1200',
  NZDT: '+1300',
};

/** `2026-11-25 07:00:00`, `2026/11/25T07:00+08:00`, `2026-11-25T07:00:00 +0800`: ISO-like forms. */
const ISO_LIKE =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

/** `2026年11月25日 07:00` (Chinese and Japanese sites). */
const CJK_DATE =
  /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?/;

const pad = (n: string | undefined, width = 2) => (n ?? '0').padStart(width, '0');

/**
 * Dates as feeds write them: RFC 822 (any weekday name, numeric or named zones), ISO 8601 and
 * W3C-DTF (a space for the T, a space before the offset), Unix seconds or milliseconds, and
 * `2026年11月25日 07:00` (read as UTC+8, where such dates come from). A date without a zone is
 * UTC, whatever zone the server runs in. Anything else, or a year before 1990, is null.
 */
export function parseFeedDate(s: string | null | undefined): Date | null {
  const v = s?.trim();
  if (!v) return null;
  let d: Date;
  if (/^\d{9,11}$/.test(v)) d = new Date(Number(v) * 1000);
  else if (/^\d{12,13}$/.test(v)) d = new Date(Number(v));
  else if (ISO_LIKE.test(v)) {
    const [, y, mo, da, h, mi, se, frac, zone] = ISO_LIKE.exec(v) as unknown as (string | undefined)[];
    const z =
      !zone || /^(z|utc|gmt)$/i.test(zone)
        ? 'Z'
        : zone.length === 3
          ? `${zone}:00`
          : zone.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
    d = new Date(`${y}-${pad(mo)}-${pad(da)}T${pad(h)}:${pad(mi)}:${pad(se)}${frac ?? ''}${z}`);
  } else if (CJK_DATE.test(v)) {
    const [, y, mo, da, h, mi, se] = CJK_DATE.exec(v) as unknown as (string | undefined)[];
    d = new Date(`${y}-${pad(mo)}-${pad(da)}T${pad(h)}:${pad(mi)}:${pad(se)}+08:00`);
  } else {
    // Date reads a zone-less text in the server's zone: such dates are UTC here too.
    const zoned = /[+-]\d{2}:?\d{2}\b|\b(UTC?|GMT|Z|[A-Z]{2,4}T)\b/.test(v);
    d = new Date(zoned ? v : `${v} GMT`);
    if (Number.isNaN(d.getTime())) d = new Date(v);
    if (Number.isNaN(d.getTime())) {
      // Weekdays in any language ("Mi,", "周三,"), "UT", "GMT+0100", named zones Date lacks.
      const t = v
        .replace(/^[^\d\s,]+,?\s*/, '')
        .replace(/\bUT\b/, 'UTC')
        .replace(/GMT([+-]\d{4})/, '$1')
        .replace(/\b([A-Z]{3,4})$/, (m, z: string) => ZONES[z] ?? m);
      d = new Date(t);
    }
  }
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1990 ? null : d;
}

/** Unwrap Google Alerts / Google News redirect links to the article URL. */
export function unwrapRedirect(link: string | null): string | null {
  if (!link) return link;
  try {
    const u = new URL(link);
    if (/(^|\.)google\.[a-z.]+$/.test(u.hostname) && u.pathname === '/url')
      return resolveUrl(u.searchParams.get('url') ?? u.searchParams.get('q'), null) ?? link;
  } catch {
    /* not a URL */
  }
  return link;
}

function textOf(_$: cheerio.CheerioAPI, el: cheerio.Cheerio<AnyNode>, selector: string): string | null {
  const node = el.children(selector).first();
  if (node.length === 0) return null;
  const t = node.text().trim();
  return t || null;
}

/**
 * An item title as plain text. Atom says what it holds (`type="text"`, the default, is plain);
 * RSS titles are plain by the spec but often carry escaped markup or double-escaped entities,
 * so there only what looks like a tag is removed: "I <3 Acme -> best" is a title, not markup.
 */
function titleText(raw: string, format: string): string | null {
  if (format === 'xhtml') return htmlToText(raw) || null;
  const plain =
    format === 'text'
      ? raw
      : decodeEntities(raw.replace(/<!--[\s\S]*?-->|<\/?[A-Za-z][\w:.-]*(\s[^<>]*)?\/?>/g, ' '));
  return plain.replace(/\s+/g, ' ').trim() || null;
}

/**
 * An Atom text construct: `type="xhtml"` holds markup as child elements, so its markup is
 * kept (for paragraph breaks) rather than its bare text, which would run paragraphs together.
 */
function atomTextOf($: cheerio.CheerioAPI, el: cheerio.Cheerio<AnyNode>, selector: string): string | null {
  const node = el.children(selector).first();
  if (node.length === 0) return null;
  if ((node.attr('type') ?? '').toLowerCase() === 'xhtml') {
    const h = (node.html() ?? '').trim();
    return h && htmlToText(h) ? h : null;
  }
  return textOf($, el, selector);
}

/**
 * The body of an item from the elements feeds put it in: `content:encoded`, Atom
 * content/summary, RSS description, then the module elements some feeds use alone (Dublin
 * Core, Media RSS, including inside media:group, iTunes, Atom elements inside RSS).
 */
function bodyOf($: cheerio.CheerioAPI, el: cheerio.Cheerio<Element>, atom: boolean): string {
  const media = el.find('media\\:description').first().text().trim() || null;
  return (
    textOf($, el, 'content\\:encoded') ??
    (atom
      ? (atomTextOf($, el, 'content') ?? atomTextOf($, el, 'summary'))
      : (textOf($, el, 'description') ?? textOf($, el, 'summary'))) ??
    textOf($, el, 'dc\\:description') ??
    media ??
    textOf($, el, 'itunes\\:summary') ??
    atomTextOf($, el, 'atom\\:content') ??
    atomTextOf($, el, 'atom\\:summary') ??
    ''
  );
}

/**
 * A stable id for an item that has none of its own (no guid/id and no link): a hash of what
 * it says (title, body, and for XML feeds the date), so the same item re-polled gets the same
 * id and is refreshed, not stored twice. (The parts are those ids were always made of, so
 * mentions stored before keep their ids.)
 */
const contentId = (...parts: (string | null | undefined)[]) => shortHash(...parts);

/**
 * Feeds that give every item the same guid (the site URL, "0", a template left unfilled) would
 * collapse into one mention: where one id is shared by items that differ, those items fall
 * back to their link, or to a content hash when the link is shared too.
 */
function uniqueIds(items: (FeedItem & { guid: string | null })[]): FeedItem[] {
  const count = (key: (it: FeedItem) => string | null) => {
    const n = new Map<string, Set<string>>();
    for (const it of items) {
      const k = key(it);
      if (k === null) continue;
      const variants = n.get(k) ?? new Set<string>();
      variants.add(contentId(it.title, it.html, it.published?.toISOString()));
      n.set(k, variants);
    }
    return n;
  };
  const byId = count((it) => it.id);
  const byLink = count((it) => it.link);
  return items.map(({ guid, ...it }) => {
    if ((byId.get(it.id)?.size ?? 0) <= 1) return it;
    const linkUnique = it.link !== null && (byLink.get(it.link)?.size ?? 0) <= 1;
    const hash = contentId(guid, it.title, it.html, it.published?.toISOString());
    return { ...it, id: linkUnique ? (it.link as string) : hash };
  });
}

/** Whitespace, comments and processing instructions may follow the root element (XML `Misc`). */
function withoutTrailingMisc(s: string): string {
  let end = s.length;
  for (;;) {
    while (end > 0 && /\s/.test(s[end - 1]!)) end--;
    const close = s.endsWith('-->', end) ? '<!--' : s.endsWith('?>', end) ? '<?' : null;
    if (!close) break;
    const start = s.lastIndexOf(close, end - 3);
    if (start < 0) break;
    end = start;
  }
  return s.slice(0, end);
}

/**
 * Whether a feed document arrived whole. The root element's end tag is what proves it: once it
 * is there every item is complete, and what follows (FeedBurner's `<!-- ph=1 -->`, processing
 * instructions, a host's injected analytics) is outside the feed. `</rss` cut before its `>`
 * still closes everything. Some RSS feeds omit `</rss>`: ending on `</channel>` is accepted.
 * A document cut anywhere else (even right after an `</item>`) is refused.
 */
export function isCompleteFeed(text: string, rootName: string): boolean {
  const name = rootName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (new RegExp(`</${name}\\s*(>|$)`, 'i').test(text)) return true;
  return rootName.toLowerCase() === 'rss' && /<\/channel\s*>$/i.test(withoutTrailingMisc(text));
}

/** The xml:base in force at an element (nearest ancestor-or-self), resolved against `fallback`. */
function baseAt($: cheerio.CheerioAPI, el: cheerio.Cheerio<Element>, fallback: string): string {
  const chain = [
    el,
    ...el
      .parents()
      .toArray()
      .map((p) => $(p)),
  ].reverse();
  let base = fallback;
  for (const node of chain) {
    const b = node.attr('xml:base');
    if (b) base = resolveUrl(b, base) ?? base;
  }
  return base;
}

/**
 * Parse RSS 0.9x/1.0/2.0, Atom 0.3/1.0 or JSON Feed text. Throws SourceFault when the document
 * is not a feed (an HTML page, a captcha, a login wall, garbage).
 */
export function parseFeed(text: string, requestUrl: string): Feed {
  let trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('{')) return parseJsonFeed(trimmed, requestUrl);
  if (!trimmed) throw new SourceFault('empty', 'the feed answered with an empty body');
  const load = (t: string) => cheerio.load(t, { xml: { xmlMode: true, decodeEntities: true } });
  let $ = load(trimmed);
  let root = $.root().children().first();
  // An Atom feed written with a namespace prefix (<atom:feed xmlns:atom="...Atom">): the
  // prefix is dropped so the elements read as the default-namespace Atom they are.
  const prefix = /^([\w.-]+):feed$/.exec((root.get(0) as Element | undefined)?.name ?? '')?.[1];
  if (prefix && ATOM_NS.test(root.attr(`xmlns:${prefix}`) ?? '')) {
    trimmed = trimmed.replace(new RegExp(`<(/?)${prefix}:`, 'g'), '<$1');
    $ = load(trimmed);
    root = $.root().children().first();
  }
  const rootName = (root.prop('tagName') ?? '').toLowerCase();
  if (!['rss', 'feed', 'rdf:rdf', 'rdf'].includes(rootName)) {
    assertNotBlocked(trimmed);
    throw new SourceFault('schema-changed', `not a feed (root element <${rootName || '?'}>)`);
  }
  // A cut or corrupted document still parses leniently; refuse it rather than take part of it.
  if (!isCompleteFeed(trimmed, root.prop('tagName') ?? rootName))
    throw new SourceFault(
      'parse-error',
      'the feed document is incomplete or corrupted (its root element is not closed)',
    );
  const atom = rootName === 'feed';
  const channel = atom ? root : root.children('channel').first();
  const feedLinkEl = atom
    ? channel.children('link[rel="alternate"], link:not([rel])').first()
    : channel.children('link').first();
  const feedBase = baseAt($, channel as cheerio.Cheerio<Element>, requestUrl);
  const feedLink = resolveUrl(atom ? feedLinkEl.attr('href') : feedLinkEl.text(), feedBase);
  const generator = textOf($, channel, 'generator');
  const itemEls = atom
    ? channel.children('entry')
    : rootName === 'rss'
      ? channel.children('item')
      : root.find('item');
  const items: (FeedItem & { guid: string | null })[] = [];
  itemEls.each((_, node) => {
    const el = $(node) as cheerio.Cheerio<Element>;
    const base = baseAt($, el, feedLink ?? requestUrl);
    let link: string | null;
    if (atom) {
      const alt = el.children('link[rel="alternate"]').first();
      link = resolveUrl((alt.length ? alt : el.children('link').first()).attr('href'), base);
    } else {
      const guid = el.children('guid').first();
      link =
        resolveUrl(textOf($, el, 'link'), base) ??
        (guid.attr('isPermaLink') !== 'false' ? resolveUrl(guid.text(), base) : null);
    }
    link = unwrapRedirect(link);
    const rawTitle = textOf($, el, 'title');
    const format = atom ? (el.children('title').first().attr('type') ?? 'text').toLowerCase() : 'rss';
    const title = rawTitle ? titleText(rawTitle, format) : null;
    const html = bodyOf($, el, atom);
    const author =
      (atom ? el.children('author').children('name').first().text().trim() : null) ||
      textOf($, el, 'dc\\:creator') ||
      textOf($, el, 'author') ||
      (atom ? channel.children('author').children('name').first().text().trim() : null) ||
      null;
    const published = parseFeedDate(
      textOf($, el, 'pubDate') ??
        textOf($, el, 'dc\\:date') ??
        textOf($, el, 'published') ??
        textOf($, el, 'updated') ??
        textOf($, el, 'issued') ??
        textOf($, el, 'modified'),
    );
    const guid = textOf($, el, 'guid') ?? textOf($, el, 'id');
    const categories = el
      .children('category')
      .toArray()
      .map((c) => ($(c).attr('term') ?? $(c).text()).trim())
      .filter(Boolean);
    items.push({
      // RSS 1.0 names each item by its rdf:about URI.
      id:
        guid ??
        link ??
        (el.attr('rdf:about')?.trim() || null) ??
        contentId(title, html, published?.toISOString()),
      guid,
      link,
      title,
      html: html.replace(RSSHUB_TAIL, ''),
      author,
      published,
      categories,
    });
  });
  return { title: textOf($, channel, 'title'), link: feedLink, generator, items: uniqueIds(items) };
}

/** A non-empty string field of a JSON Feed, or null. */
const jsonText = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/** A JSON Feed item id: a string or number with something in it, trimmed; else null. */
const jsonId = (v: unknown): string | null => scalarText(v)?.trim() || null;

function parseJsonFeed(text: string, requestUrl: string): Feed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new SourceFault('parse-error', 'malformed JSON feed', { cause });
  }
  if (!isRecord(doc) || !Array.isArray(doc.items) || !jsonText(doc.version)?.includes('jsonfeed')) {
    throw new SourceFault('schema-changed', 'not a JSON Feed (no version/items)');
  }
  const feedLink = resolveUrl(jsonText(doc.home_page_url), requestUrl);
  const items = doc.items.filter(isRecord).map((it) => {
    // JSON Feed 1.1 `authors[]`, 1.0 `author`.
    const authors = Array.isArray(it.authors) ? it.authors : [it.author];
    const author = authors.map((a) => (isRecord(a) ? jsonText(a.name) : null)).find(Boolean) ?? null;
    const link = resolveUrl(jsonText(it.url) ?? jsonText(it.external_url), feedLink ?? requestUrl);
    const title = jsonText(it.title);
    const html = jsonText(it.content_html) ?? jsonText(it.content_text) ?? jsonText(it.summary) ?? '';
    const published = parseFeedDate(jsonText(it.date_published) ?? jsonText(it.date_modified));
    const guid = jsonId(it.id);
    return {
      id: guid ?? link ?? contentId(title, html),
      guid,
      link,
      title,
      html,
      author,
      published,
      categories: Array.isArray(it.tags) ? it.tags.map(scalarText).filter((t) => t !== null) : [],
    };
  });
  return { title: jsonText(doc.title), link: feedLink, generator: null, items: uniqueIds(items) };
}

/**
 * RSS, Atom and JSON Feed: news, blogs, Google Alerts, and RSSHub routes (the practical way
 * Weibo, Xiaohongshu, Douyin, Bilibili, Zhihu and WeChat accounts reach Earshot; set `platform`).
 * Conditional GET with ETag/Last-Modified; items without a date get the collection time.
 */
export const rss = defineCollector({
  id: 'rss',
  description: 'RSS 0.9x/1.0/2.0, Atom and JSON Feed (news, blogs, Google Alerts, RSSHub)',
  textFormat: 'html',
  options: z
    .object({
      url: z.url(),
      /** Platform recorded on mentions (e.g. `weibo` for an RSSHub Weibo route); default `rss`, or `rsshub:<host>`. */
      platform: z
        .string()
        .regex(/^[a-z0-9][a-z0-9._-]*$/)
        .optional(),
      baseUrl: z.url().optional(),
    })
    .strict(),
  defaultSchedule: '*/10 * * * *',
  rateLimit: { perMinute: 30, concurrency: 1 },
  async *collect(ctx, o) {
    const prev = ctx.cursor as RssCursor | null;
    const url = o.baseUrl ? rebaseUrl(o.url, o.baseUrl) : o.url;
    const headers: Record<string, string> = {
      accept:
        'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5',
    };
    if (prev?.etag) headers['if-none-match'] = prev.etag;
    if (prev?.lastModified) headers['if-modified-since'] = prev.lastModified;
    const res = await ctx.http.get(url, { headers, signal: ctx.signal });
    const cursor: RssCursor = {
      etag: res.headers.etag ?? prev?.etag,
      lastModified: res.headers['last-modified'] ?? prev?.lastModified,
    };
    if (res.status === 304) {
      yield { mentions: [], cursor };
      return;
    }
    if (res.body.length === 0) throw new SourceFault('empty', 'the feed answered with an empty body');
    // Content-Location names the document's own URL: relative links resolve against it (RFC 9110).
    const docUrl = resolveUrl(res.headers['content-location'], res.url) ?? res.url;
    const feed = parseFeed(decodeDocument(res.body, charsetOf(res.headers['content-type'])), docUrl);
    const isRsshub = /rsshub/i.test(feed.generator ?? '');
    const platform = o.platform ?? 'rss';
    const host = (() => {
      try {
        return new URL(feed.link ?? url).hostname;
      } catch {
        return 'feed';
      }
    })();
    const now = ctx.clock.now();
    const mentions: MentionInput[] = [];
    for (const it of feed.items) {
      if (it.published && it.published < ctx.backfillSince && !prev) continue;
      mentions.push({
        platform,
        externalId: it.id,
        url: it.link,
        author: { handle: it.author ?? feed.title ?? host, name: it.author ?? feed.title ?? null },
        title: it.title,
        // The title is plain text; the body is HTML.
        text: it.html || escapeHtml(it.title ?? ''),
        publishedAt: (it.published ?? now).toISOString(),
        raw: {
          feed: feed.title,
          feedUrl: url,
          categories: it.categories,
          dateMissing: it.published === null,
          rsshub: isRsshub || undefined,
        },
      });
    }
    yield { mentions, cursor };
  },
});
