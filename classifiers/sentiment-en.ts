import { enRuleScore } from './_lib/sentiment/en-rules.ts';
import { enFeatures, type TextSignals } from './_lib/sentiment/features.ts';
import { predictProba } from './_lib/sentiment/linear.ts';
import { modelFile } from './_lib/sentiment/model-file.ts';
import type { Sentiment, SentimentLabel } from './types.ts';

/**
 * English sentiment: a VADER-style rule engine (`_lib/sentiment/en-rules.ts`: VADER's lexicon,
 * negation scope, boosters, contrast, caps, `!!!`, emoji, slang, elongations, hashtags) whose
 * scores are features of a hashed logistic-regression model with Pattern's adjective polarity and
 * subjectivity (`models/sentiment-en-pattern.json`, BSD), word uni/bigrams and char 3–4-grams
 * (`models/sentiment-en.json`, trained on DEV data we may ship a model of: see
 * docs/benchmarks.md). The model's neutral offset is calibrated on cross-validated predictions,
 * so `neutral` means "no clear polarity", not "the model was unsure between the two".
 *
 * This is a language module wrapped by the registered `sentiment` classifier.
 */
export const EN_MODEL = 'sentiment-en.json';
export const EN_BITS = 18;

/** Rule-only label for a compound score (VADER's ±0.05 convention). */
export function labelOfCompound(c: number, band = 0.05): SentimentLabel {
  return c > band ? 'positive' : c < -band ? 'negative' : 'neutral';
}

/**
 * Sentiment of one English text.
 *
 * @example
 * sentimentEn('not good').label // 'negative'
 */
export function sentimentEn(
  text: string,
  opts: { rulesOnly?: boolean; signals?: TextSignals } = {},
): Sentiment & { negWords?: boolean } {
  if (!/[\p{L}\p{N}\p{Extended_Pictographic}]/u.test(text) && !/[:;=]-?[()DPp]/.test(text)) {
    return { label: 'neutral', score: 0, confidence: 0.5 };
  }
  const model = opts.rulesOnly ? null : modelFile(EN_MODEL);
  if (!model) {
    const c = enRuleScore(text).compound;
    return { label: labelOfCompound(c), score: round(c), confidence: round(0.5 + Math.abs(c) / 2) };
  }
  const { f, rule } = enFeatures(text, model.bits, opts.signals);
  const p = predictProba(model, f);
  const ci = (name: string) => model.classes.indexOf(name);
  const pn = p[ci('negative')] ?? 0;
  const pp = p[ci('positive')] ?? 0;
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  return {
    label: model.classes[best] as SentimentLabel,
    score: round(pp - pn),
    confidence: round(p[best]!),
    negWords: rule.neg < 0,
  };
}

function round(x: number): number {
  return Math.round(Math.max(-1, Math.min(1, x)) * 1e4) / 1e4;
}
