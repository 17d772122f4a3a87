import { z } from 'zod';
import type { MentionInput } from '../src/mention.ts';
import { type NewestFirstCursor, newestFirst } from './_lib/newest-first.ts';
import { PLAY_SORT, parseAppPageReviews, parseReviewsRpc, reviewsRpcBody } from './_lib/parse-google-play.ts';
import { defineCollector } from './types.ts';

/** Position: the continuation token, '' for the first page. */
export type GooglePlayCursor = NewestFirstCursor<string>;

/**
 * Google Play reviews of one app. `source: 'rpc'` (default) reads the reviews RPC newest first
 * (`batchexecute`, rpcid `UsvDTd`), paging with its continuation token and stopping at reviews
 * already read; `source: 'app-page'` reads the reviews embedded in the store page (Play's own
 * selection, re-read on every run to refresh thumbs-up counts). The star rating, app version and
 * developer reply stay in `raw`; thumbs-up become likes.
 */
export const googlePlay = defineCollector({
  id: 'google-play',
  description: 'Google Play app reviews (reviews RPC newest first, or the app page)',
  textFormat: 'plain',
  options: z
    .object({
      appId: z.string().regex(/^[A-Za-z][\w]*(\.[\w]+)+$/, 'a package name such as com.example.app'),
      lang: z.string().min(2).max(8).default('en'),
      country: z.string().length(2).default('us'),
      source: z.enum(['rpc', 'app-page']).default('rpc'),
      pageSize: z.number().int().min(10).max(199).default(100),
      baseUrl: z.url().default('https://play.google.com'),
    })
    .strict(),
  defaultSchedule: '0 */3 * * *',
  rateLimit: { perMinute: 10, concurrency: 1 },
  async *collect(ctx, o) {
    const base = o.baseUrl.replace(/\/$/, '');
    const prev = ctx.cursor as GooglePlayCursor | null;
    if (o.source === 'app-page') {
      const res = await ctx.http.get(`${base}/store/apps/details`, {
        query: { id: o.appId, hl: o.lang, gl: o.country },
        signal: ctx.signal,
      });
      const page = parseAppPageReviews(res.text(), o.appId);
      yield {
        mentions: page.reviews.map((r) => r.mention),
        cursor: prev ?? { since: null, next: null, top: null },
      };
      return;
    }
    yield* newestFirst<string, MentionInput>(prev, ctx.backfillSince, ctx.maxPages, '', async (token) => {
      const res = await ctx.http.request(`${base}/_/PlayStoreUi/data/batchexecute`, {
        method: 'POST',
        query: { rpcids: 'UsvDTd', 'source-path': `/store/apps/details`, hl: o.lang, gl: o.country },
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: reviewsRpcBody(o.appId, PLAY_SORT.newest, o.pageSize, token || null),
        signal: ctx.signal,
      });
      const page = parseReviewsRpc(res.text(), o.appId);
      return { items: page.reviews, next: page.token };
    });
  },
});
