/**
 * Hashed sparse features and a multinomial logistic-regression model over them, shared by the
 * trainer (`classifiers/train/sentiment.ts`) and the classifiers.
 *
 * Why hashing: no vocabulary to ship or look up; a model is `classes × 2^bits` int16 weights
 * (base64 in JSON), ~1.5 MB for three classes at 18 bits, and scoring is one typed-array read
 * per feature.
 */

export interface SparseVec {
  idx: number[];
  val: number[];
}

export class FeatureSink implements SparseVec {
  idx: number[] = [];
  val: number[] = [];
  constructor(readonly mask: number) {}
  /** Add feature `s` (a string) with value `v`. */
  add(s: string, v = 1): void {
    this.idx.push(fnv1a(s) & this.mask);
    this.val.push(v);
  }
  /** Add a feature by its full 32-bit hash (as `fnv1a` of its name, e.g. from `fnvStep`). */
  addHash(h: number, v = 1): void {
    this.idx.push(h & this.mask);
    this.val.push(v);
  }
  /** Add the feature `tag + a + ' ' + b` (or `tag + a`) without building the string. */
  add2(tag: string, a: string, b?: string, v = 1): void {
    let h = fnvStep(FNV_OFFSET, tag);
    h = fnvStep(h, a);
    if (b !== undefined) {
      h = Math.imul(h ^ 32, 0x01000193) >>> 0;
      h = fnvStep(h, b);
    }
    this.idx.push(h & this.mask);
    this.val.push(v);
  }
  /** Character n-grams (n in [lo, hi]) of `s`, prefixed by `tag`. */
  chars(s: string, lo: number, hi: number, tag: string): void {
    const t = fnv1a(tag);
    if (!/[\ud800-\udfff]/.test(s)) {
      // No surrogate pairs: code units are characters (the common case, kept allocation-free).
      for (let n = lo; n <= hi; n++) {
        for (let i = 0; i + n <= s.length; i++) {
          let h = t;
          for (let k = i; k < i + n; k++) {
            h ^= s.charCodeAt(k);
            h = Math.imul(h, 0x01000193);
          }
          this.idx.push((h >>> 0) & this.mask);
          this.val.push(0.5);
        }
      }
      return;
    }
    this.charsSlow(s, lo, hi, t);
  }
  /**
   * `chars` over the UTF-16 code units `buf[0, len)` (no surrogates), `tagHash` = `fnv1a(tag)`:
   * the same features in the same order, without building the string.
   */
  charCodes(buf: Uint16Array, len: number, lo: number, hi: number, tagHash: number): void {
    for (let n = lo; n <= hi; n++) {
      for (let i = 0; i + n <= len; i++) {
        let h = tagHash;
        for (let k = i; k < i + n; k++) {
          h ^= buf[k]!;
          h = Math.imul(h, 0x01000193);
        }
        this.idx.push((h >>> 0) & this.mask);
        this.val.push(0.5);
      }
    }
  }
  /** `chars` by code points (the text has surrogate pairs). */
  private charsSlow(s: string, lo: number, hi: number, t: number): void {
    const cps = Array.from(s);
    for (let n = lo; n <= hi; n++) {
      for (let i = 0; i + n <= cps.length; i++) {
        let h = t;
        for (let k = i; k < i + n; k++) h = fnvStep(h, cps[k]!);
        this.idx.push(h & this.mask);
        this.val.push(0.5);
      }
    }
  }
}

