import * as cheerio from 'cheerio';
import type { AnyNode } from 'domhandler';
import { SourceFault } from '../../src/errors.ts';
import type { MentionInput } from '../../src/mention.ts';
import { htmlToText } from '../../src/text.ts';
import { accountFacts, scalarText } from './api.ts';
import { assertNotBlocked } from './html.ts';
import { assertCompleteHtml } from './page-checks.ts';

/**
 * Weibo pages and answers as pure functions: the weibo.cn WAP pages (profile timeline
 * `div.c[id^=M_]`, comment page `div.c[id^=C_]`), the m.weibo.cn container JSON, Chinese dates
 * (Asia/Shanghai, UTC+8 all year) and the visitor-cookie JSONP answers.
 */

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** Shanghai wall-clock fields of an instant. */
function shanghai(d: Date) {
  const s = new Date(d.getTime() + SHANGHAI_OFFSET_MS);
  return { y: s.getUTCFullYear(), m: s.getUTCMonth() + 1, d: s.getUTCDate() };
}
const fromShanghai = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) =>
  new Date(Date.UTC(y, mo - 1, d, h, mi, s) - SHANGHAI_OFFSET_MS);

/**
 * Dates as Weibo writes them, read in Asia/Shanghai: `刚刚`, `5秒前`, `5分钟前`, `2小时前`,
 * `今天 12:00`, `昨天 12:00`, `06月17日 18:12` / `06-17` (this year, or last year if that is in the
 * future), `2020-06-05 11:11:05`, `2020-06-05`, and the API's `Sat Jun 20 10:00:00 +0800 2020`.
 * Trailing `来自<client>` is ignored. Null when unreadable.
 */
export function parseWeiboDate(raw: string, now: Date): Date | null {
  const s = raw
    .replace(/\u00a0/g, ' ')
    .replace(/来自.*$/, '')
    .trim();
  if (!s) return null;
  const today = shanghai(now);
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const rules: [RegExp, (m: RegExpExecArray) => Date | null][] = [
    [/^刚刚/, () => now],
    [/^(\d+)\s*秒前/, (m) => ago(Number(m[1]) * 1000)],
    [/^(\d+)\s*分钟前/, (m) => ago(Number(m[1]) * 60_000)],
    [/^(\d+)\s*小时前/, (m) => ago(Number(m[1]) * 3_600_000)],
    [/^今天\s*(\d{1,2}):(\d{2})/, (m) => fromShanghai(today.y, today.m, today.d, +m[1]!, +m[2]!)],
    [
      /^昨天\s*(\d{1,2}):(\d{2})/,
      (m) => {
        const y = shanghai(ago(86_400_000));
        return fromShanghai(y.y, y.m, y.d, +m[1]!, +m[2]!);
      },
    ],
    [
      /^(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?/,
      (m) => fromShanghai(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)),
    ],
    [
      /^(\d{1,2})(?:月|-)(\d{1,2})日?(?:\s+(\d{1,2}):(\d{2}))?$/,
      (m) => {
        const d = fromShanghai(today.y, +m[1]!, +m[2]!, +(m[3] ?? 0), +(m[4] ?? 0));
        // A month-day later than today belongs to last year.
        return d.getTime() > now.getTime() + 86_400_000
          ? fromShanghai(today.y - 1, +m[1]!, +m[2]!, +(m[3] ?? 0), +(m[4] ?? 0))
          : d;
      },
    ],
    [
      /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{1,2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{4}) (\d{4})$/,
      (m) => {
        const d = new Date(`${m[1]} ${m[2]} ${m[5]} ${m[3]} GMT${m[4]}`);
        return Number.isNaN(d.getTime()) ? null : d;
      },
    ],
  ];
  for (const [re, read] of rules) {
    const m = re.exec(s);
    if (m) return read(m);
  }
  return null;
}

