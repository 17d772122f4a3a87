import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseXSearch } from '../../collectors/_lib/parse-x.ts';
import { type XCursor, x } from '../../collectors/x.ts';
import { SourceFault } from '../../src/errors.ts';
import { testHttp as baseHttp, collectPages, ctxFor } from '../helpers/collect.ts';
import { cassette, type FixtureServer, fixture, startFixtureServer } from '../helpers/fixture-server.ts';

const testHttp = () => baseHttp({ defaultLimit: { perMinute: 1_000_000, concurrency: 4 } });
const nyc = JSON.parse(fixture('x/search_tweets_for_nyc.json').toString('utf8'));
const tweepy = cassette('x/test_asyncclient_search_recent_tweets.yaml')[0]!;
const now = new Date('2026-11-25T08:00:00Z');

/** A synthetic recent-search endpoint honouring since_id, until_id, max_results and next_token. */
const synthetic = Array.from({ length: 250 }, (_, i) => ({
  id: String(1_800_000_000_000_000_000n + BigInt(i)),
  text: `post ${i} about acme &amp; co`,
  author_id: String(100 + (i % 5)),
  created_at: new Date(now.getTime() - (250 - i) * 60_000).toISOString(),
  lang: 'en',
  conversation_id: String(1_800_000_000_000_000_000n + BigInt(i - (i % 10))),
  public_metrics: { like_count: i, retweet_count: 2, quote_count: 1, reply_count: 3, impression_count: 40 },
}));

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', '/nyc/2/tweets/search/recent', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...nyc, meta: { ...nyc.meta, next_token: undefined } }),
  });
  srv.route('GET', '/tweepy/2/tweets/search/recent', {
    ...tweepy.reply,
    // Recorded with a next_token; the same body again would be page 2, so the token is dropped here.
    body: String(tweepy.reply.body).replace(/,\s*"next_token":"[^"]+"/, ''),
  });
  srv.route('GET', '/2/tweets/search/recent', (req) => {
    const q = new URL(req.url!, 'http://x').searchParams;
    const since = BigInt(q.get('since_id') ?? '0');
    const until = q.get('until_id') ? BigInt(q.get('until_id')!) : null;
    const per = Number(q.get('max_results') ?? 10);
    const offset = Number((q.get('next_token') ?? 'o0').slice(1));
    const all = synthetic
      .filter((t) => BigInt(t.id) > since && (until === null || BigInt(t.id) < until))
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    const data = all.slice(offset, offset + per);
    const users = [...new Set(data.map((t) => t.author_id))].map((id) => ({
      id,
      username: `user${id}`,
      name: `User ${id}`,
      verified: id === '100',
      // X's documented user object: created_at ISO, public_metrics.tweet_count.
      created_at: `2015-03-0${Number(id) - 99}T12:00:00.000Z`,
      public_metrics: { followers_count: Number(id) * 10, tweet_count: Number(id) * 100 },
    }));
    return {
      headers: {
        'content-type': 'application/json',
        'x-rate-limit-limit': '450',
        'x-rate-limit-remaining': '449',
        'x-rate-limit-reset': String(Math.floor(now.getTime() / 1000) + 900),
      },
      body: JSON.stringify({
        ...(data.length ? { data, includes: { users } } : {}),
        meta: {
          result_count: data.length,
          ...(data.length ? { newest_id: data[0]!.id, oldest_id: data.at(-1)!.id } : {}),
          ...(offset + per < all.length ? { next_token: `o${offset + per}` } : {}),
        },
      }),
    };
  });
});
afterAll(() => srv.close());

const secrets = { bearerToken: 'tok' };
const opts = (extra: Record<string, unknown> = {}) => ({
  enabled: true,
  query: 'acme',
  baseUrl: srv.url,
  ...extra,
});
const ids = (pages: { mentions: { externalId: string | number }[] }[]) =>
  pages.flatMap((p) => p.mentions.map((m) => String(m.externalId)));

