import { Command } from 'commander';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MentionLabels } from '../../classifiers/_lib/feedback/labels.ts';
import { scoreSentiment, sentiment } from '../../classifiers/sentiment.ts';
import type { SentimentLabel } from '../../classifiers/types.ts';
import type { DbHandle } from '../../db/client.ts';
import { brandSentimentModels, brands, mentionBrands, mentions } from '../../db/schema/index.ts';
import { createApp } from '../../src/api/app.ts';
import { registerTrainCommand, trainBrands } from '../../src/cli/train.ts';
import type { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import { makeDeps, makeKey, makeMention } from '../helpers/harness.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

let h: DbHandle;
let deps: Deps;
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
    classifiers: [sentiment],
    config: {
      brands: [
        { name: 'Acme', query: '"acme"' },
        { name: 'Globex', query: '"globex"' },
      ],
    },
  });
  await syncConfig(deps);
  const rows = await deps.db.select().from(brands);
  acme = rows.find((b) => b.name === 'Acme')!.id;
  globex = rows.find((b) => b.name === 'Globex')!.id;
});

const PRODUCTS = ['board', 'deck', 'helmet', 'wheels', 'trucks', 'shoes', 'bearings', 'hoodie', 'cap', 'bag'];
const TAILS = ['', ' honestly', ' dude', ' no joke', ' for real', ' today', ' at the park', ' lol'];

/** Ingest texts and label each mention's sentiment toward `brandId`. */
async function labelled(brandId: string, items: [string, SentimentLabel][]): Promise<void> {
  await deps.pipeline.processBatch(
    items.map(([text]) => makeMention({ text })),
    { origin: 'test' },
  );
  const rows = await deps.db
    .select({ id: mentions.id, text: mentions.text })
    .from(mentions)
    .where(
      inArray(
        mentions.text,
        items.map(([t]) => t),
      ),
    );
  const gold = new Map(items);
  for (const r of rows) {
    const labels: MentionLabels = {
      brandSentiment: { [brandId]: gold.get(r.text)! },
      by: 'key:test',
      at: '2026-11-25T08:00:00Z',
    };
    await deps.db
      .update(mentions)
      .set({ labels: labels as unknown as Record<string, unknown> })
      .where(eq(mentions.id, r.id));
  }
}

/** Skater slang the shipped model reads as negative ("sick"), labelled positive, plus ordinary posts. */
const slang = (brand: string): [string, SentimentLabel][] => [
  ...PRODUCTS.flatMap((p) =>
    TAILS.map((t): [string, SentimentLabel] => [`that ${brand} ${p} is sick${t}`, 'positive']),
  ),
  ...PRODUCTS.map((p): [string, SentimentLabel] => [`${brand} ${p} is terrible, it broke`, 'negative']),
  ...PRODUCTS.map((p): [string, SentimentLabel] => [`I love my ${brand} ${p}`, 'positive']),
];

const runs = () => deps.db.select().from(brandSentimentModels).orderBy(brandSentimentModels.createdAt);

