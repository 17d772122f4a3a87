import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlueskyCursor, bluesky, mapPost, postUrl } from '../../collectors/bluesky.ts';
import { SourceFault } from '../../src/errors.ts';
import { collectPages, ctxFor, testHttp } from '../helpers/collect.ts';
import { cassette, type FixtureServer, startFixtureServer } from '../helpers/fixture-server.ts';

// bskyr's R vcr recording of searchPosts?q=redistricting: 25 posts, `cursor: "25"`, body stored
// decoded under a stale `Content-Encoding: gzip` (dropped by the replay), RateLimit-* headers.
const rec = cassette('bluesky/f_search.yml')[0]!;
const PATH = '/xrpc/app.bsky.feed.searchPosts';

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', PATH, rec.reply);
  srv.route('GET', (pq) => pq.startsWith(`${PATH}?`) && pq.includes('cursor=25'), {
    headers: { 'content-type': 'application/json' },
    body: '{"posts":[]}',
  });
});
afterAll(() => srv.close());

const opts = () => ({ query: 'redistricting', baseUrl: srv.url });

describe('bluesky collector', () => {
  it('maps recorded posts: at:// ids, bsky.app URLs, counts, langs, reply parents', async () => {
    const { pages, error } = await collectPages(bluesky, ctxFor(testHttp(), null, { maxPages: 1 }), opts());
    expect(error).toBeUndefined();
    const ms = pages[0]!.mentions;
    expect(ms).toHaveLength(25);
    expect(ms[0]).toMatchObject({
      platform: 'bluesky',
      externalId: 'at://did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m',
      url: 'https://bsky.app/profile/socpaperbot.bsky.social/post/3lpk2u6qo222m',
      author: {
        handle: 'socpaperbot.bsky.social',
        url: 'https://bsky.app/profile/socpaperbot.bsky.social',
        // The author view's createdAt (account creation); it has no post count.
        createdAt: '2024-09-04T11:55:00.863Z',
      },
      publishedAt: '2025-05-19T17:10:09.561858Z',
      lang: null,
      parentId: null,
    });
    expect(ms[0]!.text).toContain('Congressional Redistricting');
    expect(ms[1]!.author.createdAt).toBe('2024-11-08T23:56:14.216Z');
    expect(ms.every((m) => typeof m.author.createdAt === 'string')).toBe(true);
    expect(ms.some((m) => 'postsCount' in m.author)).toBe(false);
    const nyhan = ms.find((m) => String(m.externalId).endsWith('/3lpjneeyp6c2w'))!;
    expect(nyhan).toMatchObject({ lang: 'en', metrics: { likes: 20, shares: 6, replies: 2 } });
    const reply = ms.find((m) => String(m.externalId).endsWith('/3lpjzka2pzc2l'))!;
    expect(reply.parentId).toMatch(/^at:\/\/did:plc:[a-z0-9]+\/app\.bsky\.feed\.post\/\w+$/);
    expect(reply.threadId).toMatch(/^at:\/\//);
    expect(pages[0]!.cursor).toMatchObject({ since: null, next: '25' });
    const q = new URL(srv.requests.at(-1)!.url, srv.url).searchParams;
    expect(q.get('sort')).toBe('latest');
    expect(q.get('q')).toBe('redistricting');
    expect(q.get('since')).toBe('1990-01-01T00:00:00.000Z'); // backfillSince on a first run
  });

  it('pages with the opaque cursor, resumes after a crash, and sends `since` on the next run', async () => {
    srv.fault((pq) => pq.includes('cursor=25'), { kind: 'timeout' }, 1);
    const crashed = await collectPages(
      bluesky,
      ctxFor(testHttp({ timeouts: { headersMs: 150, bodyMs: 150 } })),
      opts(),
    );
    expect(crashed.pages).toHaveLength(1);
    expect(crashed.error).toMatchObject({ retry: true });
    const resumed = await collectPages(bluesky, ctxFor(testHttp(), crashed.pages[0]!.cursor), opts());
    expect(resumed.error).toBeUndefined();
    expect(resumed.pages.flatMap((p) => p.mentions)).toEqual([]);
    const done = resumed.pages.at(-1)!.cursor as BlueskyCursor;
    expect(done).toEqual({ since: '2025-05-19T17:10:09.813Z', next: null, top: null });
    await collectPages(bluesky, ctxFor(testHttp(), done), opts());
    expect(new URL(srv.requests.at(-1)!.url, srv.url).searchParams.get('since')).toBe(done.since);
  });

  it('HTML, a captcha, an empty body, a changed shape and a 401 are source faults', async () => {
    const cases: [Parameters<FixtureServer['fault']>[1], string][] = [
      [{ kind: 'html', body: '<html><body>maintenance</body></html>' }, 'schema-changed'],
      [{ kind: 'captcha' }, 'captcha'],
      [{ kind: 'empty' }, 'empty'],
      [{ kind: 'status', status: 401 }, 'auth-expired'],
    ];
    for (const [fault, kind] of cases) {
      srv.fault(PATH, fault);
      const { pages, error } = await collectPages(bluesky, ctxFor(testHttp()), opts());
      expect(pages, kind).toEqual([]);
      expect(error, kind).toBeInstanceOf(SourceFault);
      expect((error as SourceFault).kind).toBe(kind);
    }
    srv.route('GET', '/changed/xrpc/app.bsky.feed.searchPosts', {
      headers: { 'content-type': 'application/json' },
      body: '{"feed":[]}',
    });
    const { error } = await collectPages(bluesky, ctxFor(testHttp()), {
      query: 'x',
      baseUrl: `${srv.url}/changed`,
    });
    expect((error as SourceFault).kind).toBe('schema-changed');
  });

  it('leaves out an author createdAt that is a placeholder or no date', () => {
    const post = {
      uri: 'at://did:plc:abc/app.bsky.feed.post/3k',
      author: { did: 'did:plc:abc', handle: 'a.bsky.social', createdAt: '0001-01-01T00:00:00.000Z' },
      record: { text: 'hi', createdAt: '2025-05-19T17:10:09.561Z' },
    };
    expect(mapPost(post).author).not.toHaveProperty('createdAt');
    expect(mapPost({ ...post, author: { ...post.author, createdAt: 42 } }).author).not.toHaveProperty(
      'createdAt',
    );
    expect(mapPost({ ...post, author: { ...post.author, createdAt: 'soon' } }).author).not.toHaveProperty(
      'createdAt',
    );
  });

  it('builds web URLs only for post URIs', () => {
    expect(postUrl('at://did:plc:abc/app.bsky.feed.post/3k', 'a.bsky.social')).toBe(
      'https://bsky.app/profile/a.bsky.social/post/3k',
    );
    expect(postUrl('at://did:plc:abc/app.bsky.feed.like/3k', 'a')).toBeNull();
  });
});
