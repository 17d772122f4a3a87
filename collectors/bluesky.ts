import { createHash } from 'node:crypto';
import { z } from 'zod';
import { FetchError, SourceFault } from '../src/errors.ts';
import type { MentionInput } from '../src/mention.ts';
import { accountFacts, asAuthFault, getJson, isRecord } from './_lib/api.ts';
import { type NewestFirstCursor, newestFirst } from './_lib/newest-first.ts';
import { defineCollector, type HttpClient, type HttpResponse } from './types.ts';

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
    text: z.string().nullish(),
    // Required by the lexicon, but records are written by clients: indexedAt stands in.
    createdAt: z.string().nullish(),
    langs: z.array(z.string()).nullish().catch(null),
    // A malformed reply ref drops the thread links, not the post.
    reply: z
      .looseObject({
        parent: z.looseObject({ uri: z.string() }).nullish(),
        root: z.looseObject({ uri: z.string() }).nullish(),
      })
      .nullish()
      .catch(null),
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

/**
 * The handle to show and link: the AppView answers `handle.invalid` for an account whose handle
 * no longer verifies (its DNS or well-known record is gone); its DID still names and links it.
 */
const handleOf = (p: Post) => (p.author.handle === 'handle.invalid' ? p.author.did : p.author.handle);

/** When the post was written: the record's createdAt, else when the AppView indexed it. */
export const postedAt = (p: Post): string | null => {
  for (const v of [p.record.createdAt, p.indexedAt]) if (v && !Number.isNaN(Date.parse(v))) return v;
  return null;
};

export function mapPost(p: Post): MentionInput {
  const handle = handleOf(p);
  return {
    platform: 'bluesky',
    externalId: p.uri,
    url: postUrl(p.uri, handle),
    author: {
      handle,
      name: p.author.displayName || null,
      url: `https://bsky.app/profile/${handle}`,
      // The author view has no post count; placeholder dates (0001-01-01) are dropped.
      ...accountFacts(undefined, p.author.createdAt),
    },
    text: p.record.text ?? '',
    lang: p.record.langs?.[0] ?? null,
    publishedAt: postedAt(p) ?? '',
    metrics: {
      likes: p.likeCount ?? null,
      shares: (p.repostCount ?? 0) + (p.quoteCount ?? 0),
      replies: p.replyCount ?? null,
    },
    parentId: p.record.reply?.parent?.uri ?? null,
    threadId: p.record.reply?.root?.uri ?? p.uri,
    raw: { did: p.author.did, indexedAt: p.indexedAt ?? undefined },
  };
}

/** A PDS session: the access JWT goes with each call, the refresh JWT renews it. */
interface Session {
  accessJwt: string;
  refreshJwt: string;
}

/**
 * Sessions kept for the life of the process, keyed by PDS, identifier and a digest of the app
 * password (a changed password starts a new session). Never in the cursor: cursors are stored
 * unencrypted.
 */
const sessions = new Map<string, Session>();

/** Statuses handed back instead of thrown, so the XRPC error name (`ExpiredToken`) can be read. */
const XRPC_STATUSES = [200, 400, 401];

/** The XRPC error name of an answer (`{"error":"ExpiredToken","message":…}`), or null. */
function xrpcError(res: HttpResponse): string | null {
  try {
    const body: unknown = JSON.parse(res.text());
    return isRecord(body) && typeof body.error === 'string' ? body.error : null;
  } catch {
    return null;
  }
}

/** The access token no longer works: expired (400 `ExpiredToken`, at times 401), revoked or refused. */
function tokenRefused(res: HttpResponse): boolean {
  const error = xrpcError(res);
  return res.status === 401 || (res.status === 400 && (error === 'ExpiredToken' || error === 'InvalidToken'));
}

