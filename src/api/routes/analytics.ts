import { createRoute, z } from '@hono/zod-openapi';
import { inArray } from 'drizzle-orm';
import { brands } from '../../../db/schema/index.ts';
import {
  geography,
  shareOfVoice,
  sourceHealthSummary,
  timeSeries,
  topAuthors,
  topics,
  topMentions,
  totals,
  type Window,
} from '../../analytics/queries.ts';
import type { Deps } from '../../deps.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { router } from '../types.ts';
import { findBrand } from './brands.ts';

const DAY = 86_400_000;

export const windowQuery = z.object({
  brand: z.string().min(1).openapi({ description: 'Brand id or name' }),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Start (ISO 8601); default: 7 days before `to`' }),
  to: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'End, exclusive (ISO 8601); default: now' }),
});

const seriesQuery = windowQuery.extend({
  interval: z.enum(['hour', 'day']).default('day'),
  tz: z
    .string()
    .max(64)
    .default('UTC')
    .openapi({ description: 'IANA time zone for day buckets, e.g. Asia/Shanghai' }),
});

const limitQuery = (max: number, def: number) => z.coerce.number().int().min(1).max(max).default(def);

/** Resolve brand and window; windows are capped so a query never reads an unbounded range. */
export async function resolveWindow(
  deps: Deps,
  q: { brand: string; from?: string; to?: string },
  maxDays = 731,
): Promise<Window & { brand: Awaited<ReturnType<typeof findBrand>> }> {
  const brand = await findBrand(deps.db, q.brand);
  const to = q.to ? new Date(q.to) : deps.clock.now();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * DAY);
  if (from >= to) throw new ApiError('BAD_REQUEST', 'from: must be before to', 'from');
  if (to.getTime() - from.getTime() > maxDays * DAY)
    throw new ApiError('BAD_REQUEST', `from: window longer than ${maxDays} days`, 'from');
  return { brandId: brand.id, from, to, brand };
}

function checkTz(tz: string) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new ApiError('BAD_REQUEST', `tz: unknown time zone "${tz}"`, 'tz');
  }
}

const err = (d: string) => ({ content: { 'application/json': { schema: errorSchema } }, description: d });
const ok = <T extends z.ZodType>(schema: T, description: string) => ({
  200: { content: { 'application/json': { schema } }, description },
  400: err('Invalid parameter'),
  404: err('Brand not found'),
});

const totalsSchema = z.object({
  total: z.number(),
  positive: z.number(),
  negative: z.number(),
  neutral: z.number(),
  engagement: z.number(),
  reach: z.number(),
  net: z.number().nullable().openapi({ description: '(positive − negative) / (positive + negative) × 100' }),
});
const pointSchema = z
  .object({
    t: z.string(),
    total: z.number(),
    positive: z.number(),
    negative: z.number(),
    neutral: z.number(),
    engagement: z.number(),
    reach: z.number(),
    avgSentiment: z.number().nullable(),
    net: z.number().nullable(),
    groups: z.record(z.string(), z.number()).optional(),
  })
  .openapi('SeriesPoint');
const windowOut = z.object({
  brand: z.object({ id: z.string(), name: z.string() }),
  from: z.string(),
  to: z.string(),
});

const competitorsOf = async (deps: Deps, names: string[]) =>
  names.length
    ? await deps.db
        .select({ id: brands.id, name: brands.name })
        .from(brands)
        .where(inArray(brands.name, names))
    : [];

