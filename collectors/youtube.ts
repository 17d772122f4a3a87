import { z } from 'zod';
import { EarshotError, SourceFault } from '../src/errors.ts';
import type { MentionInput } from '../src/mention.ts';
import {
  assertNoApiError,
  parseChannelAtom,
  parseCommentThreads,
  parseSearch,
  parseVideoStats,
} from './_lib/parse-youtube.ts';
import { currentQuota, pacificDay, type QuotaState, spend } from './_lib/quota.ts';
import { defineCollector, type HttpResponse } from './types.ts';

/** Documented Data API costs (units): search.list 100, commentThreads.list and videos.list 1. */
export const YOUTUBE_COST = { search: 100, commentThreads: 1, videos: 1 } as const;

export interface RecentVideo {
  id: string;
  at: string;
  video: Omit<MentionInput, 'raw'>;
}

export interface YoutubeCursor {
  /** Units spent in the current Pacific day; survives restarts, resets at Pacific midnight. */
  quota: QuotaState;
  /** Lower bound (publishedAfter) of the next search window. */
  since: string | null;
  /** A search window in progress: fixed bounds and the page to read next. */
  window: { since: string; until: string; pageToken: string | null; newest: string | null } | null;
  /** Recent videos whose comments and statistics are re-polled (mapped video, raw dropped). */
  recent: RecentVideo[];
}

const options = z
  .object({
    /** Search terms (search.list `q`); needs the `key` secret. */
    query: z.string().min(1).optional(),
    /** A channel id for the key-less channel feed (latest 15 videos, views). */
    channelId: z.string().min(1).optional(),
    dailyQuota: z.number().int().positive().default(10_000),
    /** commentThreads pages (100 comments each) per found video. */
    maxCommentPages: z.number().int().min(0).max(20).default(1),
    /** How long a found video's comments and statistics keep being re-polled. */
    repollHours: z
      .number()
      .min(0)
      .max(24 * 30)
      .default(48),
    maxRepollVideos: z.number().int().min(0).max(200).default(20),
    /** Each search window starts this far before the last newest video (indexing delay). */
    lookbackMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(60),
    statistics: z.boolean().default(true),
    regionCode: z.string().length(2).optional(),
    relevanceLanguage: z.string().min(2).max(8).optional(),
    baseUrl: z.url().optional(),
  })
  .strict()
  .refine((o) => Boolean(o.query) !== Boolean(o.channelId), {
    message: 'give exactly one of query (Data API search) or channelId (channel feed)',
  });

type Options = z.output<typeof options>;

const iso = (d: Date) => d.toISOString();
const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a >= b ? a : b);

/**
 * YouTube: Data API v3 keyword search (newest first) plus the comment threads of every video
 * found, or the key-less channel Atom feed. Search windows are fixed at start ([since, until)),
 * paged with pageToken; a crash resumes at the committed token. Quota is counted in the cursor
 * before each call, and the collector stops with `quota-exhausted` rather than exceed it.
 */
