import { type MentionLabels, withLabels } from '../../classifiers/_lib/feedback/labels.ts';
import {
  applyBrandModel,
  type BrandModel,
  correctionFeatures,
  loadBrandModel,
} from '../../classifiers/_lib/feedback/model.ts';
import { createLlmClassifier, llm } from '../../classifiers/llm.ts';
import { sentimentLang } from '../../classifiers/sentiment.ts';
import type { ClassifierDefinition, ClassifierInput, ClassifierOutput } from '../../classifiers/types.ts';
import type { DbOrTx } from '../../db/client.ts';
import { brandModelById, dbBudgetStore, dbLlmCache, promotedBrandModels } from '../../db/repo/classifiers.ts';
import type { Logger } from '../log.ts';

/**
 * Runs the classifier chain over a batch. Outputs merge in registry order: a later
 * classifier's field replaces an earlier one's (so an LLM pass registered last refines
 * local sentiment). A classifier that throws is logged and skipped for that batch; the
 * others' results stand.
 *
 * With a database, the chain also uses what is stored there: a brand's promoted sentiment
 * correction model (`earshot train`) refines the `sentiment` classifier's answer for mentions
 * of that brand, right after it (so the LLM pass still sees the refined confidence), and the
 * registry's LLM pass keeps its daily budget and cache in tables, so a restart resets neither.
 * Human labels passed to `run` are laid over the merged output: re-classifying a labelled
 * mention never overwrites its labels.
 */
export interface ClassifierChain {
  ids: string[];
  run(
    inputs: ClassifierInput[],
    opts?: { labels?: readonly (MentionLabels | null | undefined)[] },
  ): Promise<{ merged: ClassifierOutput[]; records: Record<string, ClassifierOutput>[] }>;
}

/** Source of promoted per-brand models; the chain loads each model once per id. */
export interface BrandModelSource {
  promoted(): Promise<{ id: string; brandId: string }[]>;
  load(id: string): Promise<unknown>;
}

export function dbBrandModels(db: DbOrTx): BrandModelSource {
  return { promoted: () => promotedBrandModels(db), load: (id) => brandModelById(db, id) };
}

export function createClassifierChain(
  defs: readonly ClassifierDefinition[],
  opts: {
    log: Logger;
    disabled?: readonly string[];
    options?: Record<string, Record<string, unknown>>;
    /** Persistent LLM budget and cache, and per-brand models, from this database. */
    db?: DbOrTx;
    brandModels?: BrandModelSource;
  },
): ClassifierChain {
  const db = opts.db;
  // The registry's LLM pass keeps its budget in memory; with a database, the same pass with tables.
  const chain = db
    ? defs.map((d) =>
        d === llm ? createLlmClassifier({ store: dbBudgetStore(db), cache: dbLlmCache(db) }) : d,
      )
    : defs;
  const models = opts.brandModels ?? (db ? dbBrandModels(db) : undefined);
  const loaded = new Map<string, BrandModel | null>();
  const brandModelsNow = async (): Promise<Map<string, { id: string; model: BrandModel }>> => {
    const out = new Map<string, { id: string; model: BrandModel }>();
    if (!models) return out;
    for (const p of await models.promoted()) {
      if (!loaded.has(p.id)) loaded.set(p.id, loadBrandModel(await models.load(p.id)));
      const model = loaded.get(p.id);
      if (model) out.set(p.brandId, { id: p.id, model });
    }
    return out;
  };
  const active = chain
    .filter((d) => !opts.disabled?.includes(d.id))
    .map((d) => ({ def: d, options: d.options.parse(opts.options?.[d.id] ?? {}) as never }));
  const ctx = { log: opts.log.child({ component: 'classifier' }) };
  let ready: Promise<void> | undefined;
  const init = () => {
    ready ??= Promise.all(active.map((a) => a.def.init?.(ctx, a.options))).then(() => undefined);
    return ready;
  };
  return {
    ids: active.map((a) => `${a.def.id}@${a.def.version}`),
    async run(inputs, runOpts = {}) {
      await init();
      const merged: ClassifierOutput[] = inputs.map(() => ({}));
      const records: Record<string, ClassifierOutput>[] = inputs.map(() => ({}));
      if (inputs.length === 0) return { merged, records };
      for (const { def, options } of active) {
        let outs: ClassifierOutput[];
        try {
          outs = await def.classify(ctx, inputs, merged, options);
        } catch (err) {
          ctx.log.error(
            { err, classifier: def.id },
            'classifier failed; its results are skipped for this batch',
          );
          continue;
        }
        if (outs.length !== inputs.length) {
          ctx.log.error(
            { classifier: def.id, got: outs.length, want: inputs.length },
            'classifier returned a wrong count; skipped',
          );
          continue;
        }
        const key = `${def.id}@${def.version}`;
        outs.forEach((o, i) => {
          const rec: ClassifierOutput = {};
          for (const [k, v] of Object.entries(o) as [keyof ClassifierOutput, unknown][]) {
            if (v === undefined) continue;
            (merged[i] as Record<string, unknown>)[k] = v;
            (rec as Record<string, unknown>)[k] = v;
          }
          if (Object.keys(rec).length) records[i]![key] = rec;
        });
        if (def.id === 'sentiment') {
          try {
            applyBrandModels(inputs, merged, records, await brandModelsNow());
          } catch (err) {
            ctx.log.error({ err }, 'per-brand sentiment models failed; the shipped results stand');
          }
        }
      }
      const labels = runOpts.labels;
      if (labels) for (const [i, m] of merged.entries()) merged[i] = withLabels(m, labels[i]);
      return { merged, records };
    },
  };
}

/**
 * Refine per-brand sentiment with each brand's promoted model. The overall sentiment follows
 * when the mention names only that brand.
 */
function applyBrandModels(
  inputs: readonly ClassifierInput[],
  merged: ClassifierOutput[],
  records: Record<string, ClassifierOutput>[],
  byBrand: Map<string, { id: string; model: BrandModel }>,
): void {
  if (byBrand.size === 0) return;
  inputs.forEach((input, i) => {
    const brands = input.brands ?? [];
    const out = merged[i]!;
    const text = [input.title, input.text].filter((s): s is string => !!s && s.trim() !== '').join('\n');
    const zh = sentimentLang(text, out.lang?.code ?? input.lang) === 'zh';
    for (const b of brands) {
      const m = byBrand.get(b.id);
      const base = out.brandSentiment?.[b.id] ?? out.sentiment;
      if (!m || !base) continue;
      const s = applyBrandModel(m.model, correctionFeatures(text, zh, base), base);
      out.brandSentiment = { ...out.brandSentiment, [b.id]: s };
      if (brands.length === 1) out.sentiment = s;
      const key = `brand-model@${m.id}`;
      records[i]![key] = {
        brandSentiment: { ...records[i]![key]?.brandSentiment, [b.id]: s },
        ...(brands.length === 1 ? { sentiment: s } : {}),
      };
    }
  });
}