export function analyticsRoutes(deps: Deps) {
  const app = router();
  const head = (w: Window & { brand: { id: string; name: string } }) => ({
    brand: { id: w.brand.id, name: w.brand.name },
    from: w.from.toISOString(),
    to: w.to.toISOString(),
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/summary',
      tags: ['analytics'],
      summary: 'Totals, net sentiment and change against the previous window of equal length',
      request: { query: windowQuery },
      responses: ok(
        windowOut.extend({
          current: totalsSchema,
          previous: totalsSchema,
          change: z.number().nullable().openapi({ description: 'Volume change, percent' }),
        }),
        'Summary',
      ),
    }),
    async (c) => {
      const w = await resolveWindow(deps, c.req.valid('query'));
      const span = w.to.getTime() - w.from.getTime();
      const [cur, prev] = await Promise.all([
        totals(deps.db, [w.brandId], w.from, w.to),
        totals(deps.db, [w.brandId], new Date(w.from.getTime() - span), w.from),
      ]);
      const a = cur.get(w.brandId)!;
      const b = prev.get(w.brandId)!;
      return c.json(
        {
          ...head(w),
          current: a,
          previous: b,
          change: b.total ? Math.round(((a.total - b.total) / b.total) * 1000) / 10 : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/volume',
      tags: ['analytics'],
      summary: 'Mention volume per hour or day, optionally by platform, language or sentiment',
      description:
        'Served from the hourly rollup. Buckets are zero-filled; `tz` sets day boundaries. Hourly windows are capped at 31 days.',
      request: { query: seriesQuery.extend({ by: z.enum(['platform', 'lang', 'sentiment']).optional() }) },
      responses: ok(
        windowOut.extend({ interval: z.string(), tz: z.string(), series: z.array(pointSchema) }),
        'Series',
      ),
    }),
    async (c) => {
      const q = c.req.valid('query');
      checkTz(q.tz);
      const w = await resolveWindow(deps, q, q.interval === 'hour' ? 31 : 731);
      const series = await timeSeries(deps.db, w, q.interval, q.tz, q.by);
      return c.json({ ...head(w), interval: q.interval, tz: q.tz, series }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/sentiment',
      tags: ['analytics'],
      summary: 'Sentiment per hour or day with net sentiment, and window totals',
      request: { query: seriesQuery },
      responses: ok(
        windowOut.extend({
          interval: z.string(),
          tz: z.string(),
          totals: totalsSchema,
          series: z.array(pointSchema),
        }),
        'Sentiment',
      ),
    }),
    async (c) => {
      const q = c.req.valid('query');
      checkTz(q.tz);
      const w = await resolveWindow(deps, q, q.interval === 'hour' ? 31 : 731);
      const [series, t] = await Promise.all([
        timeSeries(deps.db, w, q.interval, q.tz, 'sentiment'),
        totals(deps.db, [w.brandId], w.from, w.to),
      ]);
      return c.json({ ...head(w), interval: q.interval, tz: q.tz, totals: t.get(w.brandId)!, series }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/share-of-voice',
      tags: ['analytics'],
      summary: "Share of voice against the brand's competitors (brands.competitors tracked as brands)",
      request: { query: windowQuery },
      responses: ok(
        windowOut.extend({
          brands: z.array(
            totalsSchema.extend({
              brandId: z.string(),
              name: z.string(),
              share: z.number(),
              engagementShare: z.number(),
              isSubject: z.boolean(),
            }),
          ),
          untracked: z.array(z.string()).openapi({ description: 'Competitors not tracked as brands' }),
        }),
        'Share of voice',
      ),
    }),
    async (c) => {
      const w = await resolveWindow(deps, c.req.valid('query'));
      const comps = await competitorsOf(deps, w.brand.competitors);
      const list = await shareOfVoice(deps.db, { id: w.brand.id, name: w.brand.name }, comps, w.from, w.to);
      const tracked = new Set(comps.map((x) => x.name));
      return c.json(
        { ...head(w), brands: list, untracked: w.brand.competitors.filter((n) => !tracked.has(n)) },
        200,
      );
    },
  );

  const topicSchema = z.object({
    topic: z.string(),
    mentions: z.number(),
    negative: z.number(),
    previous: z.number(),
    growth: z.number(),
    isNew: z.boolean(),
  });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/topics',
      tags: ['analytics'],
      summary: 'Top topics, and emerging ones (growth against the previous window)',
      description:
        'growth = (mentions + 1) / (previous + 1); emerging: growth > 1.5 and at least `minMentions`.',
      request: {
        query: windowQuery.extend({ limit: limitQuery(100, 20), minMentions: limitQuery(10_000, 3) }),
      },
      responses: ok(
        windowOut.extend({ top: z.array(topicSchema), emerging: z.array(topicSchema) }),
        'Topics',
      ),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const w = await resolveWindow(deps, q);
      return c.json({ ...head(w), ...(await topics(deps.db, w, q.limit, q.minMentions)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/top-mentions',
      tags: ['analytics'],
      summary: 'Highest-reach mentions (reach = author followers at the time of the post)',
      request: { query: windowQuery.extend({ limit: limitQuery(50, 10) }) },
      responses: ok(
        windowOut.extend({
          data: z.array(
            z.object({
              id: z.string(),
              platform: z.string(),
              url: z.string().nullable(),
              authorHandle: z.string(),
              authorName: z.string().nullable(),
              authorFollowers: z.number().nullable(),
              text: z.string(),
              publishedAt: z.string(),
              reach: z.number(),
              engagement: z.number(),
              sentiment: z.string().nullable(),
            }),
          ),
        }),
        'Top mentions',
      ),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const w = await resolveWindow(deps, q);
      return c.json({ ...head(w), data: await topMentions(deps.db, w, q.limit) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/top-authors',
      tags: ['analytics'],
      summary: 'Authors about the brand active in the window, by influence, posts or engagement',
      request: {
        query: windowQuery.extend({
          sort: z.enum(['influence', 'posts', 'engagement']).default('influence'),
          limit: limitQuery(100, 10),
        }),
      },
      responses: ok(windowOut.extend({ data: z.array(z.record(z.string(), z.unknown())) }), 'Top authors'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const w = await resolveWindow(deps, q);
      const data = await topAuthors(deps.db, w, q.sort, q.limit);
      return c.json({ ...head(w), data: data as unknown as Record<string, unknown>[] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/geography',
      tags: ['analytics'],
      summary: 'Mentions by location where a post carried one; the rest is counted as unknown',
      request: { query: windowQuery.extend({ limit: limitQuery(200, 50) }) },
      responses: ok(
        windowOut.extend({
          known: z.array(z.object({ geo: z.string(), mentions: z.number() })),
          unknown: z.number(),
          total: z.number(),
        }),
        'Geography',
      ),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const w = await resolveWindow(deps, q);
      return c.json({ ...head(w), ...(await geography(deps.db, w, q.limit)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/analytics/sources',
      tags: ['analytics'],
      summary: 'Source health summary: counts by state, and each source with lag and last error',
      responses: {
        200: {
          content: {
            'application/json': {
              schema: z.object({
                counts: z.record(z.string(), z.number()),
                sources: z.array(z.record(z.string(), z.unknown())),
              }),
            },
          },
          description: 'Source health',
        },
      },
    }),
    async (c) => {
      const s = await sourceHealthSummary(deps.db, deps.clock.now());
      return c.json({ counts: s.counts, sources: s.sources as unknown as Record<string, unknown>[] }, 200);
    },
  );

  return app;
}
