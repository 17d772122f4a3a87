import { readFileSync } from 'node:fs';

/**
 * Rule-based English valence, VADER-style (Hutto & Gilbert, ICWSM 2014) with extras for social
 * text. The valence lexicon is VADER's (MIT, C.J. Hutto), converted into
 * `classifiers/models/sentiment-en-lexicon.json` by `npm run train:sentiment`, plus the slang
 * and emoji entries below.
 *
 * Per word: lexicon valence, scaled by preceding boosters/dampeners (`very`, `kinda`), ALL-CAPS
 * emphasis in mixed-case text, flipped and damped by a negation within the three preceding
 * words (`not`, `never`, `-n't`, `without`), weighted by contrast (`but`, `however`: the clause
 * before counts half, the one after 1.5×; a `though`/`although` clause counts half).
 * Elongations (`soooo gooood`) and hashtags (`#fail`, `#NotHappy`) are reduced before lookup.
 * `!` and repeated `?` push the sum away from zero; the sum is squashed to [-1, 1] as VADER's
 * compound score.
 */

export interface EnRuleScore {
  /** VADER-style compound in [-1, 1]. */
  compound: number;
  /** Summed positive and negative valence (before squashing). */
  pos: number;
  neg: number;
  /** Number of words that carried valence. */
  hits: number;
  /** Negations seen (any scope). */
  negations: number;
}

const B_INCR = 0.293;
const B_DECR = -0.293;
const C_INCR = 0.733;
const N_SCALAR = -0.74;

const NEGATIONS = new Set(
  `aint arent cannot cant couldnt darent didnt doesnt dont hadnt hasnt havent isnt mightnt mustnt neither neednt never none nope nor not nothing nowhere oughtnt shant shouldnt uhuh wasnt werent without wont wouldnt no nobody neva nvr`.split(
    ' ',
  ),
);

const BOOSTERS: Record<string, number> = {};
for (const w of `absolutely amazingly awfully completely considerable considerably decidedly deeply effing enormous enormously entirely especially exceptional exceptionally extreme extremely fabulously flipping flippin frackin fracking fricking frickin frigging friggin fully fuckin fucking fuggin fugging greatly hella highly hugely incredible incredibly intensely major majorly more most particularly purely quite really remarkably so soo sooo substantially super thoroughly total totally tremendous tremendously uber unbelievably unusually utter utterly very hecka mad af asf real srsly seriously`.split(
  ' ',
))
  BOOSTERS[w] = B_INCR;
for (const w of `almost barely hardly kinda kindof less little marginal marginally occasional occasionally partly scarce scarcely slight slightly somewhat sorta sortof lowkey`.split(
  ' ',
))
  BOOSTERS[w] = B_DECR;

/** Contrast: the clause before counts `before`, the rest `after`. */
const CONTRAST_NEXT = new Set(['but', 'however', 'nevertheless', 'nonetheless', 'yet', 'still']);
const CONCESSIVE = new Set(['though', 'although', 'despite', 'whilst']);

