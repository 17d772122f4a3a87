import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mid62ToId,
  parseWeiboComments,
  parseWeiboContainer,
  parseWeiboDate,
  parseWeiboProfile,
  weiboCount,
} from '../../collectors/_lib/parse-weibo.ts';
import { type WeiboCursor, weibo } from '../../collectors/weibo.ts';
import { SourceFault } from '../../src/errors.ts';
import { testHttp as baseHttp, collectPages, ctxFor, recordingClock } from '../helpers/collect.ts';
import { type FixtureServer, fixture, startFixtureServer } from '../helpers/fixture-server.ts';

const testHttp = () => baseHttp({ defaultLimit: { perMinute: 1_000_000, concurrency: 4 } });
const profile = fixture('weibo/a4437630f3bdfa2757bae1595186ac063fe5ec25cf2f98116ece83cb.html').toString(
  'utf8',
);
const comments = fixture('weibo/4d5ed0a3ebd0303cb45edd544dbc0ab5e86d43e103405f0c60515884.html').toString(
  'utf8',
);
const html = { 'content-type': 'text/html; charset=utf-8' };
/** The profile was recorded on 2020-06-18 (Shanghai); relative dates are read against that. */
const recordedAt = new Date('2020-06-18T04:00:00Z');

/**
 * HAND-MADE minimal m.weibo.cn container answer (no recording exists), in the documented shape:
 * a `card_type: 9` card with `mblog`, a `card_type: 11` card with a `card_group`, string counts.
 */
const containerSample = (page: number, next: number | null) => ({
  ok: 1,
  data: {
    cardlistInfo: { page: next, total: 4 },
    cards: [
      {
        card_type: 9,
        mblog: {
          id: String(5000000000000100 - page * 10),
          mid: String(5000000000000100 - page * 10),
          bid: `Pbid${page}a`,
          created_at: '5分钟前',
          text: '艾克米的客服<span class="url-icon"><img alt="[赞]" src="x.png" /></span>很好 <a href="/search?q=%23acme%23">#acme#</a>',
          user: {
            id: 1234567890,
            screen_name: '用户甲',
            followers_count: '12.3万',
            statuses_count: '1.2万',
            verified: true,
          },
          reposts_count: 3,
          comments_count: '100万+',
          attitudes_count: 0,
          source: 'iPhone客户端',
        },
      },
      {
        card_type: 11,
        card_group: [
          {
            card_type: 9,
            mblog: {
              id: String(5000000000000095 - page * 10),
              created_at: 'Sat Jun 20 10:00:00 +0800 2020',
              text: '第二条',
              user: { id: 42, screen_name: 'b', followers_count: 7, statuses_count: 'n/a' },
              reposts_count: 0,
              comments_count: 0,
              attitudes_count: 1,
            },
          },
        ],
      },
    ],
  },
});

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  // Passport visitor flow (a fake: the two JSONP answers in their documented shape).
  srv.route('POST', '/visitor/genvisitor', {
    headers: { 'content-type': 'application/javascript' },
    body: 'window.gen_callback && gen_callback({"retcode":20000000,"msg":"succ","data":{"tid":"TID123","new_tid":true,"confidence":95}});',
  });
  srv.route('GET', '/visitor/visitor', (req) => {
    const q = new URL(req.url!, 'http://x').searchParams;
    const ok =
      q.get('a') === 'incarnate' && q.get('t') === 'TID123' && q.get('w') === '3' && q.get('c') === '095';
    return {
      headers: { 'content-type': 'application/javascript' },
      body: `window.cross_domain && cross_domain(${JSON.stringify(ok ? { retcode: 20000000, data: { sub: 'SUBVAL', subp: 'SUBPVAL' } } : { retcode: 50111 })});`,
    };
  });
  srv.route('GET', '/api/container/getIndex', (req) => {
    const q = new URL(req.url!, 'http://x').searchParams;
    const page = Number(q.get('page') ?? 1);
    if (!/SUB=/.test(String(req.headers.cookie)))
      return {
        headers: { 'content-type': 'application/json' },
        body: '{"ok":-100,"url":"https://passport.weibo.cn/signin/welcome"}',
      };
    return {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(containerSample(page, page < 2 ? page + 1 : null)),
    };
  });
  srv.route('GET', '/1669879400/profile', (req) => {
    const page = new URL(req.url!, 'http://x').searchParams.get('page');
    // Page 2 is made from page 1 (not in the shared set): older ids (J→I), no next link.
    const body =
      page === '2'
        ? profile.replace(/M_J/g, 'M_I').replace(/<a href="\/1669879400\?page=2">下页<\/a>/, '')
        : profile;
    return { headers: html, body };
  });
  srv.route('GET', '/comment/J5cVGuUNq', (req) => {
    const page = new URL(req.url!, 'http://x').searchParams.get('page');
    return {
      headers: html,
      body:
        page === '2'
          ? comments
              .replace(/id="C_(\d+)"/g, (_, d) => `id="C_${BigInt(d) - 10n ** 15n}"`)
              .replace(/下页/, '')
          : comments,
    };
  });
  srv.route('GET', '/walled/1669879400/profile', {
    status: 302,
    headers: {
      location: 'https://passport.weibo.cn/signin/login?r=https%3A%2F%2Fweibo.cn%2F1669879400%2Fprofile',
    },
  });
});
afterAll(() => srv.close());

