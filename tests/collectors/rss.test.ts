import { readdirSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { charsetOf, decodeDocument } from '../../collectors/_lib/html.ts';
import { parseFeed, rss } from '../../collectors/rss.ts';
import { SourceFault } from '../../src/errors.ts';
import { collectPages, ctxFor, testHttp } from '../helpers/collect.ts';
import { type FixtureServer, fixture, fixturesDir, startFixtureServer } from '../helpers/fixture-server.ts';

let srv: FixtureServer;
const xml = (rel: string, type = 'application/rss+xml; charset=utf-8') => ({
  headers: { 'content-type': type },
  body: fixture(rel),
});

beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', '/guardian', xml('rss/rss-parser/guardian.rss'));
  srv.route('GET', '/uol', xml('rss/rss-parser/uolNoticias.rss', 'text/xml; charset=ISO-8859-1'));
  srv.route('GET', '/alerts', xml('rss/feedjira/google_alerts_atom.xml', 'application/atom+xml'));
  srv.route('GET', '/heise', xml('rss/rss-parser/heise.atom', 'application/atom+xml'));
  srv.route('GET', '/json', xml('rss/feedjira/json_feed.json', 'application/feed+json'));
  srv.route('GET', '/unix', xml('rss/feedjira/InvalidDateFormat.xml'));
  srv.route('GET', '/incomplete', xml('rss/rss-parser/incomplete-fields.atom', 'application/atom+xml'));
  srv.route('GET', '/etag', (req) =>
    req.headers['if-none-match'] === '"v1"'
      ? { status: 304 }
      : {
          headers: { 'content-type': 'application/rss+xml', etag: '"v1"' },
          body: fixture('rss/rss-parser/guardian.rss'),
        },
  );
  srv.route('GET', '/captcha', {
    headers: { 'content-type': 'text/html' },
    body: '<html><body><form id="captcha">Please complete the CAPTCHA</form></body></html>',
  });
  srv.route('GET', '/empty', { headers: { 'content-type': 'application/rss+xml' }, body: '' });
});
afterAll(() => srv.close());

const run = async (path: string, cursor: unknown = null, opts: Record<string, unknown> = {}) =>
  collectPages(rss, ctxFor(testHttp(), cursor), { url: `${srv.url}${path}`, ...opts });

