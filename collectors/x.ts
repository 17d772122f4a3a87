import { z } from 'zod';
import { EarshotError, FetchError, SourceFault } from '../src/errors.ts';
import { rateLimitWaitMs } from './_lib/http.ts';
import { compareKeys } from './_lib/newest-first.ts';
import { parseXSearch } from './_lib/parse-x.ts';
import { currentQuota, type QuotaState, utcMonth } from './_lib/quota.ts';
import { defineCollector } from './types.ts';

export interface XCursor {
  /** Posts read in the current UTC calendar month (X bills per post read). */
  reads: QuotaState;
  /** Every post at or below this id was read by a finished pass. */
  sinceId: string | null;
  /** A pass in progress: posts below `untilId` (and above sinceId) are still to read. */
  window: { untilId: string; newest: string } | null;
}

const options = z
  .object({
    /** X is billed per post read: a source runs only when this is set to true. */
    enabled: z.literal(true, {
      error: 'X bills every post read; set enabled: true to opt in (and size monthlyReadCap)',
    }),
    query: z.string().min(1).max(4096),
    /** Posts read per calendar month (UTC) before the source stops with quota-exhausted. */
    monthlyReadCap: z.number().int().positive().default(10_000),
    baseUrl: z.url().default('https://api.x.com'),
  })
  .strict();

/** X recent search returns at most the last 7 days; ask for a little less. */
const RECENT_WINDOW_MS = 7 * 24 * 3_600_000 - 5 * 60_000;
const MIN_RESULTS = 10;

const maxId = (a: string | null, b: string | null) =>
  a === null ? b : b === null ? a : compareKeys(a, b) >= 0 ? a : b;

/**
 * X (Twitter) API v2 recent search, newest first. Incremental by `since_id`; within a run pages
 * follow `next_token`, while the committed cursor resumes a pass with `until_id` (the oldest id
 * read), which never expires. Each page's post count is added to the month's reads before the
 * page is yielded, and a request never asks for more posts than the cap has left.
 */
export const x = defineCollector({
  id: 'x',
  description: 'X (Twitter) posts via API v2 recent search (opt-in, billed per read)',
  textFormat: 'plain',
  options,
  secrets: ['bearerToken'] as const,
  defaultSchedule: '*/30 * * * *',
  rateLimit: { perMinute: 30, concurrency: 1 },
  async *collect(ctx, o) {
    const token = ctx.secrets.bearerToken;
    if (!token) throw new EarshotError('CONFIG', 'x: the `bearerToken` secret is required');
    const prev = ctx.cursor as XCursor | null;
    const now = ctx.clock.now();
    const reads = currentQuota(prev?.reads, utcMonth(now));
    let sinceId = prev?.sinceId ?? null;
    let window = prev?.window ?? null;
    let nextToken: string | null = null;
    const base = o.baseUrl.replace(/\/$/, '');
    const passUntil = window?.untilId || undefined;
    const startTime = new Date(Math.max(ctx.backfillSince.getTime(), now.getTime() - RECENT_WINDOW_MS));

    for (let n = 0; n < ctx.maxPages; n++) {
      const left = o.monthlyReadCap - reads.used;
      if (left < MIN_RESULTS)
        throw new SourceFault(
          'quota-exhausted',
          `X monthly read cap: ${reads.used} of ${o.monthlyReadCap} posts read in ${reads.period}`,
          { context: { period: reads.period, used: reads.used, limit: o.monthlyReadCap } },
        );
      const url = `${base}/2/tweets/search/recent`;
      const res = await ctx.http.get(url, {
        headers: { authorization: `Bearer ${token}` },
        query: {
          query: o.query,
          max_results: Math.min(100, left),
          since_id: sinceId ?? undefined,
          start_time: sinceId ? undefined : startTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          // next_token needs the first request's parameters unchanged, until_id included.
          until_id: passUntil,
          next_token: nextToken ?? undefined,
          'tweet.fields': 'author_id,created_at,lang,public_metrics,conversation_id,referenced_tweets',
          expansions: 'author_id',
          'user.fields': 'username,name,public_metrics,verified,created_at',
        },
        acceptStatus: [200, 429],
        signal: ctx.signal,
      });
      if (res.status === 429) {
        // The monthly usage cap answers 429 too, with a distinct title; it is not worth retrying.
        if (/UsageCapExceeded/i.test(res.text()))
          throw new SourceFault('quota-exhausted', 'X: the account usage cap is exhausted');
        throw new FetchError('upstream answered 429', {
          url,
          status: 429,
          failure: 'status',
          retryAfterMs: rateLimitWaitMs(res.headers, ctx.clock.now().getTime()),
        });
      }
      const remaining = res.headers['x-rate-limit-remaining'];
      if (remaining !== undefined)
        ctx.log.debug({ remaining, reset: res.headers['x-rate-limit-reset'] }, 'x: rate-limit window');
      const page = parseXSearch(res.json(), now);
      reads.used += page.count;
      const newest = maxId(window?.newest ?? null, page.newestId);
      const done = !page.nextToken || page.count === 0;
      if (done) {
        sinceId = maxId(sinceId, newest);
        window = null;
      } else {
        window = { untilId: page.oldestId ?? window?.untilId ?? '', newest: newest ?? '' };
        nextToken = page.nextToken;
      }
      yield { mentions: page.mentions, cursor: { reads: { ...reads }, sinceId, window } satisfies XCursor };
      if (done) return;
    }
  },
});