export const youtube = defineCollector({
  id: 'youtube',
  description: 'YouTube videos and comments (Data API v3 search + commentThreads, or a channel feed)',
  textFormat: 'plain',
  options,
  secrets: ['key'] as const,
  defaultSchedule: '0 * * * *',
  rateLimit: { perMinute: 60, concurrency: 2 },
  async *collect(ctx, o: Options) {
    const prev = ctx.cursor as YoutubeCursor | null;
    const now = ctx.clock.now();
    const quota = currentQuota(prev?.quota, pacificDay(now));

    if (o.channelId) {
      const base = (o.baseUrl ?? 'https://www.youtube.com').replace(/\/$/, '');
      const res = await ctx.http.get(`${base}/feeds/videos.xml`, {
        query: { channel_id: o.channelId },
        signal: ctx.signal,
      });
      const mentions = parseChannelAtom(res.text());
      const cursor: YoutubeCursor = { quota, since: prev?.since ?? null, window: null, recent: [] };
      yield { mentions, cursor };
      return;
    }

    const key = ctx.secrets.key;
    if (!key)
      throw new EarshotError('CONFIG', 'youtube: the `key` secret (a Data API key) is required for query');
    const api = `${(o.baseUrl ?? 'https://www.googleapis.com').replace(/\/$/, '')}/youtube/v3`;
    let committed: YoutubeCursor = prev
      ? { ...prev, quota: { ...quota } }
      : { quota: { ...quota }, since: null, window: null, recent: [] };

    const call = async (
      endpoint: 'search' | 'commentThreads' | 'videos',
      query: Record<string, string | number | undefined>,
    ) => {
      spend(quota, YOUTUBE_COST[endpoint], o.dailyQuota, 'YouTube Data API daily quota');
      return ctx.http.get(`${api}/${endpoint}`, {
        query: { ...query, key },
        acceptStatus: [200, 400, 403, 404],
        signal: ctx.signal,
      });
    };
    const reasonOf = (res: HttpResponse) =>
      (res.json<{ error?: { errors?: { reason?: string }[] } }>()?.error?.errors?.[0]?.reason ??
        '') as string;

    const comments = async (videoId: string, pages: number): Promise<MentionInput[]> => {
      const out: MentionInput[] = [];
      let token: string | undefined;
      for (let p = 0; p < pages; p++) {
        const res = await call('commentThreads', {
          part: 'snippet,replies',
          videoId,
          order: 'time',
          maxResults: 100,
          textFormat: 'plainText',
          pageToken: token,
        });
        if (res.status !== 200) {
          // Comments turned off or the video removed: nothing to read, not a source fault.
          if (/commentsDisabled|videoNotFound/.test(reasonOf(res))) return out;
          assertNoApiError(res.json());
          throw new SourceFault('upstream', `YouTube commentThreads answered ${res.status}`);
        }
        const page = parseCommentThreads(res.json(), videoId);
        out.push(...page.mentions);
        if (!page.nextPageToken) break;
        token = page.nextPageToken;
      }
      return out;
    };

    const withStats = async (videos: MentionInput[]) => {
      if (!o.statistics || videos.length === 0) return;
      for (let i = 0; i < videos.length; i += 50) {
        const chunk = videos.slice(i, i + 50);
        const res = await call('videos', {
          part: 'statistics',
          id: chunk.map((v) => v.externalId).join(','),
        });
        if (res.status !== 200) assertNoApiError(res.json());
        const stats = parseVideoStats(res.json());
        for (const v of chunk) {
          const s = stats.get(String(v.externalId));
          if (s) v.metrics = s;
        }
      }
    };

    const keepRecent = (list: RecentVideo[]) => {
      const cutoff = now.getTime() - o.repollHours * 3_600_000;
      const byId = new Map(list.filter((r) => Date.parse(r.at) >= cutoff).map((r) => [r.id, r]));
      return [...byId.values()].sort((a, b) => (a.at < b.at ? 1 : -1)).slice(0, o.maxRepollVideos);
    };

    try {
      let window = committed.window;
      if (!window) {
        // A new window. First re-poll the recent videos: fresh comments and statistics.
        const startFrom = committed.since
          ? new Date(Date.parse(committed.since) - o.lookbackMinutes * 60_000)
          : ctx.backfillSince;
        window = { since: iso(startFrom), until: iso(now), pageToken: null, newest: null };
        const recent = keepRecent(committed.recent);
        const mentions: MentionInput[] = [];
        if (recent.length > 0) {
          const refreshed: MentionInput[] = recent.map((r) => ({ ...r.video }));
          await withStats(refreshed);
          mentions.push(...refreshed);
          for (const r of recent) mentions.push(...(await comments(r.id, 1)));
        }
        committed = { ...committed, quota: { ...quota }, window, recent };
        yield { mentions, cursor: committed };
      }

      for (let n = 0; n < ctx.maxPages; n++) {
        const res = await call('search', {
          part: 'snippet',
          q: o.query,
          type: 'video',
          order: 'date',
          maxResults: 50,
          publishedAfter: window.since,
          publishedBefore: window.until,
          regionCode: o.regionCode,
          relevanceLanguage: o.relevanceLanguage,
          pageToken: window.pageToken ?? undefined,
        });
        if (res.status !== 200) {
          if (res.status === 400 && window.pageToken && /pageToken/i.test(reasonOf(res) + res.text())) {
            // An expired page token: restart this window from its top (overlap is a refresh).
            ctx.log.warn({ status: res.status }, 'youtube: page token rejected, restarting the window');
            window = { ...window, pageToken: null };
            continue;
          }
          assertNoApiError(res.json());
          throw new SourceFault('upstream', `YouTube search answered ${res.status}`);
        }
        const page = parseSearch(res.json());
        const mentions: MentionInput[] = page.videos.map((v) => v.mention);
        await withStats(mentions);
        for (const v of page.videos) {
          if (o.maxCommentPages > 0) mentions.push(...(await comments(v.videoId, o.maxCommentPages)));
        }
        const newest: string | null = page.videos.reduce<string | null>(
          (m, v) => later(m, iso(new Date(v.publishedAt))),
          window.newest,
        );
        const recent = keepRecent([
          ...committed.recent,
          ...page.videos.map((v) => {
            const { raw: _raw, ...video } = v.mention;
            return { id: v.videoId, at: iso(new Date(v.publishedAt)), video };
          }),
        ]);
        const done = !page.nextPageToken || page.videos.length === 0;
        window = done ? null : { ...window, pageToken: page.nextPageToken, newest };
        committed = {
          quota: { ...quota },
          since: done ? (later(committed.since, newest) ?? window?.until ?? null) : committed.since,
          window,
          recent,
        };
        if (done && committed.since === null) committed.since = iso(now);
        yield { mentions, cursor: committed };
        if (!window) return;
      }
    } catch (err) {
      // Units spent after the last committed page still count: the fault page commits them and
      // then fails the run (yielding here and re-throwing would read as ok to a consumer that
      // stops after this page, at its page limit).
      if (quota.used === committed.quota.used) throw err;
      yield {
        mentions: [],
        cursor: { ...committed, quota: { ...quota } },
        fault: err instanceof Error ? err : new SourceFault('upstream', String(err)),
      };
    }
  },
});