describe('x parser (recorded bodies)', () => {
  it('reads a post whose optional fields are null (dropped the post, or the page) as the post without them', () => {
    const body = structuredClone(nyc);
    const reply = body.data.find((t: { id: string }) => t.id === '1275840892281249793');
    Object.assign(reply, { lang: null, created_at: null, conversation_id: null, public_metrics: null });
    reply.referenced_tweets = [null, { type: 'replied_to', id: '1275781448855891968' }];
    const other = body.data.find((t: { id: string }) => t.id !== reply.id);
    other.author_id = null;
    other.referenced_tweets = null;
    body.meta.next_token = null;
    body.includes = null;
    const p = parseXSearch(body, now);
    expect(p.mentions).toHaveLength(body.data.length);
    expect(p.nextToken).toBeNull();
    expect(p.mentions.find((m) => m.externalId === reply.id)).toMatchObject({
      lang: null,
      publishedAt: now,
      metrics: null,
      threadId: null,
      parentId: '1275781448855891968',
    });
    expect(p.mentions.find((m) => m.externalId === other.id)!.author.handle).toBe('unknown');
  });

  it('maps the recorded search page: string ids, lang, reply parent, decoded text', () => {
    const p = parseXSearch(nyc, now);
    expect(p.count).toBe(10);
    expect(p.nextToken).toBe('b26v89c19zqg8o3fo7gesq314zlbjb2xlwutmy72r47lp');
    const reply = p.mentions.find((m) => m.externalId === '1275840892281249793')!;
    expect(reply).toMatchObject({
      platform: 'x',
      author: { handle: '13524182' },
      lang: 'en',
      parentId: '1275781448855891968',
      publishedAt: '2020-06-24T17:19:07.000Z',
      url: 'https://x.com/i/web/status/1275840892281249793',
    });
    expect(p.mentions.find((m) => m.externalId === '1275840891014561796')!.text).toContain(
      'allergies (not a worry in this setting) & kids',
    );
    // A retweet is not a reply.
    expect(p.mentions.find((m) => m.externalId === '1275840892285399041')!.parentId).toBeNull();
  });

  it('has no author objects in the recorded page, so no postsCount or createdAt', () => {
    const p = parseXSearch(nyc, now);
    expect(p.mentions.some((m) => 'postsCount' in m.author || 'createdAt' in m.author)).toBe(false);
  });

  it('leaves out a malformed tweet_count or created_at, keeping the author', () => {
    const body = {
      data: [{ id: '1', text: 'hi', author_id: '7', created_at: '2026-11-25T07:00:00.000Z' }],
      includes: {
        users: [
          {
            id: '7',
            username: 'odd',
            created_at: 'yesterday',
            public_metrics: { followers_count: 2, tweet_count: 1.5 },
          },
        ],
      },
      meta: { result_count: 1 },
    };
    const a = parseXSearch(body, now).mentions[0]!.author;
    expect(a).toMatchObject({ handle: 'odd', followers: 2 });
    expect(a).not.toHaveProperty('postsCount');
    expect(a).not.toHaveProperty('createdAt');
  });

  it('refuses bodies that are not a search answer', () => {
    expect(() => parseXSearch({ errors: [{ title: 'Invalid Request' }] }, now)).toThrowError(
      expect.objectContaining({ kind: 'upstream' }),
    );
    expect(() => parseXSearch([1, 2], now)).toThrow(SourceFault);
    expect(parseXSearch({ meta: { result_count: 0 } }, now).mentions).toEqual([]);
  });
});

