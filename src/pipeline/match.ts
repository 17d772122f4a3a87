import type { BrandTarget } from '../../classifiers/types.ts';
import type { NormalizedMention } from '../mention.ts';
import {
  type CompiledQuery,
  compileQuery,
  type MatchDoc,
  type PreparedDoc,
  prepareDoc,
} from '../query/index.ts';

export interface BrandRow {
  id: string;
  name: string;
  query: string;
  settings: { aliases?: string[]; topics?: Record<string, string[]> };
}

export interface BrandMatcher {
  /** Ids of the brands whose query matches the document. */
  match(doc: PreparedDoc): string[];
  target(brandId: string): BrandTarget | undefined;
  prepare(doc: MatchDoc): PreparedDoc;
}

/** The brands a normalised mention matches (what the pipeline stores as its brand links). */
export function brandsOf(
  matcher: BrandMatcher,
  m: Pick<NormalizedMention, 'text' | 'title' | 'author' | 'url' | 'lang' | 'platform'>,
): string[] {
  return matcher.match(
    matcher.prepare({
      text: m.text,
      title: m.title,
      authorHandle: m.author.handle,
      authorName: m.author.name,
      url: m.url,
      lang: m.lang,
      platform: m.platform,
    }),
  );
}

/**
 * Compiles every brand's query once; each mention is prepared once and evaluated against all.
 * A brand whose stored query no longer compiles is skipped (and reported), never fatal.
 */
export function createBrandMatcher(
  rows: readonly BrandRow[],
  onInvalid?: (brand: BrandRow, err: unknown) => void,
): BrandMatcher {
  const compiled: { id: string; q: CompiledQuery }[] = [];
  const targets = new Map<string, BrandTarget>();
  for (const b of rows) {
    try {
      const q = compileQuery(b.query);
      compiled.push({ id: b.id, q });
      const terms = new Set<string>([b.name, ...(b.settings.aliases ?? []), ...q.positiveTerms()]);
      targets.set(b.id, {
        id: b.id,
        name: b.name,
        terms: [...terms].filter((t) => t.length > 0),
        topics: b.settings.topics,
      });
    } catch (err) {
      onInvalid?.(b, err);
    }
  }
  return {
    prepare: prepareDoc,
    match(doc) {
      const out: string[] = [];
      for (const c of compiled) if (c.q.match(doc)) out.push(c.id);
      return out;
    },
    target: (id) => targets.get(id),
  };
}
