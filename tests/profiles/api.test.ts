import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client.ts';
import { createApp } from '../../src/api/app.ts';
import type { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import { makeDeps, makeKey, makeMention } from '../helpers/harness.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';
import { wordClassifier } from '../helpers/word-classifier.ts';

const fake = wordClassifier('fake-api-classifier');

let h: DbHandle;
let deps: Deps & { clock: FakeClock };
let app: ReturnType<typeof createApp>;
let admin: string;
let editor: string;
let viewer: string;

beforeAll(async () => {
  h = await openTestDb('pglite');
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await truncateAll(h);
  deps = (await makeDeps({
    handle: h,
    classifiers: [fake],
    config: {
      brands: [
        {
          name: 'Acme',
          query: '"acme" OR "艾克米"',
          competitors: ['Globex', 'Initech'],
          locale: 'bilingual',
        },
        { name: 'Globex', query: '"globex"' },
      ],
    },
  })) as Deps & { clock: FakeClock };
  await syncConfig(deps);
  app = createApp(deps, { stream: { heartbeatMs: 60_000 } });
  [admin, editor, viewer] = await Promise.all([
    makeKey(deps, 'admin'),
    makeKey(deps, 'editor'),
    makeKey(deps, 'viewer'),
  ]);
  const at = (hoursAgo: number) => new Date(deps.clock.now().getTime() - hoursAgo * 3_600_000).toISOString();
  await deps.pipeline.processBatch(
    [
      ...[1, 2, 3].map((i) =>
        makeMention({
          platform: 'weibo',
          text: `love acme #battery ${i}`,
          publishedAt: at(i),
          author: { handle: 'bigkol', name: 'Big <b>KOL</b>', followers: 2_000_000 },
          metrics: { likes: 500, shares: 50 },
          raw: { region: 'IP属地：上海' },
        }),
      ),
      ...[1, 2, 3].map((i) =>
        makeMention({
          platform: 'weibo',
          text: `acme awful =cmd #battery ${i}`,
          publishedAt: at(30 + i),
          author: { handle: '=hater', followers: 50_000 },
          metrics: { likes: 10 },
        }),
      ),
      makeMention({
        platform: 'reddit',
        text: 'acme is ok',
        publishedAt: at(5),
        author: { handle: 'redditor' },
      }),
      makeMention({
        platform: 'reddit',
        text: 'globex love',
        publishedAt: at(5),
        author: { handle: 'gfan' },
      }),
    ],
    { origin: 'test' },
  );
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
const get = async (path: string, key = viewer, headers: Record<string, string> = {}): Promise<any> => {
  const r = await app.request(path, { headers: { authorization: `Bearer ${key}`, ...headers } });
  expect(r.status, `${path}: ${r.status}`).toBe(200);
  return r.headers.get('content-type')?.includes('json') ? r.json() : r.text();
};

describe('analytics API', () => {
  it('volume and sentiment series come from the rollup, zero-filled, split by platform', async () => {
    const v = await get('/v1/analytics/volume?brand=Acme&interval=day&by=platform');
    expect(v.series).toHaveLength(8);
    const total = v.series.reduce((a: number, p: { total: number }) => a + p.total, 0);
    expect(total).toBe(7);
    const groups = v.series.reduce((a: Record<string, number>, p: { groups: Record<string, number> }) => {
      for (const [k, n] of Object.entries(p.groups)) a[k] = (a[k] ?? 0) + n;
      return a;
    }, {});
    expect(groups).toEqual({ weibo: 6, reddit: 1 });
    const s = await get('/v1/analytics/sentiment?brand=Acme&interval=hour&tz=Asia/Shanghai');
    expect(s.totals).toMatchObject({ total: 7, positive: 3, negative: 3, neutral: 1, net: 0 });
    expect(s.series.length).toBeGreaterThanOrEqual(168);
    const bad = await app.request('/v1/analytics/volume?brand=Acme&tz=Mars/Base', {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('tz');
  });

  it('share of voice, summary, topics, top mentions, top authors, geography and sources', async () => {
    const sov = await get('/v1/analytics/share-of-voice?brand=Acme');
    expect(sov.brands.map((b: { name: string; share: number }) => [b.name, b.share])).toEqual([
      ['Acme', 87.5],
      ['Globex', 12.5],
      ['Initech', 0],
    ]);
    // Competitors that are not brands in the config are tracked as brands by the config sync.
    expect(sov.untracked).toEqual([]);
    const sum = await get('/v1/analytics/summary?brand=Acme');
    expect(sum.current.total).toBe(7);
    const t = await get('/v1/analytics/topics?brand=Acme&minMentions=1');
    expect(t.top[0]).toMatchObject({ topic: 'battery', mentions: 6, negative: 3, isNew: true });
    const tm = await get('/v1/analytics/top-mentions?brand=Acme&limit=2');
    expect(tm.data.map((m: { authorHandle: string }) => m.authorHandle)).toEqual(['bigkol', 'bigkol']);
    const ta = await get('/v1/analytics/top-authors?brand=Acme&sort=influence');
    expect(ta.data[0]).toMatchObject({ handle: 'bigkol', tier: 'mega', posts: 3, stance: 'advocate' });
    expect(ta.data[0].share).toBeCloseTo(42.86, 1);
    const g = await get('/v1/analytics/geography?brand=Acme');
    expect(g).toMatchObject({ known: [{ geo: '上海', mentions: 3 }], unknown: 4, total: 7 });
    const src = await get('/v1/analytics/sources');
    expect(src).toEqual({ counts: {}, sources: [] });
  });
});

describe('authors, customers and segments', () => {
  it('author profile explains influence; erasure needs an admin key', async () => {
    const p = await get('/v1/authors/weibo/bigkol');
    expect(p).toMatchObject({
      tier: 'mega',
      tierLabel: { zh: '超头部' },
      posts: 3,
      rfm: { recencyDays: expect.any(Number) },
    });
    expect(p.influenceExplained.score).toBeCloseTo(p.influence, 0);
    expect(p.brands[0]).toMatchObject({ brandName: 'Acme', stance: 'advocate' });
    const denied = await app.request('/v1/authors/weibo/bigkol', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${editor}` },
    });
    expect(denied.status).toBe(403);
    const ok = await app.request('/v1/authors/weibo/bigkol', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ mentions: 3, profile: true });
    const gone = await app.request('/v1/authors/weibo/bigkol', {
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(gone.status).toBe(404);
  });

  it('imports customers, shows social evidence, and exports segments as injection-safe CSV', async () => {
    const r = await app.request('/v1/customers', {
      method: 'POST',
      headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        { crmId: 'C-1', name: 'Fan', handles: [{ platform: 'weibo', handle: 'bigkol' }] },
        { crmId: 'C-2', name: '@SUM(A1)', handles: [{ platform: 'weibo', handle: '=hater' }] },
      ]),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ created: 2 });
    const c = await get('/v1/customers/C-1');
    expect(c.tags).toEqual(['advocate', 'kol:mega', 'topic:battery']);
    expect(c.evidence).toHaveLength(3);
    expect(c.authors[0]).toMatchObject({ handle: 'bigkol', influence: expect.any(Number) });
    const c2 = await get('/v1/customers/C-2');
    // The hater's posts are 31-33 hours old: within the 7-day churn window.
    expect(c2.tags).toEqual(['churn-risk', 'detractor', 'kol:micro', 'topic:battery']);

    const seg = await get('/v1/segments/detractors/members');
    expect(seg.data.map((x: { crmId: string }) => x.crmId)).toEqual(['C-2']);
    const csv: string = await get('/v1/segments/detractors/members?of=customers', viewer, {
      accept: 'text/csv',
    });
    expect(csv.split('\r\n')[0]).toBe('id,crmId,name,email,tags,handles,tagsChangedAt');
    expect(csv).toContain(",'@SUM(A1),");
    expect(csv).toContain('weibo:=hater');
    const authorsCsv: string = await get('/v1/segments/kols/members?of=authors&brand=Acme&format=csv');
    const lines = authorsCsv.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(authorsCsv).toContain("weibo,'=hater,");
    const atRisk = await get('/v1/segments/at-risk/members?of=authors');
    expect(atRisk.data.map((x: { handle: string }) => x.handle)).toEqual(['=hater']);
  });
});

describe('KOL report', () => {
  it('JSON explains its numbers; HTML escapes untrusted text and has bilingual labels; CSV is safe', async () => {
    const r = await get('/v1/reports/kol?brand=Acme');
    expect(r.topKols.map((k: { handle: string }) => k.handle)).toEqual(['bigkol', '=hater']);
    expect(r.detractorKols.map((k: { handle: string }) => k.handle)).toEqual(['=hater']);
    expect(r.newKols).toHaveLength(2);
    expect(r.ugc).toMatchObject({ mentions: 1, authors: 1, neutral: 1 });
    expect(r.competitors.map((c: { name: string }) => c.name)).toEqual(['Acme', 'Globex', 'Initech']);
    expect(r.methodology.influence).toContain('log10');
    // Ingest strips HTML from names; a hostile value stored some other way is still only text.
    await h.query(`update authors set name = '<img src=x onerror=alert(1)>' where handle = 'bigkol'`);
    const html: string = await get('/v1/reports/kol?brand=Acme&format=html');
    expect(html).toContain('KOL 报告');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('<svg');
    expect(html).not.toContain('<script');
    const csv: string = await get('/v1/reports/kol?brand=Acme&format=csv');
    expect(csv).toContain("top,weibo,'=hater");
  });
});

describe('SSE stream', () => {
  it('authenticates with a stream token, sends ready, new mentions of the brand and incident changes, and heartbeats on the clock', async () => {
    const unauth = await app.request('/v1/stream');
    expect(unauth.status).toBe(401);
    const ac = new AbortController();
    const issued = await app.request('/v1/stream/token', {
      method: 'POST',
      headers: { authorization: `Bearer ${viewer}` },
    });
    const { token } = (await issued.json()) as { token: string };
    const res = await app.request(`/v1/stream?token=${encodeURIComponent(token)}&brand=Acme`, {
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    const until = async (pred: (s: string) => boolean) => {
      while (!pred(buf)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended: ${buf}`);
        buf += dec.decode(value);
      }
    };
    await until((s) => s.includes('event: ready'));
    await deps.pipeline.processBatch(
      [
        makeMention({ text: 'globex only' }),
        makeMention({ text: 'acme <script>alert(1)</script>', author: { handle: 'live' } }),
      ],
      { origin: 'test' },
    );
    await until((s) => s.includes('event: mention'));
    await until((s) => s.includes('"live"'));
    expect(buf).not.toContain('globex only');
    deps.events.emit('incident', {
      id: 'inc_1',
      brandId: '',
      status: 'acknowledged',
      level: 2,
      change: 'ack',
      at: deps.clock.now(),
    });
    await until((s) => s.includes('event: incident'));
    deps.clock.advance(60_000);
    await until((s) => s.includes(': ping'));
    ac.abort();
    await reader.cancel().catch(() => {});
  });
});

describe('OpenAPI', () => {
  it('documents the new endpoints', async () => {
    const r = await app.request('/openapi.json');
    const doc = (await r.json()) as { paths: Record<string, unknown> };
    for (const p of [
      '/v1/analytics/volume',
      '/v1/analytics/share-of-voice',
      '/v1/authors/{platform}/{handle}',
      '/v1/customers/{id}',
      '/v1/segments/{name}/members',
      '/v1/reports/kol',
      '/v1/stream',
    ])
      expect(doc.paths, p).toHaveProperty([p]);
  });
});

describe('dashboard', () => {
  it('is served at / with a strict CSP and no inline script', async () => {
    const r = await app.request('/');
    expect(r.status).toBe(200);
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await r.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    const js = await app.request('/dashboard/app.js');
    expect(js.status).toBe(200);
    expect(await js.text()).not.toContain('innerHTML');
  });
});
