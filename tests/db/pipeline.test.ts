import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineClassifier } from '../../classifiers/types.ts';
import type { DbHandle } from '../../db/client.ts';
import {
  auditLog,
  brands,
  cursors,
  ingestBatches,
  mentionBrands,
  mentions,
  metricSnapshots,
} from '../../db/schema/index.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import { makeDeps, makeMention } from '../helpers/harness.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

const fakeSentiment = defineClassifier({
  id: 'fake-sentiment',
  version: '1',
  description: 'negative when the text says "awful"',
  options: z.object({}),
  produces: ['sentiment', 'brandSentiment'],
  classify: (_ctx, inputs) =>
    inputs.map((i) => {
      const neg = /awful|太差/.test(i.text);
      const s = {
        label: neg ? ('negative' as const) : ('positive' as const),
        score: neg ? -0.8 : 0.6,
        confidence: 0.9,
      };
      const brandSentiment = Object.fromEntries(
        (i.brands ?? []).map((b) => [
          b.id,
          /globex was awful/i.test(i.text) && b.name === 'Acme'
            ? { ...s, label: 'positive' as const, score: 0.7 }
            : s,
        ]),
      );
      return { sentiment: s, brandSentiment };
    }),
});

const exploding = defineClassifier({
  id: 'exploding',
  version: '1',
  description: 'always throws',
  options: z.object({}),
  produces: ['topics'],
  classify: () => {
    throw new Error('boom');
  },
});

let h: DbHandle;
let deps: Deps;

beforeAll(async () => {
  h = await openTestDb();
});
afterAll(async () => {
  await deps?.close();
  await h?.close();
});
beforeEach(async () => {
  await truncateAll(h);
  deps = await makeDeps({
    handle: h,
    classifiers: [fakeSentiment, exploding],
    config: {
      brands: [
        { name: 'Acme', query: '("acme" OR "艾克米") AND NOT (job OR hiring)', competitors: ['Globex'] },
      ],
    },
  });
  await syncConfig(deps);
});

