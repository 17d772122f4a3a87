import { createHash } from 'node:crypto';
import type { Sentiment, SentimentLabel } from '../../types.ts';
import { enFeatures, FEATURE_VERSION, zhFeatures } from '../sentiment/features.ts';
import {
  type LinearModel,
  type LinearModelFile,
  loadLinear,
  predictProba,
  type SparseVec,
  saveLinear,
} from '../sentiment/linear.ts';

/**
 * Per-brand sentiment correction: a small logistic regression stacked on the shipped model.
 *
 * Why stacked rather than a retrained model: a brand has tens to a few hundred corrections,
 * against the tens of thousands of texts the shipped model learnt from. Its input is the
 * shipped model's answer for the brand (label, score, confidence) plus the same hashed text
 * features the shipped model uses (rule scores, words, bigrams, character n-grams), at 2^14
 * instead of 2^18 slots. The shipped label enters as a fixed logit bonus (`prior`), and the
 * learnt weights start at zero under L2: with no evidence the model answers exactly what the
 * shipped model answers, and it only moves where a brand's corrections consistently disagree
 * ("sick" is praise for a skate brand, 发烧 is enthusiasm for a hi-fi one). ~100 KB per brand.
 */

export const CLASSES: SentimentLabel[] = ['negative', 'neutral', 'positive'];
export const FEEDBACK_BITS = 14;
/** Logit bonus for the shipped model's label: e^2 makes it ~79% likely before any evidence. */
export const PRIOR = 2;

export interface BrandModelFile {
  kind: 'brand-sentiment-correction';
  version: 1;
  /** The shipped feature extraction it was trained with; a model of other features is not used. */
  featureVersion: number;
  prior: number;
  linear: LinearModelFile;
}

export interface BrandModel {
  prior: number;
  linear: LinearModel;
}

/** Features of one text with the shipped model's answer, for a brand model. */
export function correctionFeatures(
  text: string,
  zh: boolean,
  base: Sentiment,
  bits = FEEDBACK_BITS,
): SparseVec {
  const { f } = zh ? zhFeatures(text.normalize('NFKC').toLowerCase(), bits) : enFeatures(text, bits);
  f.add(`fb:${base.label}`, 1);
  f.add('fb:score', base.score);
  f.add(`fb:conf:${base.label}`, base.confidence);
  return f;
}

function priorOf(base: SentimentLabel, prior: number): number[] {
  return CLASSES.map((c) => (c === base ? prior : 0));
}

/** The corrected sentiment for one example. */
export function applyBrandModel(m: BrandModel, x: SparseVec, base: Sentiment): Sentiment {
  const p = predictProba({ ...m.linear, offsets: priorOf(base.label, m.prior) }, x);
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  const r = (v: number) => Math.round(v * 1e4) / 1e4;
  return { label: CLASSES[best]!, score: r(p[2]! - p[0]!), confidence: r(p[best]!) };
}

export interface TrainExample {
  x: SparseVec;
  base: Sentiment;
  gold: SentimentLabel;
}

/**
 * Full-batch AdaGrad on the cross-entropy with L2 towards zero (towards the shipped model).
 * Deterministic: no shuffling, so the same labels always give the same model.
 */
export function trainBrandModel(
  examples: readonly TrainExample[],
  opts: { bits?: number; epochs?: number; lr?: number; l2?: number; prior?: number } = {},
): BrandModel {
  const bits = opts.bits ?? FEEDBACK_BITS;
  const K = CLASSES.length;
  const D = 1 << bits;
  const prior = opts.prior ?? PRIOR;
  const lr = opts.lr ?? 0.05;
  const l2 = opts.l2 ?? 0.05;
  const linear: LinearModel = {
    bits,
    mask: D - 1,
    classes: CLASSES,
    w: new Float32Array(K * D),
    bias: new Array<number>(K).fill(0),
    offsets: new Array<number>(K).fill(0),
  };
  if (examples.length === 0) return { prior, linear };
  const grad = new Float64Array(K * D);
  const acc = new Float64Array(K * D);
  const bGrad = new Float64Array(K);
  const bAcc = new Float64Array(K);
  const n = examples.length;
  const p = new Float64Array(K);
  const offsets = examples.map((e) => priorOf(e.base.label, prior));
  for (let epoch = 0; epoch < (opts.epochs ?? 80); epoch++) {
    grad.fill(0);
    bGrad.fill(0);
    examples.forEach((e, i) => {
      predictProba({ ...linear, offsets: offsets[i]! }, e.x, p);
      const y = CLASSES.indexOf(e.gold);
      for (let k = 0; k < K; k++) {
        const g = (p[k]! - (k === y ? 1 : 0)) / n;
        bGrad[k]! += g;
        for (let j = 0; j < e.x.idx.length; j++) grad[e.x.idx[j]! * K + k]! += g * e.x.val[j]!;
      }
    });
    for (let a = 0; a < grad.length; a++) {
      const g = grad[a]! + l2 * linear.w[a]!;
      if (g === 0) continue;
      acc[a]! += g * g;
      linear.w[a]! -= (lr * g) / Math.sqrt(acc[a]! + 1e-8);
    }
    for (let k = 0; k < K; k++) {
      bAcc[k]! += bGrad[k]! * bGrad[k]!;
      linear.bias[k]! -= (lr * bGrad[k]!) / Math.sqrt(bAcc[k]! + 1e-8);
    }
  }
  return { prior, linear };
}