async function xrpcPost(
  http: HttpClient,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<HttpResponse> {
  return http
    .request(url, { method: 'POST', headers, body, acceptStatus: XRPC_STATUSES, signal })
    .catch((err: unknown) => {
      throw asAuthFault(err, 'Bluesky');
    });
}

function sessionOf(res: HttpResponse, call: string): Session {
  const body = res.json<unknown>();
  if (!isRecord(body) || typeof body.accessJwt !== 'string' || typeof body.refreshJwt !== 'string')
    throw new SourceFault('auth-expired', `Bluesky ${call} returned no tokens`);
  return { accessJwt: body.accessJwt, refreshJwt: body.refreshJwt };
}

/**
 * `com.atproto.server.createSession` with an app password (in the JSON body, never the URL).
 * Refused credentials (401 `AuthenticationRequired`, `AccountTakedown`; 400 for a malformed
 * identifier) are `auth-expired`, not retried: the operator must act.
 */
async function createSession(
  http: HttpClient,
  base: string,
  secrets: { identifier: string; appPassword: string },
  signal: AbortSignal,
): Promise<Session> {
  const res = await xrpcPost(
    http,
    `${base}/xrpc/com.atproto.server.createSession`,
    { 'content-type': 'application/json' },
    JSON.stringify({ identifier: secrets.identifier, password: secrets.appPassword }),
    signal,
  );
  if (res.status !== 200) {
    const error = xrpcError(res);
    throw new SourceFault(
      'auth-expired',
      `Bluesky refused the login (${res.status} ${error ?? 'no error name'})`,
      {
        retry: false,
        context: { url: res.url, status: res.status, error },
      },
    );
  }
  return sessionOf(res, 'createSession');
}

/** `com.atproto.server.refreshSession`; null when the refresh token is refused too. */
async function refreshSession(
  http: HttpClient,
  base: string,
  s: Session,
  signal: AbortSignal,
): Promise<Session | null> {
  const res = await xrpcPost(
    http,
    `${base}/xrpc/com.atproto.server.refreshSession`,
    { authorization: `Bearer ${s.refreshJwt}` },
    undefined,
    signal,
  );
  return res.status === 200 ? sessionOf(res, 'refreshSession') : null;
}

/**
 * Bluesky `app.bsky.feed.searchPosts`, newest first (`sort=latest`) with the opaque cursor;
 * incremental runs stop at the newest post of the previous run. With `identifier` and
 * `appPassword` secrets it logs in on the PDS (`baseUrl`, default bsky.social), keeps the
 * session in memory for the process, and on an expired access token refreshes it (or logs in
 * again) and retries once. A ready `token` secret is sent as a bearer as it is.
 */
export const bluesky = defineCollector({
  id: 'bluesky',
  description: 'Bluesky post search',
  textFormat: 'plain',
  options: z
    .object({
      query: z.string().min(1),
      lang: z.string().optional(),
      limit: z.number().int().min(1).max(100).default(100),
      // Default: https://bsky.social with a login, else https://public.api.bsky.app.
      baseUrl: z.url().optional(),
    })
    .strict(),
  secrets: ['token', 'identifier', 'appPassword'],
  defaultSchedule: '*/10 * * * *',
  rateLimit: { perMinute: 600, concurrency: 2 },
  async *collect(ctx, o) {
    const { identifier, appPassword, token } = ctx.secrets;
    const login =
      identifier || appPassword ? { identifier: identifier ?? '', appPassword: appPassword ?? '' } : null;
    if (login && (!login.identifier || !login.appPassword))
      throw new SourceFault(
        'auth-expired',
        'Bluesky login needs both the identifier and appPassword secrets',
      );
    const base = (o.baseUrl ?? (login ? 'https://bsky.social' : 'https://public.api.bsky.app')).replace(
      /\/$/,
      '',
    );
    const key = login
      ? `${base}\n${login.identifier}\n${createHash('sha256').update(login.appPassword).digest('hex')}`
      : '';

    const current = async (): Promise<Session> => {
      let s = sessions.get(key);
      if (!s) {
        s = await createSession(ctx.http, base, login!, ctx.signal);
        sessions.set(key, s);
      }
      return s;
    };
    /** Refresh the session that `stale` belongs to, else log in again (unless already renewed). */
    const renew = async (stale: string): Promise<void> => {
      const s = sessions.get(key);
      if (s && s.accessJwt !== stale) return;
      const refreshed = s ? await refreshSession(ctx.http, base, s, ctx.signal) : null;
      if (refreshed) return void sessions.set(key, refreshed);
      sessions.delete(key);
      sessions.set(key, await createSession(ctx.http, base, login!, ctx.signal));
    };

    const url = `${base}/xrpc/app.bsky.feed.searchPosts`;
    const search = async (query: Record<string, string | number | undefined>): Promise<unknown> => {
      if (!login && !token)
        return (await getJson(ctx.http, url, { query, signal: ctx.signal }, 'Bluesky')).body;
      for (let renewed = false; ; renewed = true) {
        const access = login ? (await current()).accessJwt : token!;
        const res = await ctx.http
          .get(url, {
            headers: { authorization: `Bearer ${access}` },
            query,
            acceptStatus: XRPC_STATUSES,
            signal: ctx.signal,
          })
          .catch((err: unknown) => {
            throw asAuthFault(err, 'Bluesky');
          });
        if (res.status === 200) return res.json();
        if (!tokenRefused(res))
          throw new FetchError(`upstream answered ${res.status}`, {
            url: res.url,
            failure: 'status',
            status: res.status,
          });
        if (!login || renewed) {
          const error = xrpcError(res);
          throw new SourceFault(
            'auth-expired',
            `Bluesky refused the access token (${res.status} ${error ?? 'no error name'})`,
            { retry: false, context: { url: res.url, status: res.status, error } },
          );
        }
        await renew(access);
      }
    };

    const prev = ctx.cursor as NewestFirstCursor<string> | null;
    // `since` (inclusive) lets the AppView skip what an earlier, finished pass already read.
    const since = prev?.since ?? ctx.backfillSince.toISOString();
    yield* newestFirst(prev, ctx.backfillSince, ctx.maxPages, '', async (cursor) => {
      const raw = await search({
        q: o.query,
        sort: 'latest',
        since,
        lang: o.lang,
        limit: o.limit,
        cursor: cursor || undefined,
      });
      const body = (raw ?? {}) as { posts?: unknown; cursor?: unknown };
      if (!Array.isArray(body.posts))
        throw new SourceFault('schema-changed', 'searchPosts answer has no posts array');
      const items = [];
      for (const raw of body.posts) {
        const p = postSchema.safeParse(raw);
        if (!p.success) continue;
        const posted = postedAt(p.data);
        if (posted === null) continue;
        // Ordered by indexedAt (what since/cursor page by), else by when it was written.
        const indexed =
          p.data.indexedAt && !Number.isNaN(Date.parse(p.data.indexedAt)) ? p.data.indexedAt : posted;
        const date = new Date(indexed);
        items.push({ key: date.toISOString(), date, mention: mapPost(p.data) });
      }
      if (body.posts.length > 0 && items.length === 0)
        throw new SourceFault('schema-changed', 'no post has the expected fields');
      const next = typeof body.cursor === 'string' && body.cursor !== '' ? body.cursor : null;
      return { items, next: body.posts.length > 0 ? next : null };
    }) as AsyncGenerator<{ mentions: MentionInput[]; cursor: unknown }>;
  },
});
