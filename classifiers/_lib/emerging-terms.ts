import { foldText, tokenize } from '../../src/text.ts';
import { COMMON_WORDS } from './common-words.ts';

/**
 * Emerging terms: words and two-word phrases whose share of the current window rises against
 * their own share of a baseline window (e.g. the previous 7 days). Pure functions; the
 * analytics layer counts (or stores counts) and calls `emergingTerms`.
 *
 * The test, per term with `c` occurrences now and `b` in the baseline, out of `C` and `B` terms
 * in all: conditional on `n = c + b`, under "no change" `c ~ Binomial(n, C / (C + B))`. A term
 * is emerging when the one-sided binomial p-value is below `maxPValue`, the smoothed log ratio
 * `ln(((c + α) / C) / ((b + α) / B))` is at least `minLogRatio`, and `c >= minCount`. The
 * pseudo-count α keeps a term never seen before from an infinite ratio: a brand-new term
 * needs enough occurrences of its own to pass.
 */

const ZH_STOP =
  '的 了 是 我 你 他 她 它 们 我们 你们 他们 在 也 和 就 都 而 及 与 着 或 一个 没有 这 那 这个 那个 很 吗 吧 呢 啊 哦 呀 嗯 还 又 被 把 给 让 对 从 到 说 要 会 能 可以 有 没 不 人 自己 什么 怎么 还是 但是 因为 所以 如果 就是 真的 现在 已经 一下 一样 这样 那么 之 其 为 以 于 上 下 中 里 个 吧 哈 哈哈 哈哈哈 啦 嘛 呃 么 太 好 最 非常 特别 比较 有点 真 挺';
const STOPWORDS = new Set<string>([
  ...Object.values(COMMON_WORDS).join(' ').split(' '),
  ...ZH_STOP.split(' '),
]);
STOPWORDS.delete('');

export interface TermCounts {
  counts: Map<string, number>;
  /** Number of unigram occurrences counted (the denominator for rates). */
  total: number;
}

/**
 * Count unigrams and bigrams of texts, CJK-aware (jieba words for Chinese), skipping URLs,
 * @mentions, numbers, one-letter words and stopwords; a bigram is skipped when either side is a
 * stopword. Hashtags count as terms. Each text counts a term at most once (document frequency),
 * so one spammer repeating a word does not make it emerge. Latin bigrams are joined with a
 * space, CJK bigrams without one (`质量 问题` → `质量问题`).
 *
 * @example
 * countTerms(['Acme kettle exploded', 'my Acme kettle exploded too']).counts.get('kettle exploded') // 2
 */