const ids = (pages: { mentions: { externalId: string | number }[] }[]) =>
  pages.flatMap((p) => p.mentions.map((m) => String(m.externalId)));

describe('weibo dates, counts and ids', () => {
  const now = new Date('2026-01-05T16:30:00Z'); // 2026-01-06 00:30 in Shanghai
  it('reads Chinese relative and absolute dates in Asia/Shanghai', () => {
    expect(parseWeiboDate('刚刚', now)).toEqual(now);
    expect(parseWeiboDate('5分钟前', now)).toEqual(new Date('2026-01-05T16:25:00Z'));
    expect(parseWeiboDate('2小时前', now)).toEqual(new Date('2026-01-05T14:30:00Z'));
    expect(parseWeiboDate('今天 00:10', now)).toEqual(new Date('2026-01-05T16:10:00Z'));
    expect(parseWeiboDate('昨天 23:59', now)).toEqual(new Date('2026-01-05T15:59:00Z'));
    expect(parseWeiboDate('01月05日 12:43\u00a0来自iPhone', now)).toEqual(new Date('2026-01-05T04:43:00Z'));
    // A month-day later than today belongs to last year.
    expect(parseWeiboDate('12月31日 08:00', now)).toEqual(new Date('2025-12-31T00:00:00Z'));
    expect(parseWeiboDate('2020-06-05 11:11:05    ', now)).toEqual(new Date('2020-06-05T03:11:05Z'));
    expect(parseWeiboDate('2020-06-05', now)).toEqual(new Date('2020-06-04T16:00:00Z'));
    expect(parseWeiboDate('06-17', now)).toEqual(new Date('2025-06-16T16:00:00Z'));
    expect(parseWeiboDate('Sat Jun 20 10:00:00 +0800 2020', now)).toEqual(new Date('2020-06-20T02:00:00Z'));
    expect(parseWeiboDate('不是日期', now)).toBeNull();
  });

  it('reads counts and base62 ids', () => {
    expect(weiboCount('100万+')).toBe(1_000_000);
    expect(weiboCount('1.2亿')).toBe(120_000_000);
    expect(weiboCount(7)).toBe(7);
    expect(weiboCount('赞')).toBeNull();
    // The post J5cVGuUNq and its comments (C_4512413737386822…) come from the same id space.
    expect(mid62ToId('J5cVGuUNq')).toBe('4512413447368168');
  });
});

