import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineClassifier } from '../../classifiers/types.ts';
import type { DbHandle } from '../../db/client.ts';
import {
  auditLog,
  authorBrands,
  authors,
  authorTopics,
  brands,
  brandTopicDaily,
  brandTopMentions,
  customers,
  erasures,
  mentions,
  outbox,
  platformStats,
} from '../../db/schema/index.ts';
import type { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import { customersFromCsv, upsertCustomers } from '../../src/profiles/customers.ts';
import { applyRetention, eraseAuthor, recomputeInfluence } from '../../src/profiles/erase.ts';
import { influenceOf, stanceOf } from '../../src/profiles/influence.ts';
import { makeDeps, makeMention } from '../helpers/harness.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

/** Sentiment from words in the text; topics from #tags. */
const fake = defineClassifier({
  id: 'fake-profile-classifier',
  version: '1',
  description: 'love → positive, awful → negative; #tag → topic; "buy now" → spam',
  options: z.object({}),
  produces: ['sentiment', 'brandSentiment', 'topics', 'spam'],
  classify: (_ctx, inputs) =>
    inputs.map((i) => {
      const label = /awful/.test(i.text) ? 'negative' : /love/.test(i.text) ? 'positive' : 'neutral';
      const s = {
        label: label as 'positive',
        score: label === 'negative' ? -0.8 : label === 'positive' ? 0.7 : 0,
        confidence: 0.9,
      };
      return {
        sentiment: s,
        brandSentiment: Object.fromEntries((i.brands ?? []).map((b) => [b.id, s])),
        topics: [...i.text.matchAll(/#(\w+)/g)].map((m) => ({ id: m[1]!, score: 1 })),
        spam: { score: /buy now/.test(i.text) ? 0.9 : 0.1, reasons: [] },
      };
    }),
});

let h: DbHandle;
let deps: Deps & { clock: FakeClock };
let acme: string;

beforeAll(async () => {
  h = await openTestDb();
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
        { name: 'Acme', query: '"acme"', competitors: ['Globex'], retentionDays: 30 },
        { name: 'Globex', query: '"globex"' },
      ],
      alerts: {
        channels: [{ name: 'crm', type: 'webhook', options: { url: 'https://crm.example.com/hook' } }],
      },
      profiles: { crm: { channel: 'crm' }, stance: { minPosts: 3, threshold: 0.25 } },
    },
  })) as Deps & { clock: FakeClock };
  await syncConfig(deps);
  acme = (await deps.db.select().from(brands).where(eq(brands.name, 'Acme')))[0]!.id;
});

const ingest = (items: unknown[]) => deps.pipeline.processBatch(items, { origin: 'test' });

