import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../collectors/_lib/html.ts';
import { type RedditCursor, reddit } from '../../collectors/reddit.ts';
import { SourceFault } from '../../src/errors.ts';
import { collectPages, ctxFor, testHttp } from '../helpers/collect.ts';
import { cassette, type FixtureServer, startFixtureServer } from '../helpers/fixture-server.ts';

// PRAW's recordings: an OAuth token call, a search Listing (6 posts), a comment Listing of 100
// with real x-ratelimit-* headers. (Its second recording is `before=`, the same newest 95 again,
// so for paging the recorded 100 comments are cut into two real pages of 50 here.)
const search = cassette('reddit/TestSubreddit.test_search.json');
const comments = cassette('reddit/TestSubredditStreams.test_comments__with_continue_after_id.json');
const listing = JSON.parse(String(comments[1]!.reply.body)) as {
  kind: string;
  data: { after: string | null; children: { data: { name: string } }[] };
};
const half = (part: 0 | 1) => ({
  ...comments[1]!.reply,
  body: JSON.stringify({
    ...listing,
    data: {
      ...listing.data,
      children: listing.data.children.slice(part * 50, part * 50 + 50),
      after: part === 0 ? listing.data.children[49]!.data.name : null,
    },
  }),
});
const cut = listing.data.children[49]!.data.name;

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('POST', '/api/v1/access_token', search[0]!.reply);
  srv.route('GET', '/search', search[1]!.reply);
  srv.route('GET', '/search.json', search[1]!.reply);
  srv.route('GET', '/r/sub/comments.json', comments[1]!.reply);
  srv.route('GET', '/r/paged/comments.json', half(0));
  srv.route('GET', (pq) => pq.startsWith('/r/paged/comments.json?') && pq.includes(`after=${cut}`), half(1));
});
afterAll(() => srv.close());

const comment = (pq: string) => pq.startsWith('/r/paged/comments.json');

