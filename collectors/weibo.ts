import { z } from 'zod';
import { FetchError, SourceFault } from '../src/errors.ts';
import type { MentionInput } from '../src/mention.ts';
import { scalarText } from './_lib/api.ts';
import { type NewestFirstCursor, newestFirst } from './_lib/newest-first.ts';
import {
  assertWeiboOpen,
  parseWeiboComments,
  parseWeiboContainer,
  parseWeiboProfile,
  unwrapJsonp,
  type WeiboPage,
} from './_lib/parse-weibo.ts';
import { defineCollector, type HttpClient, type HttpResponse } from './types.ts';

export type WeiboCursor = NewestFirstCursor<number>;

const MOBILE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

/**
 * The visitor-cookie flow of passport.weibo.com, for reading m.weibo.cn without an account:
 * `genvisitor` hands out a visitor id (tid), `visitor?a=incarnate` turns it into `SUB`/`SUBP`
 * cookies. Two requests per run; the cookie is never stored in the cursor.
 */
export async function visitorCookie(
  http: HttpClient,
  passportBase: string,
  now: Date,
  signal?: AbortSignal,
): Promise<string> {
  const base = passportBase.replace(/\/$/, '');
  const fp = JSON.stringify({
    os: '1',
    browser: 'Chrome120,0,0,0',
    fonts: 'undefined',
    screenInfo: '1920*1080*24',
    plugins: '',
  });
  const gen = await http.request(`${base}/visitor/genvisitor`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': MOBILE_UA },
    body: `cb=gen_callback&fp=${encodeURIComponent(fp)}`,
    signal,
  });
  const g = unwrapJsonp(gen.text());
  const gd = g.data as { tid?: string; new_tid?: boolean; confidence?: number } | undefined;
  if (g.retcode !== 20000000 || !gd?.tid)
    throw new SourceFault(
      'login-wall',
      `Weibo visitor system refused a visitor id (retcode ${scalarText(g.retcode) ?? '?'})`,
    );
  const inc = await http.get(`${base}/visitor/visitor`, {
    query: {
      a: 'incarnate',
      t: gd.tid,
      w: gd.new_tid ? 3 : 2,
      c: String(gd.confidence ?? 100).padStart(3, '0'),
      gc: '',
      cb: 'cross_domain',
      from: 'weibo',
      _rand: (now.getTime() % 1_000_000) / 1_000_000,
    },
    headers: { 'user-agent': MOBILE_UA },
    signal,
  });
  const i = unwrapJsonp(inc.text());
  const id = i.data as { sub?: string; subp?: string } | undefined;
  if (i.retcode !== 20000000 || !id?.sub)
    throw new SourceFault(
      'login-wall',
      `Weibo visitor system refused a visitor cookie (retcode ${scalarText(i.retcode) ?? '?'})`,
    );
  return `SUB=${id.sub}${id.subp ? `; SUBP=${id.subp}` : ''}`;
}

/**
 * m.weibo.cn answers 418 ("I'm a teapot") when it throttles a client: a rate limit to wait out,
 * not a broken network.
 */
async function throttled(req: Promise<HttpResponse>): Promise<HttpResponse> {
  try {
    return await req;
  } catch (err) {
    if (err instanceof FetchError && err.status === 418)
      throw new SourceFault('rate-limited', 'm.weibo.cn throttled the client (418)', {
        retry: true,
        cause: err,
      });
    throw err;
  }
}

/** A 3xx from Weibo is a login or visitor redirect; the HTTP layer does not follow redirects. */
function assertNotRedirected(res: HttpResponse): void {
  if (res.status < 300 || res.status >= 400) return;
  const to = res.headers.location ?? '';
  if (/passport|login|visitor|signin/i.test(to))
    throw new SourceFault('login-wall', 'Weibo redirected to its login or visitor system');
  throw new SourceFault('upstream', `Weibo redirected (${res.status}) to ${to.slice(0, 100)}`);
}

