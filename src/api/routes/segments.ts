import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import type { Deps } from '../../deps.ts';
import { toCsv } from '../../profiles/csv.ts';
import { tiersAtLeast } from '../../profiles/influence.ts';
import { isoOrNull, num, rows } from '../../profiles/sql.ts';
import { errorSchema } from '../errors.ts';
import { router } from '../types.ts';
import { findBrand } from './brands.ts';

export const SEGMENTS = {
  advocates: 'customers tagged advocate / authors whose stance toward the brand is advocate',
  detractors: 'customers tagged detractor / authors whose stance is detractor',
  'at-risk': 'customers tagged churn-risk / authors negative about the brand within profiles.churnDays',
  kols: 'customers tagged kol:<tier> / authors at or above profiles.kolTier',
} as const;
type Segment = keyof typeof SEGMENTS;

const err = (d: string) => ({ content: { 'application/json': { schema: errorSchema } }, description: d });

/** Members of a segment, as rows with a fixed column order (shared by JSON and CSV). */
export async function segmentMembers(
  deps: Deps,
  name: Segment,
  of: 'customers' | 'authors',
  opts: { brandId?: string; limit: number },
): Promise<{ columns: string[]; rows: Record<string, unknown>[] }> {
  const cfg = deps.config.config.profiles;
  if (of === 'customers') {
    const kol = tiersAtLeast(cfg.kolTier).map((t) => `kol:${t}`);
    const cond =
      name === 'kols'
        ? sql`c.tags ?| ${sql.raw(`array[${kol.map((k) => `'${k}'`).join(',')}]`)}`
        : sql`c.tags @> ${JSON.stringify([name === 'advocates' ? 'advocate' : name === 'detractors' ? 'detractor' : 'churn-risk'])}::jsonb`;
    const r = await rows<Record<string, unknown>>(
      deps.db,
      sql`select c.id, c.crm_id, c.name, c.email, c.tags, c.tags_changed_at,
          (select string_agg(platform || ':' || handle, ';' order by platform, handle) from customer_handles h where h.customer_id = c.id) as handles
        from customers c where ${cond} order by c.crm_id limit ${opts.limit}`,
    );
    return {
      columns: ['id', 'crmId', 'name', 'email', 'tags', 'handles', 'tagsChangedAt'],
      rows: r.map((x) => ({
        id: String(x.id),
        crmId: String(x.crm_id),
        name: (x.name as string | null) ?? null,
        email: (x.email as string | null) ?? null,
        tags: (typeof x.tags === 'string' ? JSON.parse(x.tags) : x.tags) as string[],
        handles: ((x.handles as string | null) ?? '').split(';').filter(Boolean),
        tagsChangedAt: isoOrNull(x.tags_changed_at),
      })),
    };
  }
  const since = new Date(deps.clock.now().getTime() - cfg.churnDays * 86_400_000).toISOString();
  const cond =
    name === 'advocates'
      ? sql`ab.stance = 'advocate'`
      : name === 'detractors'
        ? sql`ab.stance = 'detractor'`
        : name === 'at-risk'
          ? sql`ab.last_negative_at >= ${since}::timestamptz`
          : sql`ab.tier in (select jsonb_array_elements_text(${JSON.stringify(tiersAtLeast(cfg.kolTier))}::jsonb))`;
  const r = await rows<Record<string, unknown>>(
    deps.db,
    sql`select ab.platform, ab.handle, a.name, b.name as brand, ab.stance, ab.tier, ab.influence, ab.followers,
        ab.posts, ab.positive, ab.negative, ab.engagement, ab.last_at, ab.last_negative_at
      from author_brands ab join authors a on a.platform = ab.platform and a.handle = ab.handle
      join brands b on b.id = ab.brand_id
      where ${cond} ${opts.brandId ? sql`and ab.brand_id = ${opts.brandId}` : sql``}
      order by ab.influence desc, ab.handle limit ${opts.limit}`,
  );
  return {
    columns: [
      'platform',
      'handle',
      'name',
      'brand',
      'stance',
      'tier',
      'influence',
      'followers',
      'posts',
      'positive',
      'negative',
      'engagement',
      'lastAt',
      'lastNegativeAt',
    ],
    rows: r.map((x) => ({
      platform: String(x.platform),
      handle: String(x.handle),
      name: (x.name as string | null) ?? null,
      brand: String(x.brand),
      stance: String(x.stance),
      tier: String(x.tier),
      influence: num(x.influence),
      followers: x.followers === null ? null : num(x.followers),
      posts: num(x.posts),
      positive: num(x.positive),
      negative: num(x.negative),
      engagement: num(x.engagement),
      lastAt: isoOrNull(x.last_at),
      lastNegativeAt: isoOrNull(x.last_negative_at),
    })),
  };
}

export function segmentRoutes(deps: Deps) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/segments/{name}/members',
      tags: ['segments'],
      summary: 'Members of a segment (advocates, detractors, at-risk, kols) as JSON or CSV',
      description:
        'Customers by default (`of=customers`, by their tags), or authors (`of=authors`, by stance, tier or recent negative posts; `brand` narrows). CSV with `?format=csv` or `Accept: text/csv`; cells starting with = + - @ are prefixed with an apostrophe so spreadsheets never evaluate them.',
      request: {
        params: z.object({
          name: z
            .enum(['advocates', 'detractors', 'at-risk', 'kols'])
            .openapi({ param: { name: 'name', in: 'path' } }),
        }),
        query: z.object({
          of: z.enum(['customers', 'authors']).default('customers'),
          brand: z.string().optional(),
          format: z.enum(['json', 'csv']).optional(),
          limit: z.coerce.number().int().min(1).max(100_000).default(1000),
        }),
      },
      responses: {
        200: {
          content: {
            'application/json': {
              schema: z.object({
                segment: z.string(),
                of: z.string(),
                definition: z.string(),
                data: z.array(z.record(z.string(), z.unknown())),
              }),
            },
            'text/csv': { schema: z.string() },
          },
          description: 'Members',
        },
        400: err('Invalid parameter'),
        404: err('Unknown brand'),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const q = c.req.valid('query');
      const brandId = q.brand ? (await findBrand(deps.db, q.brand)).id : undefined;
      const m = await segmentMembers(deps, name, q.of, { brandId, limit: q.limit });
      const wantsCsv =
        q.format === 'csv' || (!q.format && /\btext\/csv\b/.test(c.req.header('accept') ?? ''));
      if (wantsCsv) {
        const csv = toCsv(
          m.columns,
          m.rows.map((r) => m.columns.map((k) => r[k])),
        );
        return c.body(csv, 200, {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="${name}-${q.of}.csv"`,
        }) as never;
      }
      return c.json({ segment: name, of: q.of, definition: SEGMENTS[name], data: m.rows }, 200);
    },
  );

  return app;
}
