import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, sql } from 'drizzle-orm';
import { authors, platformStats } from '../../../db/schema/index.ts';
import { authorView } from '../../analytics/queries.ts';
import type { Deps } from '../../deps.ts';
import { eraseAuthor } from '../../profiles/erase.ts';
import { decay, influenceOf, TIER_LABELS, type Tier, tiersAtLeast } from '../../profiles/influence.ts';
import { isoOrNull, num, rows } from '../../profiles/sql.ts';
import { requireRole } from '../auth.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { actorOf, router } from '../types.ts';
import { findBrand } from './brands.ts';

const err = (d: string) => ({ content: { 'application/json': { schema: errorSchema } }, description: d });
const anyJson = (d: string) => ({
  content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
  description: d,
});
const keyParams = z.object({
  platform: z
    .string()
    .min(1)
    .max(50)
    .openapi({ param: { name: 'platform', in: 'path' } }),
  handle: z
    .string()
    .min(1)
    .max(512)
    .openapi({ param: { name: 'handle', in: 'path' } }),
});

/** An author's full profile: totals, RFM, influence with its parts, per-brand stance, topics, recent posts. */
export async function authorProfile(deps: Deps, platform: string, handle: string) {
  const [a] = await deps.db
    .select()
    .from(authors)
    .where(and(eq(authors.platform, platform), eq(authors.handle, handle)))
    .limit(1);
  if (!a) return null;
  const [stats] = await deps.db.select().from(platformStats).where(eq(platformStats.platform, platform));
  const perBrand = await rows<Record<string, unknown>>(
    deps.db,
    sql`select ab.*, b.name as brand_name, a.name,
        (select coalesce(sum(total), 0) from brand_hourly h where h.brand_id = ab.brand_id) as brand_total
      from author_brands ab join brands b on b.id = ab.brand_id
      join authors a on a.platform = ab.platform and a.handle = ab.handle
      where ab.platform = ${platform} and ab.handle = ${handle} order by ab.posts desc`,
  );
  const topics = await rows<{ topic: string; n: unknown }>(
    deps.db,
    sql`select topic, n from author_topics where platform = ${platform} and handle = ${handle} order by n desc, topic limit 20`,
  );
  const recent = await rows<Record<string, unknown>>(
    deps.db,
    sql`select id, url, text, published_at, sentiment_label, likes, shares, replies from mentions
      where platform = ${platform} and author_handle = ${handle} order by published_at desc limit 10`,
  );
  const now = deps.clock.now();
  const explained = stats
    ? influenceOf(
        {
          followers: a.followers,
          posts: a.posts,
          engagement: a.engagement,
          spamSum: a.spamSum,
          spamN: a.spamN,
        },
        stats,
      )
    : null;
  return {
    platform: a.platform,
    handle: a.handle,
    name: a.name,
    url: a.url,
    followers: a.followers,
    verified: a.verified,
    tier: a.tier,
    tierLabel: TIER_LABELS[a.tier as Tier],
    influence: a.influence,
    influenceExplained: explained,
    posts: a.posts,
    engagement: a.engagement,
    engagementPerPost: a.posts ? Math.round((a.engagement / a.posts) * 10) / 10 : 0,
    /** Engagement per post per follower, percent; null without a follower count. */
    engagementRate: a.followers ? Math.round((a.engagement / a.posts / a.followers) * 100_000) / 1000 : null,
    views: a.views,
    reach: a.reach,
    spamScore: a.spamN ? Math.round((a.spamSum / a.spamN) * 1000) / 1000 : null,
    firstSeenAt: a.firstSeenAt.toISOString(),
    lastSeenAt: a.lastSeenAt.toISOString(),
    rfm: {
      recencyDays: Math.round(((now.getTime() - a.lastSeenAt.getTime()) / 86_400_000) * 10) / 10,
      frequency: Math.round(a.activity * decay(now.getTime() - a.activityAt.getTime()) * 100) / 100,
      magnitude: a.posts ? Math.round((a.engagement / a.posts) * 10) / 10 : 0,
    },
    brands: perBrand.map((x) => ({
      brandId: String(x.brand_id),
      brandName: String(x.brand_name),
      ...authorView(x),
      lastNegativeAt: isoOrNull(x.last_negative_at),
    })),
    topics: topics.map((t) => ({ topic: t.topic, mentions: num(t.n) })),
    recent: recent.map((m) => ({
      id: String(m.id),
      url: (m.url as string | null) ?? null,
      text: String(m.text),
      publishedAt: isoOrNull(m.published_at),
      sentiment: (m.sentiment_label as string | null) ?? null,
      engagement: num(m.likes) + num(m.shares) + num(m.replies),
    })),
  };
}