export const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a continued from hash `h` over the UTF-16 code units of `s`: `fnvStep(fnv1a(a), b) === fnv1a(a + b)`. */
export function fnvStep(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a 32-bit over UTF-16 code units. */
export function fnv1a(s: string): number {
  return fnvStep(FNV_OFFSET, s);
}

/** Model file shape (JSON). */
export interface LinearModelFile {
  kind: 'hashed-logreg';
  version: number;
  bits: number;
  classes: string[];
  /** Int16 weights, class-major, base64. Real weight = int16 × scale. */
  weights: string;
  scale: number;
  bias: number[];
  /** Added to the logits at prediction time (neutral calibration). */
  offsets: number[];
  trainedOn: string[];
  notes?: string;
}

export interface LinearModel {
  bits: number;
  mask: number;
  classes: string[];
  /**
   * Feature-major in memory (`w[feature * K + class]`): the K weights of a feature share a cache
   * line, so scoring costs one cache miss per feature, not K. The file stays class-major.
   */
  w: Float32Array;
  bias: number[];
  offsets: number[];
}

export function loadLinear(f: LinearModelFile): LinearModel {
  const buf = Buffer.from(f.weights, 'base64');
  const q = new Int16Array(buf.buffer, buf.byteOffset, buf.byteLength / 2);
  const K = f.classes.length;
  const D = q.length / K;
  const w = new Float32Array(q.length);
  for (let k = 0; k < K; k++) for (let j = 0; j < D; j++) w[j * K + k] = q[k * D + j]! * f.scale;
  return { bits: f.bits, mask: (1 << f.bits) - 1, classes: f.classes, w, bias: f.bias, offsets: f.offsets };
}

export function saveLinear(
  m: LinearModel,
  meta: { trainedOn: string[]; notes?: string; version: number },
): LinearModelFile {
  let max = 0;
  for (const x of m.w) max = Math.max(max, Math.abs(x));
  const scale = max > 0 ? max / 32767 : 1;
  const q = new Int16Array(m.w.length);
  const K = m.classes.length;
  const D = m.w.length / K;
  for (let k = 0; k < K; k++) for (let j = 0; j < D; j++) q[k * D + j] = Math.round(m.w[j * K + k]! / scale);
  return {
    kind: 'hashed-logreg',
    version: meta.version,
    bits: m.bits,
    classes: m.classes,
    weights: Buffer.from(q.buffer, q.byteOffset, q.byteLength).toString('base64'),
    scale,
    bias: m.bias.map((b) => Number(b.toFixed(5))),
    offsets: m.offsets.map((b) => Number(b.toFixed(5))),
    trainedOn: meta.trainedOn,
    ...(meta.notes ? { notes: meta.notes } : {}),
  };
}

/** Class probabilities (softmax of logits + offsets). */
export function predictProba(
  m: LinearModel,
  x: SparseVec,
  out = new Float64Array(m.classes.length),
): Float64Array {
  const K = m.classes.length;
  for (let k = 0; k < K; k++) out[k] = m.bias[k]! + (m.offsets[k] ?? 0);
  const w = m.w;
  if (K === 2 || K === 3) {
    // Unrolled for the shipped models (2 and 3 classes).
    let z0 = out[0]!;
    let z1 = out[1]!;
    let z2 = K === 3 ? out[2]! : 0;
    for (let j = 0; j < x.idx.length; j++) {
      const a = x.idx[j]! * K;
      const v = x.val[j]!;
      z0 += w[a]! * v;
      z1 += w[a + 1]! * v;
      if (K === 3) z2 += w[a + 2]! * v;
    }
    out[0] = z0;
    out[1] = z1;
    if (K === 3) out[2] = z2;
  } else {
    for (let j = 0; j < x.idx.length; j++) {
      const a = x.idx[j]! * K;
      const v = x.val[j]!;
      for (let k = 0; k < K; k++) out[k]! += w[a + k]! * v;
    }
  }
  let max = -Infinity;
  for (let k = 0; k < K; k++) if (out[k]! > max) max = out[k]!;
  let sum = 0;
  for (let k = 0; k < K; k++) {
    out[k] = Math.exp(out[k]! - max);
    sum += out[k]!;
  }
  for (let k = 0; k < K; k++) out[k]! /= sum;
  return out;
}

/** Deterministic PRNG (mulberry32) for shuffling. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Train multinomial logistic regression with AdaGrad and L2 (applied on touched weights).
 * Deterministic for a given seed and input order.
 */
export function trainLinear(
  xs: SparseVec[],
  ys: number[],
  opts: {
    bits: number;
    classes: string[];
    epochs?: number;
    lr?: number;
    l2?: number;
    seed?: number;
    sampleWeight?: number[];
    /** Average the weights of the last `average` epochs. */
    average?: number;
  },
): LinearModel {
  const K = opts.classes.length;
  const D = 1 << opts.bits;
  const w = new Float32Array(K * D);
  const g2 = new Float32Array(K * D);
  const bias = new Array<number>(K).fill(0);
  const bg2 = new Array<number>(K).fill(0);
  const lr = opts.lr ?? 0.2;
  const l2 = opts.l2 ?? 1e-6;
  const epochs = opts.epochs ?? 10;
  const rnd = mulberry32(opts.seed ?? 1);
  const order = xs.map((_, i) => i);
  const m: LinearModel = {
    bits: opts.bits,
    mask: D - 1,
    classes: opts.classes,
    w,
    bias,
    offsets: new Array(K).fill(0),
  };
  const p = new Float64Array(K);
  // Optional averaging of the per-epoch weights (less variance on small data).
  const avg = opts.average ? new Float32Array(K * D) : undefined;
  const avgBias = new Array<number>(K).fill(0);
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order) {
      const x = xs[i]!;
      const sw = opts.sampleWeight?.[i] ?? 1;
      predictProba(m, x, p);
      for (let k = 0; k < K; k++) {
        const g = (p[k]! - (ys[i] === k ? 1 : 0)) * sw;
        if (g === 0) continue;
        bg2[k]! += g * g;
        bias[k]! -= (lr * g) / Math.sqrt(bg2[k]! + 1e-8);
        for (let j = 0; j < x.idx.length; j++) {
          const a = x.idx[j]! * K + k;
          const gj = g * x.val[j]! + l2 * w[a]!;
          g2[a]! += gj * gj;
          w[a]! -= (lr * gj) / Math.sqrt(g2[a]! + 1e-8);
        }
      }
    }
    if (avg && e >= epochs - opts.average!) {
      for (let a = 0; a < w.length; a++) avg[a]! += w[a]!;
      for (let k = 0; k < K; k++) avgBias[k]! += bias[k]!;
    }
  }
  if (avg) {
    for (let a = 0; a < w.length; a++) w[a] = avg[a]! / opts.average!;
    for (let k = 0; k < K; k++) bias[k] = avgBias[k]! / opts.average!;
  }
  return m;
}
