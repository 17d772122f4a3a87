import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChannelAtom, parseCommentThreads, parseSearch } from '../../collectors/_lib/parse-youtube.ts';
import { type YoutubeCursor, youtube } from '../../collectors/youtube.ts';
import { SourceFault } from '../../src/errors.ts';
import { testHttp as baseHttp, collectPages, ctxFor, recordingClock } from '../helpers/collect.ts';
import { type FixtureServer, fixture, startFixtureServer } from '../helpers/fixture-server.ts';

/** No real waits: a limiter wide enough for the replay server (the default would sleep). */
const testHttp = () => baseHttp({ defaultLimit: { perMinute: 1_000_000, concurrency: 4 } });

const searchP1 = JSON.parse(fixture('youtube/search_by_keywords_p1.json').toString('utf8'));
const threadsText = fixture('youtube/comment_threads_by_video_paged_1.json').toString('utf8');
const atom = fixture('youtube/youtube_atom.xml').toString('utf8');
const json = { 'content-type': 'application/json; charset=UTF-8' };

/**
 * Page 2 of the search is made here from the recorded page 1 (ids renamed, no next token): no
 * second page was recorded. Statistics (videos.list) are synthetic too: none were recorded.
 */
const searchP2 = {
  ...searchP1,
  nextPageToken: undefined,
  items: searchP1.items.slice(0, 3).map((it: { id: { videoId: string } }, i: number) => ({
    ...it,
    id: { ...it.id, videoId: `p2video${i}` },
  })),
};
const firstVideo = searchP1.items[0].id.videoId as string;

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', '/youtube/v3/search', (req) => {
    const u = new URL(req.url!, 'http://x');
    return {
      headers: json,
      body: JSON.stringify(u.searchParams.get('pageToken') === 'CBkQAA' ? searchP2 : searchP1),
    };
  });
  srv.route('GET', '/youtube/v3/commentThreads', (req) => {
    const vid = new URL(req.url!, 'http://x').searchParams.get('videoId')!;
    // The recorded threads belong to one video; serve them for the first search hit only.
    return {
      headers: json,
      body: vid === firstVideo ? threadsText.replaceAll('F1UP7wRCPH8', vid) : JSON.stringify({ items: [] }),
    };
  });
  srv.route('GET', '/youtube/v3/videos', (req) => {
    const ids = new URL(req.url!, 'http://x').searchParams.get('id')!.split(',');
    return {
      headers: json,
      body: JSON.stringify({
        items: ids.map((id, i) => ({
          id,
          statistics: { viewCount: String(1000 + i), likeCount: '7', commentCount: '5' },
        })),
      }),
    };
  });
  srv.route('GET', '/feeds/videos.xml', { headers: { 'content-type': 'application/atom+xml' }, body: atom });
});
afterAll(() => srv.close());

const ids = (pages: { mentions: { externalId: string | number }[] }[]) =>
  pages.flatMap((p) => p.mentions.map((m) => String(m.externalId)));

