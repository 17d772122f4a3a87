import { z } from 'zod';
import { foldText } from '../src/text.ts';
import { type CrisisScan, maskCrisis, scanCrisis } from './_lib/crisis-scan.ts';
import { isInfoQuestion, isJobPost } from './_lib/sentiment/question.ts';
import { sentimentEn } from './sentiment-en.ts';
import { sentimentZh } from './sentiment-zh.ts';
import { type BrandTarget, type ClassifierOutput, defineClassifier, type Sentiment } from './types.ts';

/**
 * Sentiment of a mention, overall and per brand.
 *
 * Dispatch by language: the `lang` of an earlier classifier (lang-detect) or of the source;
 * `zh` (or Han script in text without a usable language) goes to `sentiment-zh`, everything
 * else to `sentiment-en` (for languages other than English the confidence is halved: the English
 * model is only a fallback there).
 *
 * Target sentiment: when the mention names brands, the text is split into clauses (sentence
 * punctuation, commas, and contrast words: but, however, while, whereas, 但是, 不过, 可是, 却);
 * a clause belongs to the brands it names, or else to the brand named last before it (to the
 * first named brand for leading clauses). Each brand's clauses are scored on their own, so
 * "loved Acme, Globex was awful" gives Acme positive and Globex negative. Within one clause,
 * comparisons ("better than", 比, 不如) and switches ("switched from Globex to Acme", 从…换成)
 * give the other brand the opposite sentiment (see `brandSentiments`). A brand the text does not
 * name (matched through a query term elsewhere) gets the overall sentiment.
 */
export const sentimentOptions = z
  .object({
    /** Use the lexicon rules only, without the supervised models. */
    rulesOnly: z.boolean().default(false),
  })
  .strict();
export type SentimentOptions = z.output<typeof sentimentOptions>;

const HAN_RE = /\p{Script=Han}/u;
const HAN_G_RE = /\p{Script=Han}/gu;

/** Which language module a text goes to. */
export function sentimentLang(text: string, lang?: string | null): 'en' | 'zh' | 'other' {
  const l = (lang ?? '').toLowerCase();
  if (l === 'zh' || l.startsWith('zh-') || l === 'yue') return 'zh';
  if (l !== 'ja' && l !== 'ko' && HAN_RE.test(text) && hanShare(text) > 0.3) return 'zh';
  return !l || l === 'und' || l === 'en' || l.startsWith('en-') ? 'en' : 'other';
}

function hanShare(text: string): number {
  const han = text.match(HAN_G_RE)?.length ?? 0;
  const letters = text.match(/\p{L}/gu)?.length ?? 1;
  return han / Math.max(1, letters);
}

/**
 * A crisis score at or above this (one strong crisis term, or two weak ones) reads as negative whatever the models say: a post that
 * asserts a fire, a poisoning, a breach or a scam is bad news for the brand even when it is
 * written calmly ("Reports of blenders catching fire. Unplug yours.") or with positive words
 * around it ("recall it now, great job Acme"). Below it the score is only a model feature.
 */
export const CRISIS_NEGATIVE = 0.6;
/**
 * A complaint score (`_lib/sentiment/complaints.ts`) at or above this turns a neutral answer
 * negative: "wrong size again, third time" is a complaint without a sentiment word.
 */
export const COMPLAINT_NEGATIVE = 0.6;
/**
 * A model this sure of positive keeps its answer over a crisis score: in long reviews and jokes
 * a crisis word is often incidental (a book about 传销, a hotel stay despite 拉肚子), and a post
 * praising how a recall was handled is praise. The crisis score is kept either way (alerts).
 */
export const POSITIVE_OVER_CRISIS = 0.7;
/** An information-seeking question (or a job post read as positive) stays neutral unless the model is at least this sure. */
export const QUESTION_CONFIDENCE = 0.9;

/**
 * Overall sentiment of one text, with the crisis scan it was read with.
 *
 * @example
 * scoreSentiment('不高兴', 'zh').label // 'negative'
 * scoreSentiment('My blender caught fire', 'en') // { label: 'negative', crisis: { score: 0.9, category: 'safety', ... }, ... }
 */
