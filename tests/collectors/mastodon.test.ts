import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MastodonCursor, mapStatus, mastodon, nextMaxId } from '../../collectors/mastodon.ts';
import type { SourceFault } from '../../src/errors.ts';
import { collectPages, ctxFor, testHttp } from '../helpers/collect.ts';
import { cassette, type FixtureServer, type Reply, startFixtureServer } from '../helpers/fixture-server.ts';

// Mastodon.py's recordings against a Mastodon 4.x test server (localhost:3000): the #hoot
// timeline (one status, Link rel=next/prev, x-ratelimit-* with an ISO reset) and v2 search.
const tag = cassette('mastodon/test_hashtag_tl.yaml').find((i) =>
  i.pathAndQuery.startsWith('/api/v1/timelines/tag/'),
)!;
const searchEmpty = cassette('mastodon/test_search.yaml').find((i) =>
  i.pathAndQuery.includes('type=statuses'),
)!;
const statuses = JSON.parse(String(tag.reply.body)) as Record<string, unknown>[];
const status = statuses[0]!;
const json = (body: unknown, headers: Record<string, string> = {}): Reply => ({
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  // The recorded Link points at the recording host; the collector only takes its max_id.
  srv.route('GET', '/api/v1/timelines/tag/hoot', tag.reply);
  srv.route(
    'GET',
    (pq) => pq.startsWith('/api/v1/timelines/tag/hoot?') && pq.includes('max_id=117020593741189701'),
    json([]),
  );
  srv.route('GET', '/api/v2/search', json({ accounts: [], statuses, hashtags: [] }));
  srv.route('GET', (pq) => pq.startsWith('/api/v2/search?') && pq.includes('q=nothing'), searchEmpty.reply);
});
afterAll(() => srv.close());

