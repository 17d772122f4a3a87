import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HnCursor, hackerNews } from '../../collectors/hacker-news.ts';
import { collectPages, ctxFor, testHttp } from '../helpers/collect.ts';
import { type FixtureServer, fixture, startFixtureServer } from '../helpers/fixture-server.ts';

const recorded = JSON.parse(fixture('hackernews/fixtures.json').toString('utf8')) as {
  url: string;
  reply: unknown;
}[];
const replyFor = (path: string) => recorded.find((r) => r.url === path)!.reply;

type Synthetic = {
  objectID: string;
  created_at_i: number;
  author: string;
  comment_text: string;
  parent_id: number;
  story_id: number;
  points: null;
  _tags: string[];
};
const comment = (id: number, at: number): Synthetic => ({
  objectID: String(id),
  created_at_i: at,
  author: `u${id % 7}`,
  comment_text: `comment ${id} about acme`,
  parent_id: 1,
  story_id: 1,
  points: null,
  _tags: ['comment'],
});

/** Synthetic hits one minute apart, for paging past the hit cap and resuming. */
const synthetic = Array.from({ length: 250 }, (_, i) => comment(1000 + i, 1_700_000_000 + i * 60));

/**
 * Synthetic hits with bursts that share one second: more than a page (10) at the newest second,
 * exactly one page and one page plus one elsewhere, a burst that starts mid-page, and 25 at the
 * oldest second, between single hits.
 */
const BURST_T = 1_750_000_000;
const bursty: Synthetic[] = [];
{
  let id = 5000;
  const at = (t: number, n: number) => {
    for (let k = 0; k < n; k++) bursty.push(comment(id++, BURST_T + t));
  };
  at(0, 25);
  at(3, 1);
  at(5, 11);
  at(9, 2);
  at(10, 10);
  at(12, 1);
  at(20, 17);
  at(21, 3);
  at(30, 1);
  at(40, 23);
}

/**
 * A fake Algolia `search_by_date` answering from a list of hits the way Algolia does: the
 * `numericFilters` on `created_at_i` (`>`, `>=`, `<`, `<=`, `=`, comma-separated = AND), newest
 * first with a fixed order within a second, `hitsPerPage` and `page`, and no hit past the
 * 1,000th of a query (`paginationLimitedTo`).
 */
function fakeAlgolia(list: Synthetic[]) {
  return (req: { url?: string }) => {
    const u = new URL(req.url!, 'http://x');
    const tests: ((t: number) => boolean)[] = [];
    for (const f of (u.searchParams.get('numericFilters') ?? '').split(',').filter(Boolean)) {
      const m = /^created_at_i(>=|<=|>|<|=)(\d+)$/.exec(f);
      if (!m) throw new Error(`fake Algolia: unsupported filter ${f}`);
      const v = Number(m[2]);
      const op = m[1];
      tests.push((t) =>
        op === '>' ? t > v : op === '>=' ? t >= v : op === '<' ? t < v : op === '<=' ? t <= v : t === v,
      );
    }
    const per = Number(u.searchParams.get('hitsPerPage') ?? 20);
    const page = Number(u.searchParams.get('page') ?? 0);
    const hits = list
      .filter((h) => tests.every((ok) => ok(h.created_at_i)))
      .sort((a, b) => b.created_at_i - a.created_at_i || Number(b.objectID) - Number(a.objectID))
      .slice(0, 1000);
    return {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        hits: hits.slice(page * per, page * per + per),
        nbHits: hits.length,
        page,
        hitsPerPage: per,
      }),
    };
  };
}
/** The order a complete read yields: Algolia's. */
const inOrder = (list: Synthetic[]) =>
  [...list]
    .sort((a, b) => b.created_at_i - a.created_at_i || Number(b.objectID) - Number(a.objectID))
    .map((h) => h.objectID);

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', '/recorded/api/v1/search_by_date', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(replyFor('/api/v1/search_by_date?hitsPerPage=1&tags=(comment)')),
  });
  srv.route('GET', '/api/v1/search_by_date', fakeAlgolia(synthetic));
  srv.route('GET', '/bursty/api/v1/search_by_date', fakeAlgolia(bursty));
});
afterAll(() => srv.close());

