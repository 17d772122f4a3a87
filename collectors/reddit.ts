import { z } from 'zod';
import { SourceFault } from '../src/errors.ts';
import type { MentionInput } from '../src/mention.ts';
import { asAuthFault, getJson } from './_lib/api.ts';
import { type NewestFirstCursor, newestFirst } from './_lib/newest-first.ts';
import { defineCollector, type HttpClient } from './types.ts';

/** Resume state: see `NewestFirstCursor` (keys are ISO dates; `next` is the platform's page position). */
export type RedditCursor = NewestFirstCursor<string>;

const thingSchema = z.looseObject({
  kind: z.string(),
  data: z.looseObject({
    name: z.string(),
    id: z.string().nullish(),
    author: z.string().nullish(),
    // A number; some mirrors and older dumps write it as a numeric string.
    created_utc: z
      .union([
        z.number(),
        z
          .string()
          .regex(/^\d+(\.\d+)?$/)
          .transform(Number),
      ])
      .pipe(z.number().nonnegative().max(9_999_999_999)),
    permalink: z.string().nullish(),
    title: z.string().nullish(),
    selftext: z.string().nullish(),
    body: z.string().nullish(),
    url: z.string().nullish(),
    score: z.number().nullish(),
    num_comments: z.number().nullish(),
    subreddit: z.string().nullish(),
    link_id: z.string().nullish(),
    parent_id: z.string().nullish(),
    link_title: z.string().nullish(),
    over_18: z.boolean().nullish(),
  }),
});
const listingSchema = z.looseObject({
  data: z.looseObject({ after: z.string().nullish(), children: z.array(z.unknown()) }),
});

type Thing = z.infer<typeof thingSchema>['data'] & { kind: string };

/**
 * What Reddit leaves in place of a body that is gone: `[deleted]` (by its author), `[removed]`
 * (by moderators), `[ Removed by Reddit ]` and its longer forms (by Reddit's admins).
 */
const GONE = /^\[\s*(deleted|removed)(\s+by\s+reddit\b.*)?\s*\]$/is;
export const isGone = (text: string | null | undefined) => GONE.test((text ?? '').trim());

/** The id without its kind prefix (`t1_abc` → `abc`). */
const bare = (fullname: string | null | undefined) => (fullname ?? '').replace(/^t\d_/, '');

/**
 * The thing's page: its permalink, else one built from its ids (comment listings from some
 * endpoints and mirrors carry no permalink; `/comments/<post>/_/<comment>/` redirects to it).
 */
function urlOf(t: Thing, isComment: boolean): string | null {
  const permalink = (t.permalink ?? '').replace(/\?.*$/, '');
  if (permalink) return new URL(permalink, 'https://www.reddit.com').toString();
  const id = t.id || bare(t.name);
  if (!id) return null;
  if (!isComment) return `https://www.reddit.com/comments/${encodeURIComponent(id)}/`;
  const post = bare(t.link_id);
  return post
    ? `https://www.reddit.com/comments/${encodeURIComponent(post)}/_/${encodeURIComponent(id)}/`
    : null;
}

/**
 * A listing item as a mention, or null when nothing of it is left to listen to: a comment whose
 * body was deleted or removed, or a post whose text is gone and that has no title. A removed
 * post's title is still what was said (and often what a crisis is about): it stays, as the text.
 */
export function mapThing(t: Thing): MentionInput | null {
  const isComment = t.kind === 't1';
  if (isComment && isGone(t.body)) return null;
  const selftext = isGone(t.selftext) ? '' : (t.selftext ?? '');
  if (!isComment && isGone(t.selftext) && !t.title?.trim()) return null;
  return {
    platform: 'reddit',
    externalId: t.name,
    url: urlOf(t, isComment),
    author: {
      handle: t.author || '[deleted]',
      url:
        t.author && t.author !== '[deleted]'
          ? `https://www.reddit.com/user/${encodeURIComponent(t.author)}`
          : null,
    },
    title: isComment ? null : (t.title ?? null),
    text: isComment ? (t.body ?? '') : selftext || t.title || t.url || '',
    publishedAt: new Date(t.created_utc * 1000).toISOString(),
    metrics: { likes: t.score ?? null, replies: isComment ? null : (t.num_comments ?? null) },
    parentId: isComment ? (t.parent_id ?? null) : null,
    threadId: isComment ? (t.link_id ?? null) : t.name,
    raw: {
      kind: t.kind,
      subreddit: t.subreddit,
      permalink: t.permalink ?? undefined,
      linkTitle: t.link_title ?? undefined,
      nsfw: t.over_18 ?? undefined,
      removed: isGone(t.selftext) || undefined,
    },
  };
}