describe('reddit collector', () => {
  it('maps a recorded search Listing through app-only OAuth (client_credentials)', async () => {
    const { pages, error } = await collectPages(
      reddit,
      ctxFor(testHttp(), null, { secrets: { clientId: 'id', clientSecret: 's' } }),
      { query: 'praw oauth search', baseUrl: srv.url },
    );
    expect(error).toBeUndefined();
    const ms = pages.flatMap((p) => p.mentions);
    expect(ms).toHaveLength(6);
    expect(ms.every((m) => typeof m.externalId === 'string' && m.externalId.startsWith('t3_'))).toBe(true);
    expect(ms.find((x) => x.externalId === 't3_3gpbiu')).toMatchObject({
      platform: 'reddit',
      author: { handle: 'dClauzel', url: 'https://www.reddit.com/user/dClauzel' },
      title: expect.stringContaining('[PRAW][OAuth2Util]'),
      url: 'https://www.reddit.com/r/redditdev/comments/3gpbiu/prawoauth2util_problem_using_get_banned_raise/',
      publishedAt: new Date(1439370514 * 1000).toISOString(),
      metrics: { likes: 0, replies: 21 },
      parentId: null,
      threadId: 't3_3gpbiu',
      raw: { kind: 't3', subreddit: 'redditdev' },
    });
    const token = srv.requests.filter((r) => r.url === '/api/v1/access_token').at(-1)!;
    expect(token.method).toBe('POST');
    expect(token.body).toBe('grant_type=client_credentials');
    expect(token.headers.authorization).toBe(`Basic ${Buffer.from('id:s').toString('base64')}`);
    const req = srv.requests.filter((r) => r.url.startsWith('/search?')).at(-1)!;
    expect(req.headers.authorization).toBe('Bearer <ACCESS_TOKEN>');
    expect(new URLSearchParams(req.url.split('?')[1])).toMatchObject(
      new URLSearchParams({ q: 'praw oauth search', sort: 'new', limit: '100', raw_json: '1' }),
    );
  });

  it('uses the public JSON without credentials', async () => {
    const { pages, error } = await collectPages(reddit, ctxFor(testHttp()), {
      query: 'acme',
      baseUrl: srv.url,
    });
    expect(error).toBeUndefined();
    expect(pages.flatMap((p) => p.mentions)).toHaveLength(6);
    const req = srv.requests.filter((r) => r.url.startsWith('/search.json?')).at(-1)!;
    expect(req.headers.authorization).toBeUndefined();
    expect(req.headers['user-agent']).toMatch(/^Earshot\/\d/);
  });

  it('maps comments (t1) with parents and threads, and pages with `after`', async () => {
    const one = await collectPages(reddit, ctxFor(testHttp(), null, { maxPages: 1 }), {
      subreddit: 'sub',
      listing: 'comments',
      baseUrl: srv.url,
    });
    expect(one.pages[0]!.mentions).toHaveLength(100);
    expect(one.pages[0]!.cursor).toMatchObject({ since: null, next: 't1_k3uzsxu' });
    const before = srv.requests.length;
    const { pages, error } = await collectPages(reddit, ctxFor(testHttp()), {
      subreddit: 'paged',
      listing: 'comments',
      baseUrl: srv.url,
    });
    expect(error).toBeUndefined();
    expect(pages.map((p) => p.mentions.length)).toEqual([50, 50]);
    const c = pages[0]!.mentions.find((x) => x.externalId === 't1_k3yrfii')!;
    expect(c).toMatchObject({
      text: 'Did it work?',
      parentId: 't1_k3u4rtt',
      threadId: 't3_agi5zf',
      title: null,
      metrics: { likes: 1, replies: null },
    });
    expect(pages[0]!.cursor).toMatchObject({ since: null, next: cut });
    expect((pages[1]!.cursor as RedditCursor).next).toBeNull();
    expect(srv.requests.slice(before).filter((r) => comment(r.url))).toHaveLength(2);
    const ids = pages.flatMap((p) => p.mentions.map((m) => String(m.externalId)));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a crash on page 2 leaves the page-1 cursor usable: the resumed run finishes without duplicates', async () => {
    srv.fault((pq) => comment(pq) && pq.includes('after='), { kind: 'reset' }, 1);
    const opts = { subreddit: 'paged', listing: 'comments', baseUrl: srv.url };
    const crashed = await collectPages(reddit, ctxFor(testHttp()), opts);
    expect(crashed.pages).toHaveLength(1);
    expect(crashed.error).toMatchObject({ retry: true });
    const committed = crashed.pages[0]!.cursor;
    const resumed = await collectPages(reddit, ctxFor(testHttp(), committed), opts);
    expect(resumed.error).toBeUndefined();
    expect(srv.requests.at(-1)!.url).toContain(`after=${cut}`);
    const first = crashed.pages[0]!.mentions.map((m) => m.externalId);
    const rest = resumed.pages.flatMap((p) => p.mentions.map((m) => m.externalId));
    expect(rest).toHaveLength(50);
    expect(rest.filter((id) => first.includes(id))).toEqual([]);
    // The finished pass raises `since`; the next run re-reads page 1 only (metrics refresh).
    const done = resumed.pages.at(-1)!.cursor as RedditCursor;
    expect(done.next).toBeNull();
    expect(done.since).not.toBeNull();
    const n = srv.requests.length;
    const next = await collectPages(reddit, ctxFor(testHttp(), done), opts);
    expect(next.error).toBeUndefined();
    expect(srv.requests.length - n).toBe(1);
  });

  it('401 is auth-expired, for the token call and for the listing', async () => {
    srv.fault('/api/v1/access_token', { kind: 'status', status: 401 }, 1);
    const a = await collectPages(
      reddit,
      ctxFor(testHttp(), null, { secrets: { clientId: 'x', clientSecret: 'y' } }),
      {
        query: 'acme',
        baseUrl: srv.url,
      },
    );
    expect(a.error).toBeInstanceOf(SourceFault);
    expect((a.error as SourceFault).kind).toBe('auth-expired');
    srv.fault('/search.json', { kind: 'status', status: 401 }, 1);
    const b = await collectPages(reddit, ctxFor(testHttp()), { query: 'acme', baseUrl: srv.url });
    expect((b.error as SourceFault).kind).toBe('auth-expired');
    expect(b.pages).toEqual([]);
  });

  it('a changed Listing shape is schema-changed, never an empty page', async () => {
    srv.route('GET', '/r/changed/new.json', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'Listing', data: { children: [{ kind: 't3', data: { id: 'x' } }] } }),
    });
    srv.route('GET', '/r/gone/new.json', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Forbidden', error: 403 }),
    });
    for (const subreddit of ['changed', 'gone']) {
      const { pages, error } = await collectPages(reddit, ctxFor(testHttp()), {
        subreddit,
        baseUrl: srv.url,
      });
      expect(pages).toEqual([]);
      expect((error as SourceFault).kind).toBe('schema-changed');
    }
  });

  it('options need a query or a subreddit', () => {
    expect(reddit.options.safeParse({}).success).toBe(false);
    expect(reddit.options.safeParse({ subreddit: 'a b' }).success).toBe(false);
  });
});

