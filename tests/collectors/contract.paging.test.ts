import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bluesky } from '../../collectors/bluesky.ts';
import { hackerNews } from '../../collectors/hacker-news.ts';
import { mastodon } from '../../collectors/mastodon.ts';
import { reddit } from '../../collectors/reddit.ts';
import { type CollectorDefinition, type CollectPage, runCollector } from '../../collectors/types.ts';
import { weibo } from '../../collectors/weibo.ts';
import { x } from '../../collectors/x.ts';
import { youtube } from '../../collectors/youtube.ts';
import { EarshotError } from '../../src/errors.ts';
import { collectPages, ctxFor, testHttp } from '../helpers/collect.ts';
import {
  cassette,
  FAULT_MATRIX,
  type FixtureServer,
  fixture,
  type Matcher,
  matches,
  type Reply,
  startFixtureServer,
} from '../helpers/fixture-server.ts';

/**
 * The fault matrix on the requests after the first: a second page, a per-item call (YouTube
 * commentThreads), a later step of an auth flow (the Weibo visitor cookie). A fault there must
 * leave the pages yielded before it with a cursor from which the resumed run reads exactly the
 * rest: the union of both runs equals a clean run (no gap) and the resumed run does not read
 * again what the first run yielded (no duplicate, beyond a documented boundary overlap).
 *
 * Where a scenario serves more than the recordings hold, it says so: the extra pages are made
 * here from the recorded items (ids changed), because no second page was recorded.
 */
interface Scenario {
  name: string;
  collector: CollectorDefinition;
  setup(srv: FixtureServer): void;
  options(base: string): Record<string, unknown>;
  secrets?: Record<string, string>;
  /** The request the fault replaces (the first matching one after the run starts). */
  faultAt: Matcher;
  /** Pages yielded before the faulted request (committed by the pipeline). */
  committedBefore: number;
  /** Items a resumed run may read again (keyset boundaries); default 0. */
  maxOverlap?: number;
}

const json = (body: unknown, headers: Record<string, string> = {}): Reply => ({
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});
const query = (req: { url?: string }) => new URL(req.url ?? '/', 'http://x').searchParams;

// --- youtube: search (recorded page 1, made page 2) + videos + commentThreads (recorded) ------
const ytP1 = JSON.parse(fixture('youtube/search_by_keywords_p1.json').toString('utf8'));
const ytThreads = fixture('youtube/comment_threads_by_video_paged_1.json').toString('utf8');
const ytP2 = {
  ...ytP1,
  nextPageToken: undefined,
  items: ytP1.items.slice(0, 3).map((it: { id: { videoId: string } }, i: number) => ({
    ...it,
    id: { ...it.id, videoId: `p2video${i}` },
  })),
};

// --- reddit: the recorded 100 comments cut into two pages ------------------------------------
const redditComments = cassette('reddit/TestSubredditStreams.test_comments__with_continue_after_id.json')[1]!;
const redditListing = JSON.parse(String(redditComments.reply.body)) as {
  data: { after: string | null; children: { data: { name: string } }[] };
};
const redditCut = redditListing.data.children[49]!.data.name;
const redditHalf = (part: 0 | 1): Reply => ({
  ...redditComments.reply,
  body: JSON.stringify({
    ...redditListing,
    data: {
      ...redditListing.data,
      children: redditListing.data.children.slice(part * 50, part * 50 + 50),
      after: part === 0 ? redditCut : null,
    },
  }),
});

// --- hacker-news: 1,200 hits behind Algolia's 1,000-hit cap ----------------------------------
const hnRecorded = (
  JSON.parse(fixture('hackernews/fixtures.json').toString('utf8')) as {
    url: string;
    reply: { hits: unknown[] };
  }[]
).find((r) => r.url === '/api/v1/search_by_date?hitsPerPage=1&tags=(comment)')!.reply.hits[0] as Record<
  string,
  unknown