const options = z
  .object({
    /** Keyword search on m.weibo.cn (visitor cookie when no `cookie` secret is configured). */
    query: z.string().min(1).optional(),
    /** 61 = 实时 (realtime, newest first: sound incremental stop); 1 = 综合 (mixed ranking). */
    searchType: z.union([z.literal(1), z.literal(61)]).default(61),
    /** A user's timeline on weibo.cn (needs a logged-in `cookie`). */
    uid: z.string().regex(/^\d+$/).optional(),
    /** The comments of one post on weibo.cn, by its base62 id (e.g. J5cVGuUNq). */
    postId: z
      .string()
      .regex(/^[0-9a-zA-Z]+$/)
      .optional(),
    baseUrl: z.url().optional(),
    passportBaseUrl: z.url().optional(),
  })
  .strict()
  .refine((o) => [o.query, o.uid, o.postId].filter(Boolean).length === 1, {
    message: 'give exactly one of query, uid or postId',
  });

/**
 * Weibo: keyword search through the m.weibo.cn container API, a user timeline or a post's comments
 * through the weibo.cn WAP pages. All newest first with an id-keyed incremental stop (base62 post
 * ids are converted to numeric mids); pinned posts and hot comments never end a pass. Login walls,
 * visitor-system redirects and captchas are source faults.
 */
export const weibo = defineCollector({
  id: 'weibo',
  description: 'Weibo posts and comments (m.weibo.cn search, weibo.cn timelines and comments)',
  textFormat: 'plain',
  options,
  secrets: ['cookie'] as const,
  defaultSchedule: '*/30 * * * *',
  rateLimit: { perMinute: 10, concurrency: 1 },
  async *collect(ctx, o) {
    const now = ctx.clock.now();
    let fetchPage: (page: number) => Promise<WeiboPage>;
    if (o.query) {
      const base = (o.baseUrl ?? 'https://m.weibo.cn').replace(/\/$/, '');
      const cookie =
        ctx.secrets.cookie ??
        (await visitorCookie(
          ctx.http,
          o.passportBaseUrl ?? o.baseUrl ?? 'https://passport.weibo.com',
          now,
          ctx.signal,
        ));
      fetchPage = async (page) => {
        const res = await throttled(
          ctx.http.get(`${base}/api/container/getIndex`, {
            query: {
              containerid: `100103type=${o.searchType}&q=${o.query}`,
              page_type: 'searchall',
              page: page > 1 ? page : undefined,
            },
            headers: {
              cookie,
              'user-agent': MOBILE_UA,
              accept: 'application/json, text/plain, */*',
              'x-requested-with': 'XMLHttpRequest',
              'mweibo-pwa': '1',
            },
            acceptStatus: [200, 301, 302, 303, 307],
            signal: ctx.signal,
          }),
        );
        assertNotRedirected(res);
        if (res.body.length === 0) throw new SourceFault('empty', 'm.weibo.cn answered an empty body');
        if (/^\s*</.test(res.text())) {
          assertWeiboOpen(res.text(), res.url);
          throw new SourceFault('schema-changed', 'm.weibo.cn answered HTML where JSON was expected');
        }
        return parseWeiboContainer(res.json(), ctx.clock.now());
      };
    } else {
      const base = (o.baseUrl ?? 'https://weibo.cn').replace(/\/$/, '');
      const path = o.uid ? `/${o.uid}/profile` : `/comment/${o.postId}`;
      fetchPage = async (page) => {
        const res = await ctx.http.get(`${base}${path}`, {
          query: { page: page > 1 ? page : undefined },
          headers: { ...(ctx.secrets.cookie ? { cookie: ctx.secrets.cookie } : {}), 'user-agent': MOBILE_UA },
          acceptStatus: [200, 301, 302, 303, 307],
          signal: ctx.signal,
        });
        assertNotRedirected(res);
        const html = res.text();
        return o.uid
          ? parseWeiboProfile(html, o.uid, ctx.clock.now())
          : parseWeiboComments(html, o.postId as string, ctx.clock.now());
      };
    }
    yield* newestFirst<number, MentionInput>(
      ctx.cursor as WeiboCursor | null,
      ctx.backfillSince,
      ctx.maxPages,
      1,
      async (page) => {
        const p = await fetchPage(page);
        return { items: p.items, next: p.nextPage !== null && p.nextPage > page ? p.nextPage : null };
      },
    );
  },
});
