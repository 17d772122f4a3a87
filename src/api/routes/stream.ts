import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { streamSSE } from 'hono/streaming';
import { apiKeys } from '../../../db/schema/index.ts';
import type { Deps } from '../../deps.ts';
import type { EventMap } from '../../events.ts';
import { isoOrNull, numOrNull, rows } from '../../profiles/sql.ts';
import { createAuthenticator, type Principal } from '../auth.ts';
import { ApiError, errorBody, errorSchema } from '../errors.ts';
import { createNonceLedger, signStreamToken, verifyStreamToken } from '../stream-token.ts';
import { router } from '../types.ts';
import { findBrand } from './brands.ts';

export interface StreamMention {
  id: string;
  platform: string;
  url: string | null;
  author: { handle: string; name: string | null; followers: number | null };
  text: string;
  title: string | null;
  lang: string | null;
  publishedAt: string;
  sentiment: string | null;
  brands: { id: string; name: string; sentiment: string | null }[];
  topics: string[];
  spamScore: number | null;
}

type Listener = (
  e: { event: 'mention'; data: StreamMention } | { event: 'incident'; data: EventMap['incident'][0] },
) => void;

/**
 * One subscription to the event bus per app, shared by every SSE client: a committed batch is
 * loaded from the database once (one query) and fanned out, whatever the number of dashboards.
 */
export function createStreamHub(deps: Deps) {
  const listeners = new Set<Listener>();
  let offs: (() => void)[] = [];
  const log = deps.log.child({ component: 'stream' });
  const attach = () => {
    offs = [
      deps.events.on('mentions', (batch) => {
        if (batch.mentions.length === 0) return;
        loadMentions(
          deps,
          batch.mentions.map((m) => m.id),
        )
          .then((list) => {
            for (const m of list) for (const l of listeners) l({ event: 'mention', data: m });
          })
          .catch((err) => log.error({ err }, 'stream: loading a batch failed'));
      }),
      deps.events.on('incident', (i) => {
        for (const l of listeners) l({ event: 'incident', data: i });
      }),
    ];
  };
  return {
    subscribe(l: Listener): () => void {
      if (listeners.size === 0) attach();
      listeners.add(l);
      return () => {
        listeners.delete(l);
        if (listeners.size === 0) {
          for (const off of offs) off();
          offs = [];
        }
      };
    },
    get size() {
      return listeners.size;
    },
  };
}

/** The newest 500 mentions of a batch, as the feed shows them (text capped at 2,000 characters). */
async function loadMentions(deps: Deps, ids: string[]): Promise<StreamMention[]> {
  const r = await rows<Record<string, unknown>>(
    deps.db,
    sql`select m.id, m.platform, m.url, m.author_handle, m.author_name, m.author_followers, left(m.text, 2000) as text,
        m.title, m.lang, m.published_at, m.sentiment_label, m.topics, m.spam_score,
        coalesce((select jsonb_agg(jsonb_build_object('id', b.id, 'name', b.name, 'sentiment', mb.sentiment_label) order by b.name)
          from mention_brands mb join brands b on b.id = mb.brand_id where mb.mention_id = m.id), '[]'::jsonb) as brands
      from mentions m where m.id in (select jsonb_array_elements_text(${JSON.stringify(ids.slice(0, 500))}::jsonb))
      order by m.published_at`,
  );
  const j = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
  return r.map((x) => ({
    id: String(x.id),
    platform: String(x.platform),
    url: (x.url as string | null) ?? null,
    author: {
      handle: String(x.author_handle),
      name: (x.author_name as string | null) ?? null,
      followers: numOrNull(x.author_followers),
    },
    text: String(x.text),
    title: (x.title as string | null) ?? null,
    lang: (x.lang as string | null) ?? null,
    publishedAt: isoOrNull(x.published_at)!,
    sentiment: (x.sentiment_label as string | null) ?? null,
    brands: j(x.brands),
    topics: j(x.topics),
    spamScore: numOrNull(x.spam_score),
  }));
}

const hubs = new WeakMap<Deps, ReturnType<typeof createStreamHub>>();
export const streamHub = (deps: Deps) => {
  let h = hubs.get(deps);
  if (!h) {
    h = createStreamHub(deps);
    hubs.set(deps, h);
  }
  return h;
};

export interface StreamOptions {
  heartbeatMs?: number;
  /** Queued events per client before a slow client is disconnected (it reconnects and catches up). */
  maxQueue?: number;
  /** How often an open stream re-checks that its API key is still valid (default 5 s). */
  revalidateMs?: number;
  /** Lifetime of a stream token from `POST /v1/stream/token` (default 60 s). */
  tokenTtlMs?: number;
}

