import { CJK_RE, foldText } from '../../src/text.ts';

/**
 * Keyword and phrase matching for the lexicon classifiers (topics, crisis, spam), in any
 * language, on folded text (NFKC + lower-case, so full-width ＡＣＭＥ and Acme match alike).
 *
 * - Terms with a CJK character match as substrings: Chinese and Japanese have no spaces.
 * - Other terms match whole words (`app` does not match `appreciate`); the words of a phrase
 *   may be separated by up to three spaces or punctuation marks (`e. coli` matches `e.coli`);
 *   a trailing `*` matches any word ending (`boycott*` matches `#boycottacme`, `boycotting`).
 *   CJK characters count as word boundaries: `Acme的recall`, `315晚会` match.
 *
 * Why not one big alternation regex: with a few hundred terms and word-boundary lookarounds,
 * V8 tries every alternative at every offset (a few hundred posts per second). Here a post is
 * split into words once and each word is one Map lookup; CJK terms are found by first
 * character. Matches do not overlap; the longest term at a position wins.
 */
export interface LexiconEntry<M> {
  term: string;
  meta: M;
}

export interface LexiconHit<M> {
  term: string;
  meta: M;
  /** Offset in the folded text. */
  index: number;
  end: number;
}

export interface Lexicon<M> {
  size: number;
  match(folded: string): LexiconHit<M>[];
}

// Letters, digits and marks of any script but the CJK ones, with inner apostrophes (don't).
// Class subtraction (`v` flag) is a third faster than a per-character lookahead; built with
// `new RegExp` because the flag is newer than the TypeScript target.
const NOT_CJK_WORD_CHAR =
  '[[\\p{L}\\p{N}\\p{M}]--[\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Hangul}]]';
const WORD_RE = new RegExp(`${NOT_CJK_WORD_CHAR}+(?:['’]${NOT_CJK_WORD_CHAR}+)*`, 'gv');
const PHRASE_GAP_RE = /^[^\n\p{L}\p{N}]{1,3}$/u;

/**
 * Could `s` hold a word for `words`? A cheap scan first: text of CJK characters, punctuation and
 * emoji only (most Chinese posts) skips the word pass. Characters from U+00C0 to U+2E7F count as
 * possible letters (a few symbols there only cost the word pass).
 */
function hasWordChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 0xc0 && c < 0x2e80))
      return true;
  }
  return false;
}

interface Word {
  w: string;
  start: number;
  end: number;
}

function words(s: string): Word[] {
  const out: Word[] = [];
  // exec with lastIndex: no iterator (this runs on every post, for crisis and sentiment).
  WORD_RE.lastIndex = 0;
  for (let m = WORD_RE.exec(s); m !== null; m = WORD_RE.exec(s)) {
    const w = m[0];
    out.push({ w: w.includes('’') ? w.replaceAll('’', "'") : w, start: m.index, end: m.index + w.length });
  }
  return out;
}

interface WordTerm<M> {
  e: LexiconEntry<M>;
  /** Words after the first. */
  rest: string[];
  /** The last word is a prefix. */
  wild: boolean;
}

/**
 * Compile entries into a matcher. Later duplicates of a term are ignored.
 *
 * @example
 * const lex = compileLexicon([{ term: 'recall*', meta: 'recall' }, { term: '召回', meta: 'recall' }]);
 * lex.match(foldText('Acme 召回 kettles')) // [{ term: '召回', meta: 'recall', index: 5, end: 7 }]
 */