export function countTerms(texts: Iterable<string>, opts: { bigrams?: boolean } = {}): TermCounts {
  const bigrams = opts.bigrams ?? true;
  const counts = new Map<string, number>();
  let total = 0;
  for (const text of texts) {
    const seen = new Set<string>();
    const folded = foldText(text);
    let prev: { t: string; cjk: boolean; end: number } | undefined;
    for (const tok of tokenize(folded, { folded: true })) {
      const keep =
        (tok.kind === 'word' || tok.kind === 'cjk' || tok.kind === 'hashtag') &&
        !STOPWORDS.has(tok.t) &&
        (tok.kind !== 'word' || tok.t.length > 1) &&
        !/^[\p{P}\p{S}\s]+$/u.test(tok.t);
      if (!keep) {
        prev = undefined;
        continue;
      }
      total++;
      seen.add(tok.t);
      const cjk = tok.kind === 'cjk';
      // Bigrams only within one script and one clause: adjacent CJK words, or words one space apart.
      if (bigrams && prev && tok.kind !== 'hashtag' && prev.cjk === cjk) {
        const gap = folded.slice(prev.end, tok.start);
        if (cjk ? gap === '' : /^\s+$/.test(gap)) seen.add(cjk ? prev.t + tok.t : `${prev.t} ${tok.t}`);
      }
      prev = tok.kind === 'hashtag' ? undefined : { t: tok.t, cjk, end: tok.start + tok.t.length };
    }
    for (const t of seen) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  return { counts, total };
}

export interface EmergingOptions {
  /** Minimum occurrences in the current window. Default 5. */
  minCount?: number;
  /** Minimum smoothed log (natural) ratio of rates. Default ln 3 (three times as frequent). */
  minLogRatio?: number;
  /** Maximum one-sided binomial p-value. Default 0.001 (many terms are tested at once). */
  maxPValue?: number;
  /** Pseudo-count for smoothing. Default 1. */
  alpha?: number;
  /** Totals, when the maps hold only some terms (defaults: the sums of the maps). */
  currentTotal?: number;
  baselineTotal?: number;
  /** Drop a unigram when a rising bigram containing it covers this share of its count. Default 0.8. */
  absorb?: number;
  limit?: number;
}

export interface EmergingTerm {
  term: string;
  current: number;
  baseline: number;
  /** Smoothed natural-log ratio of the term's rate now to its baseline rate. */
  logRatio: number;
  /** One-sided binomial p-value of "at least this many now, if nothing changed". */
  pValue: number;
  /** Ranking score: logRatio × -log10(pValue), higher is more notable. */
  score: number;
}

type Counts = Map<string, number> | Record<string, number>;
const entries = (c: Counts): [string, number][] => (c instanceof Map ? [...c.entries()] : Object.entries(c));
const sum = (c: Counts) => entries(c).reduce((a, [, v]) => a + v, 0);

/**
 * Terms rising in `current` against `baseline` (counts per term, e.g. from `countTerms`).
 *
 * @example
 * const now = countTerms(todayTexts);
 * const before = countTerms(lastWeekTexts);
 * emergingTerms(now.counts, before.counts, { currentTotal: now.total, baselineTotal: before.total });
 */
export function emergingTerms(current: Counts, baseline: Counts, opts: EmergingOptions = {}): EmergingTerm[] {
  const minCount = opts.minCount ?? 5;
  const minLogRatio = opts.minLogRatio ?? Math.log(3);
  const maxPValue = opts.maxPValue ?? 0.001;
  const alpha = opts.alpha ?? 1;
  const C = Math.max(1, opts.currentTotal ?? sum(current));
  const B = Math.max(1, opts.baselineTotal ?? sum(baseline));
  const base = baseline instanceof Map ? baseline : new Map(Object.entries(baseline));
  const p0 = C / (C + B);
  const out: EmergingTerm[] = [];
  for (const [term, c] of entries(current)) {
    if (c < minCount) continue;
    const b = base.get(term) ?? 0;
    const logRatio = Math.log((c + alpha) / C) - Math.log((b + alpha) / B);
    if (logRatio < minLogRatio) continue;
    const pValue = binomialUpperTail(c, c + b, p0);
    if (pValue > maxPValue) continue;
    out.push({
      term,
      current: c,
      baseline: b,
      logRatio,
      pValue,
      score: logRatio * -Math.log10(Math.max(pValue, 1e-300)),
    });
  }
  out.sort((x, y) => y.score - x.score || y.current - x.current || (x.term < y.term ? -1 : 1));
  const absorb = opts.absorb ?? 0.8;
  // A word that rises only as part of a rising phrase is reported as the phrase.
  const contains = (phrase: string, term: string) =>
    phrase !== term && (phrase.includes(' ') ? phrase.split(' ').includes(term) : phrase.includes(term));
  const kept = out.filter(
    (t) => !out.some((p) => contains(p.term, t.term) && p.current >= absorb * t.current),
  );
  return opts.limit ? kept.slice(0, opts.limit) : kept;
}

/** P(X >= k) for X ~ Binomial(n, p), exact in log space (n is a term's count, so small). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  if (n > 5000) {
    // Normal approximation with continuity correction; exact sums this long add nothing.
    const mu = n * p;
    const sd = Math.sqrt(n * p * (1 - p));
    return 0.5 * erfc((k - 0.5 - mu) / (sd * Math.SQRT2));
  }
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  // log C(n, i) p^i q^(n-i), summed from i = k with log-sum-exp.
  let logTerm = logChoose(n, k) + k * lp + (n - k) * lq;
  let maxLog = logTerm;
  const terms = [logTerm];
  for (let i = k + 1; i <= n; i++) {
    logTerm += Math.log((n - i + 1) / i) + lp - lq;
    terms.push(logTerm);
    if (logTerm > maxLog) maxLog = logTerm;
  }
  let s = 0;
  for (const t of terms) s += Math.exp(t - maxLog);
  return Math.min(1, Math.exp(maxLog) * s);
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

function logFactorial(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}

function erfc(x: number): number {
  // Abramowitz-Stegun 7.1.26, |error| < 1.5e-7.
  const z = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * z);
  const y =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-z * z);
  return x >= 0 ? y : 2 - y;
}