describe('youtube parsers (recorded bodies)', () => {
  it('maps search results, decoding the HTML-escaped snippets', () => {
    const { videos, nextPageToken } = parseSearch(searchP1);
    expect(videos).toHaveLength(25);
    expect(nextPageToken).toBe('CBkQAA');
    expect(videos[0]!.mention).toMatchObject({
      platform: 'youtube',
      externalId: 'gQ_1zX-F_No',
      url: 'https://www.youtube.com/watch?v=gQ_1zX-F_No',
      author: { handle: 'UCo_q6aOlvPH7M-j_XGWVgXg', name: "Jamie O'Brien" },
      publishedAt: '2019-12-05T19:00:10.000Z',
      threadId: 'gQ_1zX-F_No',
    });
    expect(videos[1]!.mention.title).toBe('SURFING PERFECT PIPE & BACKDOOR || SUNRISE SHACK!');
  });

  it('maps comment threads: textOriginal over HTML textDisplay, likes, replies, channel id', () => {
    const { mentions, nextPageToken } = parseCommentThreads(JSON.parse(threadsText), 'F1UP7wRCPH8');
    expect(nextPageToken).toMatch(/^QURTSl9p/);
    expect(mentions).toHaveLength(5);
    expect(mentions[0]).toMatchObject({
      externalId: 'UgyZ1jqkHKYvi1-ruOZ4AaABAg',
      text: 'Google.com',
      author: { handle: 'UCzj-CjKYmGlZ7vTL-vOe57A', name: 'himani agarwal' },
      metrics: { likes: 0, replies: 0 },
      parentId: 'F1UP7wRCPH8',
      threadId: 'F1UP7wRCPH8',
      url: 'https://www.youtube.com/watch?v=F1UP7wRCPH8&lc=UgyZ1jqkHKYvi1-ruOZ4AaABAg',
      publishedAt: '2019-11-26T15:51:44.000Z',
    });
    expect(mentions[4]!.metrics).toMatchObject({ replies: 2 });
  });

  it('maps the channel Atom feed with view counts and the star rating in raw', () => {
    const ms = parseChannelAtom(atom);
    expect(ms.length).toBeGreaterThan(5);
    expect(ms[0]).toMatchObject({
      externalId: '5shykyfmb28',
      title: 'The Google app: Questions Title',
      author: { handle: 'UCK8sQmJBp8GCxrOtXWBpyEA', name: 'Google' },
      metrics: { views: 251497 },
      publishedAt: '2015-05-04T00:01:27+00:00',
      raw: { starRating: { count: 3546, average: 4.79 } },
    });
  });

  it('refuses HTML and changed shapes', () => {
    expect(() => parseSearch({ kind: 'youtube#searchListResponse' })).toThrow(SourceFault);
    expect(() => parseChannelAtom('<html><body>验证码</body></html>')).toThrowError(
      expect.objectContaining({ kind: 'captcha' }),
    );
    expect(() => parseChannelAtom(atom.slice(0, 3000))).toThrowError(
      expect.objectContaining({ kind: 'parse-error' }),
    );
  });
});