describe('weibo.cn pages (recorded)', () => {
  it('maps the profile timeline: author, text with emoticons, counts, dates, reposts', () => {
    const p = parseWeiboProfile(profile, '1669879400', recordedAt);
    expect(p.items).toHaveLength(10);
    expect(p.nextPage).toBe(2);
    expect(p.items[0]!.mention).toMatchObject({
      platform: 'weibo',
      externalId: mid62ToId('J74OAhxtL'),
      url: 'https://weibo.com/1669879400/J74OAhxtL',
      // 微博[1159] in the profile header → postsCount; weibo.cn shows no account creation date.
      author: {
        handle: '1669879400',
        name: 'Dear-迪丽热巴',
        followers: 70805574,
        verified: true,
        postsCount: 1159,
      },
      text: '#一起热爱就现在#给你们康康我眼前的画面[嘻嘻] 绿洲',
      publishedAt: new Date('2020-06-17T10:12:00Z'),
      metrics: { likes: 523801, shares: 1000000, replies: 393530 },
      raw: { bid: 'J74OAhxtL', source: '绿洲APP' },
    });
    const repost = p.items.find((i) => i.mention.url?.endsWith('J5cVGuUNq'))!.mention;
    expect(repost.text).toMatch(
      /^在羌塘的美好回忆～.*\[心\]\n\/\/@WCS野生生物保护学会: 去年和亲善大使热巴@Dear-迪丽热巴 的特别回忆\[心\]/s,
    );
    expect(repost.metrics).toEqual({ likes: 554415, shares: 1000000, replies: 1000000 });
    expect(p.items.every((i) => /^\d+$/.test(String(i.mention.externalId)))).toBe(true);
  });

  it('maps the comment page: hot comments marked, authors, likes, parent post', () => {
    const p = parseWeiboComments(comments, 'J5cVGuUNq', new Date('2025-02-01T00:00:00Z'));
    expect(p.items).toHaveLength(12);
    expect(p.items.filter((i) => i.pinned)).toHaveLength(3);
    expect(p.items[0]!.mention).toMatchObject({
      externalId: '4512413737386822',
      author: { handle: 'luxchina', name: 'LUX力士', verified: true },
      text: '大家和迪迪一起保护动物[心]',
      metrics: { likes: 18737 },
      parentId: '4512413447368168',
      threadId: '4512413447368168',
      publishedAt: new Date('2020-06-05T03:12:14Z'),
    });
    expect(p.items[3]!.mention).toMatchObject({
      externalId: '5121248325535333',
      author: { handle: '5685899949', name: '源汐梦' },
      publishedAt: new Date('2025-01-10T04:43:00Z'),
    });
  });

  it('login walls, the visitor system and captchas are faults', () => {
    expect(() =>
      parseWeiboProfile(
        '<html><head><title>Sina Visitor System</title></head><body></body></html>',
        '1',
        recordedAt,
      ),
    ).toThrowError(expect.objectContaining({ kind: 'login-wall' }));
    expect(() =>
      parseWeiboComments('<html><body>请输入验证码</body></html>', 'J5cVGuUNq', recordedAt),
    ).toThrowError(expect.objectContaining({ kind: 'captcha' }));
    expect(() =>
      parseWeiboComments(
        '<html><body><div class="me">抱歉，此微博已被作者删除。</div></body></html>',
        'J5cVGuUNq',
        recordedAt,
      ),
    ).toThrowError(expect.objectContaining({ kind: 'empty' }));
    expect(() => parseWeiboProfile(profile.slice(0, 9000), '1669879400', recordedAt)).toThrowError(
      expect.objectContaining({ kind: 'parse-error' }),
    );
    expect(() => parseWeiboProfile('<html><body><p>改版了</p></body></html>', '1', recordedAt)).toThrowError(
      expect.objectContaining({ kind: 'schema-changed' }),
    );
  });
});

