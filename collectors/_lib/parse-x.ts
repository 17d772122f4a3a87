import { z } from 'zod';
import { SourceFault } from '../../src/errors.ts';
import type { MentionInput } from '../../src/mention.ts';
import { decodeEntities } from '../../src/text.ts';
import { accountFacts } from './api.ts';
import { compareKeys } from './newest-first.ts';

const metrics = z
  .looseObject({
    like_count: z.number().nullish(),
    retweet_count: z.number().nullish(),
    quote_count: z.number().nullish(),
    reply_count: z.number().nullish(),
    impression_count: z.number().nullish(),
  })
  .nullish();

const reference = z.looseObject({ type: z.string(), id: z.string() });

/** Optional fields are nullish: a null where a value is optional drops the value, not the post. */
const tweet = z.looseObject({
  id: z.string(),
  text: z.string(),
  author_id: z.string().nullish(),
  created_at: z.string().nullish(),
  lang: z.string().nullish(),
  conversation_id: z.string().nullish(),
  referenced_tweets: z.array(z.unknown()).nullish(),
  public_metrics: metrics,
});

const user = z.looseObject({
  id: z.string(),
  username: z.string(),
  name: z.string().nullish(),
  verified: z.boolean().nullish(),
  // Unknown so a malformed value drops the field, not the author.
  created_at: z.unknown().optional(),
  public_metrics: z
    .looseObject({ followers_count: z.number().nullish(), tweet_count: z.unknown().optional() })
    .nullish(),
});

const page = z.looseObject({
  data: z.array(z.unknown()).nullish(),
  includes: z.looseObject({ users: z.array(z.unknown()).nullish() }).nullish(),
  meta: z
    .looseObject({
      newest_id: z.string().nullish(),
      oldest_id: z.string().nullish(),
      result_count: z.number().nullish(),
      next_token: z.string().nullish(),
    })
    .nullish(),
  errors: z.array(z.looseObject({ title: z.string().optional(), detail: z.string().optional() })).optional(),
});

export interface XPage {
  mentions: MentionInput[];
  /** Posts in the answer: what X bills as reads. */
  count: number;
  newestId: string | null;
  oldestId: string | null;
  nextToken: string | null;
}

const nonNeg = (n: number | null | undefined) => (n == null || n < 0 ? null : n);

/** API v2 recent search body → mentions, with authors from `includes.users`. */
export function parseXSearch(body: unknown, collectedAt: Date): XPage {
  const p = page.safeParse(body);
  if (!p.success) throw new SourceFault('schema-changed', 'X search answer is not an object with data/meta');
  if (!p.data.data && !p.data.meta) {
    const e = p.data.errors?.[0];
    if (e)
      throw new SourceFault('upstream', `X answered an error: ${e.title ?? ''} ${e.detail ?? ''}`.trim());
    throw new SourceFault('schema-changed', 'X search answer has neither data nor meta');
  }
  const users = new Map<string, z.infer<typeof user>>();
  for (const raw of p.data.includes?.users ?? []) {
    const u = user.safeParse(raw);
    if (u.success) users.set(u.data.id, u.data);
  }
  const mentions: MentionInput[] = [];
  for (const raw of p.data.data ?? []) {
    const t = tweet.safeParse(raw);
    if (!t.success) continue;
    const tw = t.data;
    const u = tw.author_id ? users.get(tw.author_id) : undefined;
    const pm = tw.public_metrics;
    const shares =
      pm && (pm.retweet_count != null || pm.quote_count != null)
        ? (pm.retweet_count ?? 0) + (pm.quote_count ?? 0)
        : null;
    mentions.push({
      platform: 'x',
      externalId: tw.id,
      url: u ? `https://x.com/${u.username}/status/${tw.id}` : `https://x.com/i/web/status/${tw.id}`,
      author: {
        handle: u?.username ?? tw.author_id ?? 'unknown',
        name: u?.name ?? null,
        followers: nonNeg(u?.public_metrics?.followers_count),
        verified: u?.verified ?? null,
        url: u ? `https://x.com/${u.username}` : null,
        ...accountFacts(u?.public_metrics?.tweet_count, u?.created_at),
      },
      // X returns text with &amp; &lt; &gt; escaped.
      text: decodeEntities(tw.text),
      lang: tw.lang && tw.lang !== 'und' ? tw.lang : null,
      publishedAt: tw.created_at ?? collectedAt,
      metrics: pm
        ? {
            likes: nonNeg(pm.like_count),
            shares,
            replies: nonNeg(pm.reply_count),
            views: nonNeg(pm.impression_count),
          }
        : null,
      parentId:
        (tw.referenced_tweets ?? [])
          .map((r) => reference.safeParse(r))
          .find((r) => r.success && r.data.type === 'replied_to')?.data?.id ?? null,
      threadId: tw.conversation_id ?? null,
      raw: { ...tw, author: u ?? null },
    });
  }
  if ((p.data.data?.length ?? 0) > 0 && mentions.length === 0)
    throw new SourceFault('schema-changed', 'no X post has the expected fields');
  const meta = p.data.meta;
  const sorted = mentions.map((m) => String(m.externalId)).sort(compareKeys);
  return {
    mentions,
    count: p.data.data?.length ?? 0,
    newestId: meta?.newest_id ?? sorted.at(-1) ?? null,
    oldestId: meta?.oldest_id ?? sorted[0] ?? null,
    nextToken: meta?.next_token ?? null,
  };
}