describe('youtube collector (fixture server, real HTTP layer)', () => {
  const opts = (extra: Record<string, unknown> = {}) => ({ query: 'surfing', baseUrl: srv.url, ...extra });
  const secrets = { key: 'test-key' };

  it('searches, fetches comments and statistics, and counts quota in the cursor', async () => {
    const { pages, error } = await collectPages<YoutubeCursor>(
      youtube,
      ctxFor<YoutubeCursor>(testHttp(), null, { secrets }),
      opts(),
    );
    expect(error).toBeUndefined();
    // page 0: the (empty) re-poll step of a new window; then two search pages.
    expect(pages).toHaveLength(3);
    const all = pages.flatMap((p) => p.mentions);
    const video = all.find((m) => m.externalId === firstVideo)!;
    expect(video.metrics).toEqual({ views: 1000, likes: 7, replies: 5 });
    const c = all.find((m) => m.externalId === 'UgyZ1jqkHKYvi1-ruOZ4AaABAg')!;
    expect(c).toMatchObject({ parentId: firstVideo, threadId: firstVideo, text: 'Google.com' });
    expect(new Set(ids(pages)).size).toBe(ids(pages).length);
    // 2 searches (200) + 28 commentThreads + 2 videos calls.
    const last = pages.at(-1)!.cursor;
    expect(last.quota.used).toBe(200 + 28 + 2);
    expect(last.window).toBeNull();
    const newest = searchP1.items
      .map((i: { snippet: { publishedAt: string } }) => i.snippet.publishedAt)
      .sort()
      .at(-1);
    expect(last.since).toBe(newest);
    expect(srv.requests.some((r) => r.url.includes('key=test-key'))).toBe(true);
  });

  it('resumes at the committed page token without repeating a page', async () => {
    // Two pages as the pipeline counts them: the window's re-poll page and search page 1.
    const first = await collectPages<YoutubeCursor>(
      youtube,
      ctxFor<YoutubeCursor>(testHttp(), null, { secrets, maxPages: 2 }),
      opts(),
    );
    const committed = first.pages.at(-1)!.cursor;
    expect(committed.window?.pageToken).toBe('CBkQAA');
    const before = srv.requests.length;
    const rest = await collectPages<YoutubeCursor>(
      youtube,
      ctxFor<YoutubeCursor>(testHttp(), committed, { secrets }),
      opts(),
    );
    expect(rest.error).toBeUndefined();
    const searches = srv.requests.slice(before).filter((r) => r.url.startsWith('/youtube/v3/search'));
    expect(searches).toHaveLength(1);
    expect(searches[0]!.url).toContain('pageToken=CBkQAA');
    const seen = [...ids(first.pages), ...ids(rest.pages)];
    expect(new Set(seen).size).toBe(seen.length);
    expect(rest.pages.at(-1)!.cursor.quota.used).toBe(committed.quota.used + 100 + 3 + 1);
  });

  it('stops with quota-exhausted before exceeding the daily quota, keeps the count, resets at Pacific midnight', async () => {
    const r = await collectPages<YoutubeCursor>(
      youtube,
      ctxFor<YoutubeCursor>(testHttp(), null, { secrets }),
      opts({ dailyQuota: 150 }),
    );
    expect(r.error).toBeInstanceOf(SourceFault);
    expect((r.error as SourceFault).kind).toBe('quota-exhausted');
    const spent = r.pages.at(-1)!.cursor.quota;
    expect(spent.used).toBeLessThanOrEqual(150);
    expect(spent.used).toBe(100 + 25 + 1); // page 1 done; the second search (100) would exceed
    // Same Pacific day: nothing is called, the count survived the restart.
    const before = srv.requests.length;
    const again = await collectPages<YoutubeCursor>(
      youtube,
      ctxFor<YoutubeCursor>(testHttp(), r.pages.at(-1)!.cursor, { secrets }),
      opts({ dailyQuota: 150 }),
    );
    expect((again.error as SourceFault).kind).toBe('quota-exhausted');
    expect(srv.requests.length).toBe(before);
    // 2026-11-25T08:00Z is 00:00 Pacific on the 25th; the day before it was spent on the 24th.
    const spentYesterday = { ...r.pages.at(-1)!.cursor, quota: { period: '2026-11-24', used: 150 } };
    const nextDay = await collectPages<YoutubeCursor>(
      youtube,
      ctxFor<YoutubeCursor>(testHttp(), spentYesterday, {
        secrets,
        clock: recordingClock(new Date('2026-11-25T08:00:00Z')),
      }),
      opts({ dailyQuota: 1000 }),
    );
    expect(nextDay.error).toBeUndefined();
    expect(nextDay.pages.at(-1)!.cursor.quota.period).toBe('2026-11-25');
  });

  it('maps API errors and non-JSON bodies to source faults', async () => {
    srv.route('GET', '/quota/youtube/v3/search', {
      status: 403,
      headers: json,
      body: JSON.stringify({ error: { code: 403, message: 'quota', errors: [{ reason: 'quotaExceeded' }] } }),
    });
    const q = await collectPages(
      youtube,
      ctxFor(testHttp(), null, { secrets }),
      opts({ baseUrl: `${srv.url}/quota` }),
    );
    expect((q.error as SourceFault).kind).toBe('quota-exhausted');
    srv.fault('/youtube/v3/search', {
      kind: 'html',
      body: '<html><body>Sorry, unusual traffic</body></html>',
    });
    const h = await collectPages(youtube, ctxFor(testHttp(), null, { secrets }), opts());
    expect((h.error as SourceFault).kind).toBe('schema-changed');
    const noKey = await collectPages(youtube, ctxFor(testHttp()), opts());
    expect(noKey.error).toMatchObject({ code: 'CONFIG' });
  });

  it('a video with comments turned off is read without its comments', async () => {
    srv.route('GET', '/off/youtube/v3/search', {
      headers: json,
      body: JSON.stringify({ ...searchP1, nextPageToken: undefined, items: searchP1.items.slice(0, 1) }),
    });
    srv.route('GET', '/off/youtube/v3/commentThreads', {
      status: 403,
      headers: json,
      body: JSON.stringify({
        error: { code: 403, message: 'disabled comments', errors: [{ reason: 'commentsDisabled' }] },
      }),
    });
    srv.route('GET', '/off/youtube/v3/videos', { headers: json, body: JSON.stringify({ items: [] }) });
    const r = await collectPages<YoutubeCursor>(
      youtube,
      ctxFor<YoutubeCursor>(testHttp(), null, { secrets }),
      opts({ baseUrl: `${srv.url}/off` }),
    );
    expect(r.error).toBeUndefined();
    expect(ids(r.pages)).toEqual([firstVideo]);
  });

  it('reads the key-less channel feed', async () => {
    const { pages, error } = await collectPages(youtube, ctxFor(testHttp()), {
      channelId: 'UCK8sQmJBp8GCxrOtXWBpyEA',
      baseUrl: srv.url,
    });
    expect(error).toBeUndefined();
    expect(pages[0]!.mentions[0]).toMatchObject({ externalId: '5shykyfmb28', metrics: { views: 251497 } });
  });

  it('re-polls recent videos at the start of a new window', async () => {
    const cursor: YoutubeCursor = {
      quota: { period: '2026-11-25', used: 0 },
      since: '2026-11-24T00:00:00.000Z',
      window: null,
      recent: [
        {
          id: firstVideo,
          at: '2026-11-24T12:00:00.000Z',
          video: {
            platform: 'youtube',
            externalId: firstVideo,
            author: { handle: 'c' },
            text: 'v',
            publishedAt: '2026-11-24T12:00:00.000Z',
          },
        },
      ],
    };
    const { pages } = await collectPages<YoutubeCursor>(
      youtube,
      ctxFor<YoutubeCursor>(testHttp(), cursor, { secrets, maxPages: 1 }),
      opts(),
    );
    expect(pages[0]!.mentions.map((m) => m.externalId)).toContain('UgyZ1jqkHKYvi1-ruOZ4AaABAg');
    expect(pages[0]!.mentions.find((m) => m.externalId === firstVideo)).toMatchObject({
      text: 'v',
      metrics: { views: 1000 },
    });
    expect(pages[0]!.cursor.window).toMatchObject({ since: '2026-11-23T23:00:00.000Z', pageToken: null });
  });
});

