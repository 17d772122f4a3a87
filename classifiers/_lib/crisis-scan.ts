import { foldText } from '../../src/text.ts';
import {
  CRISIS_BLOCKERS,
  CRISIS_CATEGORIES,
  CRISIS_CONTEXT_CUES,
  CRISIS_DENIAL_CUES,
  CRISIS_TERMS,
  type CrisisCategory,
  type CrisisTerm,
} from './crisis-lexicon.ts';
import { compileLexicon, isNegated, type Lexicon } from './lexicon.ts';
import { COMPLAINT_TERMS } from './sentiment/complaints.ts';

/**
 * Crisis language in one text: which crisis terms a post asserts, and how strongly.
 *
 * Each hit of `CRISIS_TERMS` keeps its weight unless the post does not assert the event:
 * - inside a blocker (another sense: "fire drill", "burn rate", 空气炸锅) it is no hit at all;
 * - negated ("no fire", "didn't catch fire", 没有起火, 无人员伤亡): × `NEGATED`;
 * - in a sentence that denies it (rumour, debunked, 辟谣, 与本品牌无关): × `NEGATED`;
 * - in an information-seeking question ("did it catch fire?", "会不会爆炸？", 吗？) or an
 *   if-clause ("If a battery catches fire, …"): × `HEDGED`; rhetorical questions ("why did
 *   it catch fire?!", 为什么, 凭什么, 谁还敢) are assertions and keep their weight;
 * - in a clause about a drill, test, fiction, safety advice or a hypothetical (演习, 科普,
 *   "safety tip", 如果, 万一): × `CONTEXT`.
 *
 * Score: noisy-OR over distinct terms of their effective weights, so one strong asserted
 * term gives ~0.9, weak ones add up, and a negated or hedged term barely moves it. Category:
 * the one with the largest summed effective weight.
 */
export const NEGATED = 0.15;
export const HEDGED = 0.25;
export const CONTEXT = 0.2;

export interface CrisisSignal {
  term: string;
  category: CrisisCategory | string;
  /** Effective weight after negation, hedging and context. */
  weight: number;
  negated?: boolean;
  /** In a sentence that calls it a rumour or unrelated to the brand. */
  denied?: boolean;
  hedged?: boolean;
  context?: boolean;
}

export interface CrisisScan {
  /** 0..1, noisy-OR of the signals' effective weights. */
  score: number;
  /** Category with the largest summed effective weight; absent without signals. */
  category?: CrisisCategory | string;
  signals: CrisisSignal[];
  /**
   * [start, end) offsets (in the folded text) of crisis words the post does not assert: hedged,
   * denied, or in a drill/test/fiction context. The sentiment models read the text without them
   * (`maskCrisis`), so "爆炸" in 电视剧里的爆炸戏 or "catches fire" in a safety tip is no negative
   * evidence. Negated words stay: the models read negation themselves.
   */
  unasserted?: [number, number][];
  /** Everyday complaint language (`sentiment/complaints.ts`), 0..1, found in the same pass. */
  complaint: number;
}

interface Meta {
  /** null: a blocker; 'complaint': a complaint phrase. */
  category: CrisisCategory | string | null;
  weight: number;
  negatable: boolean;
}

/** Extra terms (configuration), same shape as the built-in ones. */
export interface ExtraTerm {
  term: string;
  category: string;
  weight: number;
  negatable?: boolean;
}

function build(extra: readonly ExtraTerm[]): Lexicon<Meta> {
  return compileLexicon<Meta>([
    // Configured terms first: the first occurrence of a term wins.
    ...extra.map((e) => ({
      term: e.term,
      meta: { category: e.category, weight: e.weight, negatable: e.negatable !== false },
    })),
    ...CRISIS_TERMS.map((e: CrisisTerm) => ({
      term: e.term,
      meta: { category: e.category, weight: e.weight, negatable: e.negatable !== false },
    })),
    ...CRISIS_BLOCKERS.map((term) => ({ term, meta: { category: null, weight: 0, negatable: false } })),
    ...COMPLAINT_TERMS.map(({ term, weight }) => ({
      term,
      meta: { category: COMPLAINT, weight, negatable: true },
    })),
  ]);
}

const COMPLAINT = 'complaint';
const BUILT_IN = build([]);
const compiled = new WeakMap<readonly ExtraTerm[], Lexicon<Meta>>();
function lexiconFor(extra: readonly ExtraTerm[]): Lexicon<Meta> {
  if (extra.length === 0) return BUILT_IN;
  let lex = compiled.get(extra);
  if (!lex) {
    lex = build(extra);
    compiled.set(extra, lex);
  }
  return lex;
}

