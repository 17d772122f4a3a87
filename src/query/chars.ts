/**
 * Character classes and the one normalisation shared by query terms and documents.
 *
 * Why a normalised string instead of token lists: every text operand (a word, a phrase, a
 * Chinese substring, a mixed phrase) becomes a single `indexOf` on one string per document,
 * which is what keeps matching at hundreds of thousands of evaluations per second. The
 * normalised form of folded text is its runs of word characters, split where the script
 * changes between CJK and anything else, joined by single spaces:
 *
 *   "Acme's 艾克米手机, e-mail!"  ->  "acme s 艾克米手机 e mail"
 *
 * so an alphabetic word is always bounded by spaces (whole-token matching) while a CJK
 * substring can be found anywhere inside its run.
 */

/** Letters, digits, combining marks and `_`: the characters a word is made of. */
export const WORD_RUN_RE = /[\p{L}\p{N}\p{M}_]+/gu;
export const WORD_CHAR_RE = /[\p{L}\p{N}\p{M}_]/u;

// Script_Extensions, not Script: the Katakana prolonged sound mark "ー" is Script=Common.
const CJK_CLASS = '\\p{scx=Han}\\p{scx=Hira}\\p{scx=Kana}\\p{scx=Hang}';
/** One CJK character (Han, Hiragana, Katakana, Hangul), written without spaces between words. */
export const CJK_CHAR_RE = new RegExp(`[${CJK_CLASS}]`, 'u');
/** Splits a word run into CJK and non-CJK segments: group 1 is CJK, group 2 is not. */
export const SCRIPT_SEGMENT_RE = new RegExp(`([${CJK_CLASS}]+)|([^${CJK_CLASS}]+)`, 'gu');

export function isCjk(ch: string | undefined): boolean {
  return ch !== undefined && CJK_CHAR_RE.test(ch);
}

export function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR_RE.test(ch);
}

/** Segments of one word run, in order, with whether each is CJK. */
export function scriptSegments(run: string): { seg: string; cjk: boolean }[] {
  if (!CJK_CHAR_RE.test(run)) return [{ seg: run, cjk: false }];
  const out: { seg: string; cjk: boolean }[] = [];
  for (const m of run.matchAll(SCRIPT_SEGMENT_RE)) {
    if (m[1]) out.push({ seg: m[1], cjk: true });
    else if (m[2]) out.push({ seg: m[2], cjk: false });
  }
  return out;
}

/** Normalised form of already folded text (see the module comment); '' when it has no word characters. */
export function normalizeFolded(folded: string): string {
  const parts: string[] = [];
  for (const m of folded.matchAll(WORD_RUN_RE)) {
    for (const { seg } of scriptSegments(m[0])) parts.push(seg);
  }
  return parts.join(' ');
}

/**
 * The string to look for in a document's normalised text. An alphabetic edge gets a space
 * (whole-token match); a CJK edge does not (substring match inside a CJK run).
 */
export function needleOf(body: string, opts: { prefix?: boolean } = {}): { needle: string; lead: number } {
  const first = body.codePointAt(0);
  const lastUnit = body.charCodeAt(body.length - 1);
  // Step back over a surrogate pair so an astral CJK character (Extension B) is seen whole.
  const last = lastUnit >= 0xdc00 && lastUnit <= 0xdfff ? body.codePointAt(body.length - 2) : lastUnit;
  const lead = first !== undefined && isCjk(String.fromCodePoint(first)) ? 0 : 1;
  const trail = opts.prefix || (last !== undefined && isCjk(String.fromCodePoint(last))) ? '' : ' ';
  return { needle: `${lead ? ' ' : ''}${body}${trail}`, lead };
}
