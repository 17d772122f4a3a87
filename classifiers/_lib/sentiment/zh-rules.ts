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
  // One pass of the (shared, global) regex: `matchAll` would clone it on every call.
  const ms: RegExpExecArray[] = [];
  const runs: string[] = [];
  ZH_SPLIT_RE.lastIndex = 0;
  for (let m = ZH_SPLIT_RE.exec(folded); m !== null; m = ZH_SPLIT_RE.exec(folded)) {
    ms.push(m);
    if (m[2]) runs.push(m[2]);
  }
  // One jieba call per text, not per Han run (the native call dominates on short runs): runs
  // joined by spaces, which jieba never segments across, so the words are the same.
  const words = runs.length === 0 ? [] : segmentCJK(runs.length === 1 ? runs[0]! : runs.join(' '));
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
/** The particles as UTF-16 code units (each is one), tested without slicing the word. */
const PARTICLE_CODES = new Set([...PARTICLES].map((p) => p.charCodeAt(0)));

const NEG_PREFIXES = ['不太', '没有', '不是', '不', '没', '无', '未', '非', '别'];

/**
 * Cheap filters for `cjkPolarity`, built once from the lexicon: a word can only match a
 * negator-prefix, degree-prefix or two-character-lexicon rule when its first (or, for a
 * two-character tail, its second-to-last) code unit starts such an entry. They skip lookups that
 * cannot succeed, so the answers are the same as without them.
 */
const NEG_PREFIX_FIRST = new Set(NEG_PREFIXES.map((p) => p.charCodeAt(0)));
const DEGREE_FIRST = new Set([...ZH_DEGREE.keys()].map((k) => k.charCodeAt(0)));
const POLARITY2_FIRST = new Set(
  [...ZH_POLARITY.keys()].filter((k) => k.length === 2).map((k) => k.charCodeAt(0)),
);

/**
 * What the scorer asks of a word, in one map lookup instead of four: its polarity, negator and
 * degree values, whether it is a contrast word, and whether it starts a longer lexicon entry (so
 * that it and the next word may form one: 踩/雷 → 踩雷).
 */
interface WordInfo {
  pol: number | undefined;
  neg: number | undefined;
  deg: number | undefined;
  contrast: boolean;
  head: boolean;
}
const WORDS: ReadonlyMap<string, WordInfo> = (() => {
  const m = new Map<string, WordInfo>();
  const info = (w: string): WordInfo => {
    let i = m.get(w);
    if (!i) {
      i = {
        pol: ZH_POLARITY.get(w),
        neg: ZH_NEGATORS.get(w),
        deg: ZH_DEGREE.get(w),
        contrast: ZH_CONTRAST.has(w),
        head: false,
      };
      m.set(w, i);
    }
    return i;
  };
  for (const w of [...ZH_POLARITY.keys(), ...ZH_NEGATORS.keys(), ...ZH_DEGREE.keys(), ...ZH_CONTRAST])
    info(w);
  for (const w of ZH_POLARITY.keys()) for (let k = 1; k < w.length; k++) info(w.slice(0, k)).head = true;
  return m;
})();

function polarity(t: ZhToken): number | undefined {
  if (t.kind === 'cjk') return cjkPolarity(t.w, WORDS.get(t.w));
  if (t.kind === 'code') return WEIBO_CODES.get(t.w) ?? ZH_POLARITY.get(t.w);
  if (t.kind === 'emoji') return EN_EMOJI[t.w];
  if (t.kind === 'punct') return undefined;
  return ZH_POLARITY.get(t.w);
}

