import { z } from 'zod';
import { foldText } from '../src/text.ts';
import { CRISIS_TERMS, type CrisisTerm } from './_lib/crisis-lexicon.ts';
import { compileLexicon, isNegated, type Lexicon } from './_lib/lexicon.ts';
import { defineClassifier } from './types.ts';

export { CRISIS_TERMS, type CrisisCategory, type CrisisTerm } from './_lib/crisis-lexicon.ts';

/**
 * Escalation language: a weighted EN/ZH lexicon by category (boycott, recall, legal, injury,
 * food safety, privacy, discrimination, fraud, regulator, protest, consumer rights, media
 * exposure, collapse). A negated hit ("no recall", "没有中毒", "not a scam") keeps a fraction
 * of its weight (`negatedFactor`) so it stays visible but barely moves the score.
 *
 * Score: noisy-OR of `scale × weight` over distinct terms, so one strong term gives
 * ~0.6, and several terms or categories approach 1. Mentions without signals get no `crisis`.
 */
export const crisisOptions = z
  .object({
    /** Extra terms (any language) added to the built-in lexicon; same term replaces a built-in one. */
    terms: z
      .array(
        z.object({
          term: z.string().min(1),
          category: z.string().min(1),
          weight: z.number().min(0).max(1),
          negatable: z.boolean().default(true),
        }),
      )
      .default([]),
    negatedFactor: z.number().min(0).max(1).default(0.2),
    scale: z.number().min(0).max(1).default(0.75),
    /** Signals below this (after negation) are dropped from the output. */
    minWeight: z.number().min(0).max(1).default(0.05),
  })
  .strict();
export type CrisisOptions = z.output<typeof crisisOptions>;

type Meta = Pick<CrisisTerm, 'category' | 'weight' | 'negatable'>;
const BUILT_IN = compileLexicon<Meta>(CRISIS_TERMS.map(({ term, ...meta }) => ({ term, meta })));
const compiled = new WeakMap<CrisisOptions['terms'], Lexicon<Meta>>();

function lexiconFor(extra: CrisisOptions['terms']): Lexicon<Meta> {
  if (extra.length === 0) return BUILT_IN;
  let lex = compiled.get(extra);
  if (!lex) {
    // Configured terms first: the first occurrence of a term wins.
    lex = compileLexicon<Meta>([
      ...extra.map(({ term, ...meta }) => ({ term, meta: meta as Meta })),
      ...CRISIS_TERMS.map(({ term, ...meta }) => ({ term, meta })),
    ]);
    compiled.set(extra, lex);
  }
  return lex;
}

export interface CrisisResult {
  score: number;
  signals: { term: string; category: string; weight: number; negated?: boolean }[];
}

/**
 * Crisis signals of one text.
 *
 * @example
 * crisisOf('Acme kettles recalled after kids got burned #boycottAcme')
 * // { score: 0.93, signals: [{ term: 'recall*', category: 'recall', weight: 0.7 }, ...] }
 * crisisOf('没有中毒，放心') // { score: 0.12, signals: [{ term: '中毒', ..., weight: 0.16, negated: true }] }
 */
export function crisisOf(text: string, options: CrisisOptions = crisisOptions.parse({})): CrisisResult {
  const folded = foldText(text);
  const byTerm = new Map<string, CrisisResult['signals'][number]>();
  for (const h of lexiconFor(options.terms).match(folded)) {
    const negated = h.meta.negatable !== false && isNegated(folded, h.index);
    const weight = Math.round(h.meta.weight * (negated ? options.negatedFactor : 1) * 1000) / 1000;
    const prev = byTerm.get(h.term);
    // A term counts once, at its strongest occurrence.
    if (!prev || prev.weight < weight) {
      byTerm.set(h.term, {
        term: h.term,
        category: h.meta.category,
        weight,
        ...(negated ? { negated } : {}),
      });
    }
  }
  const signals = [...byTerm.values()]
    .filter((s) => s.weight >= options.minWeight)
    .sort((a, b) => b.weight - a.weight);
  let keep = 1;
  for (const s of signals) keep *= 1 - options.scale * s.weight;
  return { score: Math.round((1 - keep) * 1000) / 1000, signals };
}

export const crisis = defineClassifier({
  id: 'crisis',
  version: '1',
  description:
    'Crisis and escalation language (EN/ZH lexicon by category, negation-aware), score 0..1 with signals',
  options: crisisOptions,
  produces: ['crisis'],
  classify: (_ctx, inputs, _prior, options) =>
    inputs.map((i) => {
      const r = crisisOf(i.title ? `${i.title}\n${i.text}` : i.text, options);
      return r.signals.length ? { crisis: r } : {};
    }),
});
