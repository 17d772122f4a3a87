import { z } from 'zod';
import { foldText } from '../src/text.ts';
import { type CrisisScan, scanCrisis } from './_lib/crisis-scan.ts';
import { defineClassifier } from './types.ts';

export {
  CRISIS_CATEGORIES,
  CRISIS_TERMS,
  type CrisisCategory,
  type CrisisTerm,
} from './_lib/crisis-lexicon.ts';

/**
 * Crisis language: a weighted EN/ZH lexicon in nine categories (safety, health, fraud, privacy,
 * outage, legal, boycott, labour, scandal; `_lib/crisis-lexicon.ts`), read with negation,
 * denials, hedging questions and drill/test/fiction contexts (`_lib/crisis-scan.ts`): "no
 * fire", "did it catch fire?", "fire drill", 没有起火, 会不会爆炸？, 消防演习 barely move the score.
 *
 * Output: `score` 0..1 (noisy-OR of the effective weights: one asserted strong term ~0.9),
 * `category` (largest summed weight) and the signals. Mentions without signals get no `crisis`.
 * The sentiment classifier reads the same scan: an asserted crisis reads as negative.
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
    /** Signals below this (after negation, hedging and context) are dropped from the output. */
    minWeight: z.number().min(0).max(1).default(0.03),
  })
  .strict();
export type CrisisOptions = z.output<typeof crisisOptions>;

export type CrisisResult = Pick<CrisisScan, 'score' | 'category' | 'signals'>;

/**
 * Crisis signals of one text.
 *
 * @example
 * crisisOf('Acme kettles recalled after kids got burned #boycottAcme')
 * // { score: 0.98, category: 'safety', signals: [{ term: 'recall*', category: 'safety', weight: 0.75 }, ...] }
 * crisisOf('没有中毒，放心') // { score: 0.135, category: 'health', signals: [{ term: '中毒', weight: 0.135, negated: true }] }
 */
export function crisisOf(text: string, options: CrisisOptions = crisisOptions.parse({})): CrisisResult {
  const { score, category, signals } = scanCrisis(foldText(text), {
    extra: options.terms,
    minWeight: options.minWeight,
  });
  return { score, ...(category ? { category } : {}), signals };
}

export const crisis = defineClassifier({
  id: 'crisis',
  version: '2',
  description:
    'Crisis language by category (safety, health, fraud, privacy, outage, legal, boycott, labour, scandal; EN/ZH lexicon read with negation, hedging and drill/test contexts), score 0..1 with signals',
  options: crisisOptions,
  produces: ['crisis'],
  classify: (_ctx, inputs, _prior, options) =>
    inputs.map((i) => {
      const r = crisisOf(i.title ? `${i.title}\n${i.text}` : i.text, options);
      return r.signals.length ? { crisis: r } : {};
    }),
});