>;
const hnHits = Array.from({ length: 1200 }, (_, i) => ({
  ...hnRecorded,
  objectID: String(8_000_000 + i),
  created_at_i: 1_700_000_000 + i * 30,
  created_at: new Date((1_700_000_000 + i * 30) * 1000).toISOString(),
}));

// --- mastodon: the recorded #hoot status as 100 statuses, paged by Link rel="next" -----------
const mastoStatus = (
  JSON.parse(
    String(
      cassette('mastodon/test_hashtag_tl.yaml').find((i) =>
        i.pathAndQuery.startsWith('/api/v1/timelines/tag/'),
      )!.reply.body,
    ),
  ) as Record<string, unknown>[]
)[0]!;
const mastoStatuses = Array.from({ length: 100 }, (_, i) => {
  const id = String(117020593741189701n - BigInt(i) * 1000n);
  return {
    ...mastoStatus,
    id,
    uri: `https://social.example/users/a/statuses/${id}`,
    url: `https://social.example/@a/${id}`,
    created_at: new Date(Date.parse('2026-11-25T07:00:00Z') - i * 60_000).toISOString(),
  };
});

// --- x: a recent-search endpoint honouring next_token and until_id (synthetic posts) ---------
const xNow = new Date('2026-11-25T08:00:00Z');
const xPosts = Array.from({ length: 230 }, (_, i) => ({
  id: String(1_800_000_000_000_000_000n + BigInt(i)),
  text: `post ${i} about acme`,
  author_id: '100',
  created_at: new Date(xNow.getTime() - (230 - i) * 60_000).toISOString(),
  lang: 'en',
  public_metrics: { like_count: i, retweet_count: 0, quote_count: 0, reply_count: 0 },
}));

// --- weibo: HAND-MADE minimal m.weibo.cn container pages (no recording exists) ----------------
const weiboPage = (page: number) => ({
  ok: 1,
  data: {
    cardlistInfo: { page: page < 3 ? page + 1 : null },
    cards: [0, 1].map((k) => ({
      card_type: 9,
      mblog: {
        id: String(5_000_000_000_000_100 - page * 10 - k),
        created_at: `${page * 10 + k}分钟前`,
        text: `艾克米 第${page}页 ${k}`,
        user: { id: 42, screen_name: 'b', followers_count: 7 },
        reposts_count: 0,
        comments_count: 0,
        attitudes_count: 1,
      },
    })),
  },
});

// --- bluesky: the recorded page (cursor "25"), then a page made from its first posts -------
const bsky = cassette('bluesky/f_search.yml')[0]!;
const bskyPosts = (JSON.parse(String(bsky.reply.body)) as { posts: Record<string, unknown>[] }).posts;

