import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { streamSSE } from 'hono/streaming';
import type { Deps } from '../../deps.ts';
import type { EventMap } from '../../events.ts';
import { isoOrNull, numOrNull, rows } from '../../profiles/sql.ts';
import { createAuthenticator, type Principal } from '../auth.ts';
import { errorBody, errorSchema } from '../errors.ts';
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
}

/**
 * `GET /v1/stream`: Server-Sent Events of new mentions and incident changes, with heartbeats.
 * Mounted before the Bearer middleware because a browser EventSource cannot send headers:
 * the key may come as `?key=` (it then appears in URLs, so proxies must not log query
 * strings; docs/analytics.md). A Bearer header works as everywhere else.
 */
export function streamRoutes(deps: Deps, opts: StreamOptions = {}) {
  const app = router();
  const authenticate = createAuthenticator(deps.db, deps.clock);
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxQueue = opts.maxQueue ?? 1000;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/stream',
      tags: ['stream'],
      summary: 'Live mentions and incident changes (Server-Sent Events)',
      description:
        'Events: `ready` (once), `mention` (a stored mention, as the feed shows it), `incident` ({ id, brandId, status, level, change, at }), and `: ping` comments every 15 s. Auth: `Authorization: Bearer <key>`, or `?key=<key>` for EventSource (the key then travels in the URL: keep such keys read-only viewers).',
      request: {
        query: z.object({
          key: z.string().optional(),
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
        401: { content: { 'application/json': { schema: errorSchema } }, description: 'No key' },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const m = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
      const key = m?.[1] ?? q.key;
      if (!key)
        return errorBody(c, 'UNAUTHORIZED', 'missing API key: send "Authorization: Bearer <key>" or ?key=');
      const p: Principal | null = await authenticate(key);
      if (!p) return errorBody(c, 'UNAUTHORIZED', 'invalid or revoked API key');
      c.set('principal', p);
      const brandId = q.brand ? (await findBrand(deps.db, q.brand)).id : undefined;
      c.header('cache-control', 'no-store');
      c.header('x-accel-buffering', 'no');
      return streamSSE(c, async (stream) => {
        const ac = new AbortController();
        let queue: Promise<unknown> = Promise.resolve();
        let pending = 0;
        const send = (msg: { event?: string; data: string; id?: string }) => {
          if (ac.signal.aborted) return;
          if (pending >= maxQueue) {
            ac.abort();
            return;
          }
          pending++;
          queue = queue
            .then(() => stream.writeSSE(msg))
            .catch(() => ac.abort())
            .finally(() => pending--);
        };
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
          while (!ac.signal.aborted) {
            await deps.clock.sleep(heartbeatMs, ac.signal);
            if (ac.signal.aborted) break;
            pending++;
            queue = queue
              .then(() => stream.write(': ping\n\n'))
              .catch(() => ac.abort())
              .finally(() => pending--);
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
