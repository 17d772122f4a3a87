import type { Command } from 'commander';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { MentionLabels } from '../../classifiers/_lib/feedback/labels.ts';
import type { LabelledExample, Score } from '../../classifiers/_lib/feedback/model.ts';
import { brandSentimentModels, brands, mentionBrands, mentions } from '../../db/schema/index.ts';
import { findBrand } from '../api/routes/brands.ts';
import type { Deps } from '../deps.ts';
import { EarshotError } from '../errors.ts';
import { newId } from '../ids.ts';
import { plural } from './plural.ts';
import { type Progress, progress } from './progress.ts';

export interface TrainOptions {
  /** Brand name or id; all brands when absent. */
  brand?: string;
  /** Brands with fewer sentiment labels are skipped. */
  minLabels: number;
  /** Share of labels held back for the comparison (by a hash of the mention id). */
  holdout?: number;
  /** Called with a progress line per brand (a terminal bar in the CLI). */
  progress?: (label: string, total: number) => Progress;
}

export interface TrainReport {
  brand: { id: string; name: string };
  labels: number;
  skipped?: string;
  trainN?: number;
  current?: Score & { model: string };
  candidate?: Score;
  promoted?: boolean;
  runId?: string;
}

/** Labelled mentions of a brand with the shipped model's answer for that brand. */
async function examplesOf(
  deps: Deps,
  brandId: string,
  bar: (done: number) => void,
): Promise<LabelledExample[]> {
  const { sentiment, sentimentLang } = await import('../../classifiers/sentiment.ts');
  const rows = await deps.db
    .select({
      id: mentions.id,
      text: mentions.text,
      title: mentions.title,
      lang: mentions.lang,
      labels: mentions.labels,
    })
    .from(mentions)
    .innerJoin(mentionBrands, eq(mentionBrands.mentionId, mentions.id))
    .where(and(eq(mentionBrands.brandId, brandId), isNotNull(mentions.labels)))
    .orderBy(mentions.id);
  const labelled = rows.flatMap((r) => {
    const l = r.labels as MentionLabels | null;
    const gold = l?.brandSentiment?.[brandId] ?? l?.sentiment;
    return gold ? [{ ...r, gold }] : [];
  });
  // The other brands of each mention matter to per-brand sentiment (clauses, comparisons).
  const links = labelled.length
    ? await deps.db
        .select({ mentionId: mentionBrands.mentionId, brandId: mentionBrands.brandId })
        .from(mentionBrands)
        .where(
          inArray(
            mentionBrands.mentionId,
            labelled.map((r) => r.id),
          ),
        )
    : [];
  const matcher = deps.matcher();
  const options = sentiment.options.parse({});
  const ctx = { log: deps.log };
  const out: LabelledExample[] = [];
  for (const [n, r] of labelled.entries()) {
    const targets = links
      .filter((l) => l.mentionId === r.id)
      .map((l) => matcher.target(l.brandId))
      .filter((t) => t !== undefined);
    const input = { id: r.id, text: r.text, title: r.title, lang: r.lang, brands: targets };
    const prior = [r.lang ? { lang: { code: r.lang, confidence: 1 } } : {}];
    const [res] = await sentiment.classify(ctx, [input], prior, options);
    const base = res?.brandSentiment?.[brandId] ?? res?.sentiment;
    if (!base) continue;
    const text = [r.title, r.text].filter((s): s is string => !!s && s.trim() !== '').join('\n');
    out.push({ id: r.id, text, zh: sentimentLang(text, r.lang) === 'zh', base, gold: r.gold });
    if (n % 50 === 0) bar(n);
  }
  bar(labelled.length);
  return out;
}

/**
 * Train each brand's sentiment correction model on its labels and promote it only if it beats
 * the current one (the promoted model, or the shipped model when none) on the held-back labels.
 * Every run is stored in `brand_sentiment_models`, promoted or not.
 *
 * @example
 * const [r] = await trainBrands(deps, { brand: 'Acme', minLabels: 30 });
 * r.promoted; r.candidate?.macroF1; r.current?.macroF1;
 */