describe('ingest pipeline', () => {
  it('stores a batch once, links brands, keeps classifier output, and records the batch', async () => {
    const items = [
      makeMention({ text: 'I love <b>Acme</b> &amp; its support' }),
      makeMention({ text: '艾克米的新手机太差了' }),
      makeMention({ text: 'Acme is hiring engineers' }),
      makeMention({ text: 'Globex rocks' }),
    ];
    const r = await deps.pipeline.processBatch(items, { origin: 'test' });
    expect(r).toMatchObject({ received: 4, stored: 4, duplicates: 0, rejected: [], unmatched: 1 });

    const rows = await deps.db.select().from(mentions);
    expect(rows).toHaveLength(4);
    const html = rows.find((m) => m.externalId === items[0]!.externalId)!;
    expect(html.text).toBe('I love Acme & its support');
    expect(html.sentimentLabel).toBe('positive');

    const acme = (await deps.db.select().from(brands).where(eq(brands.name, 'Acme')))[0]!;
    const globex = (await deps.db.select().from(brands).where(eq(brands.name, 'Globex')))[0]!;
    const links = await deps.db.select().from(mentionBrands);
    const linked = (ext: string) => {
      const id = rows.find((m) => m.externalId === ext)!.id;
      return links
        .filter((l) => l.mentionId === id)
        .map((l) => l.brandId)
        .sort();
    };
    expect(linked(String(items[0]!.externalId))).toEqual([acme.id]);
    expect(linked(String(items[1]!.externalId))).toEqual([acme.id]);
    expect(linked(String(items[2]!.externalId))).toEqual([]); // excluded by NOT (job OR hiring)
    expect(linked(String(items[3]!.externalId))).toEqual([globex.id]); // competitor became a brand

    const batches = await deps.db.select().from(ingestBatches);
    expect(batches).toMatchObject([{ origin: 'test', received: 4, stored: 4, duplicates: 0, rejected: 0 }]);
  });

  it('stores no sentiment when no sentiment classifier ran', async () => {
    const bare = await makeDeps({ handle: h, config: { brands: [{ name: 'Acme', query: 'acme' }] } });
    await syncConfig(bare);
    await bare.pipeline.processBatch([makeMention({ text: 'acme is awful' })], { origin: 'test' });
    const [m] = await bare.db.select().from(mentions);
    expect(m!.sentimentLabel).toBeNull();
    expect(m!.sentimentScore).toBeNull();
  });

  it('scores sentiment per brand when a post names several', async () => {
    await deps.pipeline.processBatch([makeMention({ text: 'Loved Acme, Globex was awful' })], {
      origin: 'test',
    });
    const rows = await deps.db
      .select({ name: brands.name, label: mentionBrands.sentimentLabel })
      .from(mentionBrands)
      .innerJoin(brands, eq(brands.id, mentionBrands.brandId));
    expect(Object.fromEntries(rows.map((r) => [r.name, r.label]))).toEqual({
      Acme: 'positive',
      Globex: 'negative',
    });
  });

  it('dedups on (platform, externalId): a re-poll refreshes counts and snapshots them, never duplicates', async () => {
    const m = makeMention({ text: 'acme launch', metrics: { likes: 3, shares: 1 } });
    await deps.pipeline.processBatch([m], { origin: 'test' });
    const again = await deps.pipeline.processBatch(
      [
        { ...m, metrics: { likes: 50, shares: 9 } },
        { ...m, metrics: { likes: 50, shares: 9 } },
      ],
      { origin: 'test' },
    );
    expect(again).toMatchObject({ stored: 0, duplicates: 2, updated: 1 });
    const rows = await deps.db.select().from(mentions);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ likes: 50, shares: 9 });
    const snaps = await deps.db.select().from(metricSnapshots);
    expect(snaps).toMatchObject([{ mentionId: rows[0]!.id, likes: 50, shares: 9 }]);
    const unchanged = await deps.pipeline.processBatch([{ ...m, metrics: { likes: 50, shares: 9 } }], {
      origin: 'test',
    });
    expect(unchanged).toMatchObject({ stored: 0, duplicates: 1, updated: 0 });
  });

  it('links near-duplicates (reposts, syndications) to the first as one story, in English and Chinese', async () => {
    const base =
      'Acme recalls 20,000 kettles after reports of overheating bases in several countries, the company said on Tuesday';
    const zh = '艾克米宣布召回两万台电水壶，原因是多个国家报告底座过热，公司周二表示将为用户全额退款';
    const first = makeMention({ text: base, publishedAt: '2026-11-25T06:00:00Z' });
    const firstZh = makeMention({ text: zh, publishedAt: '2026-11-25T06:00:00Z' });
    await deps.pipeline.processBatch([first, firstZh], { origin: 'test' });
    const r = await deps.pipeline.processBatch(
      [
        makeMention({ text: `RT @news: ${base} https://t.co/abc`, platform: 'x' }),
        makeMention({ text: `${base}.`, platform: 'rss', url: 'https://other.example/story' }),
        makeMention({ text: `转发：${zh}！`, platform: 'weibo' }),
        makeMention({
          text: 'Acme opens a new flagship store in Berlin with a rooftop cafe and a repair bar for old kettles',
        }),
      ],
      { origin: 'test' },
    );
    expect(r.nearDuplicates).toBe(3);
    const rows = await deps.db.select().from(mentions);
    const byText = (t: string) => rows.find((m) => m.text.includes(t))!;
    const story = byText(base).storyId;
    expect(rows.find((m) => m.externalId === first.externalId)!.storyId).toBe(
      rows.find((m) => m.externalId === first.externalId)!.id,
    );
    expect(rows.filter((m) => m.storyId === story)).toHaveLength(3);
    const zhStory = rows.find((m) => m.externalId === firstZh.externalId)!.id;
    expect(rows.filter((m) => m.storyId === zhStory)).toHaveLength(2);
    const other = byText('flagship store');
    expect(other.storyId).toBe(other.id);
  });

  it('rejects bad items with their index and field and keeps the good ones', async () => {
    const r = await deps.pipeline.processBatch(
      [
        makeMention(),
        { ...makeMention(), author: { handle: '' } },
        { ...makeMention(), publishedAt: 'not a date' },
        { ...makeMention(), url: 'javascript:alert(1)' },
        makeMention(),
      ],
      { origin: 'test' },
    );
    expect(r.stored).toBe(2);
    expect(r.rejected.map((x) => [x.index, x.field])).toEqual([
      [1, 'author.handle'],
      [2, 'publishedAt'],
      [3, 'url'],
    ]);
  });

  it('commits the cursor with the rows, and neither when the transaction fails', async () => {
    await deps.pipeline.processBatch([makeMention()], {
      origin: 'test',
      cursor: { key: 'source:x', value: { page: 1 } },
    });
    await expect(
      deps.pipeline.processBatch([makeMention(), makeMention()], {
        origin: 'test',
        cursor: { key: 'source:x', value: { page: 2 } },
        inTransaction: async () => {
          throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
    expect(await deps.db.select().from(mentions)).toHaveLength(1);
    const [c] = await deps.db.select().from(cursors).where(eq(cursors.key, 'source:x'));
    expect(c!.value).toEqual({ page: 1 });
    expect(await deps.db.select().from(ingestBatches)).toHaveLength(1);
  });

  it('audits config sync in the same database', async () => {
    const rows = await deps.db.select().from(auditLog).where(eq(auditLog.action, 'brand.sync'));
    expect(rows.map((r) => r.actor)).toEqual(['config', 'config']);
    // A second sync with no change writes nothing new.
    await syncConfig(deps);
    const after = await deps.db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditLog)
      .where(eq(auditLog.action, 'brand.sync'));
    expect(after[0]!.n).toBe(2);
  });
});
