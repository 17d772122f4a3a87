import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWebPage } from '../../collectors/_lib/parse-web-page.ts';
import { type WebPageCursor, webPage } from '../../collectors/web-page.ts';
import { SourceFault } from '../../src/errors.ts';
import { testHttp as baseHttp, collectPages, ctxFor } from '../helpers/collect.ts';
import { type FixtureServer, fixture, startFixtureServer } from '../helpers/fixture-server.ts';

const testHttp = () => baseHttp({ defaultLimit: { perMinute: 1_000_000, concurrency: 4 } });
const page = (name: string) => fixture(`web/readability/${name}/source.html`);
const expected = (name: string) =>
  JSON.parse(fixture(`web/readability/${name}/expected-metadata.json`).toString('utf8')) as Record<
    string,
    string | null
  >;
const html = (body: Buffer | string, charset = 'utf-8') => ({
  headers: { 'content-type': `text/html; charset=${charset}` },
  body,
});
const collectedAt = new Date('2026-11-25T08:00:00Z');

/** A small forum-like board (hand-made): newest threads first, 3 per page, `data-post-id`. */
const posts = Array.from({ length: 7 }, (_, i) => ({
  id: `p${100 - i}`,
  author: `member${i}`,
  text: `Post ${i}: the Acme router keeps dropping <b>Wi-Fi</b> &amp; needs a reboot`,
  at: new Date(Date.UTC(2026, 10, 24, 12 - i)).toISOString(),
}));
const board = (n: number) => {
  const slice = posts.slice((n - 1) * 3, n * 3);
  const next = n * 3 < posts.length ? `<a class="next" href="?page=${n + 1}">Next ›</a>` : '';
  return `<!doctype html><html><head><title>Board</title></head><body><ol class="posts">${slice
    .map(
      (p) =>
        `<li class="post" data-post-id="${p.id}"><a class="who" href="/u/${p.author}">${p.author}</a><time datetime="${p.at}">yesterday</time><div class="body"><p>${p.text}</p></div><a class="permalink" href="t/${p.id}">#</a></li>`,
    )
    .join('')}</ol><nav>${next}</nav></body></html>`;
};
const forumSelectors = {
  item: 'li.post',
  text: '.body',
  author: 'a.who',
  date: 'time@datetime',
  link: 'a.permalink@href',
  id: '@data-post-id',
  next: 'nav a.next',
};

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', '/robots.txt', {
    headers: { 'content-type': 'text/plain' },
    body: 'User-agent: *\nDisallow: /private/\n',
  });
  srv.route('GET', '/news/world-us-canada-33646704', html(page('bbc-1')));
  srv.route('GET', '/test/page.html', html(page('base-url-base-element-relative')));
  srv.route('GET', '/qq/a/20161016/000000.htm', {
    headers: { 'content-type': 'text/html' },
    body: page('qq'),
  });
  srv.route('GET', '/forum/board', (req) =>
    html(board(Number(new URL(req.url!, 'http://x').searchParams.get('page') ?? 1))),
  );
  srv.route('GET', '/private/board', html(board(1)));
});
afterAll(() => srv.close());

const ids = (pages: { mentions: { externalId: string | number }[] }[]) =>
  pages.flatMap((p) => p.mentions.map((m) => String(m.externalId)));

describe('web-page parser', () => {
  it('reads the BBC article as a one-item page: title, byline and date as Readability does', () => {
    const meta = expected('bbc-1');
    const p = parseWebPage(
      page('bbc-1').toString('utf8'),
      'http://www.bbc.com/news/world-us-canada-33646704',
      {
        item: 'html',
        title: 'h1.story-body__h1',
        text: '.story-body__inner > p',
        author: 'meta[property="og:article:author"]@content',
        date: '.story-body .date@data-seconds',
        link: 'meta[property="og:url"]@content',
      },
      { platform: 'web', collectedAt },
    );
    expect(p.mentions).toHaveLength(1);
    const m = p.mentions[0]!;
    expect(m.title).toBe(meta.title);
    expect(m.author).toEqual({ handle: meta.byline, name: meta.byline });
    expect(m.publishedAt).toEqual(new Date(meta.publishedTime!));
    expect(m.url).toBe('http://www.bbc.com/news/world-us-canada-33646704');
    expect(m.text).toMatch(/^President Barack Obama has admitted/);
    expect(m.text.split('\n').length).toBeGreaterThan(5);
  });

  it('resolves relative links against <base href>', () => {
    const p = parseWebPage(
      page('base-url-base-element-relative').toString('utf8'),
      'http://fakehost/test/page.html',
      { item: 'article p:has(a)', text: 'a', link: 'a@href' },
      { platform: 'web', collectedAt },
    );
    expect(p.mentions.map((m) => m.url)).toEqual([
      'http://fakehost/test/base/foo/bar/baz.html',
      'http://fakehost/test/base/foo/bar/baz.html',
      'http://fakehost/foo/bar/baz.html',
      'http://fakehost/test/base/#foo',
      'http://fakehost/test/base/baz.html#foo',
      'http://fakehost/foo/bar/baz.html#foo',
      'http://test/foo/bar/baz.html',
      'https://test/foo/bar/baz.html',
    ]);
    // Without an id selector, ids hash link and text: equal links and text give one id.
    expect(new Set(p.mentions.map((m) => m.externalId)).size).toBe(7);
  });

  it('no item, or items without text, is a fault', () => {
    const body = page('bbc-1').toString('utf8');
    expect(() =>
      parseWebPage(body, 'http://x/', { item: '.nope', text: 'p' }, { platform: 'web', collectedAt }),
    ).toThrowError(expect.objectContaining({ kind: 'schema-changed' }));
    expect(() =>
      parseWebPage(body, 'http://x/', { item: 'h1', text: '.nope' }, { platform: 'web', collectedAt }),
    ).toThrow(SourceFault);
    expect(() =>
      parseWebPage(
        '<html><body><div class="g-recaptcha"></div></body></html>',
        'http://x/',
        { item: '.post', text: 'p' },
        { platform: 'web', collectedAt },
      ),
    ).toThrowError(expect.objectContaining({ kind: 'captcha' }));
  });
});

describe('web-page collector (fixture server, real HTTP layer)', () => {
  it('reads the Tencent page (UTF-8 bytes under a gb2312 meta) and real GBK bytes by their meta', async () => {
    const { pages, error } = await collectPages(webPage, ctxFor(testHttp()), {
      url: '/qq/a/20161016/000000.htm',
      baseUrl: srv.url,
      selectors: { item: 'html', title: 'title', text: 'meta[name="Description"]@content' },
    });
    expect(error).toBeUndefined();
    expect(pages[0]!.mentions[0]!.title).toBe(expected('qq').title);
    const gbk = iconv.encode(page('qq').toString('utf8'), 'gbk');
    srv.route('GET', '/qq/gbk.htm', { headers: { 'content-type': 'text/html' }, body: gbk });
    const again = await collectPages(webPage, ctxFor(testHttp()), {
      url: '/qq/gbk.htm',
      baseUrl: srv.url,
      selectors: { item: 'html', title: 'title', text: 'meta[name="Description"]@content' },
    });
    expect(again.pages[0]!.mentions[0]!.title).toBe(expected('qq').title);
  });

  it('walks a forum board by its next link, maps fields, and resumes without gap or duplicate', async () => {
    const opts = { url: `${srv.url}/forum/board`, selectors: forumSelectors, platform: 'forum.example' };
    const all = await collectPages<WebPageCursor>(webPage, ctxFor<WebPageCursor>(testHttp()), opts);
    expect(all.error).toBeUndefined();
    expect(ids(all.pages)).toEqual(posts.map((p) => p.id));
    expect(all.pages[0]!.mentions[0]).toMatchObject({
      platform: 'forum.example',
      externalId: 'p100',
      author: { handle: 'member0' },
      // Plain text escaped for the pipeline, which reads text as HTML (and gives back the &).
      text: 'Post 0: the Acme router keeps dropping Wi-Fi &amp; needs a reboot',
      url: `${srv.url}/forum/t/p100`,
      publishedAt: new Date(posts[0]!.at),
    });
    expect(all.pages.at(-1)!.cursor.next).toBeNull();

    const first = await collectPages<WebPageCursor>(
      webPage,
      ctxFor<WebPageCursor>(testHttp(), null, { maxPages: 1 }),
      opts,
    );
    expect(first.pages[0]!.cursor.next).toBe(`${srv.url}/forum/board?page=2`);
    const rest = await collectPages<WebPageCursor>(
      webPage,
      ctxFor<WebPageCursor>(testHttp(), first.pages[0]!.cursor),
      opts,
    );
    expect([...ids(first.pages), ...ids(rest.pages)]).toEqual(posts.map((p) => p.id));

    // Nothing new on page 1: the next run reads one page (refresh) and stops.
    const before = srv.requests.filter((r) => r.url.startsWith('/forum')).length;
    await collectPages<WebPageCursor>(
      webPage,
      ctxFor<WebPageCursor>(testHttp(), all.pages.at(-1)!.cursor),
      opts,
    );
    expect(srv.requests.filter((r) => r.url.startsWith('/forum')).length - before).toBe(1);
  });

  it('respects robots.txt, fetching it once per host per client', async () => {
    const http = testHttp();
    const before = srv.requests.filter((r) => r.url === '/robots.txt').length;
    const blocked = await collectPages(webPage, ctxFor(http), {
      url: `${srv.url}/private/board`,
      selectors: forumSelectors,
    });
    expect(blocked.pages).toEqual([]);
    expect((blocked.error as SourceFault).kind).toBe('blocked');
    expect(srv.requests.some((r) => r.url === '/private/board')).toBe(false);
    const ok = await collectPages(webPage, ctxFor(http), {
      url: `${srv.url}/forum/board`,
      selectors: forumSelectors,
      maxPages: 1,
    });
    expect(ok.error).toBeUndefined();
    expect(srv.requests.filter((r) => r.url === '/robots.txt').length - before).toBe(1);
  });

  it('a robots.txt answering 5xx disallows; a missing one allows', async () => {
    srv.fault('/robots.txt', { kind: 'status', status: 503 });
    const r = await collectPages(webPage, ctxFor(testHttp()), {
      url: `${srv.url}/forum/board`,
      selectors: forumSelectors,
    });
    expect((r.error as SourceFault).kind).toBe('blocked');
    srv.fault('/robots.txt', { kind: 'status', status: 404 });
    const ok = await collectPages(webPage, ctxFor(testHttp()), {
      url: `${srv.url}/forum/board`,
      selectors: forumSelectors,
    });
    expect(ok.error).toBeUndefined();
  });
});
