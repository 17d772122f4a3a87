import { z } from 'zod';
import { SourceFault } from '../src/errors.ts';
import type { MentionInput } from '../src/mention.ts';
import { getJson } from './_lib/api.ts';
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

/** Resume state: the window (since, upper] still to read, and the newest item seen. */
export interface HnCursor {
  since: number;
  upper: number | null;
  newest: number;
}

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
    text: h.comment_text ?? h.story_text ?? h.title ?? h.story_title ?? '',
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
 * Each run re-reads the last `repollHours` to refresh points and comment counts.
 */
export const hackerNews = defineCollector({
  id: 'hacker-news',
  description: 'Hacker News stories and comments (Algolia search by date)',
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
      for (const h of hits) newest = Math.max(newest, h.created_at_i);
      const oldest = hits.reduce((m, h) => Math.min(m, h.created_at_i), Number.POSITIVE_INFINITY);
      const done = page.data.hits.length < o.hitsPerPage;
      // More than a page within one second would not move the bound: step past it.
      const nextUpper = oldest === upper ? oldest - 1 : oldest;
      const cursor: HnCursor = done
        ? { since: newest, upper: null, newest }
        : { since, upper: nextUpper, newest };
      yield { mentions: hits.map(mapHit), cursor };
      if (done) return;
      upper = nextUpper;
    }
  },
});