describe('mastodon collector', () => {
  it('maps a recorded hashtag status: URI id, HTML to text, account, counts, language', async () => {
    const { pages, error } = await collectPages(mastodon, ctxFor(testHttp(), null, { maxPages: 1 }), {
      baseUrl: srv.url,
      hashtag: '#hoot',
    });
    expect(error).toBeUndefined();
    expect(pages[0]!.mentions).toHaveLength(1);
    expect(pages[0]!.mentions[0]).toMatchObject({
      platform: 'mastodon',
      externalId: 'http://localhost:3000/ap/users/117020566092212359/statuses/117020593741189701',
      url: 'http://localhost:3000/@mastodonpy_test_2/117020593741189701',
      text: '#hoot (hashtag toot)',
      lang: 'ja',
      publishedAt: '2026-08-01T13:55:55.867Z',
      author: {
        handle: `mastodonpy_test_2@${new URL(srv.url).host}`,
        followers: 0,
        url: 'http://localhost:3000/@mastodonpy_test_2',
        // account.statuses_count and account.created_at of the recorded status.
        postsCount: 3,
        createdAt: '2026-08-01T00:00:00.000Z',
      },
      metrics: { likes: 0, shares: 0, replies: 0 },
      parentId: null,
      raw: { id: '117020593741189701' },
    });
    expect(pages[0]!.cursor).toMatchObject({ next: '117020593741189701' });
  });

  it('follows the Link header (max_id) to the end, then re-polls the newest page only', async () => {
    const n = srv.requests.length;
    const run1 = await collectPages(mastodon, ctxFor(testHttp()), { baseUrl: srv.url, hashtag: 'hoot' });
    expect(run1.error).toBeUndefined();
    expect(srv.requests.slice(n).map((r) => new URL(r.url, srv.url).searchParams.get('max_id'))).toEqual([
      null,
      '117020593741189701',
    ]);
    const done = run1.pages.at(-1)!.cursor as MastodonCursor;
    expect(done).toEqual({ since: '117020593741189701', next: null, top: null });
    const m = srv.requests.length;
    const run2 = await collectPages(mastodon, ctxFor(testHttp(), done), {
      baseUrl: srv.url,
      hashtag: 'hoot',
    });
    expect(srv.requests.length - m).toBe(1);
    expect(run2.pages[0]!.mentions.map((x) => x.externalId)).toEqual(
      run1.pages[0]!.mentions.map((x) => x.externalId),
    );
    expect(run2.pages.at(-1)!.cursor).toEqual(done);
  });

  it('a Link header pointing back at the same page ends the pass instead of looping', async () => {
    srv.route('GET', '/api/v1/timelines/tag/loop', (req) =>
      json(statuses, { link: `<${srv.url}${req.url?.split('?')[0]}?max_id=5>; rel="next"` }),
    );
    const { pages, error } = await collectPages(mastodon, ctxFor(testHttp()), {
      baseUrl: srv.url,
      hashtag: 'loop',
    });
    expect(error).toBeUndefined();
    expect(pages.length).toBe(2);
  });

  it('searches statuses (v2, type=statuses) with a token; an empty result ends the pass', async () => {
    const signedIn = () => ctxFor(testHttp(), null, { secrets: { token: 't' } });
    const n = srv.requests.length;
    const anonymous = await collectPages(mastodon, ctxFor(testHttp()), { baseUrl: srv.url, query: 'acme' });
    expect(anonymous.error).toMatchObject({ kind: 'login-wall', retry: false });
    expect(srv.requests.length).toBe(n);
    const { pages, error } = await collectPages(mastodon, signedIn(), {
      baseUrl: srv.url,
      query: 'acme',
    });
    expect(error).toBeUndefined();
    expect(pages[0]!.mentions.map((x) => x.text)).toEqual(['#hoot (hashtag toot)']);
    const req = new URL(srv.requests.filter((r) => r.url.startsWith('/api/v2/search')).at(-1)!.url, srv.url);
    expect(req.searchParams.get('type')).toBe('statuses');
    expect(req.searchParams.get('q')).toBe('acme');
    const empty = await collectPages(mastodon, signedIn(), { baseUrl: srv.url, query: 'nothing' });
    expect(empty.error).toBeUndefined();
    expect(empty.pages).toHaveLength(1);
    expect(empty.pages[0]!.mentions).toEqual([]);
  });

  it('reads a boost as its original status, and maps replies to their parent', async () => {
    const reply = { ...status, id: '9', in_reply_to_id: '117020593741189701', content: '<p>me too</p>' };
    const boost = {
      ...status,
      id: '10',
      reblog: { ...status, id: '8', uri: 'https://other.example/s/8', content: '<p>orig</p>' },
    };
    srv.route('GET', '/api/v1/timelines/tag/mixed', json([boost, reply]));
    const { pages } = await collectPages(mastodon, ctxFor(testHttp()), {
      baseUrl: srv.url,
      hashtag: 'mixed',
    });
    const [b, r] = pages[0]!.mentions;
    expect(b).toMatchObject({ externalId: 'https://other.example/s/8', text: 'orig' });
    expect(r).toMatchObject({ text: 'me too', parentId: '117020593741189701' });
  });

  it('401 is auth-expired; a changed shape is schema-changed; HTML is a captcha or login wall', async () => {
    srv.fault('/api/v1/timelines/tag/hoot', { kind: 'status', status: 401 });
    const a = await collectPages(mastodon, ctxFor(testHttp(), null, { secrets: { token: 't' } }), {
      baseUrl: srv.url,
      hashtag: 'hoot',
    });
    expect((a.error as SourceFault).kind).toBe('auth-expired');
    srv.route(
      'GET',
      '/api/v1/timelines/tag/changed',
      json({ error: 'This method requires an authenticated user' }),
    );
    const b = await collectPages(mastodon, ctxFor(testHttp()), { baseUrl: srv.url, hashtag: 'changed' });
    expect((b.error as SourceFault).kind).toBe('schema-changed');
    srv.route('GET', '/api/v1/timelines/tag/fields', json([{ id: '1', nope: true }]));
    const c = await collectPages(mastodon, ctxFor(testHttp()), { baseUrl: srv.url, hashtag: 'fields' });
    expect((c.error as SourceFault).kind).toBe('schema-changed');
    srv.fault('/api/v1/timelines/tag/hoot', { kind: 'login-wall' });
    const d = await collectPages(mastodon, ctxFor(testHttp()), { baseUrl: srv.url, hashtag: 'hoot' });
    expect((d.error as SourceFault).kind).toBe('login-wall');
    for (const r of [a, b, c, d]) expect(r.pages).toEqual([]);
  });

  it('leaves out a malformed statuses_count or account created_at instead of dropping the status', () => {
    const account = status.account as Record<string, unknown>;
    const odd = { ...status, account: { ...account, statuses_count: -1, created_at: 'not a date' } };
    const m = mapStatus(odd as Parameters<typeof mapStatus>[0], 'm.example');
    expect(m.author).toMatchObject({ handle: 'mastodonpy_test_2@m.example', followers: 0 });
    expect(m.author).not.toHaveProperty('postsCount');
    expect(m.author).not.toHaveProperty('createdAt');
  });

  it('reads max_id from a Link header', () => {
    expect(nextMaxId(String(tag.reply.headers!.link))).toBe('117020593741189701');
    expect(nextMaxId('<https://m.example/api/v1/timelines/tag/x?min_id=3>; rel="prev"')).toBeNull();
    expect(nextMaxId(undefined)).toBeNull();
  });
});