describe('author profiles', () => {
  it('aggregates posts, engagement, reach, sentiment and topics per author and brand in the ingest transaction', async () => {
    await ingest([
      makeMention({
        platform: 'weibo',
        text: 'I love acme #battery',
        author: { handle: 'kol1', followers: 200_000 },
        metrics: { likes: 100, shares: 20, replies: 5 },
      }),
      makeMention({
        platform: 'weibo',
        text: 'love acme again #battery',
        author: { handle: 'kol1', followers: 210_000 },
        metrics: { likes: 50 },
      }),
      makeMention({
        platform: 'weibo',
        text: 'acme love #price',
        author: { handle: 'kol1', followers: 205_000 },
      }),
      makeMention({
        platform: 'weibo',
        text: 'acme is awful buy now',
        author: { handle: 'small', followers: 12 },
      }),
    ]);
    const [a] = await deps.db.select().from(authors).where(eq(authors.handle, 'kol1'));
    expect(a).toMatchObject({ platform: 'weibo', posts: 3, engagement: 176, tier: 'macro' });
    expect(a!.reach).toBe(615_000);
    const [ab] = await deps.db.select().from(authorBrands).where(eq(authorBrands.handle, 'kol1'));
    expect(ab).toMatchObject({ brandId: acme, posts: 3, positive: 3, stance: 'advocate', tier: 'macro' });
    const topics = await deps.db.select().from(authorTopics).where(eq(authorTopics.handle, 'kol1'));
    expect(Object.fromEntries(topics.map((t) => [t.topic, t.n]))).toEqual({ battery: 2, price: 1 });
    const [small] = await deps.db.select().from(authors).where(eq(authors.handle, 'small'));
    expect(small!.influence).toBeLessThan(a!.influence);
    expect(small!.spamSum / small!.spamN).toBeCloseTo(0.9);
    const [ps] = await deps.db.select().from(platformStats).where(eq(platformStats.platform, 'weibo'));
    expect(ps).toMatchObject({ n: 4, nReach: 4 });
    // The SQL formula and the documented JavaScript one agree.
    const js = influenceOf(
      {
        followers: a!.followers,
        posts: a!.posts,
        engagement: a!.engagement,
        spamSum: a!.spamSum,
        spamN: a!.spamN,
      },
      ps!,
    );
    expect(a!.influence).toBeCloseTo(js.score, 0);
    const tops = await deps.db.select().from(brandTopMentions);
    expect(tops).toHaveLength(4);
    const td = await deps.db.select().from(brandTopicDaily);
    expect(td.find((t) => t.topic === 'battery')?.n).toBe(2);
  });

  it('a duplicate batch changes nothing (profiles follow inserted rows only)', async () => {
    const m = makeMention({ text: 'acme love', author: { handle: 'dup', followers: 5 } });
    await ingest([m]);
    await ingest([m]);
    const [a] = await deps.db.select().from(authors).where(eq(authors.handle, 'dup'));
    expect(a!.posts).toBe(1);
  });

  it('stance needs the minimum number of posts; detractor from negative history', async () => {
    expect(stanceOf({ positive: 0, negative: 2, neutral: 0 }, { minPosts: 3, threshold: 0.25 })).toBe(
      'neutral',
    );
    await ingest([1, 2, 3].map(() => makeMention({ text: 'acme awful', author: { handle: 'angry' } })));
    const [ab] = await deps.db.select().from(authorBrands).where(eq(authorBrands.handle, 'angry'));
    expect(ab!.stance).toBe('detractor');
    expect(ab!.lastNegativeAt).not.toBeNull();
  });

  it('influence is normalised per platform: the top author of a small platform is comparable to one of a big one', async () => {
    await ingest([
      ...[10, 100, 1000, 1_000_000].map((f, i) =>
        makeMention({
          platform: 'weibo',
          text: 'acme',
          author: { handle: `w${i}`, followers: f },
          metrics: { likes: Math.round(f / 100) },
        }),
      ),
      ...[0, 1, 10, 100].map((l, i) =>
        makeMention({
          platform: 'reddit',
          text: 'acme',
          author: { handle: `r${i}` },
          metrics: { likes: l * 10 },
        }),
      ),
    ]);
    await recomputeInfluence(deps.db, deps.config.config.profiles);
    const rows = await deps.db.select().from(authors);
    const get = (hd: string) => rows.find((r) => r.handle === hd)!.influence;
    expect(get('w3')).toBeGreaterThan(get('w0'));
    expect(get('r3')).toBeGreaterThan(get('r0'));
    // Reddit reports no followers: engagement alone, on the same 0-100 scale.
    expect(Math.abs(get('r3') - get('w3'))).toBeLessThan(25);
    for (const r of rows) expect(r.influence).toBeGreaterThanOrEqual(0);
    for (const r of rows) expect(r.influence).toBeLessThanOrEqual(100);
  });
});

describe('customers', () => {
  it('imports CSV, links authors, tags them and pushes tag changes through the outbox in the same transaction', async () => {
    const list = customersFromCsv(
      'crm_id,name,handles,weibo,plan\nC-1,Li Wei,"test:fan1;x:@lw",,gold\nC-2,=HYPERLINK("x"),,angry2,\n',
      ['weibo'],
    );
    expect(list[0]).toMatchObject({
      crmId: 'C-1',
      handles: [
        { platform: 'test', handle: 'fan1' },
        { platform: 'x', handle: 'lw' },
      ],
      attributes: { plan: 'gold' },
    });
    expect(list[1]!.handles).toEqual([{ platform: 'weibo', handle: 'angry2' }]);
    await deps.db.transaction((tx) =>
      upsertCustomers(tx, list, deps.config.config.profiles, deps.clock.now()),
    );
    expect(await deps.db.select().from(outbox)).toHaveLength(0);

    await ingest(
      [1, 2, 3].map(() =>
        makeMention({ text: 'love acme #support', author: { handle: 'fan1', followers: 20_000 } }),
      ),
    );
    await ingest(
      [1, 2, 3].map(() =>
        makeMention({ platform: 'weibo', text: 'acme awful', author: { handle: 'angry2' } }),
      ),
    );
    const cs = await deps.db.select().from(customers).orderBy(customers.crmId);
    expect(cs[0]!.tags).toEqual(['advocate', 'kol:micro', 'topic:support']);
    expect(cs[1]!.tags).toEqual(['churn-risk', 'detractor']);
    const ob = await deps.db.select().from(outbox).orderBy(outbox.seq);
    expect(ob.map((o) => o.channel)).toEqual(['crm', 'crm']);
    expect(ob[0]!.payload).toMatchObject({
      kind: 'profile-tags',
      customer: { crmId: 'C-1' },
      added: ['advocate', 'kol:micro', 'topic:support'],
      version: 1,
    });
  });
});

