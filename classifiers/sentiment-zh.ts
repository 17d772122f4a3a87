import { type TextSignals, zhFeatures } from './_lib/sentiment/features.ts';
import { type LinearModel, predictProba } from './_lib/sentiment/linear.ts';
import { modelFile } from './_lib/sentiment/model-file.ts';
import { zhRuleScore, zhTokens } from './_lib/sentiment/zh-rules.ts';
import type { Sentiment } from './types.ts';

/**
 * Chinese sentiment: jieba segmentation, a polarity lexicon with negation scope (不高兴, 不太满意),
 * degree adverbs, contrast (但是, 不过, 却), emoji, Weibo codes (`[哈哈]`) and slang (yyds, 踩雷,
 * 拉胯) (`_lib/sentiment/zh-rules.ts`); its scores are features of a hashed logistic-regression
 * model over words, word bigrams and char 1–3-grams (`models/sentiment-zh.json`, never trained
 * on ChnSentiCorp: see docs/benchmarks.md).
 *
 * The Chinese training sets have no neutral class, so the model is binary; a text is `neutral`
 * when the lexicon finds no polarity word and the model is within `neutralBand` of its prior for
 * such texts (`zhNeutralCenter`).
 *
 * This is a language module wrapped by the registered `sentiment` classifier.
 */
export const ZH_MODEL = 'sentiment-zh.json';
export const ZH_BITS = 18;
export const ZH_NEUTRAL_BAND = 0.25;
/**
 * The gate reaches further above the prior than below it: a lexicon-silent text scored below
 * the prior reads like a complaint told as facts (送了两个小时), one scored above it like a
 * report (这个型号有两种尺寸); silent praise is rare. Chosen on DEV and the factual probes
 * (docs/benchmarks.md).
 */
export const ZH_NEUTRAL_BAND_UP = 0.6;

const centers = new WeakMap<LinearModel, number>();
/**
 * The model's score for a text with no polarity word and no other evidence (the features of an
 * empty text). Why: the training sets are reviews, where a review without a polarity word is
 * usually a complaint told as facts ("送了两个小时"), so the model gives every such text a
 * negative prior; a factual post ("公司发布了第三季度财报") then reads negative. The neutral gate
 * is centred on this prior instead of on 0, so only lexical evidence beyond it makes a
 * lexicon-silent text polar.
 */
export function zhNeutralCenter(model: LinearModel): number {
  let c = centers.get(model);
  if (c === undefined) {
    const p = predictProba(model, zhFeatures('', model.bits).f);
    c = 2 * (p[model.classes.indexOf('positive')] ?? 0.5) - 1;
    centers.set(model, c);
  }
  return c;
}

/**
 * Sentiment of one Chinese text.
 *
 * @example
 * sentimentZh('不高兴').label // 'negative'
 */
export function sentimentZh(
  text: string,
  opts: { rulesOnly?: boolean; neutralBand?: number; signals?: TextSignals; folded?: boolean } = {},
): Sentiment & { negWords?: boolean } {
  const folded = opts.folded ? text : text.normalize('NFKC').toLowerCase();
  if (!/[\p{L}\p{N}\p{Extended_Pictographic}]/u.test(folded))
    return { label: 'neutral', score: 0, confidence: 0.5 };
  const model = opts.rulesOnly ? null : modelFile(ZH_MODEL);
  if (!model) {
    const c = zhRuleScore(zhTokens(folded), folded).compound;
    const label = c > 0.05 ? 'positive' : c < -0.05 ? 'negative' : 'neutral';
    return { label, score: round(c), confidence: round(0.5 + Math.abs(c) / 2) };
  }
  const { f, rule } = zhFeatures(folded, model.bits, opts.signals);
  const p = predictProba(model, f);
  const pp = p[model.classes.indexOf('positive')] ?? 0.5;
  const score = 2 * pp - 1;
  const band = opts.neutralBand ?? ZH_NEUTRAL_BAND;
  const d = score - zhNeutralCenter(model);
  if (rule.hits === 0 && d > -band && d < (opts.neutralBand ?? ZH_NEUTRAL_BAND_UP)) {
    return { label: 'neutral', score: round(score), confidence: round(1 - Math.abs(score)) };
  }
  return {
    label: score >= 0 ? 'positive' : 'negative',
    score: round(score),
    confidence: round(Math.max(pp, 1 - pp)),
    negWords: rule.neg < 0,
  };
}

function round(x: number): number {
  return Math.round(Math.max(-1, Math.min(1, x)) * 1e4) / 1e4;
}
