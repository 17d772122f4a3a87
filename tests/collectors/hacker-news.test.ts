import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hackerNews } from '../../collectors/hacker-news.ts';
import { collectPages, ctxFor, testHttp } from '../helpers/collect.ts';
import { type FixtureServer, fixture, startFixtureServer } from '../helpers/fixture-server.ts';

const recorded = JSON.parse(fixture('hackernews/fixtures.json').toString('utf8')) as {
  url: string;
  reply: unknown;
}[];
const replyFor = (path: string) => recorded.find((r) => r.url === path)!.reply;

/** A synthetic Algolia that honours numericFilters, for pagination and resume. */
const synthetic = Array.from({ length: 250 }, (_, i) => ({
  objectID: String(1000 + i),
  created_at_i: 1_700_000_000 + i * 60,
  author: `u${i % 7}`,
  comment_text: `comment ${i} about acme`,
  parent_id: 1,
  story_id: 1,
  points: null,
  _tags: ['comment'],
}));

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', '/recorded/api/v1/search_by_date', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(replyFor('/api/v1/search_by_date?hitsPerPage=1&tags=(comment)')),
  });
  srv.route('GET', '/api/v1/search_by_date', (req) => {
    const u = new URL(req.url!, 'http://x');
    const filters = (u.searchParams.get('numericFilters') ?? '').split(',');
    const gt = Number(/created_at_i>(\d+)/.exec(filters.join(','))?.[1] ?? 0);
    const le = Number(/created_at_i<=(\d+)/.exec(filters.join(','))?.[1] ?? Number.POSITIVE_INFINITY);
    const per = Number(u.searchParams.get('hitsPerPage'));
    const hits = synthetic
      .filter((h) => h.created_at_i > gt && h.created_at_i <= le)
      .sort((a, b) => b.created_at_i - a.created_at_i);
    return {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hits: hits.slice(0, per), nbHits: hits.length, page: 0, hitsPerPage: per }),
    };
  });
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
});