export function saveBrandModel(m: BrandModel, trainedOn: string[]): BrandModelFile {
  return {
    kind: 'brand-sentiment-correction',
    version: 1,
    featureVersion: FEATURE_VERSION,
    prior: m.prior,
    linear: saveLinear(m.linear, { trainedOn, version: 1 }),
  };
}

/** A stored model, or null when it is not one or was trained on other features (retrain then). */
export function loadBrandModel(f: unknown): BrandModel | null {
  const file = f as BrandModelFile | null;
  if (file?.kind !== 'brand-sentiment-correction' || file.version !== 1) return null;
  if (file.featureVersion !== FEATURE_VERSION) return null;
  return { prior: file.prior, linear: loadLinear(file.linear) };
}

/** Whether a labelled mention is in the held-back part: a hash of its id, so it never moves. */
export function isHeldBack(mentionId: string, share = 0.3): boolean {
  const h = createHash('sha256').update(`earshot-feedback:${mentionId}`).digest();
  return h.readUInt32BE(0) / 2 ** 32 < share;
}

export interface Score {
  n: number;
  accuracy: number;
  macroF1: number;
}

/**
 * Accuracy and macro-F1 over the classes present in `gold`, computed as the shared benchmark
 * scorer does (`metrics.mjs`): a class predicted but absent from gold counts against precision.
 */
export function scoreLabels(gold: readonly SentimentLabel[], pred: readonly SentimentLabel[]): Score {
  const classes = CLASSES.filter((c) => gold.includes(c));
  let correct = 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] === pred[i]) correct++;
  const f1 = classes.map((c) => {
    let tp = 0;
    let predicted = 0;
    let support = 0;
    for (let i = 0; i < gold.length; i++) {
      if (pred[i] === c) predicted++;
      if (gold[i] === c) support++;
      if (gold[i] === c && pred[i] === c) tp++;
    }
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    return precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  });
  return {
    n: gold.length,
    accuracy: gold.length ? correct / gold.length : 0,
    macroF1: f1.length ? f1.reduce((a, x) => a + x, 0) / f1.length : 0,
  };
}

/** Strictly better: higher macro-F1, or equal macro-F1 and higher accuracy. */
export function isBetter(candidate: Score, current: Score): boolean {
  const eps = 1e-9;
  if (candidate.macroF1 > current.macroF1 + eps) return true;
  return Math.abs(candidate.macroF1 - current.macroF1) <= eps && candidate.accuracy > current.accuracy + eps;
}

/** A labelled mention with the shipped model's answer for the brand. */
export interface LabelledExample {
  id: string;
  text: string;
  zh: boolean;
  base: Sentiment;
  gold: SentimentLabel;
}

export interface Comparison {
  trainN: number;
  current: Score;
  candidate: Score;
  model: BrandModel;
  /** Whether the candidate is strictly better than the current model on the held-back part. */
  better: boolean;
}

/**
 * Train a candidate on the training part of `examples` and score it and the current model
 * (a brand's promoted model, or the shipped answers when null) on the held-back part. Null
 * when either part is empty.
 *
 * @example
 * const c = compareOnHeldBack(examples, promoted); if (c?.better) promote(c.model);
 */
export function compareOnHeldBack(
  examples: readonly LabelledExample[],
  current: BrandModel | null,
  opts: { holdout?: number; onTraining?: () => void } = {},
): Comparison | null {
  const feats = (es: readonly LabelledExample[]) =>
    es.map((e) => ({ x: correctionFeatures(e.text, e.zh, e.base), base: e.base, gold: e.gold }));
  const held = feats(examples.filter((e) => isHeldBack(e.id, opts.holdout)));
  const train = examples.filter((e) => !isHeldBack(e.id, opts.holdout));
  if (held.length === 0 || train.length === 0) return null;
  const gold = held.map((e) => e.gold);
  const currentScore = scoreLabels(
    gold,
    held.map((e) => (current ? applyBrandModel(current, e.x, e.base).label : e.base.label)),
  );
  opts.onTraining?.();
  const model = trainBrandModel(feats(train));
  const candidate = scoreLabels(
    gold,
    held.map((e) => applyBrandModel(model, e.x, e.base).label),
  );
  return {
    trainN: train.length,
    current: currentScore,
    candidate,
    model,
    better: isBetter(candidate, currentScore),
  };
}