const scenarios: Scenario[] = [
  {
    name: 'youtube search: page 2 of the search',
    collector: youtube,
    setup: youtubeRoutes,
    options: (base) => ({ query: 'surfing', baseUrl: base }),
    secrets: { key: 'k' },
    faultAt: (pq) => pq.startsWith('/youtube/v3/search?') && pq.includes('pageToken=CBkQAA'),
    // The window page (re-poll, empty on a first run) and search page 1.
    committedBefore: 2,
  },
  {
    name: 'youtube search: commentThreads of a video on page 2',
    collector: youtube,
    setup: youtubeRoutes,
    options: (base) => ({ query: 'surfing', baseUrl: base }),
    secrets: { key: 'k' },
    faultAt: (pq) => pq.startsWith('/youtube/v3/commentThreads?') && pq.includes('videoId=p2video1'),
    committedBefore: 2,
  },
  {
    name: 'reddit subreddit comments: page 2 (after=)',
    collector: reddit,
    setup: (srv) => {
      srv.route('GET', '/r/paged/comments.json', redditHalf(0));
      srv.route(
        'GET',
        (pq) => pq.startsWith('/r/paged/comments.json?') && pq.includes(`after=${redditCut}`),
        redditHalf(1),
      );
    },
    options: (base) => ({ subreddit: 'paged', listing: 'comments', baseUrl: base }),
    faultAt: (pq) => pq.startsWith('/r/paged/comments.json?') && pq.includes('after='),
    committedBefore: 1,
  },
  {
    name: 'hacker-news: windows past the 1,000-hit cap, fault on the third window',
    collector: hackerNews,
    setup: (srv) =>
      srv.route('GET', '/api/v1/search_by_date', (req) => {
        const q = query(req);
        const f = q.get('numericFilters') ?? '';
        const gt = Number(/created_at_i>(\d+)/.exec(f)?.[1] ?? 0);
        const le = Number(/created_at_i<=(\d+)/.exec(f)?.[1] ?? Number.POSITIVE_INFINITY);
        const per = Number(q.get('hitsPerPage'));
        const page = Number(q.get('page') ?? 0);
        // Algolia serves at most the first 1,000 hits of a query, whatever the page.
        const hits = hnHits
          .filter((h) => h.created_at_i > gt && h.created_at_i <= le)
          .sort((a, b) => b.created_at_i - a.created_at_i)
          .slice(0, 1000);
        return json({
          hits: hits.slice(page * per, page * per + per),
          nbHits: hits.length,
          page,
          hitsPerPage: per,
        });
      }),
    options: (base) => ({ query: 'apple', hitsPerPage: 500, baseUrl: base }),
    faultAt: (() => {
      let n = 0;
      // The third request of each run (page 3: hits 1,000..1,199, past the cap).
      return (pq: string) => pq.startsWith('/api/v1/search_by_date?') && ++n % 3 === 0;
    })(),
    committedBefore: 2,
    // The window's upper bound is inclusive: the hit at the boundary second is read again.
    maxOverlap: 1,
  },
  {
    name: 'mastodon hashtag: Link rel="next" page',
    collector: mastodon,
    setup: (srv) =>
      srv.route('GET', '/api/v1/timelines/tag/paged', (req) => {
        const q = query(req);
        const max = q.get('max_id');
        const limit = Number(q.get('limit') ?? 20);
        const page = mastoStatuses.filter((s) => max === null || BigInt(s.id) < BigInt(max)).slice(0, limit);
        const link: Record<string, string> = page.length
          ? {
              link: `<${srv.url}/api/v1/timelines/tag/paged?max_id=${page.at(-1)!.id}>; rel="next", <${srv.url}/api/v1/timelines/tag/paged?min_id=${page[0]!.id}>; rel="prev"`,
            }
          : {};
        return json(page, link);
      }),
    options: (base) => ({ hashtag: 'paged', baseUrl: base }),
    faultAt: (pq) => pq.startsWith('/api/v1/timelines/tag/paged?') && pq.includes('max_id='),
    committedBefore: 1,
  },
  {
    name: 'x recent search: the next_token page',
    collector: x,
    setup: (srv) =>
      srv.route('GET', '/2/tweets/search/recent', (req) => {
        const q = query(req);
        const until = q.get('until_id') ? BigInt(q.get('until_id')!) : null;
        const since = BigInt(q.get('since_id') ?? '0');
        const per = Number(q.get('max_results') ?? 10);
        const offset = Number((q.get('next_token') ?? 'o0').slice(1));
        const all = xPosts
          .filter((t) => BigInt(t.id) > since && (until === null || BigInt(t.id) < until))
          .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
        const data = all.slice(offset, offset + per);
        return json({
          ...(data.length ? { data, includes: { users: [{ id: '100', username: 'u100', name: 'U' }] } } : {}),
          meta: {
            result_count: data.length,
            ...(data.length ? { newest_id: data[0]!.id, oldest_id: data.at(-1)!.id } : {}),
            ...(offset + per < all.length ? { next_token: `o${offset + per}` } : {}),
          },
        });
      }),
    options: (base) => ({ enabled: true, query: 'acme', baseUrl: base }),
    secrets: { bearerToken: 't' },
    faultAt: (pq) => pq.startsWith('/2/tweets/search/recent?') && pq.includes('next_token='),
    committedBefore: 1,
  },
  {
    name: 'weibo search: the visitor-cookie genvisitor call',
    collector: weibo,
    setup: weiboRoutes,
    options: (base) => ({ query: '艾克米', baseUrl: base }),
    faultAt: '/visitor/genvisitor',
    committedBefore: 0,
  },
  {
    name: 'weibo search: the visitor-cookie incarnate call',
    collector: weibo,
    setup: weiboRoutes,
    options: (base) => ({ query: '艾克米', baseUrl: base }),
    faultAt: '/visitor/visitor',
    committedBefore: 0,
  },
  {
    name: 'weibo search: container page 2',
    collector: weibo,
    setup: weiboRoutes,
    options: (base) => ({ query: '艾克米', baseUrl: base }),
    faultAt: (pq) => pq.startsWith('/api/container/getIndex?') && pq.includes('page=2'),
    committedBefore: 1,
  },
  {
    name: 'bluesky searchPosts: the cursor page',
    collector: bluesky,
    setup: (srv) => {
      srv.route('GET', '/xrpc/app.bsky.feed.searchPosts', bsky.reply);
      srv.route(
        'GET',
        (pq) => pq.startsWith('/xrpc/app.bsky.feed.searchPosts?') && pq.includes('cursor=25'),
        json({
          posts: bskyPosts.slice(0, 5).map((p) => ({
            ...p,
            uri: `${p.uri}p2`,
            indexedAt: '2025-05-01T00:00:00.000Z',
          })),
        }),
      );
    },
    options: (base) => ({ query: 'redistricting', baseUrl: base }),
    faultAt: (pq) => pq.startsWith('/xrpc/app.bsky.feed.searchPosts?') && pq.includes('cursor=25'),
    committedBefore: 1,
  },
];