/** Slang and social-media terms missing from (or under-weighted in) VADER's lexicon. */
export const EN_SLANG: Record<string, number> = {
  lit: 1.8,
  fire: 0.6,
  banger: 2.0,
  // Product talk: a killer feature, an incredible deal; VADER scores killer -3.3, lacks incredible.
  killer: 1.2,
  incredible: 2.6,
  nailed: 1.8,
  beast: 1.2,
  changer: 1.4,
  junk: -2.0,
  flimsy: -1.8,
  crashing: -1.5,
  buffering: -1.0,
  shrinkflation: -1.8,
  bangers: 2.0,
  slaps: 2.0,
  goated: 2.2,
  gamechanger: 2.0,
  bussing: 2.2,
  goat: 1.5,
  dope: 1.8,
  slay: 1.8,
  slays: 1.8,
  slayed: 1.8,
  bussin: 2.2,
  based: 1.0,
  fab: 2.0,
  luv: 2.5,
  wuv: 2.5,
  gr8: 2.5,
  awsome: 3.0,
  amazeballs: 3.0,
  yass: 2.0,
  yasss: 2.0,
  yaaas: 2.0,
  woohoo: 2.2,
  woot: 1.8,
  ftw: 2.0,
  thx: 1.5,
  ty: 1.2,
  tysm: 2.0,
  ily: 2.5,
  '<3': 1.9,
  meh: -0.9,
  ugh: -1.6,
  smh: -1.3,
  fml: -2.4,
  wtf: -2.0,
  wth: -1.5,
  mid: -1.0,
  trash: -2.0,
  garbage: -2.2,
  sucks: -1.9,
  rocks: 1.8,
  prefer: 1.0,
  prefers: 1.0,
  rocked: 1.6,
  sux: -1.9,
  suck: -1.9,
  cringe: -1.8,
  yikes: -1.2,
  scam: -2.5,
  scammed: -2.6,
  ripoff: -2.4,
  'rip-off': -2.4,
  overpriced: -1.7,
  refund: -0.8,
  broken: -1.5,
  buggy: -1.6,
  laggy: -1.5,
  glitchy: -1.6,
  crashes: -1.6,
  crashed: -1.6,
  unusable: -2.3,
  useless: -2.0,
  disappointing: -2.2,
  meltdown: -1.8,
  ratio: -0.5,
  downgrade: -1.5,
  flop: -1.7,
  flopped: -1.7,
  bricked: -2.2,
  outage: -1.6,
  recommend: 1.5,
  recommended: 1.5,
  highly: 0.0,
  worth: 1.0,
  smooth: 1.3,
  seamless: 1.5,
  reliable: 1.6,
  sturdy: 1.2,
  refunded: 0.6,
  hooked: 1.3,
  obsessed: 1.5,
  slow: -1.0,
  slower: -1.1,
  overheats: -1.6,
  overheating: -1.6,
};

/** Emoji and emoticons (VADER's emoticons are in its lexicon; emoji are not). */
export const EN_EMOJI: Record<string, number> = {
  '😂': 1.5,
  '🤣': 1.7,
  '😀': 2.0,
  '😃': 2.0,
  '😄': 2.2,
  '😁': 2.0,
  '😆': 1.8,
  '😊': 2.2,
  '☺': 2.0,
  '🙂': 1.2,
  '😉': 1.3,
  '😍': 2.8,
  '🥰': 2.8,
  '😘': 2.3,
  '😻': 2.5,
  '❤': 2.5,
  '♥': 2.3,
  '💕': 2.5,
  '💖': 2.5,
  '💗': 2.4,
  '💙': 2.2,
  '💚': 2.2,
  '💜': 2.2,
  '🧡': 2.2,
  '💛': 2.2,
  '💯': 1.8,
  '🔥': 1.5,
  '✨': 1.2,
  '🎉': 2.2,
  '🥳': 2.4,
  '👍': 1.8,
  '👏': 1.8,
  '🙌': 2.0,
  '💪': 1.6,
  '🙏': 1.2,
  '😎': 1.6,
  '🤩': 2.6,
  '😋': 1.8,
  '🌟': 1.6,
  '⭐': 1.3,
  '👌': 1.5,
  '✅': 0.8,
  '😢': -2.0,
  '😭': -1.8,
  '😞': -2.0,
  '😔': -1.8,
  '😟': -1.7,
  '😕': -1.3,
  '🙁': -1.5,
  '☹': -1.8,
  '😩': -1.8,
  '😫': -1.8,
  '😖': -1.8,
  '😣': -1.6,
  '😠': -2.3,
  '😡': -2.7,
  '🤬': -3.0,
  '👎': -1.9,
  '💔': -2.4,
  '🤮': -2.6,
  '🤢': -2.2,
  '😤': -1.6,
  '😒': -1.6,
  '🙄': -1.5,
  '😑': -0.8,
  '😐': -0.4,
  '😬': -1.0,
  '😱': -1.5,
  '😰': -1.8,
  '😨': -1.8,
  '😥': -1.5,
  '💩': -2.0,
  '🤡': -1.5,
  '😪': -1.2,
  '🤦': -1.6,
  '❌': -1.0,
  '⚠': -0.8,
};

export interface EnLexicon {
  get(word: string): number | undefined;
}

let lexicon: Map<string, number> | undefined;