export function compileLexicon<M>(entries: readonly LexiconEntry<M>[]): Lexicon<M> {
  const seen = new Set<string>();
  // Word terms by first word (exact) and by first-word stem (wildcard one-word terms).
  const byFirst = new Map<string, WordTerm<M>[]>();
  const byStem = new Map<string, WordTerm<M>[]>();
  // CJK (substring) terms by their first two code units (one-character terms by their one),
  // longest first.
  const bySubFirst = new Map<string, { e: LexiconEntry<M>; sub: string }[]>();
  const bySubPair = new Map<number, { e: LexiconEntry<M>; sub: string }[]>();
  const bySubOne = new Map<number, { e: LexiconEntry<M>; sub: string }[]>();
  // Wildcard stems by their first 3 characters (longest stem first), shorter stems apart: a word
  // is checked against the few stems that share its head, not looked up once per prefix length.
  const stemsByHead = new Map<string, { stem: string; t: WordTerm<M> }[]>();
  const shortStems: { stem: string; t: WordTerm<M> }[] = [];
  for (const raw of entries) {
    const term = foldText(raw.term.trim());
    if (!term || term === '*' || seen.has(term)) continue;
    seen.add(term);
    const e = { term, meta: raw.meta };
    if (CJK_RE.test(term)) {
      const sub = term.replace(/\s+/g, '').replace(/\*$/, '');
      const list = bySubFirst.get(sub[0]!) ?? [];
      list.push({ e, sub });
      bySubFirst.set(sub[0]!, list);
      const map = sub.length >= 2 ? bySubPair : bySubOne;
      const k = sub.length >= 2 ? sub.charCodeAt(0) * 65536 + sub.charCodeAt(1) : sub.charCodeAt(0);
      const l2 = map.get(k) ?? [];
      l2.push({ e, sub });
      l2.sort((x, y) => y.sub.length - x.sub.length);
      map.set(k, l2);
      continue;
    }
    const wild = term.endsWith('*');
    const ws = words(wild ? term.slice(0, -1) : term).map((w) => w.w);
    if (ws.length === 0) continue;
    const wt: WordTerm<M> = { e, rest: ws.slice(1), wild };
    const map = wild && ws.length === 1 ? byStem : byFirst;
    const key = ws[0]!;
    if (map === byStem && !byStem.has(key)) {
      const list = key.length >= 3 ? (stemsByHead.get(key.slice(0, 3)) ?? []) : shortStems;
      list.push({ stem: key, t: wt });
      list.sort((x, y) => y.stem.length - x.stem.length);
      if (key.length >= 3) stemsByHead.set(key.slice(0, 3), list);
    }
    const list = map.get(key) ?? [];
    list.push(wt);
    list.sort((x, y) => y.rest.length - x.rest.length);
    map.set(key, list);
  }
  const size = seen.size;
  if (size === 0) return { size, match: () => [] };
  // Substring terms all start with a CJK character (or some start below U+2E80): texts are
  // scanned only at characters a term can start with.
  const lowStart = [...bySubFirst.keys()].some((k) => k.charCodeAt(0) < 0x2e80);

  const matchWords = (s: string, ws: Word[], i: number, t: WordTerm<M>): number => {
    // Returns the index of the last word matched, or -1.
    let j = i;
    for (let k = 0; k < t.rest.length; k++) {
      const next = ws[j + 1];
      if (!next) return -1;
      const want = t.rest[k]!;
      const last = k === t.rest.length - 1;
      // The word first (cheap), then the gap between the words.
      if (last && t.wild ? !next.w.startsWith(want) : next.w !== want) return -1;
      const gap = next.start - ws[j]!.end;
      if (gap < 1 || gap > 3 || !PHRASE_GAP_RE.test(s.slice(ws[j]!.end, next.start))) return -1;
      j++;
    }
    return j;
  };

  return {
    size,
    match(s) {
      const hits: LexiconHit<M>[] = [];
      if ((byFirst.size || byStem.size) && hasWordChar(s)) {
        const ws = words(s);
        for (let i = 0; i < ws.length; i++) {
          const w = ws[i]!;
          let found: { t: WordTerm<M>; j: number } | undefined;
          // Longest phrase first (lists are sorted by length).
          for (const t of byFirst.get(w.w) ?? []) {
            const j = t.rest.length === 0 ? i : matchWords(s, ws, i, t);
            if (j >= 0) {
              found = { t, j };
              break;
            }
          }
          if (!found && byStem.size) {
            for (const c of stemsByHead.get(w.w.slice(0, 3)) ?? [])
              if (w.w.startsWith(c.stem)) {
                found = { t: c.t, j: i };
                break;
              }
            if (!found)
              for (const c of shortStems)
                if (w.w.startsWith(c.stem)) {
                  found = { t: c.t, j: i };
                  break;
                }
          }
          if (found) {
            hits.push({ term: found.t.e.term, meta: found.t.e.meta, index: w.start, end: ws[found.j]!.end });
            i = found.j;
          }
        }
      }
      if (bySubFirst.size) {
        for (let i = 0; i < s.length; i++) {
          const c0 = s.charCodeAt(i);
          if (!lowStart && c0 < 0x2e80) continue;
          let hit: { e: LexiconEntry<M>; sub: string } | undefined;
          for (const c of bySubPair.get(c0 * 65536 + s.charCodeAt(i + 1)) ?? [])
            if (s.startsWith(c.sub, i)) {
              hit = c;
              break;
            }
          hit ??= bySubOne.get(c0)?.[0];
          if (hit) {
            hits.push({ term: hit.e.term, meta: hit.e.meta, index: i, end: i + hit.sub.length });
            i += hit.sub.length - 1;
          }
        }
      }
      return hits.length > 1 ? hits.sort((a, b) => a.index - b.index) : hits;
    },
  };
}