describe('x collector (fixture server, real HTTP layer)', () => {
  it('is opt-in: the options refuse a source without enabled: true', () => {
    expect(x.options.safeParse({ query: 'acme' }).success).toBe(false);
    expect(x.options.safeParse({ query: 'acme', enabled: false }).success).toBe(false);
  });

  it('replays the recorded Tweepy cassette with its rate-limit headers', async () => {
    const { pages, error } = await collectPages(
      x,
      ctxFor(testHttp(), null, { secrets }),
      opts({ baseUrl: `${srv.url}/tweepy` }),
    );
    expect(error).toBeUndefined();
    expect(ids(pages)).toContain('1578522194770296832');
    expect(pages[0]!.cursor).toMatchObject({ sinceId: '1578522194770296832', reads: { used: 10 } });
    expect(srv.requests.at(-1)!.headers.authorization).toBe('Bearer tok');
  });

  it('maps authors and metrics from expansions, pages with next_token, then since_id', async () => {
    const { pages, error } = await collectPages<XCursor>(
      x,
      ctxFor<XCursor>(testHttp(), null, { secrets }),
      opts(),
    );
    expect(error).toBeUndefined();
    expect(pages).toHaveLength(3);
    expect(new Set(ids(pages)).size).toBe(250);
    const m = pages[0]!.mentions[0]!;
    expect(m).toMatchObject({
      externalId: synthetic[249]!.id,
      // X sends "&amp;"; the text is escaped for the pipeline, which reads it as HTML.
      text: 'post 249 about acme &amp; co',
      author: {
        handle: 'user104',
        name: 'User 104',
        followers: 1040,
        verified: false,
        postsCount: 10_400,
        createdAt: '2015-03-05T12:00:00.000Z',
      },
      metrics: { likes: 249, shares: 3, replies: 3, views: 40 },
      threadId: synthetic[240]!.id,
      url: `https://x.com/user104/status/${synthetic[249]!.id}`,
    });
    const userFields = new URL(srv.requests.at(-1)!.url, srv.url).searchParams.get('user.fields')!.split(',');
    expect(userFields).toEqual(expect.arrayContaining(['public_metrics', 'created_at']));
    const last = pages.at(-1)!.cursor;
    expect(last).toMatchObject({
      sinceId: synthetic[249]!.id,
      window: null,
      reads: { period: '2026-11', used: 250 },
    });
    // The next run asks only for newer posts.
    const again = await collectPages<XCursor>(x, ctxFor<XCursor>(testHttp(), last, { secrets }), opts());
    expect(srv.requests.at(-1)!.url).toContain(`since_id=${synthetic[249]!.id}`);
    expect(ids(again.pages)).toEqual([]);
  });

  it('resumes an interrupted pass with until_id: no gap, no duplicate', async () => {
    const first = await collectPages<XCursor>(
      x,
      ctxFor<XCursor>(testHttp(), null, { secrets, maxPages: 1 }),
      opts(),
    );
    const committed = first.pages[0]!.cursor;
    expect(committed.window).toEqual({ untilId: synthetic[150]!.id, newest: synthetic[249]!.id });
    const rest = await collectPages<XCursor>(x, ctxFor<XCursor>(testHttp(), committed, { secrets }), opts());
    const all = [...ids(first.pages), ...ids(rest.pages)];
    expect(all).toHaveLength(250);
    expect(new Set(all).size).toBe(250);
    expect(rest.pages.at(-1)!.cursor.sinceId).toBe(synthetic[249]!.id);
  });

  it('never reads past the monthly cap and stops with quota-exhausted', async () => {
    const r = await collectPages<XCursor>(
      x,
      ctxFor<XCursor>(testHttp(), null, { secrets }),
      opts({ monthlyReadCap: 130 }),
    );
    expect((r.error as SourceFault).kind).toBe('quota-exhausted');
    expect(r.pages.at(-1)!.cursor.reads.used).toBe(130);
    expect(srv.requests.filter((q) => q.url.startsWith('/2/')).at(-1)!.url).toContain('max_results=30');
    // A new calendar month starts from zero.
    const lastMonth = { ...r.pages.at(-1)!.cursor, reads: { period: '2026-10', used: 130 } };
    const next = await collectPages<XCursor>(
      x,
      ctxFor<XCursor>(testHttp(), lastMonth, { secrets }),
      opts({ monthlyReadCap: 130 }),
    );
    expect(next.pages[0]!.cursor.reads).toEqual({ period: '2026-11', used: 100 });
  });

  it('a usage-cap 429 is quota-exhausted; a plain 429 is retryable; a missing token is a config error', async () => {
    srv.fault('/2/tweets/search/recent', {
      kind: 'status',
      status: 429,
      body: '{"title":"UsageCapExceeded"}',
    });
    const cap = await collectPages(x, ctxFor(testHttp(), null, { secrets }), opts());
    expect((cap.error as SourceFault).kind).toBe('quota-exhausted');
    srv.fault('/2/tweets/search/recent', { kind: 'status', status: 429, retryAfter: '0' });
    const limited = await collectPages(x, ctxFor(testHttp(), null, { secrets }), opts());
    expect(limited.error).toMatchObject({ status: 429, retry: true });
    const none = await collectPages(x, ctxFor(testHttp()), opts());
    expect(none.error).toMatchObject({ code: 'CONFIG' });
  });
});
