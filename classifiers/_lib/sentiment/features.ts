import { readFileSync } from 'node:fs';
import { maskCrisis, scanCrisis } from '../crisis-scan.ts';
import {
  type EnRuleScore,
  enLexicon,
  enRuleScore,
  enTokens,
  isNegation,
  reduceElongation,
} from './en-rules.ts';
import { FeatureSink, fnv1a, fnvStep } from './linear.ts';
import { ZH_NEGATORS } from './zh-lexicon.ts';
import { type ZhRuleScore, type ZhToken, zhRuleScore, zhTokens } from './zh-rules.ts';

/**
 * Feature extraction for the supervised sentiment models. Changing anything here changes what
 * the shipped weights mean: retrain (`npm run train:sentiment`) and bump FEATURE_VERSION.
 */
export const FEATURE_VERSION = 4;
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

/** Hashes of the fixed feature names, computed once (`f.addHash(H.x)` is `f.add('d:x')`). */
const H = {
  bias: fnv1a('d:bias'),
  compound: fnv1a('d:compound'),
  pos: fnv1a('d:pos'),
  neg: fnv1a('d:neg'),
  zero: fnv1a('d:zero'),
  possum: fnv1a('d:possum'),
  negsum: fnv1a('d:negsum'),
  mixed: fnv1a('d:mixed'),
  negations: fnv1a('d:negations'),
  abs: fnv1a('d:abs'),
  excl: fnv1a('d:excl'),
  q: fnv1a('d:q'),
  len: fnv1a('d:len'),
  crisis: fnv1a('d:crisis'),
  crisisHi: fnv1a('d:crisis-hi'),
  complaint: fnv1a('d:complaint'),
};

/**
 * Crisis and complaint language as features (feature version 4): the complaint score of
 * `complaints.ts`, the asserted crisis score of
 * `_lib/crisis-scan.ts` and whether it is strong. Review and tweet corpora hold few crises, but
 * the words they share with them (expired, 拉肚子, 假货, scam) teach the model that the scan's
 * score means negative; the sentiment classifier also reads a strong score as negative outright.
 */
/** Crisis and complaint scores of a text, as `scanCrisis` gives them. */
export interface TextSignals {
  crisis: number;
  complaint: number;
}

function crisisFeatures(f: FeatureSink, { crisis, complaint }: TextSignals): void {
  if (complaint > 0) f.addHash(H.complaint, complaint * 2);
  if (crisis <= 0) return;
  f.addHash(H.crisis, crisis * 2);
  if (crisis >= 0.5) f.addHash(H.crisisHi, 1);
}
/** `d:bin-5` … `d:bin5` (index + 5) and `d:hits0` … `d:hits4` (index). */
const H_BIN = Array.from({ length: 11 }, (_, k) => fnv1a(`d:bin${k - 5}`));
const H_HITS = Array.from({ length: 5 }, (_, k) => fnv1a(`d:hits${k}`));

function ruleFeatures(f: FeatureSink, r: EnRuleScore | ZhRuleScore): void {
  f.addHash(H.bias, 1);
  f.addHash(H.compound, r.compound * 2);
  f.addHash(r.compound > 0.05 ? H.pos : r.compound < -0.05 ? H.neg : H.zero, 1);
  f.addHash(H.possum, Math.min(3, r.pos / 3));
  f.addHash(H.negsum, Math.max(-3, r.neg / 3));
  f.addHash(H_HITS[0]!, r.hits === 0 ? 1 : 0);
  f.addHash(H.mixed, r.pos > 0 && r.neg < 0 ? 1 : 0);
  f.addHash(H.negations, Math.min(2, r.negations));
  // Neutral sits in the middle of the compound range: give the linear model the shape.
  const c = r.compound;
  f.addHash(H.abs, Math.abs(c) * 2);
  f.addHash(H_BIN[Math.max(-5, Math.min(5, Math.round(c * 5))) + 5]!, 1.5);
  f.addHash(H_HITS[Math.min(4, r.hits)]!, 1);
}