function youtubeRoutes(srv: FixtureServer): void {
  const first = ytP1.items[0].id.videoId as string;
  srv.route('GET', '/youtube/v3/search', (req) =>
    json(query(req).get('pageToken') === 'CBkQAA' ? ytP2 : ytP1),
  );
  srv.route('GET', '/youtube/v3/commentThreads', (req) => {
    const vid = query(req).get('videoId')!;
    // The recorded threads belong to one video: served for the first hit of each page.
    return vid === first || vid === 'p2video1'
      ? {
          headers: { 'content-type': 'application/json' },
          body: ytThreads.replaceAll('F1UP7wRCPH8', vid).replace(/"id": "(Ug[^"]+)"/g, `"id": "$1${vid}"`),
        }
      : json({ items: [] });
  });
  srv.route('GET', '/youtube/v3/videos', (req) =>
    json({
      items: query(req)
        .get('id')!
        .split(',')
        .map((id) => ({ id, statistics: { viewCount: '10' } })),
    }),
  );
}

function weiboRoutes(srv: FixtureServer): void {
  // Passport visitor flow: a fake of the two JSONP answers in their documented shape.
  srv.route('POST', '/visitor/genvisitor', {
    headers: { 'content-type': 'application/javascript' },
    body: 'window.gen_callback && gen_callback({"retcode":20000000,"msg":"succ","data":{"tid":"TID","new_tid":false,"confidence":100}});',
  });
  srv.route('GET', '/visitor/visitor', {
    headers: { 'content-type': 'application/javascript' },
    body: 'window.cross_domain && cross_domain({"retcode":20000000,"data":{"sub":"S","subp":"P"}});',
  });
  srv.route('GET', '/api/container/getIndex', (req) =>
    /SUB=S/.test(String(req.headers.cookie))
      ? json(weiboPage(Number(query(req).get('page') ?? 1)))
      : json({ ok: -100 }),
  );
}

const faults = FAULT_MATRIX;