describe('hacker-news collector', () => {
  it('maps a recorded Algolia comment hit', async () => {
    const { pages, error } = await collectPages(hackerNews, ctxFor(testHttp()), {
      query: 'apple',
      baseUrl: `${srv.url}/recorded`,
    });
    expect(error).toBeUndefined();
    const [m] = pages[0]!.mentions;
    const hit = (
      replyFor('/api/v1/search_by_date?hitsPerPage=1&tags=(comment)') as { hits: Record<string, unknown>[] }
    ).hits[0]!;
    expect(m).toMatchObject({
      platform: 'hackernews',
      externalId: String(hit.objectID),
      url: `https://news.ycombinator.com/item?id=${hit.objectID}`,
      author: { handle: hit.author },
      text: hit.comment_text,
      parentId: String(hit.parent_id),
      threadId: String(hit.story_id),
      publishedAt: new Date((hit.created_at_i as number) * 1000).toISOString(),
    });
    expect(m!.raw).not.toHaveProperty('_highlightResult');
  });

  it('pages by time past any hit cap, and resumes after a fault without gap or duplicate', async () => {
    const all = await collectPages(hackerNews, ctxFor(testHttp()), {
      query: 'acme',
      hitsPerPage: 100,
      baseUrl: srv.url,
    });
    expect(all.pages).toHaveLength(3);
    expect(new Set(all.pages.flatMap((p) => p.mentions.map((m) => m.externalId))).size).toBe(250);

    // A run stopped after its first committed page (a crash or fault), then resumed from that cursor:
    const first = await collectPages(hackerNews, ctxFor(testHttp(), null, { maxPages: 1 }), {
      query: 'acme',
      hitsPerPage: 100,
      baseUrl: srv.url,
    });
    const committed = first.pages[0]!.cursor;
    expect(committed).toMatchObject({ upper: expect.any(Number) });
    const rest = await collectPages(hackerNews, ctxFor(testHttp(), committed), {
      query: 'acme',
      hitsPerPage: 100,
      baseUrl: srv.url,
    });
    const ids = [...first.pages, ...rest.pages].flatMap((p) => p.mentions.map((m) => m.externalId));
    expect(new Set(ids).size).toBe(250);
    expect(rest.pages.at(-1)!.cursor).toMatchObject({ upper: null, since: synthetic.at(-1)!.created_at_i });
  });

  describe('more hits in one second than a page', () => {
    const opts = () => ({ query: 'acme', hitsPerPage: 10, baseUrl: `${srv.url}/bursty` });
    const ids = (pages: { mentions: { externalId: string | number }[] }[]) =>
      pages.flatMap((p) => p.mentions.map((m) => String(m.externalId)));

    it('collects every hit exactly once, in order', async () => {
      const r = await collectPages(hackerNews, ctxFor(testHttp()), opts());
      expect(r.error).toBeUndefined();
      expect(ids(r.pages)).toEqual(inOrder(bursty));
      expect(r.pages.at(-1)!.cursor).toEqual({ since: BURST_T + 40, upper: null, newest: BURST_T + 40 });
      // The seconds with more than a page were read with Algolia's `page`, within the hit cap.
      const paged = srv.requests
        .filter((q) => q.url.startsWith('/bursty/') && q.url.includes('page='))
        .map((q) => new URL(q.url, 'http://x').searchParams);
      expect(paged.length).toBeGreaterThan(0);
      for (const q of paged) expect((Number(q.get('page')) + 1) * 10).toBeLessThanOrEqual(1000);
    });

    it('resumes from the cursor committed after any page without skipping or repeating', async () => {
      const whole = inOrder(bursty);
      const clean = await collectPages(hackerNews, ctxFor(testHttp()), opts());
      for (let k = 1; k < clean.pages.length; k++) {
        // A crash after page k: the cursor is what the store kept (JSON).
        const first = await collectPages(hackerNews, ctxFor(testHttp(), null, { maxPages: k }), opts());
        expect(first.pages).toHaveLength(k);
        const committed = JSON.parse(JSON.stringify(first.pages.at(-1)!.cursor)) as HnCursor;
        const rest = await collectPages(hackerNews, ctxFor(testHttp(), committed), opts());
        expect(rest.error).toBeUndefined();
        expect([...ids(first.pages), ...ids(rest.pages)], `crash after page ${k}`).toEqual(whole);
      }
    });

    it('resumes after a fault on a page within one second', async () => {
      // The first request with `page=` is the second page of the newest second's 23 hits.
      srv.fault((pq) => pq.startsWith('/bursty/') && pq.includes('page=1'), { kind: 'status', status: 503 });
      const bad = await collectPages(hackerNews, ctxFor(testHttp()), opts());
      srv.clearFaults();
      expect(bad.error).toBeDefined();
      expect(bad.pages).toHaveLength(1);
      expect(bad.pages[0]!.cursor).toMatchObject({ upper: BURST_T + 40, page: 1 });
      const rest = await collectPages(hackerNews, ctxFor(testHttp(), bad.pages[0]!.cursor), opts());
      expect([...ids(bad.pages), ...ids(rest.pages)]).toEqual(inOrder(bursty));
    });

    it('reads a cursor written before `page` existed', async () => {
      // { since, upper, newest }: the window (since, upper] is read whole from its first page.
      const old: HnCursor = { since: BURST_T + 5, upper: BURST_T + 21, newest: BURST_T + 40 };
      const r = await collectPages(hackerNews, ctxFor(testHttp(), old), opts());
      expect(r.error).toBeUndefined();
      expect(ids(r.pages)).toEqual(
        inOrder(bursty.filter((h) => h.created_at_i > BURST_T + 5 && h.created_at_i <= BURST_T + 21)),
      );
      expect(r.pages.at(-1)!.cursor).toEqual({ since: BURST_T + 40, upper: null, newest: BURST_T + 40 });
    });
  });
});
