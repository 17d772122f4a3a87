import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MentionLabels } from '../../classifiers/_lib/feedback/labels.ts';
import type { DbHandle } from '../../db/client.ts';
import {
  auditLog,
  authorBrands,
  brandHourly,
  brands,
  brandTopicDaily,
  mentionBrands,
  mentions,
} from '../../db/schema/index.ts';
import { createApp } from '../../src/api/app.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import { makeDeps, makeKey, makeMention } from '../helpers/harness.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';
import { wordClassifier } from '../helpers/word-classifier.ts';

const fake = wordClassifier('fake-label-classifier');

let h: DbHandle;
let deps: Deps;
let app: ReturnType<typeof createApp>;
let editor: string;
let viewer: string;
let acme: string;
let globex: string;

beforeAll(async () => {
  h = await openTestDb();
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await truncateAll(h);
  deps = await makeDeps({
    handle: h,
    classifiers: [fake],
    config: {
      brands: [
        { name: 'Acme', query: '"acme"' },
        { name: 'Globex', query: '"globex"' },
      ],
      profiles: { stance: { minPosts: 1, threshold: 0.25 } },
    },
  });
  await syncConfig(deps);
  app = createApp(deps);
  [editor, viewer] = await Promise.all([makeKey(deps, 'editor'), makeKey(deps, 'viewer')]);
  const ids = await deps.db.select().from(brands);
  acme = ids.find((b) => b.name === 'Acme')!.id;
  globex = ids.find((b) => b.name === 'Globex')!.id;
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
const json = async (r: Promise<Response> | Response): Promise<any> => (await r).json();
const call = (method: string, path: string, key: string, payload?: unknown) =>
  app.request(path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });

async function ingestOne(text: string): Promise<string> {
  await deps.pipeline.processBatch([makeMention({ text, author: { handle: 'fan1' } })], { origin: 'test' });
  const [m] = await deps.db.select({ id: mentions.id }).from(mentions).where(eq(mentions.text, text));
  return m!.id;
}

const hourly = async (brandId: string) =>
  (await deps.db.select().from(brandHourly).where(eq(brandHourly.brandId, brandId)))[0]!;

describe('POST /v1/mentions/{id}/label', () => {
  it('overrides sentiment at once: API answer, brand links, rollups, stance, audit', async () => {
    const id = await ingestOne('I love acme and globex');
    expect((await json(call('GET', `/v1/mentions/${id}`, viewer))).sentiment.label).toBe('positive');
    expect(await hourly(acme)).toMatchObject({ total: 1, positive: 1, negative: 0 });

    const r = await call('POST', `/v1/mentions/${id}/label`, editor, {
      sentiment: 'negative',
      note: 'sarcasm',
    });
    expect(r.status).toBe(200);

    const got = await json(call('GET', `/v1/mentions/${id}`, viewer));
    expect(got.sentiment).toEqual({ label: 'negative', score: -1, confidence: 1 });
    expect(got.brands.map((b: { sentiment: { label: string } }) => b.sentiment.label)).toEqual([
      'negative',
      'negative',
    ]);
    expect(got.labels).toMatchObject({
      sentiment: 'negative',
      brandSentiment: { [acme]: 'negative', [globex]: 'negative' },
      note: 'sarcasm',
      byName: 'test-editor',
    });
    expect(got.labels.by).toMatch(/^key:key_/);
    // The classifier's own output is still kept for re-classification.
    expect(got.classifications['fake-label-classifier@1'].sentiment.label).toBe('positive');

    const negatives = await json(call('GET', '/v1/mentions?brand=Acme&sentiment=negative', viewer));
    expect(negatives.data.map((m: { id: string }) => m.id)).toEqual([id]);
    for (const b of [acme, globex]) {
      const row = await hourly(b);
      expect(row).toMatchObject({ total: 1, positive: 0, negative: 1, neutral: 0 });
      expect(row.sentimentSum).toBeCloseTo(-1, 5);
    }
    const [ab] = await deps.db
      .select()
      .from(authorBrands)
      .where(and(eq(authorBrands.brandId, acme), eq(authorBrands.handle, 'fan1')));
    expect(ab).toMatchObject({ positive: 0, negative: 1, stance: 'detractor' });

    const [a] = await deps.db.select().from(auditLog).where(eq(auditLog.action, 'mention.label'));
    expect(a).toMatchObject({ entityType: 'mention', entityId: id });
    expect(a!.before).toMatchObject({ sentiment: 'positive', labels: null });
    expect(a!.after).toMatchObject({ sentiment: 'negative', labels: { sentiment: 'negative' } });
  });

  it('a brand-specific label changes only that brand (overall and the other brand stay)', async () => {
    const id = await ingestOne('I love acme and globex');
    const r = await json(
      call('POST', `/v1/mentions/${id}/label`, editor, { sentiment: 'negative', brand: 'Globex' }),
    );
    expect(r.brands).toEqual(
      expect.arrayContaining([
        { id: acme, name: 'Acme', sentiment: 'positive', score: 0.7 },
        { id: globex, name: 'Globex', sentiment: 'negative', score: -1 },
      ]),
    );
    const got = await json(call('GET', `/v1/mentions/${id}`, viewer));
    expect(got.sentiment.label).toBe('positive');
    expect(got.labels.sentiment).toBeUndefined();
    expect(got.labels.brandSentiment).toEqual({ [globex]: 'negative' });
    expect(await hourly(acme)).toMatchObject({ positive: 1, negative: 0 });
    expect(await hourly(globex)).toMatchObject({ positive: 0, negative: 1 });
    const links = await deps.db.select().from(mentionBrands).where(eq(mentionBrands.brandId, globex));
    expect(links[0]).toMatchObject({ sentimentLabel: 'negative', sentimentScore: -1 });
  });

  it('topics replace the classified ones and move the topic rollup with its negative count', async () => {
    const id = await ingestOne('acme is awful #battery');
    const r = await call('POST', `/v1/mentions/${id}/label`, editor, {
      topics: ['price', 'price', 'service'],
    });
    expect(r.status).toBe(200);
    const got = await json(call('GET', `/v1/mentions/${id}`, viewer));
    expect(got.topics).toEqual(['price', 'service']);
    const rows = await deps.db.select().from(brandTopicDaily).where(eq(brandTopicDaily.brandId, acme));
    const by = Object.fromEntries(rows.map((x) => [x.topic, { n: x.n, negative: x.negative }]));
    expect(by).toEqual({
      battery: { n: 0, negative: 0 },
      price: { n: 1, negative: 1 },
      service: { n: 1, negative: 1 },
    });
    // A later sentiment label keeps the topics and moves their negative counts.
    await call('POST', `/v1/mentions/${id}/label`, editor, { sentiment: 'positive' });
    const after = await deps.db.select().from(brandTopicDaily).where(eq(brandTopicDaily.brandId, acme));
    expect(after.find((x) => x.topic === 'price')).toMatchObject({ n: 1, negative: 0 });
    expect((await json(call('GET', `/v1/mentions/${id}`, viewer))).labels).toMatchObject({
      sentiment: 'positive',
      topics: ['price', 'service'],
    });
  });

  it('rejects bad input naming the field, unknown mentions, and viewer keys; nothing changes', async () => {
    const id = await ingestOne('I love acme');
    const cases: [unknown, string][] = [
      [{ sentiment: 'great' }, 'sentiment'],
      [{}, 'sentiment'],
      [{ brand: 'Acme' }, 'brand'],
      [{ sentiment: 'negative', brand: 'Globex' }, 'brand'],
      [{ topics: 'price' }, 'topics'],
      [{ sentiment: 'negative', extra: 1 }, ''],
    ];
    for (const [payload, field] of cases) {
      const r = await call('POST', `/v1/mentions/${id}/label`, editor, payload);
      expect(r.status, JSON.stringify(payload)).toBe(400);
      const e = (await json(r)).error;
      expect(e.code).toBe('BAD_REQUEST');
      if (field) expect(e.field).toBe(field);
    }
    const missing = await call('POST', '/v1/mentions/men_nope/label', editor, { sentiment: 'negative' });
    expect(missing.status).toBe(404);
    const forbidden = await call('POST', `/v1/mentions/${id}/label`, viewer, { sentiment: 'negative' });
    expect(forbidden.status).toBe(403);
    const m = await json(call('GET', `/v1/mentions/${id}`, viewer));
    expect(m.sentiment.label).toBe('positive');
    expect(m.labels).toBeNull();
    expect(await deps.db.select().from(auditLog).where(eq(auditLog.action, 'mention.label'))).toEqual([]);
  });

  it("DELETE restores the classifiers' answers and the rollups", async () => {
    const id = await ingestOne('I love acme and globex #battery');
    const before = { acme: await hourly(acme), globex: await hourly(globex) };
    await call('POST', `/v1/mentions/${id}/label`, editor, { sentiment: 'negative', topics: ['price'] });
    await call('POST', `/v1/mentions/${id}/label`, editor, { sentiment: 'neutral', brand: 'Acme' });
    expect(await hourly(acme)).toMatchObject({ positive: 0, neutral: 1 });
    expect((await call('DELETE', `/v1/mentions/${id}/label`, viewer)).status).toBe(403);

    const r = await call('DELETE', `/v1/mentions/${id}/label`, editor);
    expect(r.status).toBe(200);
    const got = await json(call('GET', `/v1/mentions/${id}`, viewer));
    expect(got.labels).toBeNull();
    expect(got.sentiment).toEqual({ label: 'positive', score: 0.7, confidence: 0.9 });
    expect(got.brands.map((b: { sentiment: { label: string } }) => b.sentiment.label)).toEqual([
      'positive',
      'positive',
    ]);
    expect(got.topics).toEqual(['battery']);
    for (const [b, row] of [
      [acme, before.acme],
      [globex, before.globex],
    ] as const) {
      const now = await hourly(b);
      expect(now).toMatchObject({
        total: row.total,
        positive: row.positive,
        negative: row.negative,
        neutral: row.neutral,
      });
      expect(now.sentimentSum).toBeCloseTo(row.sentimentSum, 5);
    }
    const topics = await deps.db.select().from(brandTopicDaily).where(eq(brandTopicDaily.brandId, acme));
    expect(Object.fromEntries(topics.map((t) => [t.topic, t.n]))).toEqual({ battery: 1, price: 0 });
    const audits = await deps.db.select().from(auditLog).where(eq(auditLog.entityId, id));
    expect(audits.map((a) => a.action).sort()).toEqual(['mention.label', 'mention.label', 'mention.unlabel']);
    expect((await call('DELETE', `/v1/mentions/${id}/label`, editor)).status).toBe(404);
  });

  it('re-classification keeps human labels', async () => {
    const id = await ingestOne('I love acme #battery');
    await call('POST', `/v1/mentions/${id}/label`, editor, { sentiment: 'negative', topics: ['price'] });
    const [row] = await deps.db.select().from(mentions).where(eq(mentions.id, id));
    const input = { id, text: row!.text, brands: [deps.matcher().target(acme)!] };
    const plain = await deps.classifiers.run([input]);
    expect(plain.merged[0]!.sentiment?.label).toBe('positive');
    const kept = await deps.classifiers.run([input], { labels: [row!.labels as unknown as MentionLabels] });
    expect(kept.merged[0]).toMatchObject({
      sentiment: { label: 'negative', score: -1, confidence: 1 },
      brandSentiment: { [acme]: { label: 'negative' } },
      topics: [{ id: 'price', score: 1 }],
    });
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = await json(app.request('/openapi.json'));
    expect(doc.paths['/v1/mentions/{id}/label'].post.responses).toHaveProperty('400');
    expect(JSON.stringify(doc.components.schemas.MentionDetail)).toContain(
      '#/components/schemas/MentionLabels',
    );
  });
});
