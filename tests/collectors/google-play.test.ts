import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewestFirstCursor } from '../../collectors/_lib/newest-first.ts';
import {
  findReviews,
  initDataBlocks,
  parseAppPageReviews,
  parseReviewsRpc,
} from '../../collectors/_lib/parse-google-play.ts';
import { googlePlay } from '../../collectors/google-play.ts';
import { SourceFault } from '../../src/errors.ts';
import { testHttp as baseHttp, collectPages, ctxFor } from '../helpers/collect.ts';
import { type FixtureServer, fixture, startFixtureServer } from '../helpers/fixture-server.ts';

const testHttp = () => baseHttp({ defaultLimit: { perMinute: 1_000_000, concurrency: 4 } });
type Cursor = NewestFirstCursor<string>;
const appId = 'com.instagram.igtv';
const html = fixture('googleplay/com.instagram.igtv.html').toString('utf8');

/** The recorded reviews payload (found by content in the app page) and its rows. */
const payload = initDataBlocks(html).find((b) => findReviews(b)) as unknown[];
const rows = payload[0] as unknown[][];
const token = (payload[1] as [null, string])[1];

/**
 * No batchexecute answer was recorded. These envelopes are BUILT here around the recorded payload,
 * in the documented framing (`)]}'`, then `[["wrb.fr","UsvDTd","<payload JSON>",...]]`, or
 * length-prefixed chunks); page 2 is the recorded rows renamed and moved a year back.
 */
const envelope = (p: unknown) =>
  `)]}'\n\n${JSON.stringify([
    ['wrb.fr', 'UsvDTd', JSON.stringify(p), null, null, null, 'generic'],
    ['di', 91],
    ['af.httprm', 90, '-1', 3],
  ])}`;
const chunked = (p: unknown) => {
  const a = JSON.stringify([['wrb.fr', 'UsvDTd', JSON.stringify(p), null, null, null, 'generic']]);
  const b = JSON.stringify([
    ['di', 91],
    ['af.httprm', 90, '-1', 3],
  ]);
  return `)]}'\n\n${a.length}\n${a}\n${b.length}\n${b}\n`;
};
const byTimeDesc = [...rows].sort((a, b) => (b[5] as number[])[0]! - (a[5] as number[])[0]!);
const page1 = [byTimeDesc, [null, 'PAGE2TOKEN_abcdefghijkl']];
const page2 = [
  byTimeDesc.map((r) => [
    `${r[0]}-p2`,
    r[1],
    r[2],
    r[3],
    r[4],
    [(r[5] as number[])[0]! - 31_536_000, 0],
    ...r.slice(6),
  ]),
  null,
];

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', '/store/apps/details', {
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: html,
  });
  srv.route('POST', '/_/PlayStoreUi/data/batchexecute', {
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: envelope(page1),
  });
});
afterAll(() => srv.close());

const ids = (pages: { mentions: { externalId: string | number }[] }[]) =>
  pages.flatMap((p) => p.mentions.map((m) => String(m.externalId)));

