import type { z } from 'zod';
import type { Logger } from '../src/log.ts';

export type SentimentLabel = 'positive' | 'negative' | 'neutral';

export interface Sentiment {
  label: SentimentLabel;
  /** -1 (very negative) .. 1 (very positive). */
  score: number;
  /** 0..1: how sure the classifier is of `label`. */
  confidence: number;
}

/** A brand the mention matched, as a target for per-brand sentiment and topics. */
export interface BrandTarget {
  id: string;
  name: string;
  /** Surface forms that name the brand in text (name, aliases, terms from its query). */
  terms: string[];
  /** Topic taxonomy configured for this brand (topic -> keywords, any language). */
  topics?: Record<string, string[]>;
}

/** What a classifier sees of a mention. Text is untrusted user content. */
export interface ClassifierInput {
  /** Stable key within a batch (mention id or input line id). */
  id: string;
  text: string;
  title?: string | null;
  /** Language from the source or from an earlier classifier in the chain. */
  lang?: string | null;
  platform?: string;
  /** When the post was published (author heuristics are judged as of then, so backfills and re-classification agree). */
  publishedAt?: Date;
  author?: {
    handle: string;
    followers?: number | null;
    verified?: boolean | null;
    postsCount?: number | null;
    createdAt?: Date | null;
  };
  metrics?: { likes?: number | null; shares?: number | null; replies?: number | null; views?: number | null };
  url?: string | null;
  brands?: BrandTarget[];
  /**
   * Mentions already in this mention's near-duplicate story (stored within the near-duplicate
   * window, plus earlier ones of the same batch); 0 or absent for an original.
   */
  nearDuplicates?: number;
  /** What Earshot has stored of the author before this batch (posts about tracked brands). */
  authorSeen?: { posts: number; firstSeenAt: Date | null };
}

/**
 * What a classifier adds. Every field is optional: each classifier fills what it knows and
 * the pipeline merges results in registry order (a later classifier may refine an earlier one's
 * field only if it says so with `override`).
 */
export interface ClassifierOutput {
  lang?: { code: string; confidence: number; scripts?: string[] };
  sentiment?: Sentiment;
  /** Per-brand (target) sentiment keyed by brand id. */
  brandSentiment?: Record<string, Sentiment>;
  topics?: { id: string; brandId?: string; score: number }[];
  /**
   * Crisis language: score 0..1, the main category (safety, health, fraud, privacy, outage,
   * legal, boycott, labour, scandal, or a configured one) and the signals behind it.
   */
  crisis?: {
    score: number;
    category?: string;
    signals: { term: string; category: string; weight: number }[];
  };
  spam?: { score: number; reasons: string[] };
  sarcasm?: { score: number };
  /** Free-form extras kept in the mention's classification record. */
  extra?: Record<string, unknown>;
}

export interface ClassifierContext {
  log: Logger;
  signal?: AbortSignal;
}

export interface ClassifierDefinition<Options extends z.ZodType = z.ZodType> {
  /** Equal to the file name, e.g. `sentiment-en`. */
  id: string;
  /** Bumped whenever outputs may change, so stored results can be re-classified. */
  version: string;
  description: string;
  options: Options;
  /** Which fields this classifier produces; used for merging and for docs. */
  produces: readonly (keyof ClassifierOutput)[];
  /** Optional one-time set-up (load a model); called once per process before classify. */
  init?(ctx: ClassifierContext, options: z.output<Options>): Promise<void>;
  /**
   * Classify a batch. Must return one output per input, in order. Inputs see the merged
   * outputs of earlier classifiers in `prior` (same index). Must not throw for one bad item.
   */
  classify(
    ctx: ClassifierContext,
    inputs: ClassifierInput[],
    prior: ClassifierOutput[],
    options: z.output<Options>,
  ): Promise<ClassifierOutput[]> | ClassifierOutput[];
}

/**
 * Define a classifier. One file per classifier in `classifiers/`, one line in `classifiers/index.ts`.
 *
 * @example
 * export const langDetect = defineClassifier({
 *   id: 'lang-detect', version: '1', description: 'Language of short social text',
 *   options: z.object({}), produces: ['lang'],
 *   classify: (_ctx, inputs) => inputs.map((i) => ({ lang: detect(i.text) })),
 * });
 */
export function defineClassifier<Options extends z.ZodType>(
  def: ClassifierDefinition<Options>,
): ClassifierDefinition<Options> {
  return def;
}