export function scoreSentiment(
  text: string,
  lang?: string | null,
  opts: { rulesOnly?: boolean } = {},
): Sentiment & { lang: string; crisis: CrisisScan } {
  const which = sentimentLang(text, lang);
  const folded = fold(text);
  const crisis = scanCrisis(folded);
  const o = { ...opts, signals: { crisis: crisis.score, complaint: crisis.complaint } };
  // The models read the text without the crisis words it does not assert (drills, tips, fiction).
  const m =
    which === 'zh'
      ? sentimentZh(maskCrisis(folded, crisis), { ...o, folded: true })
      : sentimentEn(maskCrisis(text, crisis, folded.length), o);
  const s = applySentimentRules(
    { label: m.label, score: m.score, confidence: m.confidence },
    crisis,
    folded,
    m.negWords,
  );
  if (which === 'zh') return { ...s, lang: 'zh', crisis };
  if (which === 'other')
    return { ...s, confidence: Math.round(s.confidence * 5e3) / 1e4, lang: lang ?? 'und', crisis };
  return { ...s, lang: 'en', crisis };
}

const NON_ASCII_RE = /[^\x00-\x7f]/;
/** `foldText` without the NFKC pass on plain ASCII (most English posts), where it changes nothing. */
function fold(text: string): string {
  return NON_ASCII_RE.test(text) ? foldText(text) : text.toLowerCase();
}

/**
 * Domain rules over the model's answer: asserted crises are negative, so are plain complaints
 * the model calls neutral; asking (questions, job posts) is neutral. `folded` is the folded text.
 *
 * @example
 * applySentimentRules({ label: 'neutral', score: 0, confidence: 0.5 }, scanCrisis('my blender caught fire'), 'my blender caught fire').label // 'negative'
 */
export function applySentimentRules(
  s: Sentiment,
  crisis: CrisisScan,
  folded: string,
  negWords?: boolean,
): Sentiment {
  if (crisis.score >= CRISIS_NEGATIVE && !(s.label === 'positive' && s.confidence >= POSITIVE_OVER_CRISIS)) {
    return {
      label: 'negative',
      score: Math.round(Math.min(s.score, -(0.2 + 0.6 * crisis.score)) * 1e4) / 1e4,
      confidence: s.label === 'negative' ? Math.max(s.confidence, crisis.score) : crisis.score,
    };
  }
  if (s.label === 'neutral' && crisis.complaint >= COMPLAINT_NEGATIVE) {
    return { label: 'negative', score: Math.round(Math.min(s.score, -0.3) * 1e4) / 1e4, confidence: 0.6 };
  }
  // A question with negative words is a complaint ("能在慢点吗", "why is it so slow?"); without
  // them, a negative reading of a question is the review-trained models' prior for factual text.
  const unsure = s.confidence < QUESTION_CONFIDENCE && (s.label === 'positive' || negWords === false);
  if (
    s.label !== 'neutral' &&
    unsure &&
    (isInfoQuestion(folded) || (s.label === 'positive' && isJobPost(folded)))
  ) {
    return { label: 'neutral', score: Math.round(s.score * 0.3 * 1e4) / 1e4, confidence: 0.6 };
  }
  return s;
}

const CLAUSE_SPLIT_RE =
  /[.!?;。！？；，,\n]+|\s(?:but|however|whereas|while|although|though|yet)\s|但是|不过|可是|然而|却|而且/giu;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Latin terms match whole words; a CJK neighbour is a boundary (艾克米和Globex). */
function termMatcher(terms: string[]): RegExp | null {
  const parts = terms
    .map((t) => t.normalize('NFKC').toLowerCase().trim())
    .filter((t) => t.length > 0)
    .map((t) =>
      HAN_RE.test(t)
        ? escapeRe(t)
        : `(?<![\\p{Script=Latin}\\p{N}])#?${escapeRe(t)}(?![\\p{Script=Latin}\\p{N}])`,
    );
  return parts.length ? new RegExp(parts.join('|'), 'u') : null;
}

/**
 * Comparison markers: the brand named before one is the subject of the clause's sentiment, the
 * brand named after it gets the opposite ("Acme is better than Globex", "艾克米比Globex好用",
 * "艾克米不如Globex"). 比 is not a marker in 比较 (rather), 比如 (for example), 比赛, 比例.
 */
const COMPARE_RE =
  /\sthan\s|\b(?:prefer(?:s|red)?|chose|choose|pick(?:ed)?)\b.*?\sover\s|比(?![较如赛例分])|不如|胜过|优于|强于|逊于|弱于/u;

/**
 * Switching: "switched from Globex to Acme (and love it)", "从吉博换成艾克米": the brand left gets
 * the opposite of the clause's sentiment; the marker is where the new brand's part starts.
 */
const SWITCH_RE =
  /\b(?:switch(?:ed|ing)?|mov(?:ed|ing)|went|upgrad(?:ed|ing)|chang(?:ed|ing)|convert(?:ed|ing)?)\s+(?:\w+\s+)?from\s.*?\s(?:to|for)\s|从.{1,20}?(?:换成|换到|换了|转到|转投|改用)/u;

