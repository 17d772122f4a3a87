import { z } from 'zod';
import { foldText } from '../src/text.ts';
import { compileLexicon, type Lexicon } from './_lib/lexicon.ts';
import { DEFAULT_TOPICS } from './_lib/topic-taxonomy.ts';
import { defineClassifier } from './types.ts';

export { binomialUpperTail, countTerms, type EmergingTerm, emergingTerms } from './_lib/emerging-terms.ts';
export { DEFAULT_TOPICS, type TopicDef } from './_lib/topic-taxonomy.ts';

/**
 * Topics by keyword rules. The default bilingual taxonomy (`_lib/topic-taxonomy.ts`) applies
 * to every mention that has at least one matched brand without a taxonomy of its own (or no
 * brand at all) and yields topics without `brandId`. A brand with `topics` configured gets its
 * own topics, with `brandId`, instead of the default.
 *
 * Score: 0.5 for one distinct keyword of a topic, +0.2 for each further one, capped at 1.
 */
export const topicsOptions = z
  .object({
    /** Replace the default taxonomy (topic id → keywords). */
    taxonomy: z.record(z.string().min(1), z.array(z.string().min(1))).optional(),
    /** Add keywords to default (or replacement) topics; new ids add topics. */
    extend: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
    minScore: z.number().min(0).max(1).default(0.5),
    maxTopics: z.number().int().min(1).max(50).default(5),
  })
  .strict();
export type TopicsOptions = z.output<typeof topicsOptions>;

type Taxonomy = Record<string, string[]>;

function compileTaxonomy(tax: Taxonomy): Lexicon<string> {
  return compileLexicon(Object.entries(tax).flatMap(([id, kws]) => kws.map((term) => ({ term, meta: id }))));
}

// Compiled lexicons by taxonomy content; brand taxonomies change rarely, batches come often.
const cache = new Map<string, Lexicon<string>>();
function lexiconFor(tax: Taxonomy): Lexicon<string> {
  const key = JSON.stringify(tax);
  let lex = cache.get(key);
  if (!lex) {
    if (cache.size >= 500) cache.delete(cache.keys().next().value!);
    lex = compileTaxonomy(tax);
    cache.set(key, lex);
  }
  return lex;
}

function defaultTaxonomy(o: TopicsOptions): Taxonomy {
  const tax: Taxonomy = o.taxonomy
    ? { ...o.taxonomy }
    : Object.fromEntries(DEFAULT_TOPICS.map((t) => [t.id, t.keywords]));
  for (const [id, kws] of Object.entries(o.extend)) tax[id] = [...(tax[id] ?? []), ...kws];
  return tax;
}

const DEFAULTS = topicsOptions.parse({});
const defaults = new WeakMap<TopicsOptions, Lexicon<string>>();
/** The default (or configured) taxonomy's lexicon, once per options object. */
function defaultLexicon(o: TopicsOptions): Lexicon<string> {
  let lex = defaults.get(o);
  if (!lex) {
    lex = lexiconFor(defaultTaxonomy(o));
    defaults.set(o, lex);
  }
  return lex;
}

function score(lex: Lexicon<string>, folded: string, o: TopicsOptions): { id: string; score: number }[] {
  const distinct = new Map<string, Set<string>>();
  for (const h of lex.match(folded)) {
    const s = distinct.get(h.meta) ?? new Set<string>();
    s.add(h.term);
    distinct.set(h.meta, s);
  }
  return [...distinct.entries()]
    .map(([id, terms]) => ({ id, score: Math.min(1, 0.5 + 0.2 * (terms.size - 1)) }))
    .filter((t) => t.score >= o.minScore)
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, o.maxTopics);
}

/**
 * Topics of one text against a taxonomy (topic id → keywords).
 *
 * @example
 * topicsOf('快递太慢，客服也不理人') // [{ id: 'delivery', score: 0.5 }, { id: 'service', score: 0.7 }] (order by score)
 */
export function topicsOf(text: string, taxonomy?: Taxonomy, options: TopicsOptions = DEFAULTS) {
  return score(taxonomy ? lexiconFor(taxonomy) : defaultLexicon(options), foldText(text), options);
}

export const topics = defineClassifier({
  id: 'topics',
  version: '1',
  description:
    'Topics by multilingual keyword rules: a default bilingual taxonomy, per-brand taxonomies override',
  options: topicsOptions,
  produces: ['topics'],
  classify: (_ctx, inputs, _prior, o) => {
    const def = defaultLexicon(o);
    return inputs.map((i) => {
      const folded = foldText(i.title ? `${i.title}\n${i.text}` : i.text);
      const brands = i.brands ?? [];
      const own = brands.filter((b) => b.topics && Object.keys(b.topics).length > 0);
      const out: { id: string; brandId?: string; score: number }[] =
        own.length < brands.length || brands.length === 0 ? score(def, folded, o) : [];
      for (const b of own) {
        for (const t of score(lexiconFor(b.topics!), folded, o))
          out.push({ id: t.id, brandId: b.id, score: t.score });
      }
      return out.length ? { topics: out } : {};
    });
  },
});