const CONTEXT_LEX = compileLexicon(CRISIS_CONTEXT_CUES.map((term) => ({ term, meta: 'context' as const })));
const DENIAL_LEX = compileLexicon(CRISIS_DENIAL_CUES.map((term) => ({ term, meta: 'denial' as const })));

/** Sentence ends; clause ends add commas, colons and dashes. */
const SENTENCE_END = /[.!?;。！？；\n…]/u;
const CLAUSE_END = /[.!?;。！？；\n…,，、:：—]/u;

/** Negators the shared `isNegated` leaves out but that deny an event: 无人员伤亡, 未造成, 从未. */
const CJK_NEG_EXTRA = [
  '无人',
  '无一',
  '未造成',
  '未发生',
  '未出现',
  '没出现',
  '未见',
  '不曾',
  '从未',
  '从没',
];

/** Questions that ask (hedge) rather than accuse: auxiliaries first, or Chinese question forms. */
const ASKING_EN =
  /^(?:\W*)(?:did|does|do|is|are|was|were|has|have|had|can|could|will|would|should|may|might|any(?:one|body)|has anyone|does anyone|is it|is there|are there)\b/u;
const ASKING_ZH = /会不会|是不是|有没有|能不能|是否|吗|么|嘛|呢|请问|有人知道/u;
/** Rhetorical questions are accusations: they keep their weight. */
const RHETORICAL =
  /\b(?:why|how come|how (?:is|are|can|could|dare)|who (?:would|wants))\b|为什么|为啥|凭什么|难道|谁还|怎么还|怎么又|还有没有|有没有搞错|[!！]/u;
const IF_CLAUSE = /^\W*(?:if|what if|in case|should a|should the|should your|suppose|imagine if)\b/u;

/** [start, end) of the span around `index` bounded by `re` characters. */
function span(s: string, index: number, re: RegExp): [number, number] {
  let a = index;
  while (a > 0 && !re.test(s[a - 1]!)) a--;
  let b = index;
  while (b < s.length && !re.test(s[b]!)) b++;
  return [a, b];
}

function hedged(s: string, index: number): boolean {
  const [a, b] = span(s, index, SENTENCE_END);
  const end = s[b];
  const sentence = s.slice(a, b + 1);
  const [ca] = span(s, index, CLAUSE_END);
  if (IF_CLAUSE.test(s.slice(ca, b))) return true;
  if (end !== '?' && end !== '？') {
    // Chinese yes/no questions often end without a mark: 会不会起火, 是不是被盗号了.
    return /会不会|是不是|能不能|是否/u.test(sentence) && !RHETORICAL.test(sentence);
  }
  // "…?!" and why-questions are accusations.
  if (s[b + 1] === '!' || s[b + 1] === '！' || RHETORICAL.test(sentence)) return false;
  return ASKING_EN.test(sentence) || ASKING_ZH.test(sentence);
}

function negatedAt(s: string, index: number): boolean {
  if (isNegated(s, index)) return true;
  const [a] = span(s, index, CLAUSE_END);
  const tail = s.slice(Math.max(a, index - 6), index);
  return CJK_NEG_EXTRA.some((n) => tail.includes(n));
}

/** Does `lex` match inside [a, b) of `s` (hits overlapping [from, to) excluded)? */
function cueIn(lex: Lexicon<unknown>, s: string, a: number, b: number, from: number, to: number): boolean {
  for (const h of lex.match(s.slice(a, b))) {
    const i = a + h.index;
    const j = a + h.end;
    if (j <= from || i >= to) return true;
  }
  return false;
}

/** "is down 20%": an outage word followed by a figure is a market report. */
function figureFollows(s: string, end: number): boolean {
  return /^\s*(?:by\s+|to\s+)?[$€£¥]?\d/u.test(s.slice(end, end + 8));
}

/**
 * Scan folded text (NFKC + lower-case) for crisis language.
 *
 * @example
 * scanCrisis(foldText('My blender caught fire, recall it now!')) // { score: 0.97, category: 'safety', ... }
 * scanCrisis(foldText('Fire drill at 10am')).score // 0
 * scanCrisis(foldText('会不会爆炸？')).signals[0] // { term: '爆炸', weight: 0.225, hedged: true, ... }
 */