/**
 * Surround brand mentions in Han text with spaces, so jieba does not glue a brand name to its
 * neighbours (艾克米比吉博好用 → 艾克米/比吉/博好/用 without this).
 */
export function isolateTerms(text: string, brands: BrandTarget[]): string {
  const re = hanTermsRe(brands);
  if (!re || !HAN_RE.test(text)) return text;
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(re, (m) => ` ${m} `);
}

const hanTermsCache = new WeakMap<BrandTarget[], RegExp | null>();
/** One regex for the Han brand terms of a mention (longest first), built once per brands array. */
function hanTermsRe(brands: BrandTarget[]): RegExp | null {
  let re = hanTermsCache.get(brands);
  if (re === undefined) {
    const han = [
      ...new Set(
        brands
          .flatMap((b) => [b.name, ...b.terms])
          .filter((t) => HAN_RE.test(t))
          .map((t) => t.normalize('NFKC').toLowerCase().trim())
          .filter(Boolean),
      ),
    ];
    re = han.length
      ? new RegExp(
          han
            .sort((a, b) => b.length - a.length)
            .map(escapeRe)
            .join('|'),
          'gu',
        )
      : null;
    hanTermsCache.set(brands, re);
  }
  return re;
}

/** A clause (or part of one) and whether its sentiment applies to a brand as is (1) or reversed (-1). */
interface Piece {
  text: string;
  sign: 1 | -1;
}

function flip(s: Sentiment): Sentiment {
  const label = s.label === 'positive' ? 'negative' : s.label === 'negative' ? 'positive' : 'neutral';
  return { label, score: s.score === 0 ? 0 : -s.score, confidence: s.confidence };
}

/** Where each brand is first named in `clause` (-1 if not). */
function positions(clause: string, matchers: (RegExp | null)[], owners: number[]): Map<number, number> {
  return new Map(owners.map((bi) => [bi, clause.search(matchers[bi]!)]));
}

/**
 * Per-brand sentiment: each brand scored on the clauses that talk about it.
 *
 * A clause naming several brands is resolved in this order: a switch ("switched from Globex to
 * Acme", 从…换成) gives the brand left the opposite of the clause's sentiment; a comparison
 * ("better than", "prefer … over", 比, 不如) gives the brands before the marker the clause's
 * sentiment and those after it the opposite;
 * else, when the clause splits at the later brand's name into parts that are each polar
 * ("艾克米很好吉博太差了"), each brand gets its part; else all of them share the clause
 * ("Acme and Globex are both terrible").
 *
 * @example
 * brandSentiments('loved Acme, Globex was awful', 'en', brands) // { acme: positive, globex: negative }
 */