export async function trainBrands(deps: Deps, o: TrainOptions): Promise<TrainReport[]> {
  const m = await import('../../classifiers/_lib/feedback/model.ts');
  const list = o.brand
    ? [await findBrand(deps.db, o.brand)]
    : await deps.db.select().from(brands).orderBy(brands.name);
  const reports: TrainReport[] = [];
  for (const b of list) {
    const bar = o.progress?.(`train ${b.name}`, 0);
    const examples = await examplesOf(deps, b.id, (n) => bar?.update(n, { step: 'features' }));
    const report: TrainReport = { brand: { id: b.id, name: b.name }, labels: examples.length };
    reports.push(report);
    const [promotedRow] = await deps.db
      .select({ id: brandSentimentModels.id, model: brandSentimentModels.model })
      .from(brandSentimentModels)
      .where(and(eq(brandSentimentModels.brandId, b.id), eq(brandSentimentModels.promoted, true)));
    const currentModel = promotedRow ? m.loadBrandModel(promotedRow.model) : null;
    const cmp =
      examples.length < o.minLabels
        ? null
        : m.compareOnHeldBack(examples, currentModel, {
            holdout: o.holdout,
            onTraining: () => bar?.update(examples.length, { step: 'training' }),
          });
    if (!cmp) {
      report.skipped =
        examples.length < o.minLabels
          ? `${plural(examples.length, 'label')}, fewer than ${o.minLabels}`
          : 'no labels in the held-back or training part';
      bar?.stop();
      continue;
    }
    const { current, candidate, better: promoted, model: candidateModel, trainN } = cmp;
    const baseline = currentModel && promotedRow ? promotedRow.id : 'shipped';
    const runId = newId('mdl');
    const now = deps.clock.now();
    const row = {
      id: runId,
      brandId: b.id,
      createdAt: now,
      labels: examples.length,
      trainN,
      holdoutN: current.n,
      baseline,
      baselineAccuracy: current.accuracy,
      baselineMacroF1: current.macroF1,
      accuracy: candidate.accuracy,
      macroF1: candidate.macroF1,
      promoted,
      promotedAt: promoted ? now : null,
      model: promoted ? m.saveBrandModel(candidateModel, [`${trainN} labels of ${b.name}`]) : null,
      details: { holdoutShare: o.holdout ?? 0.3, features: `hashed 2^${m.FEEDBACK_BITS}`, prior: m.PRIOR },
    };
    await deps.mutate({ actor: 'cli', action: 'brand-model.train', entityType: 'brand' }, async (tx) => {
      if (promoted)
        await tx
          .update(brandSentimentModels)
          .set({ promoted: false })
          .where(and(eq(brandSentimentModels.brandId, b.id), eq(brandSentimentModels.promoted, true)));
      await tx.insert(brandSentimentModels).values(row);
      const { model: _, ...after } = row;
      return { result: null, entityId: b.id, after };
    });
    bar?.stop();
    Object.assign(report, {
      trainN,
      current: { ...current, model: baseline },
      candidate,
      promoted,
      runId,
    });
  }
  return reports;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Human-readable lines for one report. */
export function formatReport(r: TrainReport): string {
  if (r.skipped) return `${r.brand.name}: skipped (${r.skipped})`;
  const c = r.current!;
  const k = r.candidate!;
  const name = c.model === 'shipped' ? 'shipped model' : `promoted ${c.model}`;
  const head = `current (${name}):`;
  const figures = (x: Score) => `accuracy ${pct(x.accuracy)}  macro-F1 ${pct(x.macroF1)}  n=${x.n}`;
  return [
    `${r.brand.name}: ${plural(r.labels, 'label')} (${r.trainN} to train, ${c.n} held back)`,
    `  ${head} ${figures(c)}`,
    `  ${'candidate:'.padEnd(head.length)} ${figures(k)}`,
    `  ${r.promoted ? `promoted (${r.runId})` : `not promoted: not better on the held-back labels (run ${r.runId})`}`,
  ].join('\n');
}

/**
 * `earshot train [--brand NAME] [--min-labels N] [--holdout SHARE] [--json]`.
 *
 * @example
 * registerTrainCommand(program, { withDeps: (fn) => withDeps(cfgPath(), fn), out });
 */
export function registerTrainCommand(
  program: Command,
  ctx: {
    withDeps<T>(fn: (deps: Deps) => Promise<T>): Promise<T>;
    out(s: string): void;
    progress?: (label: string, total: number) => Progress;
  },
): void {
  program
    .command('train')
    .description(
      "train per-brand sentiment models from the labels (POST /v1/mentions/{id}/label); promote one only if it beats the brand's current model on held-back labels",
    )
    .option('-b, --brand <name>', 'brand name or id (default: every brand)')
    .option('--min-labels <n>', 'skip brands with fewer sentiment labels', '30')
    .option('--holdout <share>', 'share of labels held back for the comparison', '0.3')
    .option('--json', 'one JSON object per brand instead of text')
    .action(async (opts: { brand?: string; minLabels: string; holdout: string; json?: boolean }) => {
      const minLabels = Number(opts.minLabels);
      const holdout = Number(opts.holdout);
      if (!Number.isInteger(minLabels) || minLabels < 2)
        throw new EarshotError(
          'BAD_REQUEST',
          `--min-labels: expected an integer of at least 2, got "${opts.minLabels}"`,
        );
      if (!(holdout > 0 && holdout < 1))
        throw new EarshotError(
          'BAD_REQUEST',
          `--holdout: expected a share between 0 and 1, got "${opts.holdout}"`,
        );
      await ctx.withDeps(async (deps) => {
        const { syncConfig } = await import('../config/sync.ts');
        // Brands of earshot.yaml exist in the database once synced (as at start).
        await syncConfig(deps);
        const reports = await trainBrands(deps, {
          brand: opts.brand,
          minLabels,
          holdout,
          progress: ctx.progress ?? progress,
        });
        if (reports.length === 0) ctx.out('no brands: nothing to train');
        for (const r of reports) ctx.out(opts.json ? JSON.stringify(r) : formatReport(r));
      });
    });
}