describe('reddit: items that are gone, and items without a permalink', () => {
  // Variants of recorded items, as Reddit serves them once deleted or removed.
  type Child = { kind: string; data: Record<string, unknown> };
  const recordedComments = (JSON.parse(String(comments[1]!.reply.body)) as { data: { children: Child[] } })
    .data.children;
  const recordedPosts = (JSON.parse(String(search[1]!.reply.body)) as { data: { children: Child[] } }).data
    .children;
  const comment = (i: number, over: Record<string, unknown>): Child => ({
    ...recordedComments[i]!,
    data: { ...recordedComments[i]!.data, ...over },
  });
  const post = (i: number, over: Record<string, unknown>): Child => ({
    ...recordedPosts[i]!,
    data: { ...recordedPosts[i]!.data, ...over },
  });
  const serve = async (children: Child[]) => {
    srv.route('GET', '/r/gone/new.json', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'Listing', data: { after: null, children } }),
    });
    const r = await collectPages(reddit, ctxFor(testHttp()), { subreddit: 'gone', baseUrl: srv.url });
    expect(r.error).toBeUndefined();
    return r.pages.flatMap((p) => p.mentions);
  };

  it('skips comments whose body is [deleted], [removed] or removed by Reddit; keeps a deleted account’s comment', async () => {
    const ms = await serve([
      comment(0, { body: '[deleted]', author: '[deleted]' }),
      comment(1, { body: '[removed]' }),
      comment(2, { body: '[ Removed by Reddit ]' }),
      comment(3, {
        body: '[ Removed by Reddit on account of violating the [content policy](/help/contentpolicy). ]',
      }),
      comment(4, { author: '[deleted]' }),
      comment(5, {}),
    ]);
    expect(ms.map((m) => m.externalId)).toEqual([
      recordedComments[4]!.data.name,
      recordedComments[5]!.data.name,
    ]);
    expect(ms[0]!.author).toMatchObject({ handle: '[deleted]', url: null });
    expect(ms[0]!.text).toBe(escapeHtml(String(recordedComments[4]!.data.body)));
  });

  it('keeps a removed post by its title (the text is the title, not "[removed]"); skips one with nothing left', async () => {
    const ms = await serve([
      post(0, { selftext: '[removed]', removed_by_category: 'moderator' }),
      post(1, { selftext: '[deleted]', author: '[deleted]' }),
      post(2, { selftext: '[removed]', title: '' }),
    ]);
    expect(ms.map((m) => m.externalId)).toEqual([recordedPosts[0]!.data.name, recordedPosts[1]!.data.name]);
    expect(ms[0]).toMatchObject({ title: recordedPosts[0]!.data.title, text: recordedPosts[0]!.data.title });
    expect(ms[0]!.raw).toMatchObject({ removed: true });
    for (const m of ms) expect(m.text).not.toMatch(/\[(removed|deleted)\]/);
  });

  it('builds a comment URL from link_id and id when the permalink is missing', async () => {
    const c = recordedComments[0]!.data as { id: string; link_id: string; name: string };
    const [m, p] = await serve([comment(0, { permalink: undefined }), post(0, { permalink: null })]);
    expect(m!.url).toBe(`https://www.reddit.com/comments/${c.link_id.slice(3)}/_/${c.id}/`);
    expect(p!.url).toBe(`https://www.reddit.com/comments/${String(recordedPosts[0]!.data.id)}/`);
    // Without an id field, the fullname gives it.
    const [n] = await serve([comment(0, { permalink: undefined, id: undefined })]);
    expect(n!.url).toBe(`https://www.reddit.com/comments/${c.link_id.slice(3)}/_/${c.name.slice(3)}/`);
  });

  it('reads created_utc written as a string, and ignores subreddits (t5) a search lists among posts', async () => {
    const ms = await serve([
      post(0, { created_utc: String(recordedPosts[0]!.data.created_utc), id: null }),
      // A null date is no date: the item is skipped, never dated 1970.
      post(1, { created_utc: null }),
      { kind: 't5', data: { name: 't5_2qh1i', display_name: 'AskReddit', created_utc: 1201233135 } },
    ]);
    expect(ms.map((m) => m.externalId)).toEqual([recordedPosts[0]!.data.name]);
  });
});
