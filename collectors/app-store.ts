import { z } from 'zod';
import { SourceFault } from '../src/errors.ts';
import type { MentionInput } from '../src/mention.ts';
import { type NewestFirstCursor, newestFirst } from './_lib/newest-first.ts';
import { parseAppStoreReviews } from './_lib/parse-app-store.ts';
import { defineCollector } from './types.ts';

export type AppStoreCursor = NewestFirstCursor<number>;

/**
 * Apple App Store customer reviews for one app in one country storefront, most recent first
 * (`/{country}/rss/customerreviews/page={n}/id={appId}/sortby=mostrecent/json`; Apple serves at
 * most 10 pages of 50). Review ids grow over time and key the incremental stop; the star rating
 * and app version stay in `raw`, helpful votes become likes.
 */
export const appStore = defineCollector({
  id: 'app-store',
  description: 'Apple App Store customer reviews (per app and country, most recent first)',
  textFormat: 'plain',
  options: z
    .object({
      appId: z.string().regex(/^\d+$/, 'the numeric App Store id, e.g. 474495017'),
      country: z
        .string()
        .regex(/^[a-z]{2}$/i)
        .default('us')
        .transform((c) => c.toLowerCase()),
      baseUrl: z.url().default('https://itunes.apple.com'),
    })
    .strict(),
  defaultSchedule: '0 */3 * * *',
  rateLimit: { perMinute: 20, concurrency: 1 },
  async *collect(ctx, o) {
    const base = o.baseUrl.replace(/\/$/, '');
    yield* newestFirst<number, MentionInput>(
      ctx.cursor as AppStoreCursor | null,
      ctx.backfillSince,
      ctx.maxPages,
      1,
      async (page) => {
        const res = await ctx.http.get(
          `${base}/${o.country}/rss/customerreviews/page=${page}/id=${o.appId}/sortby=mostrecent/json`,
          { signal: ctx.signal },
        );
        if (res.body.length === 0)
          throw new SourceFault(
            'empty',
            'App Store answered an empty body where a reviews feed was expected',
          );
        const parsed = parseAppStoreReviews(res.json(), {
          appId: o.appId,
          country: o.country,
          page,
          collectedAt: ctx.clock.now(),
        });
        return { items: parsed.reviews, next: parsed.nextPage };
      },
    );
  },
});
