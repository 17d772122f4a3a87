import { z } from 'zod';
import { SourceFault } from '../src/errors.ts';
import type { MentionInput } from '../src/mention.ts';
import { htmlToText } from '../src/text.ts';
import { accountFacts, getJson, isRecord } from './_lib/api.ts';
import { type NewestFirstCursor, newestFirst } from './_lib/newest-first.ts';
import { defineCollector } from './types.ts';

/** Resume state: see `NewestFirstCursor` (keys are status ids; `next` is the platform's page position). */
export type MastodonCursor = NewestFirstCursor<string>;

const accountSchema = z.looseObject({
  acct: z.string(),
  display_name: z.string().nullish(),
  followers_count: z.number().nullish(),
  url: z.string().nullish(),
  bot: z.boolean().nullish(),
  // Unknown so a malformed value drops the field, not the status.
  statuses_count: z.unknown().optional(),
  created_at: z.unknown().optional(),
});
const statusSchema = z.looseObject({
  id: z.string(),
  created_at: z.string(),
  url: z.string().nullish(),
  uri: z.string().nullish(),
  content: z.string(),
  spoiler_text: z.string().nullish(),
  language: z.string().nullish(),
  in_reply_to_id: z.string().nullish(),
  replies_count: z.number().nullish(),
  reblogs_count: z.number().nullish(),
  favourites_count: z.number().nullish(),
  account: accountSchema,
  reblog: z.unknown().nullish(),
});
type Status = z.infer<typeof statusSchema>;

/** `max_id` of a Link header's rel="next", or null. */
export function nextMaxId(link: string | undefined): string | null {
  const m = /<([^>]+)>\s*;\s*rel="next"/.exec(link ?? '');
  if (!m) return null;
  try {
    return new URL(m[1]!).searchParams.get('max_id');
  } catch {
    return null;
  }
}

export function mapStatus(s: Status, instanceHost: string): MentionInput {
  const handle = s.account.acct.includes('@') ? s.account.acct : `${s.account.acct}@${instanceHost}`;
  return {
    platform: 'mastodon',
    externalId: s.uri ?? `${instanceHost}/${s.id}`,
    url: s.url ?? s.uri ?? null,
    author: {
      handle,
      name: s.account.display_name || null,
      followers: s.account.followers_count ?? null,
      url: s.account.url ?? null,
      ...accountFacts(s.account.statuses_count, s.account.created_at),
    },
    title: s.spoiler_text || null,
    text: htmlToText(s.content),
    lang: s.language ?? null,
    publishedAt: s.created_at,
    metrics: {
      likes: s.favourites_count ?? null,
      shares: s.reblogs_count ?? null,
      replies: s.replies_count ?? null,
    },
    parentId: s.in_reply_to_id ?? null,
    raw: { id: s.id, bot: s.account.bot ?? undefined },
  };
}

/**
 * Mastodon hashtag timelines and status search on one instance (`baseUrl`), newest first with
 * `max_id` from the Link header. A boost is read as its original status. Statuses are keyed by
 * their URI, which is the same on every instance, so a post seen through two instances is one
 * mention.
 */
export const mastodon = defineCollector({
  id: 'mastodon',
  description: 'Mastodon hashtag timeline or status search on an instance',
  textFormat: 'plain',
  options: z
    .object({
      baseUrl: z.url(),
      hashtag: z
        .string()
        .regex(/^#?[\p{L}\p{N}_]+$/u)
        .optional(),
      query: z.string().min(1).optional(),
      limit: z.number().int().min(1).max(40).default(40),
    })
    .strict()
    .refine((o) => Boolean(o.hashtag) !== Boolean(o.query), { message: 'give either a hashtag or a query' }),
  secrets: ['token'],
  defaultSchedule: '*/10 * * * *',
  rateLimit: { perMinute: 60, concurrency: 1 },
  async *collect(ctx, o) {
    const base = o.baseUrl.replace(/\/$/, '');
    const host = new URL(base).host;
    // Mastodon searches statuses for signed-in accounts only: without a token every instance
    // answers with no statuses, which would read as a calm day.
    if (o.query && !ctx.secrets.token)
      throw new SourceFault(
        'login-wall',
        'Mastodon status search needs an access token (secret "token", scope read:search); without one the instance returns no statuses',
        { retry: false },
      );
    const headers: Record<string, string> = ctx.secrets.token
      ? { authorization: `Bearer ${ctx.secrets.token}` }
      : {};
    yield* newestFirst(
      ctx.cursor as NewestFirstCursor<string> | null,
      ctx.backfillSince,
      ctx.maxPages,
      '',
      async (maxId) => {
        const url = o.hashtag
          ? `${base}/api/v1/timelines/tag/${encodeURIComponent(o.hashtag.replace(/^#/, ''))}`
          : `${base}/api/v2/search`;
        const { res, body } = await getJson(
          ctx.http,
          url,
          {
            headers,
            query: {
              q: o.query,
              type: o.query ? 'statuses' : undefined,
              resolve: o.query ? 'false' : undefined,
              limit: o.limit,
              max_id: maxId || undefined,
            },
            signal: ctx.signal,
          },
          'Mastodon',
        );
        const list = o.hashtag ? body : isRecord(body) ? body.statuses : undefined;
        if (!Array.isArray(list))
          throw new SourceFault(
            'schema-changed',
            o.hashtag ? 'timeline answer is not an array' : 'search answer has no statuses',
          );
        const items = [];
        let lastId: string | null = null;
        for (const raw of list) {
          const outer = statusSchema.safeParse(raw);
          if (!outer.success) continue;
          lastId = outer.data.id;
          const inner = outer.data.reblog ? statusSchema.safeParse(outer.data.reblog) : outer;
          if (!inner.success) continue;
          items.push({
            key: outer.data.id,
            date: new Date(outer.data.created_at),
            mention: mapStatus(inner.data, host),
          });
        }
        if (list.length > 0 && items.length === 0)
          throw new SourceFault('schema-changed', 'no status has the expected fields');
        const next = o.hashtag ? nextMaxId(res.headers.link) : list.length >= o.limit ? lastId : null;
        // A Link that points back at this page would loop until maxPages: treat it as the end.
        if (next !== null && next === maxId) return { items, next: null };
        return { items, next };
      },
    ) as AsyncGenerator<{ mentions: MentionInput[]; cursor: unknown }>;
  },
});