describe('CRM delivery', () => {
  it("the alerting dispatcher delivers 'crm' outbox rows through the configured webhook channel, signed", async () => {
    const { createDispatcher } = await import('../../alerts/dispatcher.ts');
    const { alertContext } = await import('../../alerts/engine.ts');
    const sent: { url: string; headers: Record<string, string>; body: string }[] = [];
    const http = {
      async request(url: string, o: { headers?: Record<string, string>; body?: unknown }) {
        sent.push({ url, headers: o.headers ?? {}, body: String(o.body) });
        const body = Buffer.from('{}');
        return { url, status: 200, headers: {}, body, text: () => '{}', json: <T>() => ({}) as T };
      },
      get: async () => {
        throw new Error('unused');
      },
    };
    await deps.db.transaction((tx) =>
      upsertCustomers(
        tx,
        [{ crmId: 'C-7', handles: [{ platform: 'test', handle: 'fan7' }] }],
        deps.config.config.profiles,
        deps.clock.now(),
      ),
    );
    await ingest([1, 2, 3].map(() => makeMention({ text: 'love acme', author: { handle: 'fan7' } })));
    const d = createDispatcher(alertContext(deps), { httpFor: () => http as never });
    const r = await d.drain();
    expect(r.delivered).toBe(1);
    expect(sent[0]!.url).toBe('https://crm.example.com/hook');
    expect(JSON.parse(sent[0]!.body)).toMatchObject({
      kind: 'profile-tags',
      customer: { crmId: 'C-7' },
      tags: ['advocate'],
    });
    expect(sent[0]!.headers['x-earshot-event']).toBe('profile-tags');
    const [row] = await deps.db.select().from(outbox);
    expect(row!.status).toBe('delivered');
  });
});

describe('privacy', () => {
  it('erasure redacts the author everywhere, is audited by hash, and redacts their later posts on arrival', async () => {
    await deps.db.transaction((tx) =>
      upsertCustomers(
        tx,
        [{ crmId: 'C-9', handles: [{ platform: 'test', handle: 'victim' }] }],
        deps.config.config.profiles,
        deps.clock.now(),
      ),
    );
    await ingest([
      makeMention({
        text: 'acme love from victim',
        author: { handle: 'victim', name: 'Real Name' },
        raw: { secret: 1 },
      }),
    ]);
    await deps.db.insert(outbox).values({
      id: 'out_x',
      channel: 'ops',
      kind: 'alert',
      payload: {
        incident: { mentions: [{ authorHandle: 'victim', text: 'acme love from victim', platform: 'test' }] },
      },
      idempotencyKey: 'k1',
      nextAttemptAt: deps.clock.now(),
      createdAt: deps.clock.now(),
    });
    const r = await eraseAuthor(deps, 'test', 'victim', { actor: 'test' });
    expect(r).toMatchObject({ mentions: 1, profile: true, customerLinks: 1, outboxMessages: 1 });
    const ms = await deps.db.select().from(mentions);
    expect(ms[0]).toMatchObject({ text: '[erased]', authorName: null, raw: null, url: null });
    expect(ms[0]!.authorHandle).not.toContain('victim');
    const dump =
      JSON.stringify(await h.query('select * from mentions')) +
      JSON.stringify(await deps.db.select().from(outbox)) +
      JSON.stringify(await deps.db.select().from(auditLog));
    expect(dump).not.toContain('victim');
    expect(await deps.db.select().from(authors)).toHaveLength(0);
    expect(await deps.db.select().from(erasures)).toHaveLength(1);
    const [audit] = await deps.db.select().from(auditLog).where(eq(auditLog.action, 'author.erase'));
    expect(audit!.entityId).toBe(r.subject);

    await ingest([makeMention({ text: 'acme again', author: { handle: 'victim' } })]);
    const again = await h.query<{ text: string; author_handle: string }>(
      "select text, author_handle from mentions where text <> '[erased]'",
    );
    expect(again).toHaveLength(0);
    expect(await deps.db.select().from(authors)).toHaveLength(0);
  });

  it('retention deletes mentions older than the brand retention, keeping ones another brand still retains', async () => {
    const old = new Date(deps.clock.now().getTime() - 40 * 86_400_000).toISOString();
    await ingest([
      makeMention({ text: 'acme old', publishedAt: old }),
      makeMention({ text: 'acme and globex old', publishedAt: old }),
      makeMention({ text: 'acme new' }),
    ]);
    const n = await applyRetention(deps.db, deps.config.config.profiles, deps.clock.now());
    expect(n).toBe(1);
    const left = await deps.db.select({ text: mentions.text }).from(mentions).orderBy(mentions.text);
    expect(left.map((l) => l.text)).toEqual(['acme and globex old', 'acme new']);
    const [c] = await h.query<{ n: number }>('select count(*)::int as n from brand_top_mentions');
    // Four brand links were stored; the deleted mention's one is gone from the top-mentions rollup.
    expect(Number(c!.n)).toBe(3);
  });
});