describe('rss collector', () => {
  it('maps an RSS 2.0 news feed (Guardian): ids, links, titles, dates, authors', async () => {
    const { pages, error } = await run('/guardian');
    expect(error).toBeUndefined();
    const ms = pages[0]!.mentions;
    expect(ms.length).toBeGreaterThan(10);
    for (const m of ms) {
      expect(typeof m.externalId).toBe('string');
      expect(m.url).toMatch(/^https?:\/\//);
      expect(m.title).toBeTruthy();
      expect(Number.isNaN(new Date(m.publishedAt as string).getTime())).toBe(false);
      expect(m.platform).toBe('rss');
    }
  });

  it('decodes Latin-1 from the HTTP charset (no XML declaration)', async () => {
    const { pages } = await run('/uol');
    const text = pages[0]!.mentions.map((m) => `${m.title} ${m.text}`).join(' ');
    expect(text).toMatch(/simulações|Notícias|ção/);
    expect(text).not.toContain('\uFFFD');
  });

  it('unwraps Google Alerts redirect links and strips markup from titles', async () => {
    const { pages } = await run('/alerts');
    const ms = pages[0]!.mentions;
    expect(ms.length).toBeGreaterThan(0);
    for (const m of ms) {
      expect(m.url).not.toMatch(/google\.com\/url/);
      expect(m.title).not.toMatch(/<b>/);
    }
    expect(ms.map((m) => m.url)).toContain('https://investorplace.com/2019/07/slack-stock-truly-compelling/');
  });

  it('reads Atom (heise, German) and JSON Feed', async () => {
    const atom = (await run('/heise')).pages[0]!.mentions;
    expect(atom.length).toBeGreaterThan(0);
    expect(atom[0]!.url).toMatch(/^https?:\/\/www\.heise\.de\//);
    const json = (await run('/json')).pages[0]!.mentions;
    expect(json.length).toBeGreaterThan(0);
    expect(json[0]!.url).toMatch(/^http:\/\/inessential\.com\//);
  });

  it('survives a Unix-timestamp dc:date beside a valid pubDate, and keeps entries with missing fields, marked', async () => {
    const unix = (await run('/unix')).pages[0]!.mentions;
    expect(unix.map((m) => String(m.publishedAt).slice(0, 10))).toEqual(['2017-10-16', '2017-10-17']);
    const inc = (await run('/incomplete')).pages[0]!.mentions;
    expect(inc.length).toBeGreaterThan(0);
    expect(inc.some((m) => (m.raw as { dateMissing: boolean }).dateMissing)).toBe(true);
    expect(inc.every((m) => typeof m.externalId === 'string' && m.externalId.length > 0)).toBe(true);
  });

  it('uses conditional GET: a 304 yields an empty page and keeps the validators', async () => {
    const first = await run('/etag');
    expect(first.pages[0]!.cursor).toMatchObject({ etag: '"v1"' });
    const second = await run('/etag', first.pages[0]!.cursor);
    expect(second.pages).toEqual([{ mentions: [], cursor: { etag: '"v1"' } }]);
    expect(srv.requests.filter((r) => r.url === '/etag').at(-1)!.headers['if-none-match']).toBe('"v1"');
  });

  it('reports a captcha page or an empty body as a source fault, never as no mentions', async () => {
    const c = await run('/captcha');
    expect(c.pages).toEqual([]);
    expect(c.error).toBeInstanceOf(SourceFault);
    expect((c.error as SourceFault).kind).toBe('captcha');
    expect(((await run('/empty')).error as SourceFault).kind).toBe('empty');
  });

  it('resolves relative links against xml:base and records the RSSHub platform override', () => {
    const feed = parseFeed(
      `<?xml version="1.0"?><rss version="2.0"><channel xml:base="https://rsshub.example/weibo/"><title>t</title><link>https://weibo.com/u/1</link><generator>RSSHub</generator>
       <item><title>x</title><link>../p/1</link><description><![CDATA[<p>艾克米不错</p> - Powered by RSSHub]]></description></item></channel></rss>`,
      'https://rsshub.example/weibo/user/1',
    );
    // xml:base wins over the channel link for relative item links (RFC 3986 resolution against the base in force).
    expect(feed.items[0]!.link).toBe('https://rsshub.example/p/1');
    expect(feed.items[0]!.html).toBe('<p>艾克米不错</p>');
    expect(feed.generator).toBe('RSSHub');
  });
});

describe('rss date parsing', () => {
  it('reads RFC 822, ISO 8601 and Unix seconds', async () => {
    const { parseFeedDate } = await import('../../collectors/rss.ts');
    expect(parseFeedDate('Tue, 17 Oct 2017 22:17:00 +0000')?.toISOString()).toBe('2017-10-17T22:17:00.000Z');
    expect(parseFeedDate('2017-10-17T22:17:00Z')?.toISOString()).toBe('2017-10-17T22:17:00.000Z');
    expect(parseFeedDate('1518478934')?.toISOString()).toBe('2018-02-12T23:42:14.000Z');
    expect(parseFeedDate('not a date')).toBeNull();
  });

  // A server far from UTC: zone-less dates must not take its zone (Node applies TZ at once).
  let tz: string | undefined;
  beforeAll(() => {
    tz = process.env.TZ;
    process.env.TZ = 'Asia/Shanghai';
  });
  afterAll(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it.each([
    // Zone-less dates are UTC, whatever zone the server runs in (Date would use the server's).
    ['2026-11-25 07:00:00', '2026-11-25T07:00:00.000Z'],
    ['2026/11/25 07:00', '2026-11-25T07:00:00.000Z'],
    ['Wed, 25 Nov 2026 07:00:00', '2026-11-25T07:00:00.000Z'],
    ['Nov 25, 2026', '2026-11-25T00:00:00.000Z'],
    // A space before the offset, a two-digit or colon-less offset.
    ['2026-11-25T07:00:00 +0800', '2026-11-24T23:00:00.000Z'],
    ['2026-11-25T07:00:00+08', '2026-11-24T23:00:00.000Z'],
    // Zone names Date does not know, weekdays in other languages.
    ['Wed, 25 Nov 2026 07:00:00 CEST', '2026-11-25T05:00:00.000Z'],
    ['Wed, 25 Nov 2026 07:00:00 BST', '2026-11-25T06:00:00.000Z'],
    ['Wed, 25 Nov 2026 07:00:00 JST', '2026-11-24T22:00:00.000Z'],
    ['Mi, 25 Nov 2026 07:00:00 +0100', '2026-11-25T06:00:00.000Z'],
    ['周三, 25 Nov 2026 07:00:00 +0800', '2026-11-24T23:00:00.000Z'],
    ['Wed, 25 Nov 2026 07:00:00 GMT+0100', '2026-11-25T06:00:00.000Z'],
    // Chinese sites: UTC+8.
    ['2026年11月25日 07:00', '2026-11-24T23:00:00.000Z'],
  ])('reads %s', async (text, iso) => {
    const { parseFeedDate } = await import('../../collectors/rss.ts');
    expect(parseFeedDate(text)?.toISOString()).toBe(iso);
  });
});

describe('feeds in namespace variants', () => {
  it('reads an Atom feed written with a prefix (<atom:feed xmlns:atom=...>)', () => {
    const heise = fixture('rss/rss-parser/heise.atom').toString('utf8');
    const plain = parseFeed(heise, 'https://e.com/');
    const prefixed = heise
      .replace('xmlns="http://www.w3.org/2005/Atom"', 'xmlns:atom="http://www.w3.org/2005/Atom"')
      .replace(/<(\/?)(?=[a-z])(?!\?)/g, '<$1atom:');
    expect(prefixed).toContain('<atom:feed');
    const r = parseFeed(prefixed, 'https://e.com/');
    expect(r.items.map((i) => [i.id, i.link, i.title, i.published])).toEqual(
      plain.items.map((i) => [i.id, i.link, i.title, i.published]),
    );
    expect(r.items.length).toBeGreaterThan(5);
  });

  it('names an RSS 1.0 item without link by its rdf:about', () => {
    const doc =
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://e.com/"><title>x</title></channel><item rdf:about="https://e.com/item/1"><title>acme</title></item></rdf:RDF>';
    expect(parseFeed(doc, 'https://e.com/').items[0]!.id).toBe('https://e.com/item/1');
  });
});

describe('baseUrl', () => {
  it('moves a feed URL under a self-hosted base, keeping the base path', async () => {
    const { rebaseUrl } = await import('../../collectors/_lib/html.ts');
    expect(rebaseUrl('https://rsshub.app/weibo/user/1?limit=5', 'https://feeds.internal/rsshub')).toBe(
      'https://feeds.internal/rsshub/weibo/user/1?limit=5',
    );
    expect(rebaseUrl('/forum/board?page=2', 'https://mirror.example/')).toBe(
      'https://mirror.example/forum/board?page=2',
    );
    const r = await run('', null, { url: 'https://rsshub.app/guardian', baseUrl: srv.url });
    expect(r.error).toBeUndefined();
    expect(srv.requests.at(-1)!.url).toBe('/guardian');
  });
});

/**
 * feedparser's torture documents: each names the HTTP header it is served with (`Header:`) and
 * the outcome feedparser asserts (`Expect:`), used here as the oracle. Encoding: a BOM wins, then
 * the HTTP charset, then the XML declaration; UTF-16/32 without a BOM is recognised from `<`.
 */
describe('feedparser encoding and base documents', () => {
  const docs = (dir: string) =>
    readdirSync(path.join(fixturesDir, dir))
      .filter((f) => f.endsWith('.xml'))
      .map((f) => {
        const bytes = fixture(`${dir}/${f}`);
        // Read the comment independently of the decoder under test: whichever encoding shows it.
        const head =
          ['utf8', 'utf16-be', 'utf16-le', 'utf32-be', 'utf32-le']
            .map((e) => iconv.decode(bytes, e))
            .find((t) => t.includes('Expect:')) ?? '';
        const headers = Object.fromEntries(
          [...head.matchAll(/^Header:\s*([\w-]+):\s*(.*?)\s*$/gm)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
        );
        return { f, dir, bytes, headers, expect: /^Expect:\s*(.*?)\s*$/m.exec(head)?.[1] ?? '' };
      });
  const encoding = docs('rss/feedparser/encoding');
  beforeAll(() => {
    for (const d of [...encoding, ...docs('rss/feedparser/wellformed/base')])
      srv.route('GET', `/fp/${d.f}`, {
        headers: { 'content-type': 'application/xml', ...d.headers },
        body: d.bytes,
      });
  });

  it('decodes every well-formed encoding document as its header, BOM or declaration says', async () => {
    const good = encoding.filter((d) => d.expect.startsWith('not bozo'));
    expect(good.length).toBe(23);
    for (const d of good) {
      const text = decodeDocument(d.bytes, charsetOf(d.headers['content-type']));
      expect(text, d.f).toContain('Description:');
      expect(text, d.f).not.toMatch(/[\uFFFD\u0000]/);
      const r = await run(`/fp/${d.f}`);
      expect(r.error, d.f).toBeUndefined();
    }
    const euckr = encoding.find((d) => d.f === 'euc-kr.xml')!;
    expect(parseFeed(decodeDocument(euckr.bytes), 'http://x/').title).toBe('\ub144');
    // The HTTP charset (windows-1252) beats the XML declaration.
    for (const f of ['http_text_xml_charset_2.xml', 'http_text_xml_charset_overrides_encoding_2.xml']) {
      const r = await run(`/fp/${f}`);
      expect(r.pages[0]!.mentions[0]!.text, f).toBe('This is a \u00a3\u201ctest.\u201d');
    }
  });

  it('reads single-quoted and spaced charsets in Content-Type', () => {
    expect(charsetOf("application/atom+xml;charset='us-ascii'")).toBe('us-ascii');
    expect(charsetOf('text/xml;charset = us-ascii')).toBe('us-ascii');
    expect(charsetOf('text/xml;charset= "US-ASCII"; x=1')).toBe('us-ascii');
    expect(charsetOf('text/xml')).toBeUndefined();
  });

  it('resolves relative links against the document URL, or Content-Location when sent', async () => {
    const doc = await run('/fp/http_item_link_base_docuri.xml');
    expect(doc.pages[0]!.mentions[0]!.url).toBe(`${srv.url}/relative/uri`);
    const loc = await run('/fp/http_entry_link_base_content_location.xml');
    expect(loc.pages[0]!.mentions[0]!.url).toBe('http://example.com/relative/link');
  });

  it('conditional GET also sends If-Modified-Since from Last-Modified', async () => {
    const lm = 'Wed, 25 Nov 2026 07:00:00 GMT';
    srv.route('GET', '/lm', (req) =>
      req.headers['if-modified-since'] === lm
        ? { status: 304 }
        : {
            headers: { 'content-type': 'application/rss+xml', 'last-modified': lm },
            body: fixture('rss/rss-parser/guardian.rss'),
          },
    );
    const first = await run('/lm');
    expect(first.pages[0]!.mentions.length).toBeGreaterThan(0);
    const second = await run('/lm', first.pages[0]!.cursor);
    expect(second.pages).toEqual([{ mentions: [], cursor: { lastModified: lm } }]);
  });
});

describe('what may follow the root element, and what is truncation', () => {
  const guardian = fixture('rss/rss-parser/guardian.rss').toString('utf8').trimEnd();
  const heise = fixture('rss/rss-parser/heise.atom').toString('utf8').trimEnd();
  const count = (text: string) => parseFeed(text, 'https://e.com/').items.length;
  const all = count(guardian);

  it('reads a FeedBurner feed ending </feed><!-- ph=1 --> through the collector', async () => {
    srv.route('GET', '/feedburner', {
      headers: { 'content-type': 'application/atom+xml; charset=utf-8' },
      body: `${heise}<!-- ph=1 -->`,
    });
    const r = await run('/feedburner');
    expect(r.error).toBeUndefined();
    expect(r.pages[0]!.mentions).toHaveLength(count(heise));
  });

  it.each([
    ['a trailing comment', `${guardian}<!-- ph=1 -->`],
    [
      'comments, a processing instruction and whitespace',
      `${guardian}\n<!-- a -->\n<?xml-stylesheet href="s.xsl"?>\n<!-- b -->\n\n`,
    ],
    [
      "a host's injected analytics after the root",
      `${guardian}\n<!-- Hosting24 Analytics Code --><script type="text/javascript" src="http://stats.hosting24.com/count.php"></script><!-- End Of Analytics Code -->\n`,
    ],
    ['a trailing comment cut short (the feed itself is whole)', `${guardian}<!-- ph=`],
    ['the root end tag cut before its >', guardian.replace(/>\s*$/, '')],
    ['no </rss> after a closed </channel>', guardian.replace(/<\/rss>\s*$/, '')],
  ])('accepts a whole feed with %s', (_what, text) => {
    expect(count(text)).toBe(all);
  });

  it.each([
    ['right after an </item>', guardian.slice(0, guardian.lastIndexOf('</item>') + '</item>'.length)],
    [
      'right after an </item>, with whitespace',
      `${guardian.slice(0, guardian.indexOf('</item>') + '</item>'.length)}\n  `,
    ],
    ['inside an element', guardian.slice(0, Math.floor(guardian.length / 2))],
    [
      'an Atom feed right after an </entry>',
      heise.slice(0, heise.lastIndexOf('</entry>') + '</entry>'.length),
    ],
  ])('refuses a feed cut %s', (_what, text) => {
    expect(() => parseFeed(text, 'https://e.com/')).toThrow(SourceFault);
    try {
      parseFeed(text, 'https://e.com/');
    } catch (e) {
      expect((e as SourceFault).kind).toBe('parse-error');
    }
  });
});

describe('items with no guid, link or title', () => {
  const rssDoc = (items: string) =>
    `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>Body only</title><link>https://e.com/</link>${items}</channel></rss>`;
  const bodies = [
    '<item><description>acme first body</description></item>',
    '<item><description><![CDATA[<p>acme second body</p>]]></description><pubDate>Wed, 25 Nov 2026 07:00:00 GMT</pubDate></item>',
    '<item><dc:description>acme in Dublin Core</dc:description></item>',
    '<item><media:group><media:description>acme in Media RSS</media:description></media:group></item>',
    '<item><itunes:summary>acme in an iTunes summary</itunes:summary></item>',
  ];

  it('gets a content-hash id, stable across runs, so a re-poll refreshes rather than duplicates', async () => {
    srv.route('GET', '/body-only', {
      headers: { 'content-type': 'application/rss+xml' },
      body: rssDoc(bodies.join('')),
    });
    const first = (await run('/body-only')).pages[0]!.mentions;
    const second = (await run('/body-only')).pages[0]!.mentions;
    expect(first.map((m) => m.text)).toEqual([
      'acme first body',
      '<p>acme second body</p>',
      'acme in Dublin Core',
      'acme in Media RSS',
      'acme in an iTunes summary',
    ]);
    const ids = first.map((m) => String(m.externalId));
    expect(new Set(ids).size).toBe(bodies.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(second.map((m) => m.externalId)).toEqual(ids);
    // Another item beside them changes none of their ids.
    const more = parseFeed(
      rssDoc(`<item><description>new</description></item>${bodies.join('')}`),
      'https://e.com/',
    );
    expect(more.items.slice(1).map((i) => i.id)).toEqual(ids);
  });

  it('JSON Feed items with an empty or blank id get one too (an empty id was refused downstream)', () => {
    const doc = JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'J',
      items: [
        { id: '', content_text: 'acme body one' },
        { id: '   ', content_text: 'acme body two' },
        { content_html: '<p>acme body three</p>' },
      ],
    });
    const items = parseFeed(doc, 'https://e.com/').items;
    const ids = items.map((i) => i.id);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(parseFeed(doc, 'https://e.com/').items.map((i) => i.id)).toEqual(ids);
  });

  it('keeps Atom xhtml content as markup, so paragraphs do not run together', () => {
    const doc = `<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><entry><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>acme one.</p><p>Two.</p></div></content></entry></feed>`;
    const [item] = parseFeed(doc, 'https://e.com/').items;
    expect(item!.html).toContain('<p>acme one.</p>');
  });

  it('gives items that share one guid (a CMS template) their own ids: the link, else a hash', () => {
    const doc = rssDoc(
      [
        '<item><guid isPermaLink="false">0</guid><link>https://e.com/a</link><title>A</title></item>',
        '<item><guid isPermaLink="false">0</guid><link>https://e.com/b</link><title>B</title></item>',
        '<item><guid isPermaLink="false">0</guid><title>C</title><description>no link</description></item>',
        '<item><guid isPermaLink="false">0</guid><title>D</title><description>no link either</description></item>',
        '<item><guid>kept</guid><title>E</title></item>',
      ].join(''),
    );
    const ids = parseFeed(doc, 'https://e.com/').items.map((i) => i.id);
    expect(ids.slice(0, 2)).toEqual(['https://e.com/a', 'https://e.com/b']);
    expect(ids[2]).toMatch(/^[0-9a-f]{24}$/);
    expect(ids[3]).toMatch(/^[0-9a-f]{24}$/);
    expect(ids[2]).not.toBe(ids[3]);
    expect(ids[4]).toBe('kept');
    expect(parseFeed(doc, 'https://e.com/').items.map((i) => i.id)).toEqual(ids);
  });
});
