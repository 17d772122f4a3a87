import { segmentCJK } from '../../../src/text.ts';
import { EN_EMOJI } from './en-rules.ts';
import { WEIBO_CODES, ZH_CONTRAST, ZH_DEGREE, ZH_NEGATORS, ZH_POLARITY } from './zh-lexicon.ts';

/**
 * Rule-based Chinese valence. Text is split into clauses at punctuation; CJK runs are segmented
 * by jieba; Weibo codes (`[哈哈]`), emoji and Latin slang (`yyds`) are tokens of their own.
 * A negator (不, 没有, 不太…) flips and damps the sentiment words that follow it in its clause
 * (up to three words, so 不太满意 and 没有想象中好 are negative); degree adverbs scale the next
 * sentiment word; after a contrast word (但是, 不过, 可是, 却) the text weighs 1.5× and before
 * it half. The sum is squashed to [-1, 1] as VADER's compound.
 */

export interface ZhToken {
  w: string;
  kind: 'cjk' | 'latin' | 'code' | 'emoji' | 'punct';
}

export interface ZhRuleScore {
  compound: number;
  pos: number;
  neg: number;
  hits: number;
  negations: number;
}

const ZH_SPLIT_RE =
  /(\[[^[\]\s]{1,8}\])|([\p{Script=Han}]+)|([a-z0-9]+)|(\p{Extended_Pictographic})|([。！？!?；;，,、\n~～…]+)/gu;

/** Tokens of folded (lower-case, NFKC) Chinese text. */
export function zhTokens(folded: string): ZhToken[] {
  const out: ZhToken[] = [];
  const ms = [...folded.matchAll(ZH_SPLIT_RE)];
  // One jieba call per text, not per Han run (the native call dominates on short runs): runs
  // joined by spaces, which jieba never segments across, so the words are the same.
  const runs = ms.flatMap((m) => (m[2] ? [m[2]] : []));
  const words = runs.length === 0 ? [] : segmentCJK(runs.join(' '));
  let wi = 0;
  for (const m of ms) {
    if (m[1]) out.push({ w: m[1].slice(1, -1), kind: 'code' });
    else if (m[2]) {
      for (let len = 0; len < m[2].length && wi < words.length; ) {
        const w = words[wi++]!;
        if (w === ' ') continue;
        out.push({ w, kind: 'cjk' });
        len += w.length;
      }
    } else if (m[3]) out.push({ w: m[3], kind: 'latin' });
    else if (m[4]) out.push({ w: m[4], kind: 'emoji' });
    else if (m[5]) out.push({ w: m[5], kind: 'punct' });
  }
  return out;
}

const PARTICLES = new Set(['了', '的', '啊', '呀', '吧', '呢', '啦', '哦', '噢', '嘛']);

const NEG_PREFIXES = ['不太', '没有', '不是', '不', '没', '无', '未', '非', '别'];

function polarity(t: ZhToken): number | undefined {
  if (t.kind === 'code') return WEIBO_CODES.get(t.w) ?? ZH_POLARITY.get(t.w);
  if (t.kind === 'emoji') return EN_EMOJI[t.w];
  if (t.kind === 'punct') return undefined;
  const v = ZH_POLARITY.get(t.w);
  if (v !== undefined) return v;
  if (t.kind === 'cjk' && t.w.length >= 2) {
    // jieba keeps some negated words whole (不高兴, 没意思 is in the lexicon): negator + known word.
    for (const p of NEG_PREFIXES) {
      if (t.w.length > p.length && t.w.startsWith(p)) {
        const rest = ZH_POLARITY.get(t.w.slice(p.length));
        if (rest !== undefined) return rest * (ZH_NEGATORS.get(p) ?? -0.8);
      }
    }
  }
  // Degree adverb glued to a sentiment word (好慢, 超慢, 很烂, 太淡): the word, scaled.
  if (t.kind === 'cjk' && t.w.length >= 2) {
    for (const n of [2, 1]) {
      const deg = t.w.length > n ? ZH_DEGREE.get(t.w.slice(0, n)) : undefined;
      const rest = deg === undefined ? undefined : ZH_POLARITY.get(t.w.slice(n));
      if (rest !== undefined) return rest * deg!;
    }
  }
  // A trailing particle (太爽了, 好慢啊): the word without it.
  if (t.kind === 'cjk' && t.w.length >= 2 && PARTICLES.has(t.w[t.w.length - 1]!)) {
    const inner = polarity({ w: t.w.slice(0, -1), kind: 'cjk' });
    if (inner !== undefined) return inner;
  }
  // Unknown longer word: a known 2-character head or tail (好吃的 → 好吃, 太难吃 → 难吃).
  if (t.kind === 'cjk' && t.w.length >= 3) {
    return ZH_POLARITY.get(t.w.slice(-2)) ?? ZH_POLARITY.get(t.w.slice(0, 2));
  }
  return undefined;
}

/**
 * Aspects whose adjectives take their polarity from the noun (Chinese reviews say 性价比高 and
 * 价格高, 续航长 and 等待时间长): +1 where more is better, -1 where more is worse.
 */
