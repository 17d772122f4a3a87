import { appStore } from './app-store.ts';
import { bluesky } from './bluesky.ts';
import { googlePlay } from './google-play.ts';
import { hackerNews } from './hacker-news.ts';
import { mastodon } from './mastodon.ts';
import { reddit } from './reddit.ts';
import { rss } from './rss.ts';
import { trustpilot } from './trustpilot.ts';
import type { CollectorDefinition } from './types.ts';
import { webPage } from './web-page.ts';
import { weibo } from './weibo.ts';
import { x } from './x.ts';
import { youtube } from './youtube.ts';

/**
 * Registered sources. Adding one: a file in collectors/ exporting `defineCollector(...)`, one
 * line here; its options schema extends the config grammar automatically.
 */
export const collectors: readonly CollectorDefinition[] = [
  rss,
  hackerNews,
  reddit,
  mastodon,
  bluesky,
  youtube,
  x,
  appStore,
  googlePlay,
  trustpilot,
  weibo,
  webPage,
] as unknown as readonly CollectorDefinition[];

export function collectorById(id: string): CollectorDefinition | undefined {
  return collectors.find((c) => c.id === id);
}

/** The platforms' documented request budgets by host; the core seeds every client with them. */
export { PLATFORM_LIMITS } from './_lib/platform-limits.ts';
