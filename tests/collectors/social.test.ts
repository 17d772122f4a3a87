import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bluesky } from '../../collectors/bluesky.ts';
import { mastodon, nextMaxId } from '../../collectors/mastodon.ts';
import { reddit } from '../../collectors/reddit.ts';
import { SourceFault } from '../../src/errors.ts';
import { collectPages, ctxFor, testHttp } from '../helpers/collect.ts';
import { cassette, type FixtureServer, startFixtureServer } from '../helpers/fixture-server.ts';

let srv: FixtureServer;
const redditSearch = cassette('reddit/TestSubreddit.test_search.json');
const redditComments = cassette('reddit/TestSubredditStreams.test_comments__with_continue_after_id.json');
const mastodonTag = cassette('mastodon/test_hashtag_tl.yaml').find((i) => i.pathAndQuery.startsWith('/api/v1/timelines/tag/hoot'))!;
const mastodonSearch = cassette('mastodon/test_search.yaml').filter((i) => i.pathAndQuery.startsWith('/api/v2/search'));
const bsky = cassette('bluesky/f_search.yml')[0]!;

beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('POST', '/api/v1/access_token', redditSearch[0]!.reply);
  srv.route('GET', '/search', redditSearch[1]!.reply);
  srv.route('GET', '/r/sub/comments.json', redditComments[1]!.reply);
  srv.route('GET', '/api/v1/timelines/tag/hoot', mastodonTag.reply);
  srv.route('GET', '/api/v2/search', mastodonSearch.at(-1)!.reply);
  srv.route('GET', '/xrpc/app.bsky.feed.searchPosts', bsky.reply);
});
afterAll(() => srv.close());

describe('reddit', () => {
  it('maps a recorded search Listing through app-only OAuth', async () => {
    const { pages, error } = await collectPages(reddit, ctxFor(testHttp(), null, { secrets: { clientId: 'id', clientSecret: 's' } }), {
      query: 'praw oauth search',
      baseUrl: srv.url,
    });
    expect(error).toBeUndefined();
    const ms = pages.flatMap((p) => p.mentions);
    expect(ms).toHaveLength(6);
    const m = ms.find((x) => x.externalId === 't3_3gpbiu')!;
    expect(m).toMatchObject({
      platform: 'reddit',
      author: { handle: 'dClauzel' },
      title: expect.stringContaining('[PRAW][OAuth2Util]'),
      url: 'https://www.reddit.com/r/redditdev/comments/3gpbiu/prawoauth2util_problem_using_get_banned_raise/',
      publishedAt: new Date(1439370514 * 1000).toISOString(),
      metrics: { likes: 0, replies: 21 },
      threadId: 't3_3gpbiu',
    });
    const search = srv.requests.filter((r) => r.url.startsWith('/search')).at(-1)!;
    expect(search.headers.authorization).toMatch(/^Bearer /);
    expect(search.url).toContain('sort=new');
  });

  it('maps comments with parents and keeps the `after` cursor for the next page', async () => {
    const { pages } = await collectPages(reddit, ctxFor(testHttp(), null, { maxPages: 1 }), { subreddit: 'sub', listing: 'comments', baseUrl: srv.url });
    const ms = pages[0]!.mentions;
    expect(ms).toHaveLength(100);
    const c = ms.find((x) => x.externalId === 't1_k3yrfii')!;
    expect(c).toMatchObject({ text: 'Did it work?', parentId: 't1_k3u4rtt', threadId: 't3_agi5zf', title: null, metrics: { likes: 1 } });
    expect(pages[0]!.cursor).toMatchObject({ next: 't1_k3uzsxu' });
  });
});

describe('mastodon', () => {
  it('maps a recorded hashtag timeline and reads max_id from the Link header', async () => {
    const { pages, error } = await collectPages(mastodon, ctxFor(testHttp(), null, { maxPages: 1 }), { baseUrl: srv.url, hashtag: '#hoot' });
    expect(pages[0]!.cursor).toMatchObject({ next: '117020593741189701' });
    expect(error).toBeUndefined();
    const [m] = pages[0]!.mentions;
    expect(m).toMatchObject({ platform: 'mastodon', publishedAt: expect.any(String), metrics: { likes: expect.any(Number) } });
    expect(m!.author.handle).toMatch(/@/);
    expect(typeof m!.text).toBe('string');
    expect(nextMaxId('<http://x/api/v1/timelines/tag/hoot?max_id=117020593741189701>; rel="next", <http://x/?min_id=1>; rel="prev"')).toBe('117020593741189701');
  });

  it('search with an empty result ends the pass cleanly', async () => {
    const { pages, error } = await collectPages(mastodon, ctxFor(testHttp()), { baseUrl: srv.url, query: 'mastodonpy_test' });
    expect(error).toBeUndefined();
    expect(pages.length).toBe(1);
  });
});

describe('bluesky', () => {
  it('maps recorded searchPosts results with web URLs and counts', async () => {
    const { pages, error } = await collectPages(bluesky, ctxFor(testHttp(), null, { maxPages: 1 }), { query: 'redistricting', baseUrl: srv.url });
    expect(error).toBeUndefined();
    const ms = pages[0]!.mentions;
    expect(ms).toHaveLength(25);
    const m = ms[0]!;
    expect(m.externalId).toBe('at://did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m');
    expect(m.url).toBe('https://bsky.app/profile/socpaperbot.bsky.social/post/3lpk2u6qo222m');
    expect(m).toMatchObject({ author: { handle: 'socpaperbot.bsky.social' }, publishedAt: '2025-05-19T17:10:09.561858Z' });
    expect(m.text).toContain('Congressional Redistricting');
    expect(pages[0]!.cursor).toMatchObject({ next: '25' });
  });

  it('an HTML answer where JSON was expected is a source fault', async () => {
    srv.fault('/xrpc/app.bsky.feed.searchPosts', { kind: 'html', body: '<html><body>maintenance</body></html>' });
    const { error } = await collectPages(bluesky, ctxFor(testHttp()), { query: 'x', baseUrl: srv.url });
    expect(error).toBeInstanceOf(SourceFault);
  });
});
