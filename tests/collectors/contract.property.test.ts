import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReviews, initDataBlocks } from '../../collectors/_lib/parse-google-play.ts';
import { collectors } from '../../collectors/index.ts';
import { EarshotError } from '../../src/errors.ts';
import { collectPages, ctxFor, testHttp } from '../helpers/collect.ts';
import { type ContractCase, contractCases } from '../helpers/contract-cases.ts';
import {
  cassette,
  type FixtureServer,
  fixture,
  type Reply,
  startFixtureServer,
} from '../helpers/fixture-server.ts';

/**
 * Property: whatever body a platform sends, nothing but an `EarshotError` leaves a collector.
 * Every parser is reached through its collector and the real HTTP layer, in every mode: the
 * first-request cases of the contract, plus the modes whose parser sits behind another request
 * (YouTube search and commentThreads, Weibo container JSON and weibo.cn comments, the Google
 * Play reviews RPC, Reddit comments, Mastodon search). Bodies are arbitrary bytes, or a real
 * recorded body with one random subtree replaced by arbitrary JSON (JSON sources) or cut and
 * spliced with arbitrary text, JSON-LD or script data (markup sources): shapes a changed API
 * produces, which random bytes alone never reach past the first JSON.parse.
 */
interface Target extends ContractCase {
  name: string;
  collector: string;
  method?: string;
  /** Requests before the one under test, served as recorded. */
  routes?: (srv: FixtureServer) => void;
  /** The recorded JSON document and how it is framed on the wire. */
  json?: { doc: unknown; frame?: (doc: unknown) => string };
}

const jsonReply = (body: string): Reply => ({ headers: { 'content-type': 'application/json' }, body });
const parseBody = (r: Reply) => JSON.parse(String(r.body));

const ytSearch = fixture('youtube/search_by_keywords_p1.json').toString('utf8');
const ytThreads = fixture('youtube/comment_threads_by_video_paged_1.json').toString('utf8');
const playHtml = fixture('googleplay/com.instagram.igtv.html').toString('utf8');
const playPayload = initDataBlocks(playHtml).find((b) => findReviews(b));
/** The documented batchexecute framing around the recorded ds payload (none was recorded). */
const playFrame = (p: unknown) =>
  `)]}'\n\n${JSON.stringify([['wrb.fr', 'UsvDTd', JSON.stringify(p), null, null, null, 'generic']])}`;
const redditComments = cassette('reddit/TestSubredditStreams.test_comments__with_continue_after_id.json')[1]!
  .reply;
const mastoStatuses = parseBody(
  cassette('mastodon/test_hashtag_tl.yaml').find((i) => i.pathAndQuery.startsWith('/api/v1/timelines/tag/'))!
    .reply,
);

/** HAND-MADE minimal m.weibo.cn container answer in the documented shape (no recording exists). */
const weiboContainer = {
  ok: 1,
  data: {
    cardlistInfo: { page: null },
    cards: [
      {
        card_type: 9,
        mblog: {
          id: '5000000000000090',
          bid: 'Pbid1',
          created_at: '5分钟前',
          text: '艾克米<span class="url-icon"><img alt="[赞]" /></span>',
          user: { id: 1, screen_name: 'a', followers_count: '12.3万', verified: true },
          reposts_count: 3,
          comments_count: '100万+',
          attitudes_count: 0,
        },
      },
      {
        card_type: 11,
        card_group: [
          {
            card_type: 9,
            mblog: {
              id: '5000000000000085',
              created_at: '刚刚',
              text: 'b',
              user: { id: 2, screen_name: 'b' },
            },
          },
        ],
      },
    ],
  },
};
const weiboVisitor = (srv: FixtureServer) => {
  srv.route('POST', '/visitor/genvisitor', {
    body: 'gen_callback({"retcode":20000000,"data":{"tid":"T","new_tid":false,"confidence":100}});',
  });
  srv.route('GET', '/visitor/visitor', { body: 'cross_domain({"retcode":20000000,"data":{"sub":"S"}});' });
};

