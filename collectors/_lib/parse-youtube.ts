import * as cheerio from 'cheerio';
import { z } from 'zod';
import { SourceFault } from '../../src/errors.ts';
import type { MentionInput } from '../../src/mention.ts';
import { decodeEntities, htmlToText } from '../../src/text.ts';
import { assertNotBlocked } from './html.ts';

/** YouTube Data API v3 bodies and the channel Atom feed, as pure functions over response bodies. */

/** An RFC 3339 timestamp as the API writes it; anything else makes the item malformed. */
const timestamp = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'not a timestamp');

/** Optional fields are nullish (and a malformed optional value is dropped): it drops the field, not the item. */
const optText = z.string().nullish().catch(null);

const searchItem = z.looseObject({
  id: z.looseObject({ kind: optText, videoId: optText }),
  snippet: z.looseObject({
    publishedAt: timestamp,
    channelId: optText,
    channelTitle: optText,
    title: optText,
    description: optText,
  }),
});
const searchPage = z.looseObject({
  kind: z.literal('youtube#searchListResponse').optional(),
  nextPageToken: optText,
  items: z.array(z.unknown()),
});

const commentSnippet = z.looseObject({
  authorDisplayName: optText,
  authorChannelUrl: optText,
  // Absent for a deleted channel; a malformed one drops only the field.
  authorChannelId: z.looseObject({ value: z.string() }).nullish().catch(null),
  videoId: optText,
  textDisplay: optText,
  // Only guaranteed to the comment's author (data API docs); textDisplay stands in.
  textOriginal: optText,
  likeCount: z.number().nullish().catch(null),
  publishedAt: timestamp,
  parentId: optText,
});
const comment = z.looseObject({ id: z.string(), snippet: commentSnippet });
const thread = z.looseObject({
  id: z.string(),
  snippet: z.looseObject({
    videoId: optText,
    topLevelComment: comment,
    totalReplyCount: z.number().nullish().catch(null),
  }),
  replies: z
    .looseObject({ comments: z.array(z.unknown()) })
    .nullish()
    .catch(null),
});
const threadPage = z.looseObject({ nextPageToken: optText, items: z.array(z.unknown()) });

const videoStats = z.looseObject({
  id: z.string(),
  statistics: z
    .looseObject({
      viewCount: z.string().optional(),
      likeCount: z.string().optional(),
      commentCount: z.string().optional(),
    })
    .optional(),
});

export interface SearchVideo {
  videoId: string;
  publishedAt: string;
  mention: MentionInput;
}

const num = (s: string | undefined) => {
  const n = s === undefined ? Number.NaN : Number(s);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
};

/** A non-2xx-looking API body (`{error: {code, message, errors[{reason}]}}`) as a source fault. */
export function assertNoApiError(body: unknown): void {
  const err = (body as { error?: { code?: number; message?: string; errors?: { reason?: string }[] } })
    ?.error;
  if (!err) return;
  const reason = err.errors?.[0]?.reason ?? '';
  if (/quota/i.test(reason)) throw new SourceFault('quota-exhausted', `YouTube: ${err.message ?? reason}`);
  if (/keyInvalid|unauthorized|forbidden/i.test(reason))
    throw new SourceFault('auth-expired', `YouTube: ${err.message ?? reason}`);
  throw new SourceFault('upstream', `YouTube error ${err.code ?? '?'}: ${err.message ?? reason}`);
}

/** `search.list` body → videos (newest first when requested with order=date) and the next page token. */
export function parseSearch(body: unknown): { videos: SearchVideo[]; nextPageToken: string | null } {
  assertNoApiError(body);
  const page = searchPage.safeParse(body);
  if (!page.success) throw new SourceFault('schema-changed', 'YouTube search answer has no items array');
  const videos: SearchVideo[] = [];
  for (const raw of page.data.items) {
    const it = searchItem.safeParse(raw);
    if (!it.success || !it.data.id.videoId) continue;
    const s = it.data.snippet;
    const videoId = it.data.id.videoId;
    videos.push({
      videoId,
      publishedAt: s.publishedAt,
      mention: {
        platform: 'youtube',
        externalId: videoId,
        url: `https://www.youtube.com/watch?v=${videoId}`,
        author: {
          handle: s.channelId ?? s.channelTitle ?? 'unknown',
          name: s.channelTitle ? decodeEntities(s.channelTitle) : null,
          url: s.channelId ? `https://www.youtube.com/channel/${s.channelId}` : null,
        },
        // search.list snippets are HTML-escaped and truncated ("...").
        title: s.title ? decodeEntities(s.title) : null,
        text: s.description ? decodeEntities(s.description) : '',
        publishedAt: s.publishedAt,
        threadId: videoId,
        raw: { kind: 'video', ...it.data },
      },
    });
  }
  if (
    page.data.items.length > 0 &&
    videos.length === 0 &&
    page.data.items.some((i) => !searchItem.safeParse(i).success)
  )
    throw new SourceFault('schema-changed', 'no YouTube search item has the expected fields');
  return { videos, nextPageToken: page.data.nextPageToken ?? null };
}

