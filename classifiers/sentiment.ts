import { z } from 'zod';
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
 * "loved Acme, Globex was awful" gives Acme positive and Globex negative. A brand the text does
 * not name (matched through a query term elsewhere) gets the overall sentiment.
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
 * Overall sentiment of one text.
 *
 * @example
 * scoreSentiment('不高兴', 'zh').label // 'negative'
 */
export function scoreSentiment(
  text: string,
  lang?: string | null,
  opts: { rulesOnly?: boolean } = {},
): Sentiment & { lang: string } {
  const which = sentimentLang(text, lang);
  if (which === 'zh') return { ...sentimentZh(text, opts), lang: 'zh' };
  const s = sentimentEn(text, opts);
  if (which === 'other')
    return { ...s, confidence: Math.round(s.confidence * 5e3) / 1e4, lang: lang ?? 'und' };
  return { ...s, lang: 'en' };
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
 * Per-brand sentiment: each brand scored on the clauses that talk about it.
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
  // Clauses that name no brand belong to the last brand named before them (or the first named after).
  const firstOwned = owners.findIndex((o) => o.length > 0);
  let last: number[] = owners[firstOwned] ?? [];
  const assigned = owners.map((o, i) => {
    if (o.length) {
      last = o;
      return o;
    }
    return i < firstOwned ? (owners[firstOwned] ?? []) : last;
  });
  brands.forEach((b, bi) => {
    if (!named.has(bi)) {
      out[b.id] = overall;
      return;
    }
    const own = clauses.filter((_, ci) => assigned[ci]!.includes(bi));
    const s = scoreSentiment(own.join('. '), lang, opts);
    out[b.id] = { label: s.label, score: s.score, confidence: s.confidence };
  });
  return out;
}

export const sentiment = defineClassifier({
  id: 'sentiment',
  version: '1',
  description:
    'Sentiment (positive/negative/neutral, score, confidence) for English and Chinese: lexicon rules plus hashed logistic regression; per-brand sentiment by clause',
  options: sentimentOptions,
  produces: ['sentiment', 'brandSentiment'],
  classify: (ctx, inputs, prior, options) =>
    inputs.map((input, i): ClassifierOutput => {
      try {
        const text = [input.title, input.text].filter((s): s is string => !!s && s.trim() !== '').join('\n');
        const lang = prior[i]?.lang?.code ?? input.lang;
        const s = scoreSentiment(text, lang, options);
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