/** Counts as Weibo shows them: `1000000`, `100万+`, `1.2亿`, `"3"`. */
export function weiboCount(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*([\d.]+)\s*(万|亿)?\+?\s*$/.exec(v);
  if (!m) return null;
  const n = Number(m[1]) * (m[2] === '万' ? 10_000 : m[2] === '亿' ? 100_000_000 : 1);
  return Number.isFinite(n) ? Math.round(n) : null;
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A base62 post id (`J74OAhxtL`) to the numeric mid, by Weibo's 4-character / 7-digit groups. */
export function mid62ToId(s: string): string | null {
  if (!/^[0-9a-zA-Z]+$/.test(s)) return null;
  let out = '';
  for (let end = s.length; end > 0; end -= 4) {
    let n = 0n;
    for (const c of s.slice(Math.max(0, end - 4), end)) n = n * 62n + BigInt(ALPHABET.indexOf(c));
    const part = n.toString();
    out = (end - 4 > 0 ? part.padStart(7, '0') : part) + out;
  }
  return out.replace(/^0+(?=\d)/, '');
}

/** Throw the right fault for a login wall, the visitor system or a captcha page. */
export function assertWeiboOpen(html: string, url = ''): void {
  const head = html.slice(0, 30_000);
  if (/验证码|captcha/i.test(head) && !/id="M_|id="C_/.test(head))
    throw new SourceFault('captcha', 'Weibo answered with a captcha (验证码) page');
  if (
    /Sina Visitor System|passport\.weibo\.(com|cn)\/visitor|<title>\s*(登录|新浪通行证|微博-随时随地)/i.test(
      head,
    ) ||
    /passport\.weibo|login\.sina\.com\.cn|\/signin/i.test(url)
  )
    throw new SourceFault(
      'login-wall',
      'Weibo answered with a login or visitor page; the cookie is missing or expired',
    );
  // Any other captcha or sign-in page (a proxy's, a CDN's) is no Weibo page either.
  if (!/id="M_|id="C_/.test(head)) assertNotBlocked(head);
}

/** Element HTML to text, keeping emoticons (`<img alt="[心]">`) as their names. */
function textOf($: cheerio.CheerioAPI, el: cheerio.Cheerio<AnyNode>): string {
  const clone = el.clone();
  clone.find('img').each((_, img) => {
    const alt = $(img).attr('alt') ?? '';
    $(img).replaceWith(/^\[.+\]$/.test(alt) ? alt : '');
  });
  return htmlToText(clone.html() ?? '');
}

const countIn = (text: string, label: string) => {
  const m = new RegExp(`(?:^|[^原文])${label}\\[(\\d+)\\]`).exec(text);
  return m ? Number(m[1]) : null;
};

export interface WeiboItem {
  key: string;
  date: Date | null;
  /** Pinned (置顶) or hot (热门) entries sit above the time order and do not end a pass. */
  pinned: boolean;
  mention: MentionInput;
}

export interface WeiboPage {
  items: WeiboItem[];
  nextPage: number | null;
}

function nextPageOf($: cheerio.CheerioAPI): number | null {
  const a = $('#pagelist a')
    .filter((_, el) => $(el).text().includes('下页'))
    .first();
  const m = /[?&]page=(\d+)/.exec(a.attr('href') ?? '');
  return m ? Number(m[1]) : null;
}

/**
 * A weibo.cn profile timeline page (`/<uid>/profile?page=N` or `/<uid>?page=N`): the user's posts
 * and reposts with 赞/转发/评论 counts. Reposts carry the reason, then `//@author: original`.
 */
export function parseWeiboProfile(html: string, uid: string, now: Date): WeiboPage {
  if (!html.trim()) throw new SourceFault('empty', 'weibo.cn answered an empty page');
  assertCompleteHtml(html);
  const $ = cheerio.load(html);
  const posts = $('div.c[id^="M_"]');
  if (posts.length === 0) {
    assertWeiboOpen(html);
    if ($('div.u .ut').length > 0 || /微博\[0\]/.test(html)) return { items: [], nextPage: null };
    throw new SourceFault('schema-changed', 'no posts (div.c[id^=M_]) and no profile header on the page');
  }
  const title = $('title')
    .text()
    .replace(/的微博$/, '')
    .trim();
  const header = $('div.u .ut .ctt').first();
  const name = header.length
    ? textOf($, header.clone().children().remove().end()).split(/\s/)[0] || title
    : title;
  const tip = $('div.u .tip2').text();
  const fans = /粉丝\[(\d+)\]/.exec(tip)?.[1];
  const postsCount = /微博\[(\d+)\]/.exec(tip)?.[1];
  const verified = $('div.u .ut img[alt="V"]').length > 0;
  const items: WeiboItem[] = [];
  posts.each((_, el) => {
    const post = $(el);
    const bid = (post.attr('id') ?? '').slice(2);
    if (!bid) return;
    const full = textOf($, post);
    const countsAt = full.lastIndexOf('赞[');
    const ct = post.find('span.ct').last().text();
    const date = parseWeiboDate(ct, now);
    const repost = post
      .find('span.cmt')
      .filter((_, c) => $(c).text().includes('转发了'))
      .first();
    let text: string;
    let repostOf: { author: string | null; text: string } | null = null;
    if (repost.length) {
      const origAuthor = repost.find('a').first().text().trim() || null;
      const firstDiv = textOf($, post.children('div').first());
      const orig = firstDiv
        .slice(firstDiv.indexOf('的微博:') + 4)
        .replace(/(赞\[\d+\]|原文转发\[|原文评论\[)[\s\S]*$/, '')
        .replace(/\.\.\.\s*全文\s*$/, '...')
        .trim();
      const reasonAt = full.indexOf('转发理由:');
      const reason = (reasonAt >= 0 ? full.slice(reasonAt + 5, countsAt) : '').trim();
      repostOf = { author: origAuthor, text: orig };
      text = origAuthor ? `${reason}\n//@${origAuthor}: ${orig}` : `${reason}\n//${orig}`;
    } else {
      text = (countsAt >= 0 ? full.slice(0, countsAt) : full)
        .replace(/\s*原图\s*$/, '')
        .replace(/\s*\[组图共\d+张\]\s*$/, '')
        .trim();
    }
    const truncated = post.find('a').filter((_, a) => $(a).text() === '全文').length > 0;
    const tail = countsAt >= 0 ? full.slice(countsAt) : '';
    const mid = mid62ToId(bid);
    items.push({
      key: mid ?? bid,
      date,
      pinned: post.find('span.kt').filter((_, k) => $(k).text().includes('置顶')).length > 0,
      mention: {
        platform: 'weibo',
        externalId: mid ?? bid,
        url: `https://weibo.com/${uid}/${bid}`,
        author: {
          handle: uid,
          name: name || null,
          followers: fans ? Number(fans) : null,
          verified,
          url: `https://weibo.com/u/${uid}`,
          ...accountFacts(weiboCount(postsCount), undefined),
        },
        text: text.replace(/\s*全文\s*$/, '').trim(),
        lang: 'zh',
        publishedAt: date ?? now,
        metrics: {
          likes: countIn(tail, '赞'),
          shares: countIn(tail, '转发'),
          replies: countIn(tail, '评论'),
        },
        threadId: mid ?? bid,
        raw: {
          bid,
          source: /来自(.+)$/.exec(ct.replace(/\u00a0/g, ' '))?.[1]?.trim() ?? null,
          truncated,
          repostOf,
        },
      },
    });
  });
  return { items, nextPage: nextPageOf($) };
}

/**
 * A weibo.cn comment page (`/comment/<bid>?page=N`): comments `div.c[id^=C_]`, each a reply to the
 * post. Hot comments (`[热门]`) come first, then newest first.
 */
export function parseWeiboComments(html: string, bid: string, now: Date): WeiboPage {
  if (!html.trim()) throw new SourceFault('empty', 'weibo.cn answered an empty page');
  assertCompleteHtml(html);
  const $ = cheerio.load(html);
  const comments = $('div.c[id^="C_"]');
  if (comments.length === 0) {
    assertWeiboOpen(html);
    if ($('div.c[id^="M_"]').length > 0) return { items: [], nextPage: null };
    if (/(微博|内容)(已被|已经被)?(作者)?删除|微博不存在|内容不存在/.test($('body').text()))
      throw new SourceFault('empty', `the Weibo post ${bid} was deleted or does not exist`);
    throw new SourceFault('schema-changed', 'no comments (div.c[id^=C_]) and no post on the page');
  }
  const postId = mid62ToId(bid) ?? bid;
  const items: WeiboItem[] = [];
  comments.each((_, el) => {
    const c = $(el);
    const id = (c.attr('id') ?? '').slice(2);
    if (!/^\d+$/.test(id)) return;
    const authorLink = c.children('a').first();
    const href = authorLink.attr('href') ?? '';
    const handle = /^\/u\/(\d+)/.exec(href)?.[1] ?? href.replace(/^\//, '').split('?')[0] ?? '';
    const ct = c.find('span.ct').last().text();
    const date = parseWeiboDate(ct, now);
    const likes = /赞\[(\d+)\]/.exec(c.find('span.cc').text())?.[1];
    items.push({
      key: id,
      date,
      pinned: c.find('span.kt').filter((_, k) => $(k).text().includes('热门')).length > 0,
      mention: {
        platform: 'weibo',
        externalId: id,
        url: `https://weibo.cn/comment/${bid}#C_${id}`,
        author: {
          handle: handle || authorLink.text().trim() || 'unknown',
          name: authorLink.text().trim() || null,
          verified: c.children('img[alt="V"]').length > 0,
          url: href ? `https://weibo.cn${href.startsWith('/') ? '' : '/'}${href}` : null,
        },
        text: textOf($, c.find('span.ctt').first()),
        lang: 'zh',
        publishedAt: date ?? now,
        metrics: { likes: likes ? Number(likes) : null },
        parentId: postId,
        threadId: postId,
        raw: {
          hot: c.find('span.kt').text().includes('热门'),
          source: /来自(.+)$/.exec(ct.replace(/\u00a0/g, ' '))?.[1]?.trim() ?? null,
        },
      },
    });
  });
  return { items, nextPage: nextPageOf($) };
}

/**
 * An m.weibo.cn `/api/container/getIndex` answer (written from the documented shape: no recording
 * exists): `{ok, data: {cards: [{card_type: 9, mblog}, {card_type: 11, card_group: [{mblog}]}],
 * cardlistInfo: {page}}}`. `ok: -100` is the login wall.
 */
export function parseWeiboContainer(body: unknown, now: Date): WeiboPage {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new SourceFault('schema-changed', 'the m.weibo.cn answer is not an object');
  const b = body as { ok?: unknown; msg?: unknown; url?: unknown; data?: Record<string, unknown> };
  // `ok` is a number in the documented answers; tolerate it as a string.
  const ok = typeof b.ok === 'string' && /^-?\d+$/.test(b.ok) ? Number(b.ok) : b.ok;
  const msg = typeof b.msg === 'string' ? b.msg : '';
  if (ok === -100 || (typeof b.url === 'string' && /passport|login/.test(b.url)))
    throw new SourceFault('login-wall', 'm.weibo.cn asks to log in (ok: -100)');
  if (ok !== 1) {
    if (/验证码|captcha/i.test(msg)) throw new SourceFault('captcha', `m.weibo.cn: ${msg}`);
    if (/频繁|frequent|too many/i.test(msg))
      throw new SourceFault('rate-limited', `m.weibo.cn: ${msg}`, { retry: true });
    // `ok: 0` with "这里还没有内容" (and no cards, or an empty list) is the end of the results.
    const cards = b.data?.cards;
    if (ok === 0 && (!Array.isArray(cards) || cards.length === 0)) return { items: [], nextPage: null };
    throw new SourceFault('schema-changed', `m.weibo.cn answered ok=${scalarText(b.ok) ?? typeof b.ok}`);
  }
  const cards = b.data?.cards;
  if (!Array.isArray(cards)) throw new SourceFault('schema-changed', 'm.weibo.cn answer has no data.cards');
  const mblogs: Record<string, unknown>[] = [];
  const collect = (card: unknown) => {
    const c = card as { mblog?: unknown; card_group?: unknown };
    if (c?.mblog && typeof c.mblog === 'object') mblogs.push(c.mblog as Record<string, unknown>);
    if (Array.isArray(c?.card_group)) for (const g of c.card_group) collect(g);
  };
  for (const card of cards) collect(card);
  const items: WeiboItem[] = [];
  for (const mb of mblogs) {
    const id = scalarText(mb.mid) ?? scalarText(mb.id) ?? '';
    if (!/^\d+$/.test(id)) continue;
    const user = (mb.user ?? {}) as Record<string, unknown>;
    const uid = scalarText(user.id);
    const bid = typeof mb.bid === 'string' ? mb.bid : null;
    const date = typeof mb.created_at === 'string' ? parseWeiboDate(mb.created_at, now) : null;
    const rt = mb.retweeted_status as Record<string, unknown> | undefined;
    items.push({
      key: id,
      date,
      pinned: Boolean((mb.mblogtype as number) === 2 || mb.isTop),
      mention: {
        platform: 'weibo',
        externalId: id,
        url: uid ? `https://weibo.com/${uid}/${bid ?? id}` : `https://m.weibo.cn/detail/${id}`,
        author: {
          handle: uid ?? 'unknown',
          name: typeof user.screen_name === 'string' ? user.screen_name : null,
          followers: weiboCount(user.followers_count),
          verified: typeof user.verified === 'boolean' ? user.verified : null,
          url: uid ? `https://weibo.com/u/${uid}` : null,
          ...accountFacts(weiboCount(user.statuses_count), undefined),
        },
        text: repostText(mb.text, rt),
        lang: 'zh',
        publishedAt: date ?? now,
        metrics: {
          likes: weiboCount(mb.attitudes_count),
          shares: weiboCount(mb.reposts_count),
          replies: weiboCount(mb.comments_count),
        },
        threadId: id,
        raw: {
          bid,
          source: mb.source ?? null,
          truncated: Boolean(mb.isLongText),
          region: mb.region_name ?? null,
          retweetedId: rt ? (scalarText(rt.mid) ?? scalarText(rt.id)) : null,
        },
      },
    });
  }
  if (mblogs.length > 0 && items.length === 0)
    throw new SourceFault('schema-changed', 'no mblog has a numeric id');
  const page = (b.data?.cardlistInfo as { page?: unknown } | undefined)?.page;
  return {
    items,
    nextPage:
      typeof page === 'number' || (typeof page === 'string' && /^\d+$/.test(page)) ? Number(page) : null,
  };
}

const mblogText = (html: unknown) =>
  htmlToText((typeof html === 'string' ? html : '').replace(/<img[^>]*alt="?(\[[^\]"]+\])"?[^>]*>/g, '$1'));

/** A repost reads as on weibo.cn: its own text, then `//@author: original`. */
function repostText(html: unknown, rt: Record<string, unknown> | undefined): string {
  const own = mblogText(html);
  if (!rt || typeof rt !== 'object' || rt.text === undefined) return own;
  const by = (rt.user as { screen_name?: unknown } | null | undefined)?.screen_name;
  return `${own}//@${typeof by === 'string' ? by : '?'}: ${mblogText(rt.text)}`;
}

/** The JSON inside a JSONP answer such as `window.gen_callback && gen_callback({...});`. */
export function unwrapJsonp(text: string): Record<string, unknown> {
  const m = /\(\s*(\{[\s\S]*\})\s*\)\s*;?\s*$/.exec(text.trim());
  if (!m)
    throw new SourceFault('schema-changed', 'the Weibo visitor service answered something other than JSONP');
  try {
    return JSON.parse(m[1]!) as Record<string, unknown>;
  } catch (cause) {
    throw new SourceFault('parse-error', 'the Weibo visitor JSONP is not JSON', { cause });
  }
}