describe('m.weibo.cn container (hand-made sample, documented shape)', () => {
  it('maps mblogs from cards and card groups', () => {
    const p = parseWeiboContainer(containerSample(1, 2), recordedAt);
    expect(p.nextPage).toBe(2);
    expect(p.items.map((i) => i.key)).toEqual(['5000000000000090', '5000000000000085']);
    expect(p.items[0]!.mention).toMatchObject({
      author: { handle: '1234567890', name: '用户甲', followers: 123000, verified: true, postsCount: 12_000 },
      text: '艾克米的客服[赞]很好 #acme#',
      metrics: { likes: 0, shares: 3, replies: 1_000_000 },
      publishedAt: new Date(recordedAt.getTime() - 5 * 60_000),
      url: 'https://weibo.com/1234567890/Pbid1a',
    });
    expect(p.items[1]!.mention.publishedAt).toEqual(new Date('2020-06-20T02:00:00Z'));
    // An unreadable statuses_count is left out, not thrown on.
    expect(p.items[1]!.mention.author).not.toHaveProperty('postsCount');
    expect(p.items[0]!.mention.author).not.toHaveProperty('createdAt');
  });

  it('ok -100 is a login wall, ok 0 without cards the end, other shapes a changed schema', () => {
    expect(() =>
      parseWeiboContainer({ ok: -100, url: 'https://passport.weibo.cn/signin' }, recordedAt),
    ).toThrowError(expect.objectContaining({ kind: 'login-wall' }));
    expect(parseWeiboContainer({ ok: 0, msg: '这里还没有内容' }, recordedAt)).toEqual({
      items: [],
      nextPage: null,
    });
    expect(() => parseWeiboContainer({ ok: 1, data: {} }, recordedAt)).toThrow(SourceFault);
    expect(() => parseWeiboContainer([], recordedAt)).toThrow(SourceFault);
  });

  // HAND-MADE variants of the documented shape (no recording exists): what other clients of
  // m.weibo.cn report seeing, so the parser accepts them rather than calling them a changed schema.
  it('tolerates documented variants: ok as a string, an empty card list at the end, throttling', () => {
    expect(parseWeiboContainer({ ...containerSample(1, null), ok: '1' }, recordedAt).items).toHaveLength(2);
    expect(parseWeiboContainer({ ok: 0, msg: '这里还没有内容', data: { cards: [] } }, recordedAt)).toEqual({
      items: [],
      nextPage: null,
    });
    expect(() =>
      parseWeiboContainer({ ok: 0, msg: '请求过于频繁', errno: '100005' }, recordedAt),
    ).toThrowError(expect.objectContaining({ kind: 'rate-limited', retry: true }));
  });

  it('reads a repost as its own text, then //@author: the original', () => {
    const sample = containerSample(1, null);
    const mblog = sample.data.cards[0]!.mblog as Record<string, unknown>;
    mblog.text = '转发微博';
    mblog.retweeted_status = {
      id: '4999',
      mid: '4999',
      text: '原文<br />第二行',
      user: { screen_name: '原作者' },
    };
    const m = parseWeiboContainer(sample, recordedAt).items[0]!.mention;
    expect(m.text).toBe('转发微博//@原作者: 原文\n第二行');
    expect(m.raw).toMatchObject({ retweetedId: '4999' });
  });
});

