import { cjkRuns, type Token } from '../text.ts';

/**
 * 64-bit SimHash (Charikar) over token features, for near-duplicate detection of reposts
 * and syndicated copies. Features: Latin word unigrams and bigrams, and CJK character
 * bigrams (robust to segmentation differences). URLs, @mentions and "RT" are left out, since
 * syndications differ exactly there. The hash is two uint32 halves (no BigInt on the hot path).
 */
export interface SimHash {
  hi: number;
  lo: number;
}

/** Below this many features, texts are too short for SimHash to mean anything. */
export const MIN_FEATURES = 8;

function fnv1a(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix32)
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Repost markers that syndications add and originals lack ("RT" is dropped with the tokens). */
const REPOST_RUNS = new Set(['转发', '转发微博', '转', '转载', '分享', '回复']);

export function features(tokens: readonly Token[], folded: string): string[] {
  const words = tokens
    .filter((t) => (t.kind === 'word' || t.kind === 'num' || t.kind === 'hashtag') && t.t !== 'rt')
    .map((t) => t.t);
  const out: string[] = [...words];
  for (let i = 1; i < words.length; i++) out.push(`${words[i - 1]} ${words[i]}`);
  for (const run of cjkRuns(folded)) {
    if (REPOST_RUNS.has(run)) continue;
    if (run.length === 1) out.push(run);
    for (let i = 1; i < run.length; i++) out.push(run.slice(i - 1, i + 1));
  }
  return out;
}

export function simhash(feats: readonly string[]): SimHash | null {
  if (feats.length < MIN_FEATURES) return null;
  const v = new Int32Array(64);
  for (const f of feats) {
    const a = fnv1a(f, 0x811c9dc5);
    const b = fnv1a(f, 0x9747b28c);
    for (let i = 0; i < 32; i++) {
      v[i]! += (a >>> i) & 1 ? 1 : -1;
      v[i + 32]! += (b >>> i) & 1 ? 1 : -1;
    }
  }
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) {
    if (v[i]! > 0) hi |= 1 << i;
    if (v[i + 32]! > 0) lo |= 1 << i;
  }
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

function popcount(x: number): number {
  let n = x >>> 0;
  n -= (n >>> 1) & 0x55555555;
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function hamming(a: SimHash, b: SimHash): number {
  return popcount(a.hi ^ b.hi) + popcount(a.lo ^ b.lo);
}

/** Four 16-bit bands: two hashes within distance 3 share at least one band exactly (pigeonhole). */
export function bands(h: SimHash): [number, number, number, number] {
  return [h.hi >>> 16, h.hi & 0xffff, h.lo >>> 16, h.lo & 0xffff];
}

export function toHex(h: SimHash): string {
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}

export function fromHex(s: string): SimHash {
  return { hi: Number.parseInt(s.slice(0, 8), 16) >>> 0, lo: Number.parseInt(s.slice(8, 16), 16) >>> 0 };
}