const idsOf = (pages: CollectPage<unknown>[]) =>
  pages.flatMap((p) => p.mentions.map((m) => String(m.externalId)));

for (const s of scenarios) {
  describe(`paging contract: ${s.name}`, () => {
    let srv: FixtureServer;
    let clean: string[];
    beforeAll(async () => {
      srv = await startFixtureServer();
      s.setup(srv);
    });
    afterAll(() => srv.close());

    const run = (cursor: unknown, slow = false) =>
      collectPages(
        s.collector,
        ctxFor(testHttp(slow ? { timeouts: { headersMs: 200, bodyMs: 200 } } : {}), cursor, {
          secrets: s.secrets ?? {},
        }),
        s.options(srv.url),
      );

    /** Consume the collector as src/pipeline/run-source.ts does: stop after `maxPages` pages. */
    const pipelineRun = async (cursor: unknown, maxPages: number) => {
      const ctx = ctxFor(testHttp({ timeouts: { headersMs: 200, bodyMs: 200 } }), cursor, {
        secrets: s.secrets ?? {},
        maxPages,
      });
      let pages = 0;
      try {
        for await (const _page of runCollector(
          s.collector,
          ctx,
          s.collector.options.parse(s.options(srv.url)),
        )) {
          pages++;
          if (pages >= maxPages) break;
        }
        return { status: 'ok' as const, pages };
      } catch (error) {
        return { status: 'fault' as const, pages, error };
      }
    };

    it('a clean run reads more than one page', async () => {
      const r = await run(null);
      expect(r.error).toBeUndefined();
      clean = idsOf(r.pages);
      expect(r.pages.filter((p) => p.mentions.length > 0).length).toBeGreaterThan(1);
    });

    for (const f of faults) {
      it(`${f.name} there: earlier pages stand, and the resumed run neither gaps nor repeats`, async () => {
        srv.fault(s.faultAt, f.fault, 1);
        const bad = await run(null, true);
        srv.clearFaults();
        expect(bad.error).toBeInstanceOf(EarshotError);
        expect((bad.error as EarshotError).retry).toBe(f.retry);
        expect(bad.pages.length).toBeGreaterThanOrEqual(s.committedBefore);
        const first = idsOf(bad.pages);
        const resumed = await run(bad.pages.at(-1)?.cursor ?? null);
        expect(resumed.error).toBeUndefined();
        const rest = idsOf(resumed.pages);
        expect(new Set([...first, ...rest])).toEqual(new Set(clean));
        expect(rest.filter((id) => first.includes(id)).length).toBeLessThanOrEqual(s.maxOverlap ?? 0);
      });

      it(`${f.name} there, on the last page allowed: the run still fails, never reads as ok`, async () => {
        // First learn how many pages the run yields up to the fault, then allow exactly that
        // many, so the page before the fault (or one a collector yields on its way out) is the
        // last one the pipeline asks for. If the faulted request was made, the run must fail.
        // The faulted request is recorded, and the capped run (the same requests in the same
        // order, up to its limit) faults that exact request: a stateful matcher is asked no more
        // often than in the other cases.
        let faulted: string | null = null;
        srv.fault(
          (pq) => {
            const hit = matches(s.faultAt, pq);
            if (hit) faulted = pq;
            return hit;
          },
          f.fault,
          1,
        );
        const bad = await run(null, true);
        srv.clearFaults();
        expect(bad.error).toBeInstanceOf(EarshotError);
        expect(faulted).not.toBeNull();
        let served = 0;
        srv.fault(
          (pq) => {
            const hit = pq === faulted;
            if (hit) served++;
            return hit;
          },
          f.fault,
          1,
        );
        const capped = await pipelineRun(null, bad.pages.length);
        srv.clearFaults();
        if (served > 0) expect(capped.status, 'a served fault read as an ok run').toBe('fault');
        else expect(capped.status).toBe('ok');
      });
    }
  });
}