/** VADER's lexicon (from the model file) plus the slang above; loaded once. */
export function enLexicon(): Map<string, number> {
  if (!lexicon) {
    const m = new Map<string, number>();
    try {
      const file = new URL('../../models/sentiment-en-lexicon.json', import.meta.url);
      const json = JSON.parse(readFileSync(file, 'utf8')) as { words: Record<string, number> };
      for (const [w, v] of Object.entries(json.words)) m.set(w, v);
    } catch {
      // Model file missing (fresh checkout before training): slang and emoji only.
    }
    for (const [w, v] of Object.entries(EN_SLANG)) m.set(w, v);
    for (const [w, v] of Object.entries(EN_EMOJI)) m.set(w, v);
    lexicon = m;
  }
  return lexicon;
}

const EMOJI_RE = /\p{Extended_Pictographic}/u;
const HAS_EMOJI_RE = /\p{Extended_Pictographic}/u;
const EMOJI_SPLIT_RE = /(\p{Extended_Pictographic})/gu;
const EDGE_PUNCT_RE = /^[^\p{L}\p{N}#@<]+|[^\p{L}\p{N}]+$/gu;
const ELONG_RE = /(\p{L})\1{2,}/gu;
const PLAIN_RE = /^[A-Za-z]+$/;

export interface EnToken {
  /** Lower-case lookup form. */
  w: string;
  /** As written (for ALL-CAPS). */
  raw: string;
  /** Clause break after this token (sentence punctuation or comma). */
  brk: boolean;
}

/** Split raw English text into tokens; emoticons kept when the lexicon knows them. */
export function enTokens(text: string, lex: Map<string, number> = enLexicon()): EnToken[] {
  const out: EnToken[] = [];
  const parts = (HAS_EMOJI_RE.test(text) ? text.replace(EMOJI_SPLIT_RE, ' $1 ') : text).split(/\s+/);
  for (const part of parts) {
    if (!part) continue;
    if (PLAIN_RE.test(part)) {
      out.push({ w: part.toLowerCase(), raw: part, brk: false });
      continue;
    }
    const lower = part.toLowerCase();
    if (lex.has(lower) && !/^\p{L}+$/u.test(lower)) {
      // Emoticons and emoji, as written: ":)", ":-(", "<3", "😂".
      out.push({ w: lower, raw: part, brk: false });
      continue;
    }
    if (EMOJI_RE.test(part)) continue;
    const brk = /[.!?;,:]$/.test(part);
    let core = part.replace(EDGE_PUNCT_RE, '');
    if (!core) {
      if (brk && out.length) out[out.length - 1]!.brk = true;
      continue;
    }
    if (core[0] === '#' || core[0] === '@') {
      if (core[0] === '@') {
        out.push({ w: '@user', raw: core, brk });
        continue;
      }
      core = core.slice(1);
      // #NotHappy → not happy; #fail → fail
      const words = core
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .split(/[\s_]+/)
        .filter(Boolean);
      for (const [i, w] of words.entries())
        out.push({ w: w.toLowerCase(), raw: w, brk: brk && i === words.length - 1 });
      continue;
    }
    out.push({ w: core.toLowerCase().replace(/[’]/g, "'"), raw: core, brk });
  }
  return out;
}

/** A letter repeated three times or more (`soooo`), checked without a regex. */
export function hasElongation(w: string): boolean {
  for (let i = 2; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c === w.charCodeAt(i - 1) && c === w.charCodeAt(i - 2) && c > 0x40) return true;
  }
  return false;
}

/** `soooo` → `soo` (elongations reduced to two letters). */
export function reduceElongation(w: string): string {
  return hasElongation(w) ? w.replace(ELONG_RE, '$1$1') : w;
}

function lookup(lex: Map<string, number>, w: string): number | undefined {
  const v = lex.get(w);
  if (v !== undefined) return v;
  if (hasElongation(w)) {
    const v2 = lex.get(w.replace(ELONG_RE, '$1$1')) ?? lex.get(w.replace(ELONG_RE, '$1'));
    if (v2 !== undefined) return v2 + Math.sign(v2) * 0.3;
  }
  return undefined;
}