export function scanCrisis(
  folded: string,
  opts: { extra?: readonly ExtraTerm[]; minWeight?: number } = {},
): CrisisScan {
  const hits = lexiconFor(opts.extra ?? []).match(folded);
  if (hits.length === 0) return { score: 0, signals: [], complaint: 0 };
  let complaintKeep = 1;
  const complaintSeen = new Set<string>();
  const byTerm = new Map<string, CrisisSignal>();
  const unasserted: [number, number][] = [];
  for (const h of hits) {
    const m = h.meta;
    if (m.category === null) continue;
    if (m.category === COMPLAINT) {
      if (!complaintSeen.has(h.term) && !isNegated(folded, h.index)) complaintKeep *= 1 - m.weight;
      complaintSeen.add(h.term);
      continue;
    }
    if (m.category === 'outage' && /down$/u.test(h.term) && figureFollows(folded, h.end)) continue;
    let w = m.weight;
    const sig: CrisisSignal = { term: h.term, category: m.category, weight: 0 };
    const [sa, sb] = span(folded, h.index, SENTENCE_END);
    if (cueIn(DENIAL_LEX, folded, sa, sb, h.index, h.end)) {
      w *= NEGATED;
      sig.negated = true;
      sig.denied = true;
    } else if (m.negatable && negatedAt(folded, h.index)) {
      w *= NEGATED;
      sig.negated = true;
    } else if (hedged(folded, h.index)) {
      w *= HEDGED;
      sig.hedged = true;
    } else {
      const [ca, cb] = span(folded, h.index, CLAUSE_END);
      if (cueIn(CONTEXT_LEX, folded, ca, cb, h.index, h.end)) {
        w *= CONTEXT;
        sig.context = true;
      }
    }
    if (sig.denied || sig.hedged || sig.context) unasserted.push([h.index, h.end]);
    sig.weight = Math.round(w * 1000) / 1000;
    const prev = byTerm.get(h.term);
    // A term counts once, at its strongest occurrence.
    if (!prev || prev.weight < sig.weight) byTerm.set(h.term, sig);
  }
  const min = opts.minWeight ?? 0.03;
  const signals = [...byTerm.values()].filter((s) => s.weight >= min).sort((a, b) => b.weight - a.weight);
  const complaint = Math.round((1 - complaintKeep) * 1000) / 1000;
  const masked = unasserted.length ? { unasserted } : {};
  if (signals.length === 0) return { score: 0, signals: [], ...masked, complaint };
  let keep = 1;
  const sums = new Map<string, number>();
  for (const s of signals) {
    keep *= 1 - Math.min(0.99, s.weight);
    sums.set(s.category, (sums.get(s.category) ?? 0) + s.weight);
  }
  let category: string | undefined;
  let best = -1;
  for (const [c, v] of sums) {
    // Ties go to the category listed first (safety before health before fraud ...).
    const rank = (CRISIS_CATEGORIES as readonly string[]).indexOf(c);
    const better =
      v > best + 1e-9 ||
      (Math.abs(v - best) <= 1e-9 &&
        rank >= 0 &&
        rank < (CRISIS_CATEGORIES as readonly string[]).indexOf(category ?? ''));
    if (better) {
      best = v;
      category = c;
    }
  }
  return {
    score: Math.round((1 - keep) * 1000) / 1000,
    ...(category ? { category } : {}),
    signals,
    ...masked,
    complaint,
  };
}

/**
 * `text` with the crisis words its scan found unasserted blanked out (same length), for the
 * sentiment models. `text` is the text the scan was made of, or its unfolded original when
 * folding kept the length (`foldedLength`; NFKC changes it only for rare compatibility
 * characters, and then the text is returned as is).
 *
 * @example
 * maskCrisis('Tip: if a battery catches fire, leave', scan) // 'Tip: if a battery             , leave'
 */
export function maskCrisis(text: string, scan: CrisisScan, foldedLength = text.length): string {
  const spans = scan.unasserted;
  if (!spans?.length || foldedLength !== text.length) return text;
  let out = '';
  let at = 0;
  for (const [a, b] of spans) {
    if (a < at) continue;
    out += text.slice(at, a) + ' '.repeat(b - a);
    at = b;
  }
  return out + text.slice(at);
}

/** `scanCrisis` of raw text. */
export function crisisOfText(text: string, opts: { extra?: readonly ExtraTerm[] } = {}): CrisisScan {
  return scanCrisis(foldText(text), opts);
}