describe('google-play parsers', () => {
  it('finds the reviews block on the recorded app page by content and maps the positional rows', () => {
    const p = parseAppPageReviews(html, appId);
    expect(p.reviews).toHaveLength(40);
    expect(p.token).toBe(token);
    expect(p.reviews[0]!.mention).toMatchObject({
      platform: 'googleplay',
      externalId: 'gp:AOqpTOHpDiDVq6UwVU-FPMGnz3IrzBPdlZD_DOHXiqfAyucVpOgmcogx4LHNAnN7Ts1KxNnrPS6ZFoJS7bSEyA',
      author: { handle: 'Cazzie' },
      publishedAt: new Date('2019-11-19T06:43:47.602Z'),
      metrics: { likes: 16 },
      raw: { rating: 1, appVersion: '119.0.0.33.147', developerReply: null },
    });
    expect(p.reviews[0]!.mention.text).toMatch(/^I uploaded one video/);
  });

  it('does not depend on the ds:N key or the data:function form', () => {
    const renamed = html.replace("key: 'ds:23'", "key: 'ds:99'");
    expect(parseAppPageReviews(renamed, appId).reviews).toHaveLength(40);
    const modern = `<script>AF_initDataCallback({key: 'ds:5', hash: '1', data:${JSON.stringify(page1)}, sideChannel: {}});</script>`;
    expect(parseAppPageReviews(modern, appId).reviews).toHaveLength(40);
  });

  it('parses the RPC answer in both framings, with its continuation token', () => {
    for (const body of [envelope(page1), chunked(page1)]) {
      const p = parseReviewsRpc(body, appId);
      expect(p.reviews).toHaveLength(40);
      expect(p.token).toBe('PAGE2TOKEN_abcdefghijkl');
      expect(p.reviews[0]!.date.getTime()).toBeGreaterThanOrEqual(p.reviews[39]!.date.getTime());
    }
    expect(parseReviewsRpc(envelope([[], null]), appId)).toEqual({ reviews: [], token: null });
  });

  it('a changed shape, an error envelope or an HTML page is a fault, never garbage', () => {
    const shifted = [rows.map((r) => [r[0], r[1], String(r[2]), r[3], r[4], r[5]]), null];
    expect(() => parseReviewsRpc(envelope(shifted), appId)).toThrowError(
      expect.objectContaining({ kind: 'schema-changed' }),
    );
    const errorEnv = `)]}'\n\n${JSON.stringify([['wrb.fr', 'UsvDTd', null, null, null, [3], 'generic']])}`;
    expect(() => parseReviewsRpc(errorEnv, appId)).toThrowError(
      expect.objectContaining({ kind: 'upstream' }),
    );
    expect(() =>
      parseReviewsRpc('<html><body>Our systems have detected unusual traffic. captcha</body></html>', appId),
    ).toThrowError(expect.objectContaining({ kind: 'captcha' }));
    expect(() => parseAppPageReviews('<html><body>Nothing here</body></html>', appId)).toThrowError(
      expect.objectContaining({ kind: 'schema-changed' }),
    );
    const noReviews = html.replace(/AF_initDataCallback\(\{key: 'ds:23'[\s\S]*?<\/script>/, '</script>');
    expect(() => parseAppPageReviews(noReviews, appId)).toThrow(SourceFault);
  });
});

describe('google-play collector (fixture server, real HTTP layer)', () => {
  it('reads the RPC newest first, follows the token, resumes, and stops at known reviews', async () => {
    // The replay server's routes do not see request bodies; this fake answers by the f.req token.
    const { createServer } = await import('node:http');
    const seen: (string | null)[] = [];
    const fake = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const freq = JSON.parse(decodeURIComponent(body.replace(/^f\.req=/, '')));
        const inner = JSON.parse(freq[0][0][1]);
        const tok = inner[2][2][2] as string | null;
        seen.push(tok);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(tok === 'PAGE2TOKEN_abcdefghijkl' ? chunked(page2) : envelope(page1));
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(fake.address() as { port: number }).port}`;
    try {
      const all = await collectPages<Cursor>(googlePlay, ctxFor<Cursor>(testHttp()), {
        appId,
        baseUrl: base,
      });
      expect(all.error).toBeUndefined();
      expect(all.pages).toHaveLength(2);
      expect(new Set(ids(all.pages)).size).toBe(80);
      expect(seen).toEqual([null, 'PAGE2TOKEN_abcdefghijkl']);
      const newest = String(
        (byTimeDesc[0]![5] as number[])[0]! * 1000 + Math.floor((byTimeDesc[0]![5] as number[])[1]! / 1e6),
      );
      expect(all.pages.at(-1)!.cursor).toEqual({ since: newest, next: null, top: null });

      const first = await collectPages<Cursor>(
        googlePlay,
        ctxFor<Cursor>(testHttp(), null, { maxPages: 1 }),
        { appId, baseUrl: base },
      );
      expect(first.pages[0]!.cursor.next).toBe('PAGE2TOKEN_abcdefghijkl');
      const rest = await collectPages<Cursor>(
        googlePlay,
        ctxFor<Cursor>(testHttp(), first.pages[0]!.cursor),
        { appId, baseUrl: base },
      );
      expect([...ids(first.pages), ...ids(rest.pages)]).toHaveLength(80);
      expect(new Set([...ids(first.pages), ...ids(rest.pages)]).size).toBe(80);

      seen.length = 0;
      await collectPages<Cursor>(googlePlay, ctxFor<Cursor>(testHttp(), all.pages.at(-1)!.cursor), {
        appId,
        baseUrl: base,
      });
      expect(seen).toEqual([null]);
    } finally {
      await new Promise<void>((r) => fake.close(() => r()));
    }
  });

  it('reads the recorded app page in app-page mode', async () => {
    const { pages, error } = await collectPages(googlePlay, ctxFor(testHttp()), {
      appId,
      source: 'app-page',
      baseUrl: srv.url,
    });
    expect(error).toBeUndefined();
    expect(ids(pages)).toHaveLength(40);
    expect(srv.requests.at(-1)!.url).toBe('/store/apps/details?id=com.instagram.igtv&hl=en&gl=us');
  });

  it('an HTML answer to the RPC is a fault, not an empty page', async () => {
    srv.fault('/_/PlayStoreUi/data/batchexecute', {
      kind: 'html',
      body: '<html><body>Sign in - Google Accounts <form action="/signin"></form></body></html>',
    });
    const r = await collectPages(googlePlay, ctxFor(testHttp()), { appId, baseUrl: srv.url });
    expect(r.pages).toEqual([]);
    expect((r.error as SourceFault).kind).toBe('login-wall');
  });
});
