import { createRequire } from 'node:module';
import type { Jieba } from '@node-rs/jieba';

/**
 * Text utilities shared by the pipeline, the query language and the classifiers.
 *
 * Why a lazily created segmenter: loading jieba's dictionary takes a few hundred ms and
 * ~50 MB; many commands (check-config, keys) never segment Chinese. The instance is a pure
 * cache of a read-only dictionary, so sharing it is safe.
 */
let jieba: Jieba | undefined;
function segmenter(): Jieba {
  if (!jieba) {
    const require = createRequire(import.meta.url);
    const { Jieba: JiebaCtor } = require('@node-rs/jieba') as typeof import('@node-rs/jieba');
    const { dict } = require('@node-rs/jieba/dict.js') as { dict: Uint8Array };
    jieba = JiebaCtor.withDict(dict);
  }
  return jieba;
}

/** Han, Hiragana, Katakana, Hangul: scripts written without spaces between words (Hangul uses spaces, but is segmented the same way here). */
export const CJK_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_RUN_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;

export function hasCJK(s: string): boolean {
  return CJK_RE.test(s);
}

/** Segment a run of CJK characters into words (jieba, HMM on for unknown words). */
export function segmentCJK(run: string): string[] {
  return segmenter().cut(run, true);
}

/** Fold text for matching: NFKC (full-width to ASCII, compatibility forms), lower-case. */
export function foldText(s: string): string {
  return s.normalize('NFKC').toLowerCase();
}

export type TokenKind = 'word' | 'cjk' | 'hashtag' | 'mention' | 'url' | 'num';

export interface Token {
  /** Folded (NFKC + lower-case) form. */
  t: string;
  kind: TokenKind;
  /** Start offset in the folded text. */
  start: number;
}

// url | #tag | @mention | word (letters/digits/marks with inner ' - . _) | CJK run
const TOKEN_RE =
  /(https?:\/\/[^\s<>"']+)|([#＃][\p{L}\p{N}_]+)|(@[\p{L}\p{N}_.]+[\p{L}\p{N}_])|([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+)|([\p{L}\p{N}\p{M}]+(?:['’\-_.][\p{L}\p{N}\p{M}]+)*)/gu;

/**
 * Tokenize folded text into words, CJK words (jieba), hashtags, @mentions, URLs, numbers.
 * Offsets refer to `foldText(input)`.
 *
 * @example
 * tokenize('Love #Acme 艾克米很好') // word love, hashtag #acme, cjk 艾克米, cjk 很, cjk 好
 */
export function tokenize(input: string, opts: { folded?: boolean } = {}): Token[] {
  const s = opts.folded ? input : foldText(input);
  const out: Token[] = [];
  for (const m of s.matchAll(TOKEN_RE)) {
    const start = m.index ?? 0;
    if (m[1]) out.push({ t: m[1], kind: 'url', start });
    else if (m[2]) out.push({ t: `#${m[2].slice(1)}`, kind: 'hashtag', start });
    else if (m[3]) out.push({ t: m[3], kind: 'mention', start });
    else if (m[4]) {
      let off = start;
      for (const w of segmentCJK(m[4])) {
        out.push({ t: w, kind: 'cjk', start: off });
        off += w.length;
      }
    } else if (m[5]) out.push({ t: m[5], kind: /^\p{N}+$/u.test(m[5]) ? 'num' : 'word', start });
  }
  return out;
}

/** CJK runs of a folded string, for character-level phrase matching. */
export function cjkRuns(s: string): string[] {
  return s.match(CJK_RUN_RE) ?? [];
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  '#39': "'",
};

/** Decode HTML entities (named basics and numeric). */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z][a-z0-9]*);/gi, (whole, e: string) => {
    if (e[0] === '#') {
      const cp =
        e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      return Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return ENTITIES[e.toLowerCase()] ?? whole;
  });
}

/**
 * HTML (or text that may contain markup) to plain text: tags dropped, block elements
 * become line breaks, entities decoded, whitespace collapsed, NFC. Cheap enough for the
 * ingest hot path; never executes or keeps markup.
 */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return collapse(html);
  const s = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|noscript|template)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6]|blockquote|tr|section|article)\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return collapse(decodeEntities(s));
}

function collapse(s: string): string {
  return s
    .normalize('NFC')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b\ufeff]/g, '')
    .replace(/[ \t\u00a0\u3000]+/g, ' ')
    .replace(/ *\n[\s]*/g, '\n')
    .trim();
}
