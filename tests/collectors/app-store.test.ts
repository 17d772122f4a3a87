import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewestFirstCursor } from '../../collectors/_lib/newest-first.ts';
import { parseAppStoreReviews } from '../../collectors/_lib/parse-app-store.ts';
import { appStore } from '../../collectors/app-store.ts';
import { SourceFault } from '../../src/errors.ts';
import { testHttp as baseHttp, collectPages, ctxFor } from '../helpers/collect.ts';
import { type FixtureServer, fixture, startFixtureServer } from '../helpers/fixture-server.ts';

const testHttp = () => baseHttp({ defaultLimit: { perMinute: 1_000_000, concurrency: 4 } });
type Cursor = NewestFirstCursor<number>;
const recordedText = fixture('appstore/Reviews.json').toString('utf8');
const recorded = JSON.parse(recordedText);
const collectedAt = new Date('2026-11-25T08:00:00Z');

/**
 * Pages 2 and 3 are made here from the recorded page 1 (only page 1 was recorded): ids renamed
 * below page 1's, links rewritten; `last` is page 3.
 */
function page(n: number): unknown {
  const link = (rel: string, p: number) => ({
    attributes: {
      rel,
      href: `https://itunes.apple.com/nl/rss/customerreviews/page=${p}/id=474495017/sortby=mostrecent/xml?urlDesc=/customerreviews/id=474495017/sortby=mostrecent/json`,
    },
  });
  const entries =
    n === 1
      ? recorded.feed.entry
      : recorded.feed.entry.map((e: Record<string, unknown>, i: number) => ({
          ...e,
          id: { label: String(6_000_000_000 - n * 1000 - i) },
        }));
  return {
    feed: {
      ...recorded.feed,
      entry: entries,
      link: [link('first', 1), link('last', 3), ...(n < 3 ? [link('next', n + 1)] : [])],
    },
  };
}

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', /^\/nl\/rss\/customerreviews\/page=\d+\/id=474495017\/sortby=mostrecent\/json$/, (req) => {
    const n = Number(/page=(\d+)/.exec(req.url!)![1]);
    return {
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: n === 1 ? recordedText : JSON.stringify(page(n)),
    };
  });
  srv.route('GET', '/recorded/nl/rss/customerreviews/page=1/id=474495017/sortby=mostrecent/json', {
    headers: { 'content-type': 'application/json' },
    body: recordedText,
  });
});
afterAll(() => srv.close());

const opts = (extra: Record<string, unknown> = {}) => ({
  appId: '474495017',
  country: 'NL',
  baseUrl: srv.url,
  ...extra,
});
const ids = (pages: { mentions: { externalId: string | number }[] }[]) =>
  pages.flatMap((p) => p.mentions.map((m) => String(m.externalId)));