/** App-only OAuth token (client_credentials); public JSON when no credentials are configured. */
async function bearer(
  http: HttpClient,
  base: string,
  secrets: Record<string, string>,
  signal: AbortSignal,
): Promise<string | null> {
  if (!secrets.clientId || !secrets.clientSecret) return null;
  const res = await http
    .request(`${base}/api/v1/access_token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${secrets.clientId}:${secrets.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
      signal,
    })
    .catch((err: unknown) => {
      throw asAuthFault(err, 'Reddit');
    });
  const token = (res.json() as { access_token?: string }).access_token;
  if (!token) throw new SourceFault('auth-expired', 'Reddit did not return an access token');
  return token;
}

/**
 * Reddit search and subreddit listings (posts or comments), newest first with `after`
 * pagination. With `clientId`/`clientSecret` secrets it uses app-only OAuth on oauth.reddit.com
 * (100 requests a minute); without, the public JSON (about 10 a minute).
 */
export const reddit = defineCollector({
  id: 'reddit',
  description: 'Reddit search and subreddit posts or comments',
  textFormat: 'plain',
  options: z
    .object({
      query: z.string().min(1).optional(),
      subreddit: z
        .string()
        .regex(/^[A-Za-z0-9_]{2,21}$/)
        .optional(),
      listing: z.enum(['posts', 'comments']).default('posts'),
      limit: z.number().int().min(1).max(100).default(100),
      baseUrl: z.url().optional(),
    })
    .strict()
    .refine((o) => o.query || o.subreddit, { message: 'give a query, a subreddit, or both' }),
  secrets: ['clientId', 'clientSecret'],
  defaultSchedule: '*/10 * * * *',
  rateLimit: { perMinute: 10, concurrency: 1 },
  async *collect(ctx, o) {
    const authBase = o.baseUrl ?? 'https://www.reddit.com';
    const token = await bearer(ctx.http, authBase, ctx.secrets, ctx.signal);
    const base = (o.baseUrl ?? (token ? 'https://oauth.reddit.com' : 'https://www.reddit.com')).replace(
      /\/$/,
      '',
    );
    const json = token ? '' : '.json';
    const path =
      o.listing === 'comments' && o.subreddit
        ? `/r/${o.subreddit}/comments${json}`
        : o.query
          ? `${o.subreddit ? `/r/${o.subreddit}` : ''}/search${json}`
          : `/r/${o.subreddit}/new${json}`;
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    yield* newestFirst(
      ctx.cursor as NewestFirstCursor<string> | null,
      ctx.backfillSince,
      ctx.maxPages,
      '',
      async (after) => {
        const { body } = await getJson(
          ctx.http,
          `${base}${path}`,
          {
            headers,
            query: {
              q: o.query,
              restrict_sr: o.query && o.subreddit ? 'on' : undefined,
              sort: o.query ? 'new' : undefined,
              limit: o.limit,
              raw_json: 1,
              after: after || undefined,
            },
            signal: ctx.signal,
          },
          'Reddit',
        );
        const listing = listingSchema.safeParse(body);
        if (!listing.success) throw new SourceFault('schema-changed', 'Reddit answer is not a Listing');
        const items = [];
        let parsed = 0;
        for (const raw of listing.data.data.children) {
          const t = thingSchema.safeParse(raw);
          if (!t.success) continue;
          parsed++;
          // Posts and comments only: a search can also list subreddits (t5) or users (t2).
          if (!['t1', 't3'].includes(t.data.kind)) continue;
          const thing = { ...t.data.data, kind: t.data.kind };
          const date = new Date(thing.created_utc * 1000);
          items.push({
            key: date.toISOString(),
            date,
            mention: mapThing(thing),
            pinned: (raw as { data?: { stickied?: boolean } }).data?.stickied === true,
          });
        }
        if (listing.data.data.children.length > 0 && parsed === 0)
          throw new SourceFault('schema-changed', 'no Reddit item has the expected fields');
        return { items, next: listing.data.data.after ?? null };
      },
    ) as AsyncGenerator<{ mentions: MentionInput[]; cursor: unknown }>;
  },
});
