import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrustpilotPage } from '../../collectors/_lib/parse-trustpilot.ts';
import { type TrustpilotCursor, trustpilot } from '../../collectors/trustpilot.ts';
import type { SourceFault } from '../../src/errors.ts';
import { testHttp as baseHttp, collectPages, ctxFor } from '../helpers/collect.ts';
import { type FixtureServer, fixture, startFixtureServer } from '../helpers/fixture-server.ts';

const testHttp = () => baseHttp({ defaultLimit: { perMinute: 1_000_000, concurrency: 4 } });
const card2016 = fixture('trustpilot/trustpilot.html').toString('utf8');
const collectedAt = new Date('2026-11-25T08:00:00Z');

/**
 * HAND-MADE samples of the current markup (no recording exists): JSON-LD `Review` nodes in an
 * `@graph`, and `__NEXT_DATA__` with `props.pageProps.reviews` and `filters.pagination`, in the
 * documented shapes. Page n holds reviews n*10..n*10+9 counted down from a fixed date.
 */
const reviewAt = (i: number) => ({
  id: `66a${String(1000 - i).padStart(5, '0')}`,
  title: `Review ${i}`,
  text: `Delivery &amp; support review number ${i}`,
  rating: (i % 5) + 1,
  likes: i % 3,
  language: 'en',
  dates: { publishedDate: new Date(Date.UTC(2026, 10, 20) - i * 3_600_000).toISOString() },
  consumer: { id: `c${i}`, displayName: `Consumer ${i}` },
  reply: i === 0 ? { message: 'Thanks!' } : null,
});
function nextDataPage(n: number, total: number, withJsonLd: boolean): string {
  const reviews = Array.from({ length: 10 }, (_, k) => reviewAt((n - 1) * 10 + k));
  const next = {
    props: { pageProps: { reviews, filters: { pagination: { currentPage: n, totalPages: total } } } },
  };
  const ld = {
    '@context': 'https://schema.org',
    '@graph': [
      { '@type': 'Organization', name: 'Example' },
      ...reviews.map((r) => ({
        '@type': 'Review',
        '@id': `https://www.trustpilot.com/#/schema/Review/example.com/${r.id}`,
        headline: r.title,
        reviewBody: r.text,
        datePublished: r.dates.publishedDate,
        inLanguage: 'en',
        author: {
          '@type': 'Person',
          name: r.consumer.displayName,
          url: `https://www.trustpilot.com/users/${r.consumer.id}`,
        },
        reviewRating: { '@type': 'Rating', ratingValue: String(r.rating) },
      })),
    ],
  };
  return `<!DOCTYPE html><html><head>${
    withJsonLd ? `<script type="application/ld+json">${JSON.stringify(ld)}</script>` : ''
  }</head><body><script id="__NEXT_DATA__" type="application/json">${JSON.stringify(next)}</script></body></html>`;
}

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', '/review/example.com', (req) => {
    const n = Number(new URL(req.url!, 'http://x').searchParams.get('page') ?? '1');
    return { headers: { 'content-type': 'text/html; charset=utf-8' }, body: nextDataPage(n, 3, true) };
  });
  srv.route('GET', '/review/hubspot.com', {
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<html><body>${card2016}</body></html>`,
  });
});
afterAll(() => srv.close());

const ids = (pages: { mentions: { externalId: string | number }[] }[]) =>
  pages.flatMap((p) => p.mentions.map((m) => String(m.externalId)));

describe('trustpilot parser', () => {
  it('reads the recorded 2016 review card', () => {
    const p = parseTrustpilotPage(card2016, 'https://www.trustpilot.com/review/hubspot.com', collectedAt);
    expect(p.source).toBe('cards');
    expect(p.reviews).toHaveLength(1);
    const m = p.reviews[0]!.mention;
    expect(m).toMatchObject({
      platform: 'trustpilot',
      externalId: '570bf3ad0000ff00094f4ac6',
      url: 'https://www.trustpilot.com/reviews/570bf3ad0000ff00094f4ac6',
      author: { handle: 'Colin Bovet', url: 'https://www.trustpilot.com/users/570bf2f30000ff000a166fb7' },
      title: 'Still needs a lot of development',
      lang: 'en',
      publishedAt: new Date('2016-04-11T18:57:49.000Z'),
      metrics: { likes: 0 },
      raw: { rating: 3 },
    });
    expect(m.text).toMatch(/^We've been using HubSpot as our CRM/);
    expect(m.text).toContain('\n- No bulk email');
  });

  it('prefers JSON-LD, enriched with likes and replies from __NEXT_DATA__ (hand-made sample)', () => {
    const p = parseTrustpilotPage(
      nextDataPage(1, 3, true),
      'https://www.trustpilot.com/review/example.com',
      collectedAt,
    );
    expect(p.source).toBe('json-ld');
    expect(p.hasNext).toBe(true);
    expect(p.reviews[0]!.mention).toMatchObject({
      externalId: '66a01000',
      title: 'Review 0',
      text: 'Delivery & support review number 0',
      author: { handle: 'Consumer 0', url: 'https://www.trustpilot.com/users/c0' },
      metrics: { likes: 0 },
      raw: { rating: 1, companyReply: 'Thanks!' },
    });
    const nd = parseTrustpilotPage(
      nextDataPage(3, 3, false),
      'https://www.trustpilot.com/review/example.com',
      collectedAt,
    );
    expect(nd.source).toBe('next-data');
    expect(nd.hasNext).toBe(false);
    expect(nd.reviews[2]!.mention).toMatchObject({
      externalId: '66a00978',
      metrics: { likes: 1 },
      raw: { rating: 3 },
    });
  });

  it('reads a JSON-LD author given as text, and a @graph of typed nodes (hand-made sample)', () => {
    const ld = {
      '@context': 'https://schema.org',
      '@graph': [
        { '@type': 'Organization', name: 'Example' },
        {
          '@type': ['Review'],
          '@id': 'https://www.trustpilot.com/#/schema/Review/example.com/65a1b2c3d4e5f60718293a4b',
          author: 'Jane D.',
          datePublished: '2024-01-02',
          reviewBody: 'Fast delivery, kind support.',
          reviewRating: { '@type': 'Rating', ratingValue: '5' },
        },
      ],
    };
    const p = parseTrustpilotPage(
      `<html><head><script type="application/ld+json">${JSON.stringify(ld)}</script></head><body></body></html>`,
      'https://www.trustpilot.com/review/example.com',
      new Date('2024-02-01T00:00:00Z'),
    );
    expect(p.source).toBe('json-ld');
    expect(p.reviews[0]!.mention).toMatchObject({
      externalId: '65a1b2c3d4e5f60718293a4b',
      author: { handle: 'Jane D.' },
      text: 'Fast delivery, kind support.',
      publishedAt: new Date('2024-01-02T00:00:00Z'),
      raw: { rating: 5 },
    });
  });

  it('a captcha, a login page or a page with no review data is a fault', () => {
    expect(() =>
      parseTrustpilotPage(
        '<html><body><div class="cf-challenge">Checking</div></body></html>',
        'u',
        collectedAt,
      ),
    ).toThrowError(expect.objectContaining({ kind: 'captcha' }));
    expect(() =>
      parseTrustpilotPage('<html><body><h1>Welcome</h1></body></html>', 'u', collectedAt),
    ).toThrowError(expect.objectContaining({ kind: 'schema-changed' }));
    expect(() => parseTrustpilotPage('', 'u', collectedAt)).toThrowError(
      expect.objectContaining({ kind: 'empty' }),
    );
  });
});

describe('trustpilot collector (fixture server, real HTTP layer)', () => {
  it('pages by recency, resumes without gap or duplicate, and stops at known reviews', async () => {
    const all = await collectPages<TrustpilotCursor>(trustpilot, ctxFor<TrustpilotCursor>(testHttp()), {
      domain: 'example.com',
      baseUrl: srv.url,
    });
    expect(all.error).toBeUndefined();
    expect(all.pages).toHaveLength(3);
    expect(new Set(ids(all.pages)).size).toBe(30);
    expect(srv.requests.some((r) => r.url.includes('page=2') && r.url.includes('sort=recency'))).toBe(true);
    const newest = reviewAt(0).dates.publishedDate;
    expect(all.pages.at(-1)!.cursor).toEqual({ since: newest, next: null, top: null });

    const first = await collectPages<TrustpilotCursor>(
      trustpilot,
      ctxFor<TrustpilotCursor>(testHttp(), null, { maxPages: 1 }),
      {
        domain: 'example.com',
        baseUrl: srv.url,
      },
    );
    const rest = await collectPages<TrustpilotCursor>(
      trustpilot,
      ctxFor<TrustpilotCursor>(testHttp(), first.pages[0]!.cursor),
      {
        domain: 'example.com',
        baseUrl: srv.url,
      },
    );
    const resumed = [...ids(first.pages), ...ids(rest.pages)];
    expect(new Set(resumed).size).toBe(30);
    expect(resumed).toHaveLength(30);

    const before = srv.requests.length;
    await collectPages(trustpilot, ctxFor<TrustpilotCursor>(testHttp(), all.pages.at(-1)!.cursor), {
      domain: 'example.com',
      baseUrl: srv.url,
    });
    expect(srv.requests.length - before).toBe(1);
  });

  it('on a first run keeps only reviews since backfillSince', async () => {
    const { pages } = await collectPages<TrustpilotCursor>(
      trustpilot,
      ctxFor<TrustpilotCursor>(testHttp(), null, {
        backfillSince: new Date(Date.UTC(2026, 10, 20) - 14.5 * 3_600_000),
      }),
      { domain: 'example.com', baseUrl: srv.url },
    );
    expect(pages).toHaveLength(2);
    expect(ids(pages)).toHaveLength(15);
  });

  it('replays the 2016 card markup through the collector', async () => {
    const { pages, error } = await collectPages(trustpilot, ctxFor(testHttp()), {
      domain: 'hubspot.com',
      baseUrl: srv.url,
    });
    expect(error).toBeUndefined();
    expect(ids(pages)).toEqual(['570bf3ad0000ff00094f4ac6']);
    srv.fault('/review/hubspot.com', {
      kind: 'html',
      body: '<html><body><form action="/login">Please log in</form></body></html>',
    });
    const wall = await collectPages(trustpilot, ctxFor(testHttp()), {
      domain: 'hubspot.com',
      baseUrl: srv.url,
    });
    expect(wall.pages).toEqual([]);
    expect((wall.error as SourceFault).kind).toBe('login-wall');
  });
});