describe('app-store parser (recorded feed)', () => {
  it('unwraps labels, keeps rating and version in raw, votes as likes, collected time for missing dates', () => {
    const p = parseAppStoreReviews(recorded, { appId: '474495017', country: 'nl', page: 1, collectedAt });
    expect(p.reviews).toHaveLength(50);
    expect(p.nextPage).toBe(2);
    expect(p.reviews[0]!.mention).toMatchObject({
      platform: 'appstore',
      externalId: '6362114176',
      title: 'Aan uit zetten',
      author: { handle: 'ronie de pony', url: 'https://itunes.apple.com/nl/reviews/id427296313' },
      publishedAt: collectedAt,
      metrics: { likes: 0 },
      raw: { rating: 5, version: '2020.17.0', voteCount: 0, dated: false },
    });
    expect(p.reviews[0]!.mention.text).toMatch(/^Fijne app\nMaar/);
    expect(p.reviews[0]!.date).toBeNull();
  });

  it('takes a date when the entry has one, a single entry object, and skips the app entry', () => {
    const one = { ...recorded.feed.entry[1], updated: { label: '2020-08-26T10:00:00-07:00' } };
    const app = { id: { label: 'https://apps.apple.com/app/id1' }, 'im:name': { label: 'ING' } };
    const p = parseAppStoreReviews(
      { feed: { entry: [app, one] } },
      { appId: '1', country: 'nl', page: 1, collectedAt },
    );
    expect(p.reviews.map((r) => r.mention.publishedAt)).toEqual([new Date('2020-08-26T17:00:00Z')]);
    expect(
      parseAppStoreReviews({ feed: { entry: one } }, { appId: '1', country: 'nl', page: 1, collectedAt })
        .reviews,
    ).toHaveLength(1);
    expect(
      parseAppStoreReviews({ feed: { author: {} } }, { appId: '1', country: 'nl', page: 1, collectedAt })
        .reviews,
    ).toEqual([]);
  });

  it('takes the text rendering when content comes as [text, html]', () => {
    const e = {
      ...recorded.feed.entry[0],
      content: [
        { label: 'plain text', attributes: { type: 'text' } },
        { label: '<p>html</p>', attributes: { type: 'html' } },
      ],
    };
    const p = parseAppStoreReviews(
      { feed: { entry: [e] } },
      { appId: '1', country: 'nl', page: 1, collectedAt },
    );
    expect(p.reviews[0]!.mention.text).toBe('plain text');
  });

  it('refuses other shapes', () => {
    expect(() =>
      parseAppStoreReviews({ results: [] }, { appId: '1', country: 'nl', page: 1, collectedAt }),
    ).toThrow(SourceFault);
    expect(() =>
      parseAppStoreReviews(
        { feed: { entry: [{ 'im:rating': { label: '5' } }] } },
        { appId: '1', country: 'nl', page: 1, collectedAt },
      ),
    ).toThrowError(expect.objectContaining({ kind: 'schema-changed' }));
  });
});

describe('app-store collector (fixture server, real HTTP layer)', () => {
  it('follows rel=next to the last page, then stops at known reviews on the next run', async () => {
    const { pages, error } = await collectPages<Cursor>(appStore, ctxFor<Cursor>(testHttp()), opts());
    expect(error).toBeUndefined();
    expect(pages).toHaveLength(3);
    expect(new Set(ids(pages)).size).toBe(150);
    expect(pages.at(-1)!.cursor).toEqual({ since: '6362114176', next: null, top: null });
    const before = srv.requests.length;
    const again = await collectPages<Cursor>(
      appStore,
      ctxFor<Cursor>(testHttp(), pages.at(-1)!.cursor),
      opts(),
    );
    // Page 1 is re-read (refreshing votes of recent reviews) and already reaches the known top.
    expect(srv.requests.length - before).toBe(1);
    expect(again.pages.at(-1)!.cursor.since).toBe('6362114176');
  });

  it('resumes at the committed page: no gap, no duplicate', async () => {
    const first = await collectPages<Cursor>(
      appStore,
      ctxFor<Cursor>(testHttp(), null, { maxPages: 1 }),
      opts(),
    );
    expect(first.pages[0]!.cursor).toEqual({ since: null, next: 2, top: '6362114176' });
    const rest = await collectPages<Cursor>(
      appStore,
      ctxFor<Cursor>(testHttp(), first.pages[0]!.cursor),
      opts(),
    );
    const all = [...ids(first.pages), ...ids(rest.pages)];
    expect(all).toHaveLength(150);
    expect(new Set(all).size).toBe(150);
    expect(rest.pages.at(-1)!.cursor.since).toBe('6362114176');
  });

  it('HTML, an empty body and an error page are source faults, not empty pages', async () => {
    srv.fault(/page=1\//, { kind: 'html', body: '<!DOCTYPE html><html><body>Not found</body></html>' });
    const html = await collectPages(appStore, ctxFor(testHttp()), opts());
    expect(html.pages).toEqual([]);
    expect((html.error as SourceFault).kind).toBe('schema-changed');
    srv.route('GET', '/empty/us/rss/customerreviews/page=1/id=1/sortby=mostrecent/json', { body: '' });
    const empty = await collectPages(appStore, ctxFor(testHttp()), {
      appId: '1',
      baseUrl: `${srv.url}/empty`,
    });
    expect((empty.error as SourceFault).kind).toBe('empty');
  });
});