/** English features: rule scores, Pattern polarity/subjectivity, word uni/bigrams with negation marking, char 3–4-grams of words. */
export function enFeatures(
  raw: string,
  bits: number,
  signals?: TextSignals,
): { f: FeatureSink; rule: EnRuleScore } {
  const f = new FeatureSink((1 << bits) - 1);
  let text = raw;
  if (signals === undefined) {
    // Not from `scoreSentiment` (which scans and masks once): scan and mask here, the same way.
    const folded = raw.normalize('NFKC').toLowerCase();
    const scan = scanCrisis(folded);
    text = maskCrisis(raw, scan, folded.length);
    signals = { crisis: scan.score, complaint: scan.complaint };
  }
  const toks = enTokens(text, enLexicon());
  const rule = enRuleScore(text, toks);
  ruleFeatures(f, rule);
  crisisFeatures(f, signals);
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

const H_B = fnv1a('b:');
/** `b:<s>`, the bigram prefix at a clause start. */
const H_B_START = fnvStep(H_B, '<s>');
const H_CHARS = fnv1a('c');
/** Word tags by token kind: `${kind[0]}:`, and `${kind[0]}:!` in a negator's scope. */
const H_WORD: Record<ZhToken['kind'], readonly [number, number]> = {
  cjk: [fnv1a('c:'), fnv1a('c:!')],
  latin: [fnv1a('l:'), fnv1a('l:!')],
  code: [fnv1a('c:'), fnv1a('c:!')],
  emoji: [fnv1a('e:'), fnv1a('e:!')],
  punct: [fnv1a('p:'), fnv1a('p:!')],
};

/** The hash of bigram `b:a b` from `hA` = the hash of `b:a` (as `FeatureSink.add2('b:', a, b)`). */
function bigram(hA: number, b: string): number {
  return fnvStep(Math.imul(hA ^ 32, 0x01000193) >>> 0, b);
}

function isDigits(w: string): boolean {
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return w.length > 0;
}

/** Scratch buffer for a clause's Han characters (reused: feature extraction is synchronous). */
let hanBuf = new Uint16Array(256);

/** Chinese features: rule scores, jieba words (negation-marked) and bigrams, char 1–2-grams. */
export function zhFeatures(
  text: string,
  bits: number,
  signals?: TextSignals,
): { f: FeatureSink; rule: ZhRuleScore } {
  const f = new FeatureSink((1 << bits) - 1);
  let folded = text;
  if (signals === undefined) {
    const scan = scanCrisis(text);
    folded = maskCrisis(text, scan);
    signals = { crisis: scan.score, complaint: scan.complaint };
  }
  const toks = zhTokens(folded);
  const rule = zhRuleScore(toks, folded);
  ruleFeatures(f, rule);
  crisisFeatures(f, signals);
  const ngrams = f.val.length;
  // Hashes are built incrementally (no feature strings): `prevB` is the hash of `b:` + the
  // previous word, the clause's Han text is collected as code units in `hanBuf`.
  let prevB = H_B_START;
  let neg = 0;
  let hanLen = 0;
  let hanSurrogate = false;
  let hanFrom = 0;
  const flushHan = (to: number) => {
    if (hanSurrogate) {
      // Surrogate pairs: n-grams by code point, on the string.
      let han = '';
      for (let k = hanFrom; k < to; k++) if (toks[k]!.kind === 'cjk') han += toks[k]!.w;
      f.chars(han, 1, ZH_CHAR_HI, 'c');
    } else f.charCodes(hanBuf, hanLen, 1, ZH_CHAR_HI, H_CHARS);
    hanLen = 0;
    hanSurrogate = false;
  };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.kind === 'punct') {
      f.addHash(bigram(prevB, '</s>'));
      prevB = H_B_START;
      neg = 0;
      if (hanLen > 0) flushHan(i);
      hanFrom = i + 1;
      if (t.w.includes('!') || t.w.includes('！')) f.addHash(H.excl);
      if (t.w.includes('?') || t.w.includes('？')) f.addHash(H.q);
      continue;
    }
    const w = t.kind === 'latin' && isDigits(t.w) ? '<num>' : t.w;
    f.addHash(fnvStep(H_WORD[t.kind][neg > 0 ? 1 : 0], w));
    f.addHash(bigram(prevB, w));
    prevB = fnvStep(H_B, w);
    if (t.kind === 'cjk') {
      const n = t.w.length;
      if (hanLen + n > hanBuf.length) {
        const grown = new Uint16Array(Math.max(2 * hanBuf.length, hanLen + n));
        grown.set(hanBuf.subarray(0, hanLen));
        hanBuf = grown;
      }
      for (let k = 0; k < n; k++) {
        const c = t.w.charCodeAt(k);
        if (c >= 0xd800 && c <= 0xdfff) hanSurrogate = true;
        hanBuf[hanLen++] = c;
      }
      if (ZH_NEGATORS.has(t.w)) neg = 3;
      else if (neg > 0) neg--;
    } else if (neg > 0) neg--;
  }
  if (hanLen > 0) flushHan(toks.length);
  f.addHash(bigram(prevB, '</s>'));
  scaleFrom(f, ngrams, Math.min(1, ZH_NGRAM_NORM / Math.sqrt(Math.max(1, toks.length))));
  f.addHash(H.len, Math.min(3, toks.length / 40));
  return { f, rule };
}
