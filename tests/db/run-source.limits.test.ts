import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rss } from '../../collectors/rss.ts';
import { type YoutubeCursor, youtube } from '../../collectors/youtube.ts';
import type { DbHandle } from '../../db/client.ts';
import { cursors, mentions, sourceRuns, sources } from '../../db/schema/index.ts';
import { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import { cursorKey, runSource } from '../../src/pipeline/run-source.ts';
import { testHttp } from '../helpers/collect.ts';
import { type FixtureServer, fixture, startFixtureServer } from '../helpers/fixture-server.ts';
import { makeDeps } from '../helpers/harness.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

const DAY = 86_400_000;
const start = new Date('2026-11-25T08:00:00Z');

/** An RSS feed of the given item dates (newest first), one acme item each. */
const feedOf = (dates: Date[]) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Acme news</title><link>https://news.example/</link>${dates
    .map(
      (d) =>
        `<item><guid>${d.toISOString()}</guid><title>acme on ${d.toISOString()}</title><pubDate>${d.toUTCString()}</pubDate></item>`,
    )
    .join('')}</channel></rss>`;

let h: DbHandle;
let srv: FixtureServer;
let deps: Deps;
let clock: FakeClock;
let served: Date[] = [];

beforeAll(async () => {
  h = await openTestDb();
  srv = await startFixtureServer();
  srv.route('GET', '/feed.xml', () => ({
    headers: { 'content-type': 'application/rss+xml' },
    body: feedOf(served),
  }));
});
afterAll(async () => {
  await deps?.close();
  await srv?.close();
  await h?.close();
});
beforeEach(async () => {
  await deps?.close();
  await truncateAll(h);
  clock = new FakeClock(start);
  deps = await makeDeps({
    handle: h,
    clock,
    collectors: [rss, youtube],
    httpFactory: () => testHttp(),
    config: {
      brands: [{ name: 'Acme', query: 'acme' }],
      sources: [
        { name: 'news', type: 'rss', backfillDays: 7, options: { url: `${srv.url}/feed.xml` } },
        {
          name: 'yt',
          type: 'youtube',
          backfillDays: 3650,
          options: { query: 'surfing', baseUrl: srv.url, maxCommentPages: 0, statistics: false },
          secrets: { key: 'test-key' },
        },
      ],
    },
  });
  await syncConfig(deps);
});

const source = async (name = 'news') =>
  (await deps.db.select().from(sources).where(eq(sources.name, name)))[0]!;
const storedDates = async () =>
  (await deps.db.select({ at: mentions.publishedAt }).from(mentions)).map((r) => r.at.getTime()).sort();

describe('backfillDays holds on every run', () => {
  it('a 20-day feed: run 1 stores the last 7 days, run 2 stores nothing older (it stored the other 13)', async () => {
    // Items 1h, 1d+1h, ... 19d+1h old: 7 of them within 7 days.
    served = Array.from({ length: 20 }, (_, i) => new Date(start.getTime() - i * DAY - 3_600_000));
    const r1 = await runSource(deps, await source());
    expect(r1).toMatchObject({ status: 'ok', stored: 7 });
    clock.set(new Date(start.getTime() + 10 * 60_000));
    const r2 = await runSource(deps, await source());
    expect(r2).toMatchObject({ status: 'ok', stored: 0, duplicates: 7 });
    const horizon = start.getTime() - 7 * DAY;
    const dates = await storedDates();
    expect(dates).toHaveLength(7);
    expect(dates.every((t) => t >= horizon)).toBe(true);
  });

  it('after a 10-day outage, what was posted meanwhile is stored: the horizon stays at the first run', async () => {
    served = [new Date(start.getTime() - 3_600_000)];
    expect(await runSource(deps, await source())).toMatchObject({ status: 'ok', stored: 1 });
    // Ten days later the feed holds one item a day from the outage, and still the old ones.
    const later = new Date(start.getTime() + 10 * DAY);
    clock.set(later);
    served = [
      ...Array.from({ length: 9 }, (_, i) => new Date(later.getTime() - (i + 1) * DAY)),
      new Date(start.getTime() - 3_600_000),
      new Date(start.getTime() - 8 * DAY),
    ];
    const r = await runSource(deps, await source());
    // All nine outage items, including the two older than "now - 7 days"; not the one from
    // before the first run's horizon.
    expect(r).toMatchObject({ status: 'ok', stored: 9, duplicates: 1 });
    expect((await storedDates()).every((t) => t >= start.getTime() - 7 * DAY)).toBe(true);
  });

  it('a dry run of a source never run holds the horizon from now', async () => {
    served = Array.from({ length: 20 }, (_, i) => new Date(start.getTime() - i * DAY - 3_600_000));
    const seen: string[] = [];
    const r = await runSource(deps, await source(), {
      dryRun: true,
      onMention: (m) => seen.push(m.externalId),
    });
    expect(r.status).toBe('ok');
    expect(seen).toHaveLength(7);
  });
});

describe('a fault never reads as ok', () => {
  it('YouTube: search page 2 fails when the quota page it commits on the way out is the last page allowed', async () => {
    const p1 = fixture('youtube/search_by_keywords_p1.json').toString('utf8');
    srv.route('GET', '/youtube/v3/search', { headers: { 'content-type': 'application/json' }, body: p1 });
    srv.fault(
      (pq) => pq.startsWith('/youtube/v3/search?') && pq.includes('pageToken='),
      { kind: 'status', status: 500 },
      1,
    );
    const s = await source('yt');
    // Pages: the window's re-poll page, search page 1, then the page that commits the units
    // spent on the failed page 2: the third and last page allowed.
    const r = await runSource(deps, s, { maxPages: 3 });
    srv.clearFaults();
    expect(r).toMatchObject({ status: 'fault', pages: 3, error: { kind: 'upstream' } });
    const [run] = await deps.db.select().from(sourceRuns).where(eq(sourceRuns.sourceId, s.id));
    expect(run).toMatchObject({ status: 'fault', errorKind: 'upstream' });
    // The failed call's 100 units were committed with that page.
    const [c] = await deps.db
      .select()
      .from(cursors)
      .where(eq(cursors.key, cursorKey(s.id)));
    expect((c!.value as YoutubeCursor).quota.used).toBe(200);
  });
});
