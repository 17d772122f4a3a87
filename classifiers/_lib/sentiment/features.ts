import { readFileSync } from 'node:fs';
import {
  type EnRuleScore,
  enLexicon,
  enRuleScore,
  enTokens,
  isNegation,
  reduceElongation,
} from './en-rules.ts';
import { FeatureSink } from './linear.ts';
import { ZH_NEGATORS } from './zh-lexicon.ts';
import { type ZhRuleScore, zhRuleScore, zhTokens } from './zh-rules.ts';

/**
 * Feature extraction for the supervised sentiment models. Changing anything here changes what
 * the shipped weights mean: retrain (`npm run train:sentiment`) and bump FEATURE_VERSION.
 */
export const FEATURE_VERSION = 3;
const CHAR_HI = 4;
/**
 * English text n-gram values are scaled by `NGRAM_NORM / sqrt(tokens)`. Why: a 40-word review
 * otherwise carries ten times the n-gram mass of a four-word tweet, so its n-grams drown the
 * rule scores; scaled, every text's n-grams weigh about the same against the rule features
 * (5-fold CV: mean English accuracy +0.5 points). Chinese n-grams are only scaled down, by
 * `min(1, ZH_NGRAM_NORM / sqrt(tokens))`: scaling short texts up as well made lexicon-silent
 * factual posts read as polar (the neutral gate in `sentiment-zh.ts` kept 11 of 30 probe
 * sentences instead of 24).
 */
const NGRAM_NORM = 3;
const ZH_NGRAM_NORM = 5;
/** Chinese character n-grams: 1–2 (3-grams added collisions and domain-specific detail, not accuracy). */
const ZH_CHAR_HI = 2;

/** Multiply the values of the features from `start` on by `s`. */
function scaleFrom(f: FeatureSink, start: number, s: number): void {
  for (let i = start; i < f.val.length; i++) f.val[i]! *= s;
}

const NUM_RE = /^\d+([.,]\d+)?$/;

let pattern: Map<string, readonly [number, number]> | undefined;
/**
 * Pattern's English adjective lexicon (polarity, subjectivity), converted into
 * `models/sentiment-en-pattern.json` by the trainer. Subjectivity is what VADER's lexicon lacks:
 * it separates opinion ("a shrewd move") from report ("a new plan"), the neutral/polar line.
 */
export function patternLexicon(): Map<string, readonly [number, number]> {
  if (!pattern) {
    pattern = new Map();
    try {
      const file = new URL('../../models/sentiment-en-pattern.json', import.meta.url);
      const json = JSON.parse(readFileSync(file, 'utf8')) as { words: Record<string, [number, number]> };
      for (const [w, v] of Object.entries(json.words)) pattern.set(w, v);
    } catch {
      // Missing before the first `npm run train:sentiment`: no Pattern features.
    }
  }
  return pattern;
}

function ruleFeatures(f: FeatureSink, r: EnRuleScore | ZhRuleScore): void {
  f.add('d:bias', 1);
  f.add('d:compound', r.compound * 2);
  f.add(r.compound > 0.05 ? 'd:pos' : r.compound < -0.05 ? 'd:neg' : 'd:zero', 1);
  f.add('d:possum', Math.min(3, r.pos / 3));
  f.add('d:negsum', Math.max(-3, r.neg / 3));
  f.add('d:hits0', r.hits === 0 ? 1 : 0);
  f.add('d:mixed', r.pos > 0 && r.neg < 0 ? 1 : 0);
  f.add('d:negations', Math.min(2, r.negations));
  // Neutral sits in the middle of the compound range: give the linear model the shape.
  const c = r.compound;
  f.add('d:abs', Math.abs(c) * 2);
  f.add(`d:bin${Math.max(-5, Math.min(5, Math.round(c * 5)))}`, 1.5);
  f.add(`d:hits${Math.min(4, r.hits)}`, 1);
}