export function brandSentiments(
  text: string,
  lang: string | null | undefined,
  brands: BrandTarget[],
  overall: Sentiment,
  opts: { rulesOnly?: boolean } = {},
): Record<string, Sentiment> {
  const out: Record<string, Sentiment> = {};
  if (brands.length === 0) return out;
  const folded = text.normalize('NFKC').toLowerCase();
  const clauses = folded
    .split(CLAUSE_SPLIT_RE)
    .map((c) => c.trim())
    .filter(Boolean);
  const matchers = brands.map((b) => termMatcher([b.name, ...b.terms]));
  const owners: number[][] = clauses.map((c) => matchers.flatMap((m, bi) => (m?.test(c) ? [bi] : [])));
  const named = new Set(owners.flat());
  if (named.size <= 1) {
    for (const b of brands) out[b.id] = overall;
    return out;
  }
  const score = (t: string): Sentiment => {
    const s = scoreSentiment(isolateTerms(t, brands), lang, opts);
    return { label: s.label, score: s.score, confidence: s.confidence };
  };
  // Each clause naming brands gives each of them its text with a sign; the clauses after it that
  // name no brand go the same way ("Switched from Acme to Globex, best decision ever").
  const pieces = new Map<number, Piece[]>();
  const give = (bi: number, p: Piece) => pieces.set(bi, [...(pieces.get(bi) ?? []), p]);
  const carries: [number, 1 | -1][][] = clauses.map((clause, ci) => {
    const own = owners[ci]!;
    if (own.length === 0) return [];
    if (own.length === 1) {
      give(own[0]!, { text: clause, sign: 1 });
      return [[own[0]!, 1]];
    }
    const at = positions(clause, matchers, own);
    const roles = (first: number[], second: number[]): [number, 1 | -1][] => {
      const r: [number, 1 | -1][] = [
        ...first.map((bi) => [bi, 1] as [number, 1]),
        ...second.map((bi) => [bi, -1] as [number, -1]),
      ];
      for (const [bi, sign] of r) give(bi, { text: clause, sign });
      return r;
    };
    const sw = SWITCH_RE.exec(clause);
    if (sw) {
      const end = sw.index + sw[0].length;
      const from = own.filter((bi) => at.get(bi)! < end);
      const to = own.filter((bi) => at.get(bi)! >= end);
      if (from.length > 0 && to.length > 0) return roles(to, from);
    }
    const cmp = clause.search(COMPARE_RE);
    const before = own.filter((bi) => at.get(bi)! < cmp);
    const after = own.filter((bi) => at.get(bi)! > cmp);
    if (cmp >= 0 && before.length > 0 && after.length > 0) return roles(before, after);
    // Split at each later brand's first mention; keep the split only if every part is polar.
    const order = [...own].sort((a, b) => at.get(a)! - at.get(b)!);
    const cuts = order.map((bi, k) => (k === 0 ? 0 : at.get(bi)!));
    const parts = order.map((_, k) => clause.slice(cuts[k], cuts[k + 1] ?? clause.length));
    if (parts.every((p) => score(p).label !== 'neutral')) {
      order.forEach((bi, k) => {
        give(bi, { text: parts[k]!, sign: 1 });
      });
      return [[order[order.length - 1]!, 1]];
    }
    return roles(own, []);
  });
  // Brandless clauses: the roles of the last clause naming brands (of the first, for leading ones).
  const firstOwned = owners.findIndex((o) => o.length > 0);
  let carry = carries[firstOwned] ?? [];
  clauses.forEach((clause, ci) => {
    if (owners[ci]!.length > 0) {
      carry = carries[ci]!;
      return;
    }
    for (const [bi, sign] of ci < firstOwned ? (carries[firstOwned] ?? []) : carry)
      give(bi, { text: clause, sign });
  });
  brands.forEach((b, bi) => {
    const ps = pieces.get(bi);
    if (!named.has(bi) || !ps?.length) {
      out[b.id] = overall;
      return;
    }
    // Same-sign pieces are read together (context helps short clauses), reversed ones flipped.
    const direct = ps.filter((p) => p.sign === 1).map((p) => p.text);
    const reversed = ps.filter((p) => p.sign === -1).map((p) => p.text);
    const parts: Sentiment[] = [
      ...(direct.length ? [score(direct.join('. '))] : []),
      ...(reversed.length ? [flip(score(reversed.join('. ')))] : []),
    ];
    out[b.id] = parts.length === 1 ? parts[0]! : combine(parts);
  });
  return out;
}

/** Several sentiments of one brand: mean score; the label with the largest summed confidence. */
function combine(parts: Sentiment[]): Sentiment {
  const weight = new Map<Sentiment['label'], number>();
  for (const p of parts) weight.set(p.label, (weight.get(p.label) ?? 0) + p.confidence);
  const label = [...weight.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  return {
    label,
    score: Math.round(mean(parts.map((p) => p.score)) * 1e4) / 1e4,
    confidence: Math.round(mean(parts.filter((p) => p.label === label).map((p) => p.confidence)) * 1e4) / 1e4,
  };
}

export const sentiment = defineClassifier({
  id: 'sentiment',
  version: '3',
  description:
    'Sentiment (positive/negative/neutral, score, confidence) for English and Chinese: lexicon rules plus hashed logistic regression; per-brand sentiment by clause',
  options: sentimentOptions,
  produces: ['sentiment', 'brandSentiment'],
  classify: (ctx, inputs, prior, options) =>
    inputs.map((input, i): ClassifierOutput => {
      try {
        const text = [input.title, input.text].filter((s): s is string => !!s && s.trim() !== '').join('\n');
        const lang = prior[i]?.lang?.code ?? input.lang;
        const s = scoreSentiment(
          input.brands?.length ? isolateTerms(text, input.brands) : text,
          lang,
          options,
        );
        const overall: Sentiment = { label: s.label, score: s.score, confidence: s.confidence };
        const out: ClassifierOutput = { sentiment: overall };
        if (input.brands?.length)
          out.brandSentiment = brandSentiments(text, lang, input.brands, overall, options);
        return out;
      } catch (err) {
        ctx.log.warn({ err, id: input.id }, 'sentiment failed for one item');
        return { sentiment: { label: 'neutral', score: 0, confidence: 0 } };
      }
    }),
});