const ASPECTS: ReadonlyMap<string, number> = new Map([
  ...'性价比 质量 品质 效率 续航 待机 分量 份量 空间 容量 内存 分辨率 评价 评分 性能 配置 寿命 销量 素质 档次 颜值 满意度 回头率'
    .split(' ')
    .map((w) => [w, 1] as const),
  ...'价格 价钱 价位 售价 费用 收费 房价 运费 噪音 噪声 故障率 油耗 耗电 功耗 辐射 误差 色差 气味 异味 等待 排队 延迟 失误 差价 溢价'
    .split(' ')
    .map((w) => [w, -1] as const),
]);
/** Direction of a scalar adjective: up (高, 大, 长, 多, 足, 强) or down. */
const SCALAR: ReadonlyMap<string, number> = new Map([
  ['高', 1],
  ['大', 1],
  ['长', 1],
  ['多', 1],
  ['足', 1],
  ['强', 1],
  ['低', -1],
  ['小', -1],
  ['短', -1],
  ['少', -1],
  ['弱', -1],
]);
const SCALAR_DEGREE: ReadonlyMap<string, number> = new Map([...ZH_DEGREE, ['偏', 1], ['较', 0.9]]);
const SCALAR_NEG = ['不是很', '不太', '没有', '不', '没'];
const ASPECT_SKIP = new Set(['的', '也', '都', '还', '真', '就', '时间', '速度', '比较', '相对', '实在']);

/**
 * Valence of a scalar adjective (很高, 太小, 不高, or 高 after a separate 很) from the aspect
 * noun up to four words before it in the clause (性价比很高 +, 价格偏高 −, 噪音很大 −,
 * 续航时间短 −); undefined when there is no such pair.
 */
function aspectPolarity(toks: ZhToken[], i: number): number | undefined {
  const t = toks[i];
  if (t?.kind !== 'cjk' || t.w.length > 4) return undefined;
  let w = t.w;
  let neg = 1;
  for (const p of SCALAR_NEG) {
    if (w.length > p.length && w.startsWith(p)) {
      neg = ZH_NEGATORS.get(p) ?? -0.8;
      w = w.slice(p.length);
      break;
    }
  }
  let deg = 1;
  if (w.length > 1) {
    for (const n of [2, 1]) {
      const d = w.length > n ? SCALAR_DEGREE.get(w.slice(0, n)) : undefined;
      if (d !== undefined) {
        deg = d;
        w = w.slice(n);
        break;
      }
    }
  }
  const dir = SCALAR.get(w);
  if (dir === undefined) return undefined;
  for (let j = i - 1; j >= 0 && j >= i - 4; j--) {
    const a = toks[j]!;
    if (a.kind !== 'cjk') return undefined;
    if (ASPECT_SKIP.has(a.w) || ZH_DEGREE.has(a.w) || ZH_NEGATORS.has(a.w)) continue;
    let sign = ASPECTS.get(a.w);
    if (sign === undefined && a.w.length > 2)
      sign = ASPECTS.get(a.w.slice(0, 2)) ?? ASPECTS.get(a.w.slice(-2));
    if (sign !== undefined) return 1.8 * sign * dir * deg * neg;
  }
  return undefined;
}

/**
 * Score tokens from `zhTokens`.
 *
 * @example
 * zhRuleScore(zhTokens('不高兴')).compound < 0 // true
 */
export function zhRuleScore(toks: ZhToken[], text = ''): ZhRuleScore {
  const n = toks.length;
  const vals = new Float64Array(n);
  let hits = 0;
  let negations = 0;
  let negScope = 0;
  let negFactor = 1;
  let degree = 1;
  let contrastAt = -1;
  for (let i = 0; i < n; i++) {
    const t = toks[i]!;
    if (t.kind === 'punct') {
      negScope = 0;
      degree = 1;
      continue;
    }
    if (t.kind === 'cjk' && ZH_CONTRAST.has(t.w)) {
      // 就是/只是/可 are contrast only at a clause start.
      if (!(t.w === '就是' || t.w === '只是' || t.w === '可') || i === 0 || toks[i - 1]!.kind === 'punct')
        contrastAt = i;
      negScope = 0;
      continue;
    }
    const neg = t.kind === 'cjk' ? ZH_NEGATORS.get(t.w) : undefined;
    if (neg !== undefined) {
      negations++;
      negScope = 3;
      negFactor = neg;
      continue;
    }
    const next = toks[i + 1];
    const deg = t.kind === 'cjk' ? ZH_DEGREE.get(t.w) : undefined;
    if (
      deg !== undefined &&
      next &&
      next.kind !== 'punct' &&
      (polarity(next) ?? aspectPolarity(toks, i + 1)) !== undefined
    ) {
      degree *= deg;
      continue;
    }
    // Words jieba splits that the lexicon has whole (踩/雷 → 踩雷, 拉/胯 → 拉胯).
    let v: number | undefined;
    if (next && next.kind === 'cjk' && t.kind === 'cjk') {
      v = ZH_POLARITY.get(t.w + next.w);
      if (v !== undefined) i++;
    }
    v ??= polarity(t) ?? aspectPolarity(toks, i);
    if (v === undefined || v === 0) {
      if (negScope > 0) negScope--;
      continue;
    }
    hits++;
    let x = v * degree;
    if (negScope > 0) {
      x *= negFactor;
      negScope = 0;
    }
    degree = 1;
    vals[i] = x;
  }
  if (contrastAt >= 0) {
    for (let i = 0; i < n; i++) {
      if (i < contrastAt) vals[i]! *= 0.5;
      else vals[i]! *= 1.5;
    }
  }
  let sum = 0;
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < n; i++) {
    const v = vals[i]!;
    sum += v;
    if (v > 0) pos += v;
    else neg += v;
  }
  if (sum !== 0 && text) {
    const excl = Math.min(4, (text.match(/[!！]/g) ?? []).length) * 0.2;
    sum += Math.sign(sum) * excl;
  }
  const compound = sum === 0 ? 0 : Math.max(-1, Math.min(1, sum / Math.sqrt(sum * sum + 15)));
  return { compound, pos, neg, hits, negations };
}