export function isNegation(w: string): boolean {
  return NEGATIONS.has(w) || w.endsWith("n't") || (w.includes("'") && NEGATIONS.has(w.replace(/'/g, '')));
}

function isUpper(raw: string): boolean {
  if (raw.length <= 1) return false;
  const c = raw.charCodeAt(0);
  if (c >= 97 && c <= 122) return false; // a lower-case ASCII start: not ALL-CAPS, no allocation
  return raw === raw.toUpperCase() && raw !== raw.toLowerCase();
}

/**
 * Score English text with the rules above.
 *
 * @example
 * enRuleScore('not good').compound < 0 // true
 */
export function enRuleScore(text: string, tokens?: EnToken[]): EnRuleScore {
  const lex = enLexicon();
  const toks = tokens ?? enTokens(text, lex);
  const n = toks.length;
  let capsWords = 0;
  for (const t of toks) if (isUpper(t.raw)) capsWords++;
  const capsDiff = capsWords > 0 && capsWords < n;

  const vals = new Float64Array(n);
  let negations = 0;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const t = toks[i]!;
    if (isNegation(t.w)) negations++;
    if (BOOSTERS[t.w] !== undefined) continue;
    // "kind of" / "sort of" are dampeners, not valence.
    if (t.w === 'kind' || t.w === 'sort') {
      if (toks[i + 1]?.w === 'of') continue;
    }
    if (t.w === 'like' && i > 0 && /^(i|you|we|they|just|would|'d)$/.test(toks[i - 1]!.w) === false) continue;
    let v = lookup(lex, t.w);
    if (v === undefined || v === 0) continue;
    hits++;
    if (capsDiff && isUpper(t.raw)) v += Math.sign(v) * C_INCR;
    // Boosters/dampeners and negations in the three preceding words of the same clause.
    let negated = false;
    for (let k = 1; k <= 3 && i - k >= 0; k++) {
      const p = toks[i - k]!;
      if (p.brk) break;
      const b =
        BOOSTERS[p.w] ??
        (p.w === 'of' && (toks[i - k - 1]?.w === 'kind' || toks[i - k - 1]?.w === 'sort')
          ? B_DECR
          : undefined);
      if (b !== undefined) {
        let s = Math.sign(v) * b * (k === 1 ? 1 : k === 2 ? 0.95 : 0.9);
        if (capsDiff && isUpper(p.raw)) s += Math.sign(v) * (b > 0 ? C_INCR : -C_INCR) * 0.5;
        v += s;
      }
      if (isNegation(p.w)) negated = true;
      if (CONTRAST_NEXT.has(p.w) || CONCESSIVE.has(p.w)) break;
    }
    // "least" before a word flips it unless "at least"
    if (i > 0 && toks[i - 1]!.w === 'least' && toks[i - 2]?.w !== 'at' && toks[i - 2]?.w !== 'very')
      negated = true;
    if (negated) v *= N_SCALAR;
    vals[i] = v;
  }

  // Contrast: before the last "but" half weight, after 1.5×; "though/although" clauses half.
  let butIdx = -1;
  for (let i = 0; i < n; i++)
    if (CONTRAST_NEXT.has(toks[i]!.w) && toks[i]!.w !== 'still' && toks[i]!.w !== 'yet') butIdx = i;
  if (butIdx >= 0) {
    for (let i = 0; i < n; i++) {
      if (i < butIdx) vals[i]! *= 0.5;
      else if (i > butIdx) vals[i]! *= 1.5;
    }
  }
  for (let i = 0; i < n; i++) {
    if (!CONCESSIVE.has(toks[i]!.w)) continue;
    for (let j = i + 1; j < n; j++) {
      vals[j]! *= 0.5;
      if (toks[j]!.brk) break;
    }
  }

  let pos = 0;
  let neg = 0;
  for (let i = 0; i < n; i++) {
    const v = vals[i]!;
    if (v > 0) pos += v + 1;
    else if (v < 0) neg += v - 1;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += vals[i]!;
  if (sum !== 0) {
    const excl = Math.min(4, (text.match(/!/g) ?? []).length) * 0.292;
    const q = (text.match(/\?/g) ?? []).length;
    const qm = q > 1 ? Math.min(0.96, q * 0.18) : 0;
    sum += Math.sign(sum) * (excl + qm);
  }
  const compound = sum === 0 ? 0 : Math.max(-1, Math.min(1, sum / Math.sqrt(sum * sum + 15)));
  return { compound, pos, neg, hits, negations };
}
