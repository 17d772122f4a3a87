import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { ts } from './_types.ts';
import { brands } from './brands.ts';

/** LLM token usage per UTC day (`YYYY-MM-DD`), so a restart does not reset the daily budget. */
export const llmBudget = pgTable('llm_budget', {
  day: text('day').primaryKey(),
  inputTokens: bigint('input_tokens', { mode: 'number' }).notNull().default(0),
  outputTokens: bigint('output_tokens', { mode: 'number' }).notNull().default(0),
  updatedAt: ts('updated_at').notNull(),
});

/** Validated LLM results by content hash (prompt version, model, text, brand targets). */
export const llmCache = pgTable(
  'llm_cache',
  {
    key: text('key').primaryKey(),
    value: jsonb('value').$type<unknown>().notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('llm_cache_created_idx').on(t.createdAt)],
);

/**
 * Every `earshot train` run of a per-brand sentiment correction model, promoted or not, with
 * the held-back figures of the candidate and of the model it was compared with. At most one
 * promoted row per brand; the classifier chain uses it for mentions of that brand.
 */
export const brandSentimentModels = pgTable(
  'brand_sentiment_models',
  {
    id: text('id').primaryKey(),
    brandId: text('brand_id')
      .notNull()
      .references(() => brands.id, { onDelete: 'cascade' }),
    createdAt: ts('created_at').notNull(),
    /** Labels used: all, the training part, the held-back part. */
    labels: integer('labels').notNull(),
    trainN: integer('train_n').notNull(),
    holdoutN: integer('holdout_n').notNull(),
    /** `shipped` or the id of the promoted model the candidate was compared with. */
    baseline: text('baseline').notNull(),
    baselineAccuracy: real('baseline_accuracy').notNull(),
    baselineMacroF1: real('baseline_macro_f1').notNull(),
    accuracy: real('accuracy').notNull(),
    macroF1: real('macro_f1').notNull(),
    /** True while this is the brand's model in use. */
    promoted: boolean('promoted').notNull().default(false),
    promotedAt: ts('promoted_at'),
    /** The serialised model (kept for promoted runs only). */
    model: jsonb('model').$type<unknown>(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [
    index('brand_sentiment_models_brand_idx').on(t.brandId, t.createdAt),
    uniqueIndex('brand_sentiment_models_promoted_uq').on(t.brandId).where(sql`promoted`),
  ],
);
