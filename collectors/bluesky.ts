import { z } from 'zod';
import { SourceFault } from '../src/errors.ts';
import type { MentionInput } from '../src/mention.ts';
import { accountFacts, getJson } from './_lib/api.ts';
import { type NewestFirstCursor, newestFirst } from './_lib/newest-first.ts';
import { defineCollector } from './types.ts';

/** Resume state: see `NewestFirstCursor` (keys are ISO dates; `next` is the platform's page position). */
export type BlueskyCursor = NewestFirstCursor<string>;

const postSchema = z.looseObject({
  uri: z.string(),
  author: z.looseObject({
    did: z.string(),
    handle: z.string(),
    displayName: z.string().nullish(),
    // ProfileViewBasic.createdAt (newer lexicons); unknown so a malformed value drops only it.
    createdAt: z.unknown().optional(),
  }),
  record: z.looseObject({
    text: z.string().default(''),
    createdAt: z.string(),
    langs: z.array(z.string()).nullish(),
    reply: z
      .looseObject({ parent: z.looseObject({ uri: z.string() }), root: z.looseObject({ uri: z.string() }) })
      .nullish(),
  }),
  indexedAt: z.string().nullish(),
  likeCount: z.number().nullish(),
  repostCount: z.number().nullish(),
  replyCount: z.number().nullish(),
  quoteCount: z.number().nullish(),
});
type Post = z.infer<typeof postSchema>;

/** at://did/app.bsky.feed.post/rkey → the bsky.app web URL. */
export function postUrl(uri: string, handle: string): string | null {
  const m = /^at:\/\/[^/]+\/app\.bsky\.feed\.post\/([^/]+)$/.exec(uri);
  return m ? `https://bsky.app/profile/${handle}/post/${m[1]}` : null;
}

export function mapPost(p: Post): MentionInput {
  return {
    platform: 'bluesky',
    externalId: p.uri,
    url: postUrl(p.uri, p.author.handle),
    author: {
      handle: p.author.handle,
      name: p.author.displayName || null,
      url: `https://bsky.app/profile/${p.author.handle}`,
      // The author view has no post count; placeholder dates (0001-01-01) are dropped.
      ...accountFacts(undefined, p.author.createdAt),
    },
    text: p.record.text,
    lang: p.record.langs?.[0] ?? null,
    publishedAt: p.record.createdAt,
    metrics: {
      likes: p.likeCount ?? null,
      shares: (p.repostCount ?? 0) + (p.quoteCount ?? 0),
      replies: p.replyCount ?? null,
    },
    parentId: p.record.reply?.parent.uri ?? null,
    threadId: p.record.reply?.root.uri ?? p.uri,
    raw: { did: p.author.did, indexedAt: p.indexedAt ?? undefined },
  };
}

/**
 * Bluesky `app.bsky.feed.searchPosts`, newest first (`sort=latest`) with the opaque cursor;
 * incremental runs stop at the newest post of the previous run. A `token` secret is sent as a
 * bearer (some AppViews require authentication for search).
 */
export const bluesky = defineCollector({
  id: 'bluesky',
  description: 'Bluesky post search',
  options: z
    .object({
      query: z.string().min(1),
      lang: z.string().optional(),
      limit: z.number().int().min(1).max(100).default(100),
      baseUrl: z.url().default('https://public.api.bsky.app'),
    })
    .strict(),
  secrets: ['token'],
  defaultSchedule: '*/10 * * * *',
  rateLimit: { perMinute: 600, concurrency: 2 },
  async *collect(ctx, o) {
    const base = o.baseUrl.replace(/\/$/, '');
    const headers: Record<string, string> = ctx.secrets.token
      ? { authorization: `Bearer ${ctx.secrets.token}` }
      : {};
    const prev = ctx.cursor as NewestFirstCursor<string> | null;
    // `since` (inclusive) lets the AppView skip what an earlier, finished pass already read.
    const since = prev?.since ?? ctx.backfillSince.toISOString();
    yield* newestFirst(prev, ctx.backfillSince, ctx.maxPages, '', async (cursor) => {
      const { body: raw } = await getJson(
        ctx.http,
        `${base}/xrpc/app.bsky.feed.searchPosts`,
        {
          headers,
          query: {
            q: o.query,
            sort: 'latest',
            since,
            lang: o.lang,
            limit: o.limit,
            cursor: cursor || undefined,
          },
          signal: ctx.signal,
        },
        'Bluesky',
      );
      const body = (raw ?? {}) as { posts?: unknown; cursor?: unknown };
      if (!Array.isArray(body.posts))
        throw new SourceFault('schema-changed', 'searchPosts answer has no posts array');
      const items = [];
      for (const raw of body.posts) {
        const p = postSchema.safeParse(raw);
        if (!p.success) continue;
        const date = new Date(p.data.indexedAt ?? p.data.record.createdAt);
        if (Number.isNaN(date.getTime())) continue;
        items.push({ key: date.toISOString(), date, mention: mapPost(p.data) });
      }
      if (body.posts.length > 0 && items.length === 0)
        throw new SourceFault('schema-changed', 'no post has the expected fields');
      const next = typeof body.cursor === 'string' && body.cursor !== '' ? body.cursor : null;
      return { items, next: body.posts.length > 0 ? next : null };
    }) as AsyncGenerator<{ mentions: MentionInput[]; cursor: unknown }>;
  },
});
