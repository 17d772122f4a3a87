import { cassette, fixture, type Reply } from './fixture-server.ts';

export interface ContractCase {
  /** The first request of the source, served with `reply`. */
  path: string;
  reply: Reply;
  options: (base: string) => Record<string, unknown>;
  /** Secrets the source needs (bearer tokens): fake values, the replay server ignores them. */
  secrets?: Record<string, string>;
}

/**
 * One case per registered collector: its first request and a good recorded answer. The contract
 * tests fail for a registered collector without a case, so a new source is covered the day it is
 * registered.
 */
export const contractCases: Record<string, ContractCase> = {
  rss: {
    path: '/feed.xml',
    reply: {
      headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
      body: fixture('rss/rss-parser/guardian.rss'),
    },
    options: (base) => ({ url: `${base}/feed.xml` }),
  },
  'hacker-news': {
    path: '/api/v1/search_by_date',
    reply: {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        (
          JSON.parse(fixture('hackernews/fixtures.json').toString()) as { url: string; reply: unknown }[]
        ).find((r) => r.url === '/api/v1/search_by_date?hitsPerPage=1&tags=(comment)')!.reply,
      ),
    },
    options: (base) => ({ query: 'apple', baseUrl: base, hitsPerPage: 100 }),
  },
  youtube: {
    path: '/feeds/videos.xml',
    reply: { headers: { 'content-type': 'application/atom+xml' }, body: fixture('youtube/youtube_atom.xml') },
    options: (base) => ({ channelId: 'UCK8sQmJBp8GCxrOtXWBpyEA', baseUrl: base }),
  },
  x: {
    path: '/2/tweets/search/recent',
    reply: {
      headers: { 'content-type': 'application/json' },
      // The recorded page without its next_token: the same body again would be its own page 2.
      body: fixture('x/search_tweets_for_nyc.json')
        .toString('utf8')
        .replace(/,\s*"next_token":\s*"[^"]+"/, ''),
    },
    options: (base) => ({ enabled: true, query: 'nyc', baseUrl: base }),
    secrets: { bearerToken: 'contract-token' },
  },
  'app-store': {
    path: '/us/rss/customerreviews/page=1/id=474495017/sortby=mostrecent/json',
    reply: {
      headers: { 'content-type': 'application/json' },
      // The recorded page with its rel=next link dropped (only page 1 is served here).
      body: JSON.stringify(
        ((f) => ({
          feed: {
            ...f,
            link: f.link.filter((l: { attributes: { rel: string } }) => l.attributes.rel !== 'next'),
          },
        }))(JSON.parse(fixture('appstore/Reviews.json').toString('utf8')).feed),
      ),
    },
    options: (base) => ({ appId: '474495017', baseUrl: base }),
  },
  'google-play': {
    path: '/store/apps/details',
    reply: {
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: fixture('googleplay/com.instagram.igtv.html'),
    },
    options: (base) => ({ appId: 'com.instagram.igtv', source: 'app-page', baseUrl: base }),
  },
  trustpilot: {
    path: '/review/hubspot.com',
    reply: {
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: `<html><body>${fixture('trustpilot/trustpilot.html').toString('utf8')}</body></html>`,
    },
    options: (base) => ({ domain: 'hubspot.com', baseUrl: base }),
  },
  reddit: {
    path: '/search.json',
    reply: cassette('reddit/TestSubreddit.test_search.json')[1]!.reply,
    options: (base) => ({ query: 'praw oauth search', baseUrl: base }),
  },
  mastodon: {
    path: '/api/v1/timelines/tag/hoot',
    // The recorded timeline without its Link header: served again, rel="next" would be page 2.
    reply: ((r) => ({ ...r, headers: { ...r.headers, link: '' } }))(
      cassette('mastodon/test_hashtag_tl.yaml').find((i) =>
        i.pathAndQuery.startsWith('/api/v1/timelines/tag/hoot'),
      )!.reply,
    ),
    options: (base) => ({ baseUrl: base, hashtag: 'hoot' }),
  },
  bluesky: {
    path: '/xrpc/app.bsky.feed.searchPosts',
    reply: cassette('bluesky/f_search.yml')[0]!.reply,
    options: (base) => ({ query: 'redistricting', baseUrl: base }),
  },
  weibo: {
    path: '/1669879400/profile',
    reply: {
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: fixture('weibo/a4437630f3bdfa2757bae1595186ac063fe5ec25cf2f98116ece83cb.html'),
    },
    options: (base) => ({ uid: '1669879400', baseUrl: base }),
  },
  'web-page': {
    path: '/news/world-us-canada-33646704',
    reply: {
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: fixture('web/readability/bbc-1/source.html'),
    },
    options: (base) => ({
      url: `${base}/news/world-us-canada-33646704`,
      selectors: { item: 'html', title: 'h1', text: '.story-body__inner > p', date: '.date@data-seconds' },
    }),
  },
};