const bearer = (header: string | undefined) => /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];

/**
 * `GET /v1/stream`: Server-Sent Events of new mentions and incident changes, with heartbeats.
 * Mounted before the Bearer middleware because a browser EventSource cannot send headers: a
 * browser first asks `POST /v1/stream/token` (with its key in the header) for a short-lived,
 * single-use token and opens the stream with `?token=`, so no API key ever travels in a URL.
 * A Bearer header works as everywhere else. An open stream re-checks its key every few
 * seconds, and before sending an event when the last check is older than that: revoking the
 * key (in any process: the check reads the database) ends the stream with an `unauthorized`
 * event.
 */
export function streamRoutes(deps: Deps, opts: StreamOptions = {}) {
  const app = router();
  const authenticate = createAuthenticator(deps.db, deps.clock);
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxQueue = opts.maxQueue ?? 1000;
  const revalidateMs = opts.revalidateMs ?? 5_000;
  const tokenTtlMs = opts.tokenTtlMs ?? 60_000;
  const tokenKey = deps.signingKey('stream-tokens');
  const nonces = createNonceLedger();
  const keyStatus = keyChecker(deps, revalidateMs);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/stream/token',
      tags: ['stream'],
      summary: 'A short-lived token to open the event stream (for EventSource, which cannot send headers)',
      description:
        'Any role. Needs `Authorization: Bearer <key>`. The token opens one stream (`GET /v1/stream?token=…`) within its lifetime (60 s); the stream then lives as long as the key is valid.',
      responses: {
        200: {
          content: {
            'application/json': {
              schema: z.object({ token: z.string(), expiresAt: z.string(), url: z.string() }),
            },
          },
          description: 'The token',
        },
        401: { content: { 'application/json': { schema: errorSchema } }, description: 'No valid key' },
      },
    }),
    async (c) => {
      const key = bearer(c.req.header('authorization'));
      if (!key) throw new ApiError('UNAUTHORIZED', 'missing API key: send "Authorization: Bearer <key>"');
      const p = await authenticate(key);
      if (!p) throw new ApiError('UNAUTHORIZED', 'invalid or revoked API key');
      const expiresAt = new Date(deps.clock.now().getTime() + tokenTtlMs);
      const token = signStreamToken(tokenKey, { keyId: p.keyId, expiresAt });
      c.header('cache-control', 'no-store');
      return c.json(
        { token, expiresAt: expiresAt.toISOString(), url: `/v1/stream?token=${encodeURIComponent(token)}` },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/stream',
      tags: ['stream'],
      summary: 'Live mentions and incident changes (Server-Sent Events)',
      description:
        'Events: `ready` (once), `mention` (a stored mention, as the feed shows it), `incident` ({ id, brandId, status, level, change, at }), `unauthorized` (the key was revoked; the stream then ends), and `: ping` comments every 15 s. Auth: `Authorization: Bearer <key>`, or `?token=` from `POST /v1/stream/token` for EventSource. API keys are not accepted in the URL.',
      request: {
        query: z.object({
          token: z.string().optional().openapi({ description: 'From POST /v1/stream/token' }),
          brand: z
            .string()
            .optional()
            .openapi({ description: 'Only mentions of this brand (and its incidents)' }),
          platform: z.string().optional(),
          sentiment: z.enum(['positive', 'negative', 'neutral']).optional(),
        }),
      },
      responses: {
        200: { content: { 'text/event-stream': { schema: z.string() } }, description: 'The event stream' },
        400: { content: { 'application/json': { schema: errorSchema } }, description: 'A key in the URL' },
        401: { content: { 'application/json': { schema: errorSchema } }, description: 'No key or token' },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      if (c.req.query('key') !== undefined)
        return errorBody(
          c,
          'BAD_REQUEST',
          'key: API keys are not accepted in URLs (they end up in logs); POST /v1/stream/token with the key in the Authorization header, then open /v1/stream?token=…',
          { field: 'query.key' },
        );
      let p: Principal | null = null;
      const key = bearer(c.req.header('authorization'));
      if (key) p = await authenticate(key);
      else if (q.token) {
        const now = deps.clock.now();
        const v = verifyStreamToken(tokenKey, q.token, now);
        if (!v.ok)
          return errorBody(
            c,
            'UNAUTHORIZED',
            `stream token ${v.reason}: ask POST /v1/stream/token for a new one`,
          );
        if (!nonces.claim(v.nonce, v.expiresAt, now))
          return errorBody(
            c,
            'UNAUTHORIZED',
            'stream token already used: ask POST /v1/stream/token for a new one',
          );
        p = await keyStatus.principal(v.keyId);
      } else
        return errorBody(
          c,
          'UNAUTHORIZED',
          'missing credentials: send "Authorization: Bearer <key>", or ?token= from POST /v1/stream/token',
        );
      if (!p) return errorBody(c, 'UNAUTHORIZED', 'invalid or revoked API key');
      const principal = p;
      c.set('principal', principal);
      const brandId = q.brand ? (await findBrand(deps.db, q.brand)).id : undefined;
      c.header('cache-control', 'no-store');
      c.header('x-accel-buffering', 'no');
      return streamSSE(c, async (stream) => {
        const ac = new AbortController();
        let queue: Promise<unknown> = Promise.resolve();
        let pending = 0;
        let checkedAt = deps.clock.now().getTime();
        /** False (and the stream told and ended) once the key is revoked. */
        const stillValid = async (): Promise<boolean> => {
          if (ac.signal.aborted) return false;
          checkedAt = deps.clock.now().getTime();
          let ok: boolean;
          try {
            ok = (await keyStatus.principal(principal.keyId, true)) !== null;
          } catch {
            return true; // the database being briefly unreachable does not end a stream
          }
          if (!ok && !ac.signal.aborted) {
            await stream
              .writeSSE({
                event: 'unauthorized',
                data: JSON.stringify({ code: 'UNAUTHORIZED', message: 'the API key was revoked' }),
              })
              .catch(() => {});
            ac.abort();
          }
          return ok;
        };
        const enqueue = (write: () => Promise<unknown>) => {
          if (ac.signal.aborted) return;
          if (pending >= maxQueue) {
            ac.abort();
            return;
          }
          pending++;
          queue = queue
            .then(async () => {
              // Each event re-checks the key when the last check is older than the interval.
              if (deps.clock.now().getTime() - checkedAt >= revalidateMs && !(await stillValid())) return;
              if (!ac.signal.aborted) await write();
            })
            .catch(() => ac.abort())
            .finally(() => pending--);
        };
        const send = (msg: { event?: string; data: string; id?: string }) =>
          enqueue(() => stream.writeSSE(msg));
        const off = streamHub(deps).subscribe((e) => {
          if (e.event === 'mention') {
            const d = e.data;
            if (brandId && !d.brands.some((b) => b.id === brandId)) return;
            if (q.platform && d.platform !== q.platform) return;
            if (q.sentiment && d.sentiment !== q.sentiment) return;
            send({ event: 'mention', data: JSON.stringify(d), id: d.id });
          } else {
            if (brandId && e.data.brandId && e.data.brandId !== brandId) return;
            send({ event: 'incident', data: JSON.stringify({ ...e.data, at: e.data.at.toISOString() }) });
          }
        });
        stream.onAbort(() => ac.abort());
        send({ event: 'ready', data: JSON.stringify({ at: deps.clock.now().toISOString(), heartbeatMs }) });
        try {
          // Ticks of the revalidation interval; a ping whenever a heartbeat interval has passed.
          const tick = Math.min(revalidateMs, heartbeatMs);
          let lastBeat = deps.clock.now().getTime();
          while (!ac.signal.aborted) {
            await deps.clock.sleep(tick, ac.signal);
            if (ac.signal.aborted) break;
            queue = queue.then(() => stillValid()).catch(() => ac.abort());
            const now = deps.clock.now().getTime();
            if (now - lastBeat >= heartbeatMs) {
              lastBeat = now;
              enqueue(() => stream.write(': ping\n\n'));
            }
          }
        } catch {
          /* aborted */
        } finally {
          off();
          await queue.catch(() => {});
        }
      });
    },
  );

  return app;
}

/**
 * Whether API keys are still valid, by id, read from the database (so a revocation made by any
 * process is seen), shared by every open stream: one query per key per interval, whatever the
 * number of streams.
 */
function keyChecker(deps: Deps, ttlMs: number) {
  const cache = new Map<string, { at: number; p: Promise<Principal | null> }>();
  return {
    principal(keyId: string, fresh = false): Promise<Principal | null> {
      const now = deps.clock.now().getTime();
      const hit = cache.get(keyId);
      // A periodic check may reuse an answer from within half an interval (another stream's).
      if (hit && now - hit.at < (fresh ? ttlMs / 2 : ttlMs)) return hit.p;
      const p = deps.db
        .select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role })
        .from(apiKeys)
        .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
        .limit(1)
        .then((r) => (r[0] ? { keyId: r[0].id, name: r[0].name, role: r[0].role } : null));
      if (cache.size > 10_000) cache.clear();
      cache.set(keyId, { at: now, p });
      p.catch(() => cache.delete(keyId));
      return p;
    },
  };
}
