import { z } from 'zod';
import type { MentionInput } from '../src/mention.ts';
import { decodeDocument } from './_lib/html.ts';
import { type NewestFirstCursor, newestFirst } from './_lib/newest-first.ts';
import { parseTrustpilotPage } from './_lib/parse-trustpilot.ts';
import { defineCollector } from './types.ts';

export type TrustpilotCursor = NewestFirstCursor<number>;

/**
 * Trustpilot reviews of one company, newest first (`/review/<domain>?page=N&sort=recency`).
 * The publication date keys the incremental stop; the star rating and any company reply stay in
 * `raw`, "useful" votes become likes.
 */
export const trustpilot = defineCollector({
  id: 'trustpilot',
  description: 'Trustpilot company reviews (newest first)',
  textFormat: 'plain',
  options: z
    .object({
      /** The company's review-page name, e.g. `example.com`. */
      domain: z.string().regex(/^[a-z0-9.-]+$/i, 'a domain such as example.com'),
      languages: z.string().default('all'),
      baseUrl: z.url().default('https://www.trustpilot.com'),
    })
    .strict(),
  defaultSchedule: '0 */2 * * *',
  rateLimit: { perMinute: 10, concurrency: 1 },
  async *collect(ctx, o) {
    const base = o.baseUrl.replace(/\/$/, '');
    yield* newestFirst<number, MentionInput>(
      ctx.cursor as TrustpilotCursor | null,
      ctx.backfillSince,
      ctx.maxPages,
      1,
      async (page) => {
        const url = `${base}/review/${o.domain}`;
        const res = await ctx.http.get(url, {
          // Page 1 has no page parameter (Trustpilot redirects `page=1` to the bare URL).
          query: { page: page > 1 ? page : undefined, sort: 'recency', languages: o.languages },
          signal: ctx.signal,
        });
        const html = decodeDocument(
          res.body,
          /charset=([^;]+)/i.exec(res.headers['content-type'] ?? '')?.[1],
        );
        const parsed = parseTrustpilotPage(html, res.url, ctx.clock.now());
        return { items: parsed.reviews, next: parsed.hasNext ? page + 1 : null };
      },
    );
  },
});