/** Polarity of a jieba word `w` (`info` = `WORDS.get(w)`). */
function cjkPolarity(w: string, info: WordInfo | undefined): number | undefined {
  const v = info?.pol;
  if (v !== undefined) return v;
  const len = w.length;
  if (len < 2) return undefined;
  const c0 = w.charCodeAt(0);
  // jieba keeps some negated words whole (不高兴, 没意思 is in the lexicon): negator + known word.
  if (NEG_PREFIX_FIRST.has(c0)) {
    for (const p of NEG_PREFIXES) {
      if (len > p.length && w.startsWith(p)) {
        const rest = ZH_POLARITY.get(w.slice(p.length));
        if (rest !== undefined) return rest * (ZH_NEGATORS.get(p) ?? -0.8);
      }
    }
  }
  // Degree adverb glued to a sentiment word (好慢, 超慢, 很烂, 太淡): the word, scaled.
  if (DEGREE_FIRST.has(c0)) {
    for (const n of [2, 1]) {
      const deg = len > n ? ZH_DEGREE.get(w.slice(0, n)) : undefined;
      const rest = deg === undefined ? undefined : ZH_POLARITY.get(w.slice(n));
      if (rest !== undefined) return rest * deg!;
    }
  }
  // A trailing particle (太爽了, 好慢啊): the word without it.
  if (PARTICLE_CODES.has(w.charCodeAt(len - 1))) {
    const inner = w.slice(0, -1);
    const iv = cjkPolarity(inner, WORDS.get(inner));
    if (iv !== undefined) return iv;
  }
  // Unknown longer word: a known 2-character head or tail (好吃的 → 好吃, 太难吃 → 难吃).
  if (len >= 3) {
    const tail = POLARITY2_FIRST.has(w.charCodeAt(len - 2)) ? ZH_POLARITY.get(w.slice(-2)) : undefined;
    return tail ?? (POLARITY2_FIRST.has(c0) ? ZH_POLARITY.get(w.slice(0, 2)) : undefined);
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
/** Last code unit of a scalar adjective: `aspectPolarity` needs the word to end in one. */
const SCALAR_LAST = new Set([...SCALAR.keys()].map((k) => k.charCodeAt(k.length - 1)));
const ASPECT_SKIP = new Set(['的', '也', '都', '还', '真', '就', '时间', '速度', '比较', '相对', '实在']);

/**
 * Valence of a scalar adjective (很高, 太小, 不高, or 高 after a separate 很) from the aspect
 * noun up to four words before it in the clause (性价比很高 +, 价格偏高 −, 噪音很大 −,
 * 续航时间短 −); undefined when there is no such pair.
 */
function aspectPolarity(toks: ZhToken[], i: number): number | undefined {
  const t = toks[i];
  if (t?.kind !== 'cjk' || t.w.length > 4) return undefined;
  // The word must end in a scalar adjective (only prefixes are stripped below).
  if (!SCALAR_LAST.has(t.w.charCodeAt(t.w.length - 1))) return undefined;
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
  // The lexicon entry of the current and of the next token (one lookup per CJK token), and the
  // value of `polarity ?? aspectPolarity` for token `memoAt` when a degree word already asked.
  let info = toks[0]?.kind === 'cjk' ? WORDS.get(toks[0].w) : undefined;
  let memoAt = -1;
  let memo: number | undefined;
  for (let i = 0; i < n; i++) {
    const t = toks[i]!;
    const next = toks[i + 1];
    const nextInfo = next?.kind === 'cjk' ? WORDS.get(next.w) : undefined;
    const cur = info;
    info = nextInfo;
    if (t.kind === 'punct') {
      negScope = 0;
      degree = 1;
      continue;
    }
    if (cur?.contrast) {
      // 就是/只是/可 are contrast only at a clause start.
      if (!(t.w === '就是' || t.w === '只是' || t.w === '可') || i === 0 || toks[i - 1]!.kind === 'punct')
        contrastAt = i;
      negScope = 0;
      continue;
    }
    const neg = cur?.neg;
    if (neg !== undefined) {
      negations++;
      negScope = 3;
      negFactor = neg;
      continue;
    }
    const deg = cur?.deg;
    if (deg !== undefined && next && next.kind !== 'punct') {
      memoAt = i + 1;
      memo =
        (next.kind === 'cjk' ? cjkPolarity(next.w, nextInfo) : polarity(next)) ?? aspectPolarity(toks, i + 1);
      if (memo !== undefined) {
        degree *= deg;
        continue;
      }
    }
    // Words jieba splits that the lexicon has whole (踩/雷 → 踩雷, 拉/胯 → 拉胯).
    let v: number | undefined;
    if (cur?.head && next && next.kind === 'cjk') {
      v = ZH_POLARITY.get(t.w + next.w);
      if (v !== undefined) {
        i++;
        info = toks[i + 1]?.kind === 'cjk' ? WORDS.get(toks[i + 1]!.w) : undefined;
      }
    }
    if (v === undefined) {
      if (memoAt === i) v = memo;
      else v = (t.kind === 'cjk' ? cjkPolarity(t.w, cur) : polarity(t)) ?? aspectPolarity(toks, i);
    }
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
    let marks = 0;
    for (let i = 0; i < text.length && marks < 4; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x21 || c === 0xff01) marks++;
    }
    const excl = marks * 0.2;
    sum += Math.sign(sum) * excl;
  }
  const compound = sum === 0 ? 0 : Math.max(-1, Math.min(1, sum / Math.sqrt(sum * sum + 15)));
  return { compound, pos, neg, hits, negations };
}