export function authorRoutes(deps: Deps) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/authors',
      tags: ['authors'],
      summary: 'Authors by influence (optionally about one brand, with stance and tier filters)',
      request: {
        query: z.object({
          brand: z.string().optional(),
          platform: z.string().optional(),
          tier: z
            .enum(['nano', 'micro', 'macro', 'mega'])
            .optional()
            .openapi({ description: 'At least this tier' }),
          stance: z
            .enum(['advocate', 'neutral', 'detractor'])
            .optional()
            .openapi({ description: 'Needs `brand`' }),
          sort: z.enum(['influence', 'posts', 'engagement']).default('influence'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
      },
      responses: { 200: anyJson('Authors'), 400: err('Invalid parameter') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const order = sql.raw(
        q.sort === 'posts' ? 'posts' : q.sort === 'engagement' ? 'engagement' : 'influence',
      );
      const tiers = q.tier ? JSON.stringify(tiersAtLeast(q.tier)) : null;
      if (q.brand) {
        const b = await findBrand(deps.db, q.brand);
        const r = await rows<Record<string, unknown>>(
          deps.db,
          sql`select ab.*, a.name, (select coalesce(sum(total), 0) from brand_hourly where brand_id = ${b.id}) as brand_total
            from author_brands ab join authors a on a.platform = ab.platform and a.handle = ab.handle
            where ab.brand_id = ${b.id}
              ${q.platform ? sql`and ab.platform = ${q.platform}` : sql``}
              ${tiers ? sql`and ab.tier in (select jsonb_array_elements_text(${tiers}::jsonb))` : sql``}
              ${q.stance ? sql`and ab.stance = ${q.stance}` : sql``}
            order by ab.${order} desc, ab.platform desc, ab.handle desc limit ${q.limit}`,
        );
        return c.json({ brand: { id: b.id, name: b.name }, data: r.map(authorView) }, 200);
      }
      if (q.stance) throw new ApiError('BAD_REQUEST', 'stance: needs brand', 'stance');
      const r = await rows<Record<string, unknown>>(
        deps.db,
        sql`select platform, handle, name, followers, tier, influence, posts, engagement, reach, first_seen_at, last_seen_at
          from authors where true
            ${q.platform ? sql`and platform = ${q.platform}` : sql``}
            ${tiers ? sql`and tier in (select jsonb_array_elements_text(${tiers}::jsonb))` : sql``}
          order by ${order} desc, handle limit ${q.limit}`,
      );
      return c.json(
        {
          data: r.map((x) => ({
            platform: String(x.platform),
            handle: String(x.handle),
            name: (x.name as string | null) ?? null,
            followers: x.followers === null ? null : num(x.followers),
            tier: String(x.tier),
            influence: num(x.influence),
            posts: num(x.posts),
            engagement: num(x.engagement),
            reach: num(x.reach),
            firstSeenAt: isoOrNull(x.first_seen_at),
            lastSeenAt: isoOrNull(x.last_seen_at),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/authors/{platform}/{handle}',
      tags: ['authors'],
      summary:
        'Author profile: influence (with its parts), tier, RFM activity, stance per brand, topics, recent posts',
      request: { params: keyParams },
      responses: { 200: anyJson('Profile'), 404: err('Unknown author') },
    }),
    async (c) => {
      const { platform, handle } = c.req.valid('param');
      const p = await authorProfile(deps, platform, handle);
      if (!p) throw new ApiError('NOT_FOUND', 'author not found');
      return c.json(p as unknown as Record<string, unknown>, 200);
    },
  );

  app.use('/v1/authors/:platform/:handle', async (c, next) => {
    if (c.req.method === 'DELETE') return requireRole('admin')(c, next);
    await next();
  });
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/authors/{platform}/{handle}',
      tags: ['authors'],
      summary: 'Erase an author everywhere (GDPR/PIPL request); admin only, audit-logged by hash',
      description:
        'The handle is matched as the platform matches it: case-insensitively except on hackernews, youtube (channel ids), appstore, googleplay and trustpilot (reviewer names). Redacts every mention the author wrote (author fields, text, title, URLs, external id, raw payload, classifier records, search text), deletes the profile and customer links (customer records stay: the CRM owns them), rewrites what points at them elsewhere (replies keep their thread through the erased id; `@handle` mentions, raw payloads and classifier records of other posts; incident titles and timelines, outbox messages, audit snapshots other than of configuration, the LLM cache and detector state), and keeps only a SHA-256 of platform+canonical handle so later posts are redacted on arrival, external id included. Counts, time, language, sentiment and topics stay in the aggregates. Idempotent.',
      request: { params: keyParams },
      responses: {
        200: {
          content: {
            'application/json': {
              schema: z.object({
                subject: z.string(),
                mentions: z.number(),
                profile: z.boolean(),
                customerLinks: z.number(),
                outboxMessages: z.number(),
                otherMentions: z.number(),
                records: z.number(),
              }),
            },
          },
          description: 'What was erased',
        },
        403: err('Not an admin key'),
      },
    }),
    async (c) => {
      const { platform, handle } = c.req.valid('param');
      const r = await eraseAuthor(deps, platform, handle, {
        actor: actorOf(c),
        requestId: c.get('requestId'),
      });
      return c.json(r, 200);
    },
  );

  return app;
}