/**
 * Negation cues, checked in a short window before a hit and stopped by clause punctuation.
 * Chinese cues are written as the character sequences that negate an event (没有中毒, 并未召回,
 * 不是骗局); a bare 不 is left out on purpose: 不退款 / 不给赔偿 are complaints, not denials.
 */
const NEG_LATIN = new Set([
  'no',
  'not',
  'never',
  'without',
  'nothing',
  'zero',
  "isn't",
  "wasn't",
  "aren't",
  "weren't",
  "don't",
  "doesn't",
  "didn't",
  "won't",
  "hasn't",
  "haven't",
  "hadn't",
  'isnt',
  'wasnt',
  'dont',
  'doesnt',
  'didnt',
  'hasnt',
  'nor',
  'false',
  'debunked',
  'rumor',
  'rumour',
  // es / fr / de / pt
  'sin',
  'nunca',
  'pas',
  'jamais',
  'aucun',
  'aucune',
  'sans',
  'nicht',
  'kein',
  'keine',
  'keinen',
  'nie',
  'ohne',
  'não',
  'nem',
  'sem',
]);
// Not 无 (无良商家 is an accusation), not a bare 未 (未成年), not 别 (别买 is a call to boycott).
const NEG_CJK = [
  '没有',
  '没',
  '沒有',
  '沒',
  '并未',
  '並未',
  '尚未',
  '未曾',
  '未发现',
  '未發現',
  '并无',
  '並無',
  '无任何',
  '并非',
  '並非',
  '不是',
  '不存在',
  '辟谣',
  '闢謠',
  '谣言',
  '謠言',
  '不会',
  '不會',
];
const CLAUSE_RE = /[.!?;。！？；,，、\n]|\bbut\b|\bhowever\b|但是|但|可是|不过/gu;

/**
 * Is the hit at `index` negated? Looks back up to `words` Latin words or `chars` CJK characters
 * within the same clause.
 *
 * @example
 * isNegated('there was no recall', 12) // true
 * isNegated('没有中毒', 2) // true
 */
export function isNegated(
  folded: string,
  index: number,
  opts: { words?: number; chars?: number } = {},
): boolean {
  const words = opts.words ?? 3;
  const chars = opts.chars ?? 4;
  let start = Math.max(0, index - 60);
  const before = folded.slice(start, index);
  let clauseStart = 0;
  for (const m of before.matchAll(CLAUSE_RE)) clauseStart = (m.index ?? 0) + m[0].length;
  start += clauseStart;
  const window = folded.slice(start, index);
  if (!window) return false;
  const tail = window.slice(-chars - 2);
  if (NEG_CJK.some((n) => tail.includes(n))) return true;
  const ws = window
    .split(/[^\p{L}'’]+/u)
    .filter(Boolean)
    .slice(-words);
  return ws.some((w) => NEG_LATIN.has(w.replaceAll('’', "'")));
}