describe('youtube parsers: recorded items with optional fields null or missing', () => {
  it('keeps a comment from a deleted channel, without textOriginal, with null counts and replies', () => {
    const body = JSON.parse(threadsText);
    const t = body.items[0];
    const s = t.snippet.topLevelComment.snippet;
    s.authorChannelId = null;
    s.likeCount = null;
    delete s.textOriginal;
    s.textDisplay = 'acme &amp; co <a href="https://e.com">link</a>';
    t.snippet.totalReplyCount = null;
    t.replies = null;
    body.nextPageToken = null;
    const r = parseCommentThreads(body, 'vid');
    expect(r.nextPageToken).toBeNull();
    const m = r.mentions.find((x) => x.externalId === t.snippet.topLevelComment.id)!;
    expect(m).toMatchObject({
      author: { handle: s.authorDisplayName },
      text: 'acme & co link',
      metrics: { likes: null, replies: null },
    });
  });

  it('keeps a search result whose channel title, description or title is null', () => {
    const body = structuredClone(searchP1);
    Object.assign(body.items[0].snippet, { channelTitle: null, description: null, title: null });
    body.nextPageToken = null;
    const r = parseSearch(body);
    expect(r.videos).toHaveLength(searchP1.items.length);
    expect(r.videos[0]!.mention).toMatchObject({ title: null, text: '', author: { name: null } });
    expect(r.nextPageToken).toBeNull();
  });
});