/** English features: rule scores, Pattern polarity/subjectivity, word uni/bigrams with negation marking, char 3–4-grams of words. */
export function enFeatures(text: string, bits: number): { f: FeatureSink; rule: EnRuleScore } {
  const f = new FeatureSink((1 << bits) - 1);
  const toks = enTokens(text, enLexicon());
  const rule = enRuleScore(text, toks);
  ruleFeatures(f, rule);
  const ngrams = f.val.length;
  let prev = '<s>';
  let negating = false;
  let nTok = 0;
  const pat = patternLexicon();
  let pPol = 0;
  let pSub = 0;
  let pMax = 0;
  let pN = 0;
  for (const t of toks) {
    let w = reduceElongation(t.w);
    const pv = pat.get(w);
    if (pv) {
      pPol += negating ? -0.5 * pv[0] : pv[0];
      pSub += pv[1];
      pMax = Math.max(pMax, pv[1]);
      pN++;
    }
    const c0 = w.charCodeAt(0);
    if (c0 >= 48 && c0 <= 57 && NUM_RE.test(w)) w = '<num>';
    else if (w.startsWith('http') || w.startsWith('www.')) w = '<url>';
    nTok++;
    f.add2(negating ? 'w:!' : 'w:', w);
    f.add2('b:', prev, w);
    if (CHAR_HI >= 3 && w.length >= 3 && w.length <= 20 && !w.startsWith('<'))
      f.chars(` ${w} `, 3, CHAR_HI, negating ? 'c!' : 'c');
    prev = w;
    if (isNegation(w)) negating = true;
    else if (t.brk) negating = false;
    if (t.brk) prev = '<s>';
  }
  f.add2('b:', prev, '</s>');
  scaleFrom(f, ngrams, NGRAM_NORM / Math.sqrt(Math.max(1, nTok)));
  const excl = (text.match(/!/g) ?? []).length;
  if (excl) f.add('d:excl', Math.min(3, excl));
  if (text.includes('?')) f.add('d:q', 1);
  f.add('d:len', Math.min(3, nTok / 15));
  // Short social posts and long review sentences map the rule score to labels differently.
  const lb = nTok <= 8 ? 0 : nTok <= 16 ? 1 : nTok <= 28 ? 2 : 3;
  f.add(`d:bin${Math.max(-5, Math.min(5, Math.round(rule.compound * 5)))}:len${lb}`, 1);
  f.add(`d:len${lb}`, 1);
  // Pattern polarity and subjectivity (mean, max), the max crossed with the rule-score bin.
  const bin = Math.max(-5, Math.min(5, Math.round(rule.compound * 5)));
  f.add('d:ppol', Math.max(-3, Math.min(3, pPol)));
  f.add('d:psub', pN ? pSub / pN : 0);
  f.add('d:pmax', pMax);
  f.add(`d:pn${Math.min(3, pN)}`, 1);
  f.add(`d:psb${Math.round(pMax * 4)}`, 1);
  f.add(`d:psb${Math.round(pMax * 4)}:bin${bin}`, 1);
  return { f, rule };
}

/** Chinese features: rule scores, jieba words (negation-marked) and bigrams, char 1–2-grams. */
export function zhFeatures(folded: string, bits: number): { f: FeatureSink; rule: ZhRuleScore } {
  const f = new FeatureSink((1 << bits) - 1);
  const toks = zhTokens(folded);
  const rule = zhRuleScore(toks, folded);
  ruleFeatures(f, rule);
  const ngrams = f.val.length;
  let prev = '<s>';
  let neg = 0;
  let han = '';
  for (const t of toks) {
    if (t.kind === 'punct') {
      f.add2('b:', prev, '</s>');
      prev = '<s>';
      neg = 0;
      if (han) {
        f.chars(han, 1, ZH_CHAR_HI, 'c');
        han = '';
      }
      if (/[!！]/.test(t.w)) f.add('d:excl');
      if (/[?？]/.test(t.w)) f.add('d:q');
      continue;
    }
    const w = t.kind === 'latin' && /^\d+$/.test(t.w) ? '<num>' : t.w;
    f.add2(neg > 0 ? `${t.kind[0]}:!` : `${t.kind[0]}:`, w);
    f.add2('b:', prev, w);
    prev = w;
    if (t.kind === 'cjk') han += t.w;
    if (t.kind === 'cjk' && ZH_NEGATORS.has(t.w)) neg = 3;
    else if (neg > 0) neg--;
  }
  if (han) f.chars(han, 1, ZH_CHAR_HI, 'c');
  f.add2('b:', prev, '</s>');
  scaleFrom(f, ngrams, Math.min(1, ZH_NGRAM_NORM / Math.sqrt(Math.max(1, toks.length))));
  f.add('d:len', Math.min(3, toks.length / 40));
  return { f, rule };
}
