import { and, eq, gte, sql } from 'drizzle-orm';
import type { LlmBudgetStore, LlmCache, LlmItem } from '../../classifiers/llm.ts';
import type { DbOrTx } from '../client.ts';
import { brandSentimentModels, llmBudget, llmCache } from '../schema/index.ts';

/**
 * The LLM pass's daily token usage in `llm_budget`, so a restart (or a second process) sees
 * what was spent today. `add` is one atomic upsert: concurrent writers never lose tokens.
 *
 * @example
 * const llmPass = createLlmClassifier({ store: dbBudgetStore(db), cache: dbLlmCache(db) });
 */
export function dbBudgetStore(db: DbOrTx, now: () => Date = () => new Date()): LlmBudgetStore {
  return {
    async get(day) {
      const rows = await db
        .select({ input: llmBudget.inputTokens, output: llmBudget.outputTokens })
        .from(llmBudget)
        .where(eq(llmBudget.day, day))
        .limit(1);
      return rows[0] ?? { input: 0, output: 0 };
    },
    async add(day, u) {
      await db
        .insert(llmBudget)
        .values({ day, inputTokens: u.input, outputTokens: u.output, updatedAt: now() })
        .onConflictDoUpdate({
          target: llmBudget.day,
          set: {
            inputTokens: sql`${llmBudget.inputTokens} + excluded.input_tokens`,
            outputTokens: sql`${llmBudget.outputTokens} + excluded.output_tokens`,
            updatedAt: sql`excluded.updated_at`,
          },
        });
    },
  };
}

/** Validated LLM results in `llm_cache`; entries older than `maxAgeDays` are misses (and rewritten). */
export function dbLlmCache(db: DbOrTx, opts: { maxAgeDays?: number; now?: () => Date } = {}): LlmCache {
  const now = opts.now ?? (() => new Date());
  const maxAgeMs = (opts.maxAgeDays ?? 30) * 86_400_000;
  return {
    async get(key) {
      const rows = await db
        .select({ value: llmCache.value })
        .from(llmCache)
        .where(and(eq(llmCache.key, key), gte(llmCache.createdAt, new Date(now().getTime() - maxAgeMs))))
        .limit(1);
      return rows[0]?.value as LlmItem | undefined;
    },
    async set(key, value) {
      await db
        .insert(llmCache)
        .values({ key, value, createdAt: now() })
        .onConflictDoUpdate({ target: llmCache.key, set: { value, createdAt: now() } });
    },
  };
}

/** Promoted per-brand sentiment models (ids only: the chain loads a model once per id). */
export async function promotedBrandModels(db: DbOrTx): Promise<{ id: string; brandId: string }[]> {
  return db
    .select({ id: brandSentimentModels.id, brandId: brandSentimentModels.brandId })
    .from(brandSentimentModels)
    .where(eq(brandSentimentModels.promoted, true));
}

/** The serialised model of one training run (null when it was not kept). */
export async function brandModelById(db: DbOrTx, id: string): Promise<unknown> {
  const rows = await db
    .select({ model: brandSentimentModels.model })
    .from(brandSentimentModels)
    .where(eq(brandSentimentModels.id, id))
    .limit(1);
  return rows[0]?.model ?? null;
}
