import { z } from 'zod';
import { SourceFault } from '../src/errors.ts';
import type { MentionInput } from '../src/mention.ts';
import { getJson } from './_lib/api.ts';
import { escapeHtml } from './_lib/html.ts';
import { defineCollector } from './types.ts';

const hitSchema = z.looseObject({
  objectID: z.union([z.string(), z.number()]),
  created_at_i: z.number().nonnegative().max(9_999_999_999),
  author: z.string().nullish(),
  title: z.string().nullish(),
  url: z.string().nullish(),
  story_text: z.string().nullish(),
  comment_text: z.string().nullish(),
  story_title: z.string().nullish(),
  points: z.number().nullish(),
  num_comments: z.number().nullish(),
  parent_id: z.union([z.number(), z.string()]).nullish(),
  story_id: z.union([z.number(), z.string()]).nullish(),
  _tags: z.array(z.string()).optional(),
});
const pageSchema = z.looseObject({ hits: z.array(z.unknown()), nbHits: z.number().optional() });

type Hit = z.infer<typeof hitSchema>;

/**
 * Resume state: the window (since, upper] still to read, and the newest item seen. `page` (absent
 * means 0) is the Algolia page to read next within that window; it is non-zero only while
 * paging through more than `hitsPerPage` hits that share the second `upper`, all of them on the
 * pages before it. Cursors written before `page` existed read as page 0.
 */
export interface HnCursor {
  since: number;
  upper: number | null;
  newest: number;
  page?: number;
}

/** Algolia serves no hit past the 1,000th of a query (`paginationLimitedTo`), whatever the page. */
const ALGOLIA_HIT_CAP = 1000;

export function mapHit(h: Hit): MentionInput {
  const id = String(h.objectID);
  const isComment = h._tags?.includes('comment') ?? Boolean(h.comment_text);
  const { _highlightResult: _drop, ...raw } = h as Hit & { _highlightResult?: unknown };
  return {
    platform: 'hackernews',
    externalId: id,
    url: `https://news.ycombinator.com/item?id=${id}`,
    author: {
      handle: h.author || '[deleted]',
      url: h.author ? `https://news.ycombinator.com/user?id=${encodeURIComponent(h.author)}` : null,
    },
    title: isComment ? null : (h.title ?? null),
    // comment_text and story_text are HTML; a title standing in for them is plain text.
    text: h.comment_text ?? h.story_text ?? escapeHtml(h.title ?? h.story_title ?? ''),
    lang: null,
    publishedAt: new Date(h.created_at_i * 1000).toISOString(),
    metrics: { likes: h.points ?? null, replies: h.num_comments ?? null },
    parentId: h.parent_id != null ? String(h.parent_id) : null,
    threadId: h.story_id != null ? String(h.story_id) : isComment ? null : id,
    raw,
  };
}

/**
 * Hacker News through the Algolia search API, newest first. Pages are read by moving the upper
 * time bound down (keyset pagination on created_at_i) instead of `page=`, so there is no
 * 1,000-hit cap and a crash mid-window resumes exactly where the last committed page ended.
 *
 * A full page yields only its hits newer than its oldest second; the next page starts at that
 * second (inclusive), so hits of one second are never split between two queries. When a full
 * page is all one second, the window's bound is set to it and Algolia's `page` reads the rest of
 * that second (in practice far fewer than the 1,000-hit cap) before the bound moves below it.
 * Each run re-reads the last `repollHours` to refresh points and comment counts.
 */
export const hackerNews = defineCollector({
  id: 'hacker-news',
  description: 'Hacker News stories and comments (Algolia search by date)',
  textFormat: 'html',
  options: z
    .object({
      query: z.string().min(1),
      tags: z.string().default('(story,comment)'),
      hitsPerPage: z.number().int().min(1).max(1000).default(100),
      repollHours: z.number().min(0).max(168).default(6),
      baseUrl: z.url().default('https://hn.algolia.com'),
    })
    .strict(),
  defaultSchedule: '*/15 * * * *',
  rateLimit: { perMinute: 100, concurrency: 2 },
  async *collect(ctx, o) {
    const prev = ctx.cursor as HnCursor | null;
    const since = prev
      ? prev.upper === null
        ? Math.max(0, prev.since - o.repollHours * 3600)
        : prev.since
      : Math.floor(ctx.backfillSince.getTime() / 1000);
    let upper = prev?.upper ?? null;
    let newest = prev?.newest ?? since;
    // Only meaningful with a bound: the hits of second `upper` on pages before it were read.
    let pageNo = upper !== null && Number.isSafeInteger(prev?.page) && prev!.page! > 0 ? prev!.page! : 0;
    for (let pages = 0; pages < ctx.maxPages; pages++) {
      const filters = [`created_at_i>${since}`];
      if (upper !== null) filters.push(`created_at_i<=${upper}`);
      const { body } = await getJson(
        ctx.http,
        `${o.baseUrl.replace(/\/$/, '')}/api/v1/search_by_date`,
        {
          query: {
            query: o.query,
            tags: o.tags,
            hitsPerPage: o.hitsPerPage,
            numericFilters: filters.join(','),
            ...(pageNo > 0 ? { page: pageNo } : {}),
          },
          signal: ctx.signal,
        },
        'Hacker News',
      );
      const page = pageSchema.safeParse(body);
      if (!page.success) throw new SourceFault('schema-changed', 'Algolia answer has no hits array');
      const hits: Hit[] = [];
      for (const raw of page.data.hits) {
        const h = hitSchema.safeParse(raw);
        if (h.success) hits.push(h.data);
        else ctx.log.warn({ issue: h.error.issues[0]?.message }, 'skipping a malformed hit');
      }
      if (page.data.hits.length > 0 && hits.length === 0)
        throw new SourceFault('schema-changed', 'no hit has the expected fields');
      if (page.data.hits.length < o.hitsPerPage) {
        // The window's last page: every hit left in it is here.
        for (const h of hits) newest = Math.max(newest, h.created_at_i);
        yield {
          mentions: hits.map(mapHit),
          cursor: { since: newest, upper: null, newest } satisfies HnCursor,
        };
        return;
      }
      const oldest = hits.reduce((m, h) => Math.min(m, h.created_at_i), Number.POSITIVE_INFINITY);
      const latest = hits.reduce((m, h) => Math.max(m, h.created_at_i), Number.NEGATIVE_INFINITY);
      let take: Hit[];
      if (oldest === latest && (pageNo === 0 || oldest === upper)) {
        // A full page of one second: nothing in the window is newer than it (page 0), or the
        // pages before held only this second. Read on within it with the next page.
        take = hits;
        upper = oldest;
        pageNo++;
        if ((pageNo + 1) * o.hitsPerPage > ALGOLIA_HIT_CAP) {
          ctx.log.warn(
            { second: oldest, read: pageNo * o.hitsPerPage },
            'more hits in one second than Algolia serves; the rest of that second is skipped',
          );
          upper = oldest - 1;
          pageNo = 0;
        }
      } else {
        // Every hit newer than the page's oldest second is read (the order is newest first);
        // that second may go on past the page, so it is left whole to the next query.
        take = hits.filter((h) => h.created_at_i > oldest);
        upper = oldest;
        pageNo = 0;
      }
      for (const h of take) newest = Math.max(newest, h.created_at_i);
      const cursor: HnCursor = { since, upper, newest, ...(pageNo > 0 ? { page: pageNo } : {}) };
      yield { mentions: take.map(mapHit), cursor };
    }
  },
});