describe('earshot train (per-brand sentiment models)', () => {
  it('promotes a model that beats the shipped one on held-back labels; the chain then uses it for that brand only', async () => {
    await labelled(acme, slang('acme'));
    const [r] = await trainBrands(deps, { brand: 'Acme', minLabels: 20 });
    expect(r!.labels).toBe(100);
    expect(r!.current!.model).toBe('shipped');
    expect(r!.current!.n).toBe(r!.candidate!.n);
    expect(r!.candidate!.n).toBeGreaterThan(10);
    expect(r!.candidate!.macroF1).toBeGreaterThan(r!.current!.macroF1);
    expect(r!.candidate!.accuracy).toBeGreaterThan(r!.current!.accuracy);
    expect(r!.promoted).toBe(true);
    const [run] = await runs();
    expect(run).toMatchObject({
      id: r!.runId,
      brandId: acme,
      promoted: true,
      labels: 100,
      baseline: 'shipped',
    });
    expect(run!.model).not.toBeNull();

    // New mentions: Acme's model reads the slang as praise; Globex has no model and keeps the shipped answer.
    await deps.pipeline.processBatch(
      [
        makeMention({ text: 'that acme skateboard is sick' }),
        makeMention({ text: 'that globex skateboard is sick' }),
      ],
      { origin: 'test' },
    );
    const links = await deps.db
      .select({ brandId: mentionBrands.brandId, label: mentionBrands.sentimentLabel, text: mentions.text })
      .from(mentionBrands)
      .innerJoin(mentions, eq(mentions.id, mentionBrands.mentionId))
      .where(inArray(mentions.text, ['that acme skateboard is sick', 'that globex skateboard is sick']));
    expect(Object.fromEntries(links.map((l) => [l.brandId, l.label]))).toEqual({
      [acme]: 'positive',
      [globex]: 'negative',
    });
    const [stored] = await deps.db
      .select()
      .from(mentions)
      .where(eq(mentions.text, 'that acme skateboard is sick'));
    expect(stored!.classifications).toHaveProperty(`brand-model@${r!.runId}`);
    expect(stored!.sentimentLabel).toBe('positive');
  });

  it('does not promote when the candidate is not strictly better; every run is stored', async () => {
    // Labels that agree with the shipped model: it is already right on every held-back label.
    const items = slang('acme').map(([t]): [string, SentimentLabel] => [t, scoreSentiment(t, 'en').label]);
    await labelled(acme, items);
    const [r] = await trainBrands(deps, { brand: 'Acme', minLabels: 20 });
    expect(r!.current).toMatchObject({ model: 'shipped', accuracy: 1 });
    expect(r!.promoted).toBe(false);
    expect(await runs()).toMatchObject([{ promoted: false, model: null, baselineAccuracy: 1 }]);
  });

  it('a retrain on the same labels ties with the promoted model and keeps it', async () => {
    await labelled(acme, slang('acme'));
    const [first] = await trainBrands(deps, { brand: 'Acme', minLabels: 20 });
    (deps.clock as FakeClock).advance(60_000);
    const [second] = await trainBrands(deps, { brand: 'Acme', minLabels: 20 });
    expect(first!.promoted).toBe(true);
    expect(second!.current!.model).toBe(first!.runId);
    expect(second!.candidate).toEqual({ ...first!.candidate });
    expect(second!.current).toMatchObject({
      accuracy: first!.candidate!.accuracy,
      macroF1: first!.candidate!.macroF1,
    });
    expect(second!.promoted).toBe(false);
    const all = await runs();
    expect(all.map((x) => [x.id, x.promoted])).toEqual([
      [first!.runId, true],
      [second!.runId, false],
    ]);

    // The brand's runs through the API, newest first, with both figures.
    const app = createApp(deps);
    const key = await makeKey(deps, 'viewer');
    const res = await app.request('/v1/brands/Acme/models', { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { id: string; promoted: boolean; baseline: string }[] };
    expect(data.map((d) => [d.id, d.promoted, d.baseline])).toEqual([
      [second!.runId, false, first!.runId],
      [first!.runId, true, 'shipped'],
    ]);
    // Figures are stored as real (float4): equal to the printed ones to display precision.
    const run = data[1] as unknown as {
      candidateFigures: { accuracy: number };
      baselineFigures: { accuracy: number };
    };
    expect(run.candidateFigures.accuracy).toBeCloseTo(first!.candidate!.accuracy, 5);
    expect(run.baselineFigures.accuracy).toBeCloseTo(first!.current!.accuracy, 5);
    expect(
      (await app.request('/v1/brands/Nope/models', { headers: { authorization: `Bearer ${key}` } })).status,
    ).toBe(404);
  });

  it('a model trained on other shipped features is neither used nor compared with', async () => {
    await labelled(acme, slang('acme'));
    const [first] = await trainBrands(deps, { brand: 'Acme', minLabels: 20 });
    const [row] = await runs();
    await deps.db
      .update(brandSentimentModels)
      .set({ model: { ...(row!.model as object), featureVersion: -1 } })
      .where(eq(brandSentimentModels.id, first!.runId!));
    await deps.pipeline.processBatch([makeMention({ text: 'that acme skateboard is sick' })], {
      origin: 'test',
    });
    const [link] = await deps.db
      .select({ label: mentionBrands.sentimentLabel })
      .from(mentionBrands)
      .innerJoin(mentions, eq(mentions.id, mentionBrands.mentionId))
      .where(eq(mentions.text, 'that acme skateboard is sick'));
    expect(link!.label).toBe('negative');
    (deps.clock as FakeClock).advance(60_000);
    const [second] = await trainBrands(deps, { brand: 'Acme', minLabels: 20 });
    expect(second!.current!.model).toBe('shipped');
    expect(second!.promoted).toBe(true);
    expect((await runs()).map((x) => x.promoted)).toEqual([false, true]);
  });

  it('skips brands under --min-labels; the command prints both figures', async () => {
    await labelled(acme, slang('acme'));
    await labelled(globex, [
      ['globex is sick', 'positive'],
      ['globex is awful', 'negative'],
    ]);
    const lines: string[] = [];
    const program = new Command('earshot').exitOverride();
    registerTrainCommand(program, { withDeps: (fn) => fn(deps), out: (s) => lines.push(s) });
    await program.parseAsync(['train', '--min-labels', '20'], { from: 'user' });
    const text = lines.join('\n');
    expect(text).toMatch(/^Acme: 100 labels \(\d+ to train, \d+ held back\)$/m);
    expect(text).toMatch(/current \(shipped model\): accuracy \d+\.\d% {2}macro-F1 \d+\.\d% {2}n=\d+/);
    expect(text).toMatch(/candidate: +accuracy \d+\.\d% {2}macro-F1 \d+\.\d% {2}n=\d+/);
    expect(text).toMatch(/promoted \(mdl_/);
    expect(text).toContain('Globex: skipped (2 labels, fewer than 20)');
    expect((await runs()).map((x) => x.brandId)).toEqual([acme]);
  });
});
