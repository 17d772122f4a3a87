import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { reddit } from '../../collectors/reddit.ts';
import { defineCollector } from '../../collectors/types.ts';
import type { DbHandle } from '../../db/client.ts';
import { cursors, mentions, sourceRuns, sources } from '../../db/schema/index.ts';
import { createApp } from '../../src/api/app.ts';
import { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import { FetchError, SourceFault } from '../../src/errors.ts';
import { healthView } from '../../src/pipeline/health.ts';
import { cursorKey, runSource } from '../../src/pipeline/run-source.ts';
import { testHttp } from '../helpers/collect.ts';
import { cassette, startFixtureServer } from '../helpers/fixture-server.ts';
import { makeDeps, makeKey, makeMention } from '../helpers/harness.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

/** A scripted source: pages of 3 mentions after the cursor position; faults on demand. */
const script = { failAt: -1, fault: null as Error | null, total: 9, seen: [] as unknown[] };
const ids = Array.from({ length: 20 }, (_, i) =>
  makeMention({ externalId: `post-${i}`, text: `acme post ${i}`, platform: 'fake' }),
);

const fake = defineCollector({
  id: 'fake',
  description: 'scripted',
  options: z.object({ query: z.string() }),
  defaultSchedule: '*/5 * * * *',
  async *collect(ctx) {
    script.seen.push(ctx.cursor);
    let at = (ctx.cursor as { at: number } | null)?.at ?? 0;
    while (at < script.total) {
      if (at === script.failAt && script.fault) throw script.fault;
      const page = ids.slice(at, Math.min(at + 3, script.total));
      at += page.length;
      yield { mentions: page, cursor: { at } };
    }
  },
});

let h: DbHandle;
let deps: Deps;
const clock = new FakeClock(new Date('2026-11-25T08:00:00Z'));

beforeAll(async () => {
  h = await openTestDb();
});
afterAll(async () => {
  await deps?.close();
  await h?.close();
});
beforeEach(async () => {
  await truncateAll(h);
  Object.assign(script, { failAt: -1, fault: null, total: 9, seen: [] });
  deps = await makeDeps({
    handle: h,
    clock,
    collectors: [fake],
    config: {
      brands: [{ name: 'Acme', query: 'acme' }],
      sources: [{ name: 'f', type: 'fake', options: { query: 'acme' } }],
    },
  });
  await syncConfig(deps);
});

const source = async () => (await deps.db.select().from(sources).where(eq(sources.name, 'f')))[0]!;

describe('running a source', () => {
  it('commits each page with its cursor and resumes from it', async () => {
    const r = await runSource(deps, await source());
    expect(r).toMatchObject({ status: 'ok', pages: 3, items: 9, stored: 9 });
    const s = await source();
    const [c] = await deps.db
      .select()
      .from(cursors)
      .where(eq(cursors.key, cursorKey(s.id)));
    expect(c!.value).toEqual({ at: 9 });
    script.total = 12;
    const r2 = await runSource(deps, s);
    expect(r2).toMatchObject({ status: 'ok', pages: 1, stored: 3, duplicates: 0 });
    expect(script.seen).toEqual([null, { at: 9 }]);
    expect(await deps.db.select().from(mentions)).toHaveLength(12);
  });

  it('keeps the pages before a fault, records the fault kind, and the next run neither skips nor repeats', async () => {
    script.failAt = 6;
    script.fault = new FetchError('upstream answered 503', {
      url: 'https://x.test/a?token=secret',
      failure: 'status',
      status: 503,
    });
    const r = await runSource(deps, await source());
    expect(r).toMatchObject({
      status: 'fault',
      pages: 2,
      stored: 6,
      error: { kind: 'upstream', retry: true },
    });
    const s = await source();
    let health = healthView(s, (await deps.db.query.sourceHealth.findFirst())!, clock.now());
    expect(health).toMatchObject({
      state: 'failing',
      consecutiveFailures: 1,
      lastError: { kind: 'upstream' },
    });
    expect(health.lastError!.message).not.toContain('secret');

    script.fault = null;
    const r2 = await runSource(deps, s);
    expect(r2).toMatchObject({ status: 'ok', stored: 3, duplicates: 0 });
    expect(await deps.db.select().from(mentions)).toHaveLength(9);
    health = healthView(s, (await deps.db.query.sourceHealth.findFirst())!, clock.now());
    expect(health).toMatchObject({ state: 'ok', consecutiveFailures: 0, runs: 2, itemsLastRun: 3 });
    const runs = await deps.db.select().from(sourceRuns);
    expect(runs.map((x) => x.status).sort()).toEqual(['fault', 'ok']);
  });

  it('shows a captcha as blocked, not as a calm day, and emits a fault event', async () => {
    script.failAt = 0;
    script.fault = new SourceFault('captcha', 'the platform answered with a captcha page');
    const events: string[] = [];
    deps.events.on('source-fault', (e) => events.push(`${e.sourceName}:${e.kind}`));
    const r = await runSource(deps, await source());
    expect(r.status).toBe('fault');
    const health = healthView(await source(), (await deps.db.query.sourceHealth.findFirst())!, clock.now());
    expect(health.state).toBe('blocked');
    expect(events).toEqual(['f:captcha']);
    expect(await deps.db.select().from(mentions)).toHaveLength(0);
  });

  it('flags a source as silent when nothing new arrives far beyond its usual rate', async () => {
    const s = await source();
    script.total = 3;
    await runSource(deps, s);
    clock.advance(3600_000);
    script.total = 6;
    await runSource(deps, s); // new items one hour later: usual interval ~1h
    for (let i = 0; i < 5; i++) {
      clock.advance(3 * 3600_000);
      await runSource(deps, s); // nothing new
    }
    const health = healthView(s, (await deps.db.query.sourceHealth.findFirst())!, clock.now());
    expect(health.state).toBe('silent');
  });

  it('a dry run prints normalised mentions and stores nothing', async () => {
    const printed: string[] = [];
    const r = await runSource(deps, await source(), {
      dryRun: true,
      onMention: (m) => printed.push(m.externalId),
    });
    expect(r.items).toBe(9);
    expect(printed).toHaveLength(9);
    expect(await deps.db.select().from(mentions)).toHaveLength(0);
    expect(await deps.db.select().from(cursors)).toHaveLength(0);
  });
});

/**
 * A real collector (reddit, PRAW's recorded comment listing cut into two pages) through the real
 * HTTP layer and the pipeline: a fault on page 2 leaves page 1 stored with its cursor, the health
 * endpoint shows the fault, the next run stores exactly the rest, and a re-poll refreshes counts.
 */
describe('a real collector through the pipeline', () => {
  const recorded = cassette('reddit/TestSubredditStreams.test_comments__with_continue_after_id.json')[1]!
    .reply;
  const listing = JSON.parse(String(recorded.body)) as {
    data: { children: { data: { name: string; score: number } }[] };
  };
  const cut = listing.data.children[49]!.data.name;
  const page = (part: 0 | 1, bump = 0) => ({
    ...recorded,
    body: JSON.stringify({
      ...listing,
      data: {
        ...listing.data,
        children: listing.data.children
          .slice(part * 50, part * 50 + 50)
          .map((c) => ({ ...c, data: { ...c.data, score: c.data.score + bump } })),
        after: part === 0 ? cut : null,
      },
    }),
  });

  it('fault on page 2: page 1 stays with its cursor, health shows it, the rerun neither gaps nor repeats', async () => {
    const srv = await startFixtureServer();
    let bump = 0;
    srv.route('GET', '/r/paged/comments.json', () => page(0, bump));
    srv.route(
      'GET',
      (pq) => pq.startsWith('/r/paged/comments.json?') && pq.includes(`after=${cut}`),
      page(1),
    );
    const real = await makeDeps({
      handle: h,
      clock,
      collectors: [reddit],
      httpFactory: () => testHttp(),
      config: {
        brands: [{ name: 'Acme', query: 'acme' }],
        sources: [
          {
            name: 'r',
            type: 'reddit',
            backfillDays: 3650,
            options: { subreddit: 'paged', listing: 'comments', baseUrl: srv.url },
          },
        ],
      },
    });
    try {
      await syncConfig(real);
      const [s] = await real.db.select().from(sources).where(eq(sources.name, 'r'));
      srv.fault((pq) => pq.includes('after='), { kind: 'status', status: 500 }, 1);
      const r1 = await runSource(real, s!);
      expect(r1).toMatchObject({ status: 'fault', pages: 1, stored: 50, error: { kind: 'upstream' } });
      const [c] = await real.db
        .select()
        .from(cursors)
        .where(eq(cursors.key, cursorKey(s!.id)));
      expect(c!.value).toMatchObject({ next: cut });

      const viewer = await makeKey(real, 'viewer');
      const res = await createApp(real).request(`/v1/sources/${s!.id}/health`, {
        headers: { authorization: `Bearer ${viewer}` },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        name: 'r',
        state: 'failing',
        lastSuccessAt: null,
        lastError: { kind: 'upstream' },
        consecutiveFailures: 1,
      });

      const r2 = await runSource(real, s!);
      expect(r2).toMatchObject({ status: 'ok', stored: 50, duplicates: 0 });
      const rows = await real.db.select().from(mentions);
      expect(new Set(rows.map((m) => m.externalId)).size).toBe(100);
      expect(rows).toHaveLength(100);

      // The next run re-reads page 1 only: counts refresh, nothing new is stored.
      bump = 7;
      const first = listing.data.children[0]!.data;
      const r3 = await runSource(real, s!);
      expect(r3).toMatchObject({ status: 'ok', pages: 1, stored: 0 });
      const [m] = await real.db.select().from(mentions).where(eq(mentions.externalId, first.name));
      expect(m!.likes).toBe(first.score + 7);
      expect(await real.db.select().from(mentions)).toHaveLength(100);

      const ok = (await (
        await createApp(real).request(`/v1/sources/${s!.id}/health`, {
          headers: { authorization: `Bearer ${viewer}` },
        })
      ).json()) as { lagSeconds: unknown };
      expect(ok).toMatchObject({
        state: 'ok',
        lastError: { kind: 'upstream' },
        consecutiveFailures: 0,
        runs: 3,
      });
      expect(ok.lagSeconds).toEqual(expect.any(Number));
    } finally {
      await real.close();
      await srv.close();
    }
  });
  it('keeps one HTTP client per source across runs: five failed runs open its breaker, later runs wait for the cool-down', async () => {
    const srv = await startFixtureServer();
    srv.route('GET', '/r/down/comments.json', { status: 503, body: 'down' });
    const real = await makeDeps({
      handle: h,
      clock,
      collectors: [reddit],
      httpFactory: (o) => testHttp({ clock: o.clock }),
      config: {
        brands: [{ name: 'Acme', query: 'acme' }],
        sources: [
          {
            name: 'down',
            type: 'reddit',
            options: { subreddit: 'down', listing: 'comments', baseUrl: srv.url },
          },
        ],
      },
    });
    try {
      await syncConfig(real);
      const [s] = await real.db.select().from(sources).where(eq(sources.name, 'down'));
      for (let i = 0; i < 5; i++) {
        expect(await runSource(real, s!)).toMatchObject({ status: 'fault' });
        clock.advance(60_000);
      }
      const asked = srv.requests.length;
      const r = await runSource(real, s!);
      expect(r).toMatchObject({ status: 'fault' });
      expect(r.error?.message).toMatch(/circuit open/);
      expect(srv.requests.length).toBe(asked);
      // After the cool-down one trial request goes out.
      clock.advance(5 * 60_000);
      await runSource(real, s!);
      expect(srv.requests.length).toBe(asked + 1);
    } finally {
      await real.close();
      await srv.close();
    }
  });
});