describe('weibo collector (fixture server, real HTTP layer)', () => {
  it('a 418 from m.weibo.cn is a retryable rate limit, not a network fault', async () => {
    srv.fault((pq) => pq.startsWith('/api/container/getIndex'), { kind: 'status', status: 418 }, 1);
    const r = await collectPages<WeiboCursor>(weibo, ctxFor<WeiboCursor>(testHttp()), {
      query: '艾克米',
      baseUrl: srv.url,
    });
    expect(r.pages).toEqual([]);
    expect(r.error).toMatchObject({ kind: 'rate-limited', retry: true });
  });

  it('search: runs the visitor-cookie flow, then pages the container API newest first', async () => {
    const { pages, error } = await collectPages<WeiboCursor>(weibo, ctxFor<WeiboCursor>(testHttp()), {
      query: '艾克米',
      baseUrl: srv.url,
    });
    expect(error).toBeUndefined();
    expect(ids(pages)).toEqual([
      '5000000000000090',
      '5000000000000085',
      '5000000000000080',
      '5000000000000075',
    ]);
    const search = srv.requests.filter((r) => r.url.startsWith('/api/container/getIndex'));
    expect(search[0]!.headers.cookie).toBe('SUB=SUBVAL; SUBP=SUBPVAL');
    const q = new URL(search[0]!.url, 'http://x').searchParams;
    expect(q.get('containerid')).toBe('100103type=61&q=艾克米');
    expect(q.get('page_type')).toBe('searchall');
    expect(pages.at(-1)!.cursor).toEqual({ since: '5000000000000090', next: null, top: null });
  });

  it('search with a configured cookie skips the visitor flow; a refused cookie is a login wall', async () => {
    const before = srv.requests.length;
    const ok = await collectPages(weibo, ctxFor(testHttp(), null, { secrets: { cookie: 'SUB=mine' } }), {
      query: 'acme',
      baseUrl: srv.url,
    });
    expect(ok.error).toBeUndefined();
    expect(srv.requests.slice(before).some((r) => r.url.startsWith('/visitor'))).toBe(false);
    const bad = await collectPages(weibo, ctxFor(testHttp(), null, { secrets: { cookie: 'expired=1' } }), {
      query: 'acme',
      baseUrl: srv.url,
    });
    expect((bad.error as SourceFault).kind).toBe('login-wall');
    expect(bad.pages).toEqual([]);
  });

  it('profile: pages the recorded timeline, resumes, and stops at known posts', async () => {
    const clock = () => recordingClock(recordedAt);
    const all = await collectPages<WeiboCursor>(
      weibo,
      ctxFor<WeiboCursor>(testHttp(), null, { clock: clock() }),
      { uid: '1669879400', baseUrl: srv.url },
    );
    expect(all.error).toBeUndefined();
    expect(all.pages).toHaveLength(2);
    expect(new Set(ids(all.pages)).size).toBe(20);
    const first = await collectPages<WeiboCursor>(
      weibo,
      ctxFor<WeiboCursor>(testHttp(), null, { clock: clock(), maxPages: 1 }),
      {
        uid: '1669879400',
        baseUrl: srv.url,
      },
    );
    expect(first.pages[0]!.cursor.next).toBe(2);
    const rest = await collectPages<WeiboCursor>(
      weibo,
      ctxFor<WeiboCursor>(testHttp(), first.pages[0]!.cursor, { clock: clock() }),
      {
        uid: '1669879400',
        baseUrl: srv.url,
      },
    );
    expect(new Set([...ids(first.pages), ...ids(rest.pages)]).size).toBe(20);
    expect(rest.pages.at(-1)!.cursor.since).toBe(mid62ToId('J74OAhxtL'));
  });

  it('comments: hot comments do not end the pass; the second page is read', async () => {
    const { pages, error } = await collectPages<WeiboCursor>(weibo, ctxFor<WeiboCursor>(testHttp()), {
      postId: 'J5cVGuUNq',
      baseUrl: srv.url,
    });
    expect(error).toBeUndefined();
    expect(pages).toHaveLength(2);
    expect(ids(pages)).toHaveLength(24);
  });

  it('a login redirect and a captcha page are faults, never empty pages', async () => {
    const wall = await collectPages(weibo, ctxFor(testHttp()), {
      uid: '1669879400',
      baseUrl: `${srv.url}/walled`,
    });
    expect(wall.pages).toEqual([]);
    expect((wall.error as SourceFault).kind).toBe('login-wall');
    srv.fault('/1669879400/profile', {
      kind: 'html',
      body: '<html><body><img src="/captcha.png">请输入验证码</body></html>',
    });
    const cap = await collectPages(weibo, ctxFor(testHttp()), { uid: '1669879400', baseUrl: srv.url });
    expect((cap.error as SourceFault).kind).toBe('captcha');
    srv.fault('/api/container/getIndex', {
      kind: 'html',
      body: '<html><head><title>Sina Visitor System</title></head></html>',
    });
    const visitor = await collectPages(weibo, ctxFor(testHttp(), null, { secrets: { cookie: 'SUB=x' } }), {
      query: 'acme',
      baseUrl: srv.url,
    });
    expect((visitor.error as SourceFault).kind).toBe('login-wall');
  });
});
