import { foldText } from '../../src/text.ts';

/**
 * Keyword and phrase matching for the lexicon classifiers (topics, crisis, spam), in any
 * language, on folded text (NFKC + lower-case, so full-width ＡＣＭＥ and Acme match alike).
 *
 * - Terms with CJK characters match as substrings: Chinese and Japanese have no spaces.
 * - Other terms match whole words; spaces inside a term match any run of spaces or
 *   punctuation-free gaps (`data breach` matches `data  breach`); a trailing `*` matches any word
 *   ending (`boycott*` matches `#boycottacme`, `boycotting`).
 *
 * All terms of one lexicon compile into one regular expression, so a post is scanned once.
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

const CJK_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const WORD_CHAR =
  '[\\p{Script=Latin}\\p{Script=Cyrillic}\\p{Script=Greek}\\p{Script=Arabic}\\p{Script=Hebrew}\\p{Script=Thai}\\p{Script=Devanagari}\\p{M}\\p{Nd}_]';
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function pattern(term: string): string {
  const wild = term.endsWith('*');
  const body = wild ? term.slice(0, -1) : term;
  if (CJK_RE.test(body)) return escapeRe(body).replace(/\s+/g, '\\s*');
  const core = escapeRe(body).replace(/\s+/g, '[\\s\\-_]+');
  // Word boundaries that understand non-ASCII letters (\b does not under /u). CJK characters
  // are not boundaries' enemies: `Acme的recall`, `315晚会` still match.
  return `(?<!${WORD_CHAR})${core}${wild ? `${WORD_CHAR}*` : `(?!${WORD_CHAR})`}`;
}

/**
 * Compile entries into a matcher. Later duplicates of a term are ignored.
 *
 * @example
 * const lex = compileLexicon([{ term: 'recall*', meta: 'recall' }, { term: '召回', meta: 'recall' }]);
 * lex.match(foldText('Acme 召回 kettles')) // [{ term: '召回', meta: 'recall', index: 5, end: 7 }]
 */
export function compileLexicon<M>(entries: readonly LexiconEntry<M>[]): Lexicon<M> {
  const byTerm = new Map<string, LexiconEntry<M>>();
  for (const e of entries) {
    const term = foldText(e.term.trim());
    if (term && term !== '*' && !byTerm.has(term)) byTerm.set(term, { term, meta: e.meta });
  }
  const list = [...byTerm.values()].sort((a, b) => b.term.length - a.term.length);
  if (list.length === 0) return { size: 0, match: () => [] };
  // One capture group per term would make V8 slow with hundreds of terms; instead match the
  // alternation and look the matched text up (exact terms) or test the wildcard stems in order.
  const exact = new Map<string, LexiconEntry<M>>();
  const stems: { stem: string; e: LexiconEntry<M> }[] = [];
  for (const e of list) {
    if (e.term.endsWith('*')) stems.push({ stem: e.term.slice(0, -1), e });
    else exact.set(e.term.replace(/\s+/g, ' '), e);
  }
  const re = new RegExp(list.map((e) => pattern(e.term)).join('|'), 'gu');
  return {
    size: list.length,
    match(folded) {
      const hits: LexiconHit<M>[] = [];
      for (const m of folded.matchAll(re)) {
        const text = m[0];
        const key = text.replace(/[\s\-_]+/g, ' ');
        const e = exact.get(key) ?? exact.get(text) ?? stems.find((s) => text.startsWith(s.stem))?.e;
        if (!e) continue;
        hits.push({ term: e.term, meta: e.meta, index: m.index ?? 0, end: (m.index ?? 0) + text.length });
      }
      return hits;
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