const jsonCase = (c: ContractCase) => {
  try {
    return { doc: parseBody(c.reply) };
  } catch {
    return undefined;
  }
};

const targets: Target[] = [
  ...Object.entries(contractCases).map(([id, c]) => ({
    ...c,
    name: `${id} (contract case)`,
    collector: id,
    json: jsonCase(c),
  })),
  {
    name: 'rss JSON Feed',
    collector: 'rss',
    path: '/feed.json',
    reply: {
      headers: { 'content-type': 'application/feed+json' },
      body: fixture('rss/feedjira/json_feed.json'),
    },
    json: { doc: JSON.parse(fixture('rss/feedjira/json_feed.json').toString('utf8')) },
    options: (base) => ({ url: `${base}/feed.json` }),
  },
  {
    name: 'youtube search.list',
    collector: 'youtube',
    path: '/youtube/v3/search',
    reply: jsonReply(ytSearch),
    json: { doc: JSON.parse(ytSearch) },
    options: (base) => ({ query: 'surfing', baseUrl: base, maxCommentPages: 0 }),
    secrets: { key: 'k' },
    routes: (srv) => srv.route('GET', '/youtube/v3/videos', jsonReply('{"items":[]}')),
  },
  {
    name: 'youtube commentThreads.list',
    collector: 'youtube',
    path: '/youtube/v3/commentThreads',
    reply: jsonReply(ytThreads),
    json: { doc: JSON.parse(ytThreads) },
    options: (base) => ({ query: 'surfing', baseUrl: base, statistics: false }),
    secrets: { key: 'k' },
    routes: (srv) => {
      const one = JSON.parse(ytSearch);
      srv.route(
        'GET',
        '/youtube/v3/search',
        jsonReply(JSON.stringify({ ...one, nextPageToken: undefined, items: one.items.slice(0, 1) })),
      );
    },
  },
  {
    name: 'weibo m.weibo.cn container (hand-made sample)',
    collector: 'weibo',
    path: '/api/container/getIndex',
    reply: jsonReply(JSON.stringify(weiboContainer)),
    json: { doc: weiboContainer },
    options: (base) => ({ query: '艾克米', baseUrl: base }),
    routes: weiboVisitor,
  },
  {
    name: 'weibo visitor genvisitor',
    collector: 'weibo',
    method: 'POST',
    path: '/visitor/genvisitor',
    reply: { body: 'gen_callback({"retcode":20000000,"data":{"tid":"T"}});' },
    options: (base) => ({ query: '艾克米', baseUrl: base }),
    routes: (srv) => {
      srv.route('GET', '/visitor/visitor', {
        body: 'cross_domain({"retcode":20000000,"data":{"sub":"S"}});',
      });
      srv.route('GET', '/api/container/getIndex', jsonReply(JSON.stringify(weiboContainer)));
    },
  },
  {
    name: 'weibo weibo.cn comments',
    collector: 'weibo',
    path: '/comment/J5cVGuUNq',
    reply: {
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: fixture('weibo/4d5ed0a3ebd0303cb45edd544dbc0ab5e86d43e103405f0c60515884.html'),
    },
    options: (base) => ({ postId: 'J5cVGuUNq', baseUrl: base }),
  },
  {
    name: 'google-play reviews RPC (documented framing around the recorded payload)',
    collector: 'google-play',
    method: 'POST',
    path: '/_/PlayStoreUi/data/batchexecute',
    reply: jsonReply(playFrame(playPayload)),
    json: { doc: playPayload, frame: playFrame },
    options: (base) => ({ appId: 'com.instagram.igtv', baseUrl: base }),
  },
  {
    name: 'reddit subreddit comments',
    collector: 'reddit',
    path: '/r/sub/comments.json',
    reply: redditComments,
    json: { doc: parseBody(redditComments) },
    options: (base) => ({ subreddit: 'sub', listing: 'comments', baseUrl: base }),
  },
  {
    name: 'mastodon v2 search',
    collector: 'mastodon',
    path: '/api/v2/search',
    reply: jsonReply(JSON.stringify({ accounts: [], statuses: mastoStatuses, hashtags: [] })),
    json: { doc: { accounts: [], statuses: mastoStatuses, hashtags: [] } },
    options: (base) => ({ query: 'hoot', baseUrl: base }),
  },
];

