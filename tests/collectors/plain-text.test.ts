import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bluesky } from '../../collectors/bluesky.ts';
import { hackerNews } from '../../collectors/hacker-news.ts';
import { mastodon } from '../../collectors/mastodon.ts';
import { reddit } from '../../collectors/reddit.ts';
import { rss } from '../../collectors/rss.ts';
import type { CollectorDefinition } from '../../collectors/types.ts';
import { x } from '../../collectors/x.ts';
import { youtube } from '../../collectors/youtube.ts';
import { normalizeBatch } from '../../src/pipeline/normalize.ts';
import { collectPages, ctxFor, testHttp } from '../helpers/collect.ts';
import {
  cassette,
  type FixtureServer,
  fixture,
  hnFixtures,
  startFixtureServer,
} from '../helpers/fixture-server.ts';

/**
 * Posts are plain text on most platforms, and the pipeline reads `text` as HTML: unescaped,
 * "I <3 Acme -> best" loses "<3 Acme ->" as a tag, and with it the brand. Each source below is
 * fed a recorded payload whose first item says exactly that, and what the pipeline keeps must
 * be the post as written.
 */
const POST = 'I <3 Acme -> best, & <Acme> beats "Globex" > all';
const RSS_TITLE = 'I <3 Acme -> best, & Acme beats "Globex" > all';

const json = (body: unknown) => ({
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  // Reddit (raw_json=1: bodies and titles arrive unescaped).
  const listing = JSON.parse(String(cassette('reddit/TestSubreddit.test_search.json')[1]!.reply.body));
  listing.data.children[0].data.selftext = POST;
  listing.data.children[0].data.title = POST;
  srv.route('GET', '/search.json', json(listing));
  // Bluesky record.text is plain text.
  const bsky = JSON.parse(String(cassette('bluesky/f_search.yml')[0]!.reply.body));
  bsky.posts[0].record.text = POST;
  bsky.posts[0].author.displayName = 'Acme <fans>';
  delete bsky.cursor;
  srv.route('GET', '/xrpc/app.bsky.feed.searchPosts', json(bsky));
  // Mastodon content is HTML with the text escaped in it.
  const masto = JSON.parse(
    String(
      cassette('mastodon/test_hashtag_tl.yaml').find((i) =>
        i.pathAndQuery.startsWith('/api/v1/timelines/tag/'),
      )!.reply.body,
    ),
  );
  masto[0].content = `<p>${POST.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`;
  masto[0].spoiler_text = 'CW: <Acme>';
  srv.route('GET', '/api/v1/timelines/tag/hoot', json(masto));
  // X escapes & < > in text.
  const tweets = JSON.parse(
    fixture('x/search_tweets_for_nyc.json')
      .toString('utf8')
      .replace(/,\s*"next_token":\s*"[^"]+"/, ''),
  );
  tweets.data[0].text = POST.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  srv.route('GET', '/2/tweets/search/recent', json(tweets));
  // YouTube comments are read with textFormat=plainText.
  const p1 = JSON.parse(fixture('youtube/search_by_keywords_p1.json').toString('utf8'));
  p1.nextPageToken = undefined;
  p1.items = p1.items.slice(0, 1);
  srv.route('GET', '/youtube/v3/search', json(p1));
  const threads = JSON.parse(fixture('youtube/comment_threads_by_video_paged_1.json').toString('utf8'));
  threads.nextPageToken = undefined;
  threads.items[0].snippet.topLevelComment.snippet.textOriginal = POST;
  srv.route('GET', '/youtube/v3/commentThreads', json(threads));
  srv.route('GET', '/youtube/v3/videos', json({ items: [] }));
  // A Hacker News story without story_text: its plain title stands in as the text.
  const hn = (
    JSON.parse(
      String(
        hnFixtures().find((r) => r.pathAndQuery === '/api/v1/search_by_date?hitsPerPage=1&tags=(comment)')!
          .reply.body,
      ),
    ) as { hits: Record<string, unknown>[] }
  ).hits[0];
  srv.route(
    'GET',
    '/api/v1/search_by_date',
    json({
      hits: [{ ...hn, _tags: ['story'], comment_text: null, story_text: null, title: POST }],
      nbHits: 1,
    }),
  );
  // An RSS item with only a title.
  srv.route('GET', '/feed.xml', {
    headers: { 'content-type': 'application/rss+xml' },
    // (RSS titles often carry escaped markup, so one that looks like a tag, "<Acme>", is removed.)
    body: `<rss version="2.0"><channel><title>f</title><item><guid>1</guid><title>${RSS_TITLE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</title></item></channel></rss>`,
  });
});
afterAll(() => srv.close());

const cases: [
  string,
  CollectorDefinition,
  (base: string) => Record<string, unknown>,
  Record<string, string>?,
][] = [
  ['reddit', reddit, (base) => ({ query: 'acme', baseUrl: base })],
  ['bluesky', bluesky, (base) => ({ query: 'acme', baseUrl: base })],
  ['mastodon', mastodon, (base) => ({ hashtag: 'hoot', baseUrl: base })],
  ['x', x, (base) => ({ enabled: true, query: 'acme', baseUrl: base }), { bearerToken: 't' }],
  ['youtube', youtube, (base) => ({ query: 'acme', baseUrl: base, statistics: false }), { key: 'k' }],
  ['hacker-news (a title as text)', hackerNews, (base) => ({ query: 'acme', baseUrl: base })],
  ['rss (a title as text)', rss, (base) => ({ url: `${base}/feed.xml` })],
];

describe('plain text reaches the pipeline as written', () => {
  it.each(cases)('%s', async (_name, def, options, secrets) => {
    const { pages, error } = await collectPages(
      def,
      ctxFor(testHttp(), null, { secrets: secrets ?? {} }),
      options(srv.url),
    );
    expect(error).toBeUndefined();
    const { good } = normalizeBatch(
      pages.flatMap((p) => p.mentions),
      new Date(),
    );
    const texts = good.map((g) => g.mention.text);
    expect(texts).toContain(def === rss ? RSS_TITLE : POST);
  });

  it('titles and author names too', async () => {
    const r = await collectPages(reddit, ctxFor(testHttp()), { query: 'acme', baseUrl: srv.url });
    const b = await collectPages(bluesky, ctxFor(testHttp()), { query: 'acme', baseUrl: srv.url });
    const m = await collectPages(mastodon, ctxFor(testHttp()), { hashtag: 'hoot', baseUrl: srv.url });
    const norm = (pages: { mentions: unknown[] }[]) =>
      normalizeBatch(
        pages.flatMap((p) => p.mentions),
        new Date(),
      ).good.map((g) => g.mention);
    expect(norm(r.pages).map((x) => x.title)).toContain(POST);
    expect(norm(b.pages).map((x) => x.author.name)).toContain('Acme <fans>');
    expect(norm(m.pages).map((x) => x.title)).toContain('CW: <Acme>');
  });
});
