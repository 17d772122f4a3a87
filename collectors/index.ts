import { hackerNews } from './hacker-news.ts';
import { rss } from './rss.ts';
import type { CollectorDefinition } from './types.ts';

/**
 * Registered sources. Adding one: a file in collectors/ exporting `defineCollector(...)`, one
 * line here; its options schema extends the config grammar automatically.
 */
export const collectors: readonly CollectorDefinition[] = [rss, hackerNews] as unknown as readonly CollectorDefinition[];

export function collectorById(id: string): CollectorDefinition | undefined {
  return collectors.find((c) => c.id === id);
}