function mapComment(
  c: z.infer<typeof comment>,
  videoId: string,
  parentId: string,
  replies: number | null,
): MentionInput {
  const s = c.snippet;
  const vid = s.videoId ?? videoId;
  return {
    platform: 'youtube',
    externalId: c.id,
    url: `https://www.youtube.com/watch?v=${vid}&lc=${c.id}`,
    author: {
      handle: s.authorChannelId?.value ?? s.authorDisplayName ?? 'unknown',
      name: s.authorDisplayName ?? null,
      url: s.authorChannelUrl ?? null,
    },
    // textOriginal is what the author typed; textDisplay is rendered HTML (links, entities).
    text: s.textOriginal ?? htmlToText(s.textDisplay ?? ''),
    publishedAt: s.publishedAt,
    metrics: { likes: s.likeCount ?? null, replies },
    parentId,
    threadId: vid,
    raw: { kind: 'comment', ...c },
  };
}

/** `commentThreads.list` body → top-level comments (and any inline replies) as mentions. */
export function parseCommentThreads(
  body: unknown,
  videoId: string,
): { mentions: MentionInput[]; nextPageToken: string | null } {
  assertNoApiError(body);
  const page = threadPage.safeParse(body);
  if (!page.success) throw new SourceFault('schema-changed', 'YouTube commentThreads answer has no items');
  const mentions: MentionInput[] = [];
  for (const raw of page.data.items) {
    const t = thread.safeParse(raw);
    if (!t.success) continue;
    const vid = t.data.snippet.videoId ?? videoId;
    mentions.push(
      mapComment(t.data.snippet.topLevelComment, vid, vid, t.data.snippet.totalReplyCount ?? null),
    );
    for (const r of t.data.replies?.comments ?? []) {
      const rc = comment.safeParse(r);
      if (rc.success) mentions.push(mapComment(rc.data, vid, rc.data.snippet.parentId ?? t.data.id, null));
    }
  }
  if (page.data.items.length > 0 && mentions.length === 0)
    throw new SourceFault('schema-changed', 'no YouTube comment thread has the expected fields');
  return { mentions, nextPageToken: page.data.nextPageToken ?? null };
}

/** `videos.list?part=statistics` body → metrics per video id. */
export function parseVideoStats(
  body: unknown,
): Map<string, { views: number | null; likes: number | null; replies: number | null }> {
  assertNoApiError(body);
  const items = (body as { items?: unknown })?.items;
  if (!Array.isArray(items)) throw new SourceFault('schema-changed', 'YouTube videos answer has no items');
  const out = new Map<string, { views: number | null; likes: number | null; replies: number | null }>();
  for (const raw of items) {
    const v = videoStats.safeParse(raw);
    if (!v.success) continue;
    out.set(v.data.id, {
      views: num(v.data.statistics?.viewCount),
      likes: num(v.data.statistics?.likeCount),
      replies: num(v.data.statistics?.commentCount),
    });
  }
  return out;
}

/**
 * The key-less channel feed (`/feeds/videos.xml?channel_id=`): the channel's latest 15 videos with
 * view counts (`media:statistics`) and the legacy star rating (kept in raw).
 */
export function parseChannelAtom(text: string): MentionInput[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed) throw new SourceFault('empty', 'the YouTube channel feed answered with an empty body');
  const $ = cheerio.load(trimmed, { xml: { xmlMode: true } });
  const root = $.root().children().first();
  if ((root.prop('tagName') ?? '').toLowerCase() !== 'feed') {
    assertNotBlocked(trimmed);
    throw new SourceFault('schema-changed', 'the YouTube channel feed is not an Atom document');
  }
  if (!/<\/feed>\s*$/.test(trimmed))
    throw new SourceFault('parse-error', 'the YouTube channel feed is incomplete');
  const out: MentionInput[] = [];
  root.children('entry').each((_, el) => {
    const e = $(el);
    const videoId =
      e.children('yt\\:videoId').text().trim() ||
      e
        .children('id')
        .text()
        .replace(/^yt:video:/, '')
        .trim();
    const published = e.children('published').text().trim();
    if (!videoId || !published) return;
    const group = e.children('media\\:group');
    const stats = group.find('media\\:statistics').first();
    const star = group.find('media\\:starRating').first();
    const channelId = e.children('yt\\:channelId').text().trim();
    const authorName = e.find('author > name').first().text().trim();
    out.push({
      platform: 'youtube',
      externalId: videoId,
      url: e.children('link[rel="alternate"]').attr('href') ?? `https://www.youtube.com/watch?v=${videoId}`,
      author: {
        handle: channelId || authorName || 'unknown',
        name: authorName || null,
        url: e.find('author > uri').first().text().trim() || null,
      },
      title: e.children('title').text().trim() || null,
      text: group.children('media\\:description').text().trim(),
      publishedAt: published,
      metrics: { views: num(stats.attr('views')) },
      threadId: videoId,
      raw: {
        kind: 'video',
        updated: e.children('updated').text().trim() || null,
        starRating: star.length
          ? { count: num(star.attr('count')), average: Number(star.attr('average')) || null }
          : null,
      },
    });
  });
  return out;
}