/** Replace the subtree reached by `picks` (child index modulo the child count) with `value`. */
function replaceAt(doc: unknown, picks: number[], value: unknown): unknown {
  const root = structuredClone(doc);
  let parent: Record<string, unknown> | unknown[] | null = null;
  let key: string | number | null = null;
  let node: unknown = root;
  for (const p of picks) {
    if (typeof node !== 'object' || node === null) break;
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    if (keys.length === 0) break;
    parent = node as Record<string, unknown>;
    key = keys[p % keys.length]!;
    node = (node as Record<string, unknown>)[key];
  }
  if (parent === null || key === null) return value;
  if (value === undefined && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key];
  else (parent as Record<string | number, unknown>)[key] = value;
  return root;
}

const SPLICES = [
  '<script type="application/ld+json">',
  '<script id="__NEXT_DATA__" type="application/json">',
  "AF_initDataCallback({key: 'ds:1', isError: false, data:",
  '<div class="c" id="M_Abc">',
  '<div class="c" id="C_123">',
  '<entry><link href="',
  '<item><pubDate>',
  ']]>',
  '</html>',
  '\uFEFF',
  '<?xml version="1.0" encoding="utf-16"?>',
];

function bodies(t: Target): fc.Arbitrary<Buffer> {
  const bytes = fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b));
  const json = t.json;
  if (json) {
    const frame = json.frame ?? ((d: unknown) => JSON.stringify(d) ?? '');
    const mutated = fc
      .tuple(
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
      )
      .map(([picks, value]) => Buffer.from(frame(replaceAt(json.doc, picks, value))));
    return fc.oneof(bytes, mutated, mutated);
  }
  const text = Buffer.isBuffer(t.reply.body) ? t.reply.body.toString('utf8') : String(t.reply.body ?? '');
  const insert = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.constantFrom(...SPLICES),
    fc
      .tuple(fc.constantFrom(...SPLICES), fc.jsonValue({ maxDepth: 3 }))
      .map(([s, v]) => `${s}${JSON.stringify(v)}`),
  );
  const spliced = fc.tuple(fc.nat(), fc.nat({ max: 400 }), insert).map(([at, cut, ins]) => {
    const i = at % (text.length + 1);
    return Buffer.from(text.slice(0, i) + ins + text.slice(i + cut));
  });
  return fc.oneof(bytes, spliced, spliced);
}

describe('arbitrary bodies never escape a collector as anything but an EarshotError', () => {
  it('every registered collector is a target', () => {
    const covered = new Set(targets.map((t) => t.collector));
    expect(collectors.map((c) => c.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  for (const t of targets) {
    describe(t.name, () => {
      let srv: FixtureServer;
      beforeAll(async () => {
        srv = await startFixtureServer();
        t.routes?.(srv);
      });
      afterAll(() => srv.close());

      it('returns pages or throws an EarshotError', async () => {
        const c = collectors.find((x) => x.id === t.collector)!;
        const type = t.reply.headers?.['content-type'] ?? 'text/plain';
        await fc.assert(
          fc.asyncProperty(bodies(t), async (body) => {
            srv.route(t.method ?? 'GET', t.path, { headers: { 'content-type': String(type) }, body });
            const { error } = await collectPages(
              c,
              ctxFor(testHttp(), null, { secrets: t.secrets ?? {}, maxPages: 2 }),
              t.options(srv.url),
            );
            if (error !== undefined && !(error instanceof EarshotError) && process.env.PROPERTY_DEBUG)
              console.error(t.name, (error as Error).stack);
            if (error !== undefined) expect(error).toBeInstanceOf(EarshotError);
          }),
          { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) },
        );
      });
    });
  }
});
