import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq, exists, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import { brands, mentionBrands, mentions } from '../../../db/schema/index.ts';
import type { Deps } from '../../deps.ts';
import { foldText, tokenize } from '../../text.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { router } from '../types.ts';
import { labelsSchema } from './labels.ts';

const sentimentSchema = z.object({
  label: z.enum(['positive', 'negative', 'neutral']),
  score: z.number(),
  confidence: z.number().nullable(),
});

const mentionSchema = z
  .object({
    id: z.string(),
    platform: z.string(),
    externalId: z.string(),
    url: z.string().nullable(),
    author: z.object({
      handle: z.string(),
      name: z.string().nullable(),
      followers: z.number().int().nullable(),
      verified: z.boolean().nullable(),
      url: z.string().nullable(),
    }),
    text: z.string(),
    title: z.string().nullable(),
    lang: z.string().nullable(),
    publishedAt: z.string(),
    collectedAt: z.string(),
    metrics: z.object({
      likes: z.number().int().nullable(),
      shares: z.number().int().nullable(),
      replies: z.number().int().nullable(),
      views: z.number().int().nullable(),
    }),
    parentId: z.string().nullable(),
    threadId: z.string().nullable(),
    storyId: z
      .string()
      .openapi({ description: 'Id of the first mention of the same story (near-duplicates share it)' }),
    sentiment: sentimentSchema.nullable(),
    brands: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        sentiment: sentimentSchema.omit({ confidence: true }).nullable(),
      }),
    ),
    topics: z.array(z.string()),
    crisisScore: z.number().nullable(),
    spamScore: z.number().nullable(),
  })
  .openapi('Mention');

const mentionDetailSchema = mentionSchema
  .extend({
    classifications: z.record(z.string(), z.unknown()),
    labels: labelsSchema.nullable().openapi({
      description: 'Corrections by a person (POST /v1/mentions/{id}/label), with who set them and when',
    }),
    raw: z.unknown(),
  })
  .openapi('MentionDetail');

type MentionRow = typeof mentions.$inferSelect;
type BrandLink = {
  mentionId: string;
  brandId: string;
  name: string;
  sentimentLabel: string | null;
  sentimentScore: number | null;
};

function view(m: MentionRow, links: BrandLink[]) {
  return {
    id: m.id,
    platform: m.platform,
    externalId: m.externalId,
    url: m.url,
    author: {
      handle: m.authorHandle,
      name: m.authorName,
      followers: m.authorFollowers,
      verified: m.authorVerified,
      url: m.authorUrl,
    },
    text: m.text,
    title: m.title,
    lang: m.lang,
    publishedAt: m.publishedAt.toISOString(),
    collectedAt: m.collectedAt.toISOString(),
    metrics: { likes: m.likes, shares: m.shares, replies: m.replies, views: m.views },
    parentId: m.parentId,
    threadId: m.threadId,
    storyId: m.storyId,
    sentiment:
      m.sentimentLabel && m.sentimentScore !== null
        ? { label: m.sentimentLabel, score: m.sentimentScore, confidence: m.sentimentConfidence }
        : null,
    brands: links.map((l) => ({
      id: l.brandId,
      name: l.name,
      sentiment:
        l.sentimentLabel && l.sentimentScore !== null
          ? { label: l.sentimentLabel as 'positive' | 'negative' | 'neutral', score: l.sentimentScore }
          : null,
    })),
    topics: m.topics,
    crisisScore: m.crisisScore,
    spamScore: m.spamScore,
  };
}

const listQuery = z.object({
  brand: z.string().optional().openapi({ description: 'Brand id or name' }),
  platform: z.string().optional().openapi({ description: 'Comma-separated platforms' }),
  lang: z.string().optional().openapi({ description: 'Comma-separated language codes' }),
  sentiment: z
    .enum(['positive', 'negative', 'neutral'])
    .optional()
    .openapi({ description: "Per-brand sentiment when `brand` is given, else the mention's" }),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'published at or after (ISO 8601)' }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'published before (ISO 8601)' }),
  author: z.string().optional().openapi({ description: 'Author handle (exact, case-insensitive)' }),
  q: z.string().max(500).optional().openapi({
    description: 'Full-text search over text and title (all words must occur; Chinese is segmented)',
  }),
  story: z.string().optional().openapi({ description: 'Only mentions of this story id' }),
  excludeSpam: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional().openapi({ description: 'nextCursor of the previous page' }),
});

function encodeCursor(m: { publishedAt: Date; id: string }): string {
  return Buffer.from(`${m.publishedAt.toISOString()}|${m.id}`).toString('base64url');
}

function decodeCursor(s: string): { at: Date; id: string } {
  const raw = Buffer.from(s, 'base64url').toString('utf8');
  const [at, id] = raw.split('|');
  const d = new Date(at ?? '');
  if (!id || Number.isNaN(d.getTime()))
    throw new ApiError('BAD_REQUEST', 'cursor: not a cursor returned by this API', 'cursor');
  return { at: d, id };
}

/** Segment a search string the way mention text was indexed, and build an AND query of its words. */
export function searchTerms(q: string): string[] {
  return tokenize(foldText(q))
    .map((t) => (t.kind === 'hashtag' || t.kind === 'mention' ? t.t.slice(1) : t.t))
    .filter((t) => t.length > 0 && !/^[\p{P}\p{S}]+$/u.test(t))
    .slice(0, 32);
}

export async function brandLinks(deps: Deps, ids: string[]): Promise<Map<string, BrandLink[]>> {
  const out = new Map<string, BrandLink[]>();
  if (ids.length === 0) return out;
  const rows = await deps.db
    .select({
      mentionId: mentionBrands.mentionId,
      brandId: mentionBrands.brandId,
      name: brands.name,
      sentimentLabel: mentionBrands.sentimentLabel,
      sentimentScore: mentionBrands.sentimentScore,
    })
    .from(mentionBrands)
    .innerJoin(brands, eq(brands.id, mentionBrands.brandId))
    .where(inArray(mentionBrands.mentionId, ids));
  for (const r of rows) {
    const list = out.get(r.mentionId) ?? [];
    list.push(r);
    out.set(r.mentionId, list);
  }
  return out;
}

const err = (d: string) => ({ content: { 'application/json': { schema: errorSchema } }, description: d });

export function mentionRoutes(deps: Deps) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/mentions',
      tags: ['mentions'],
      summary: 'List mentions, newest first',
      description:
        'Cursor pagination with a stable order (published_at desc, id desc). Filters combine with AND.',
      request: { query: listQuery },
      responses: {
        200: {
          content: {
            'application/json': {
              schema: z.object({ data: z.array(mentionSchema), nextCursor: z.string().nullable() }),
            },
          },
          description: 'A page of mentions',
        },
        400: err('Invalid filter'),
      },
    }),
    async (c) => {
      const f = c.req.valid('query');
      const where: SQL[] = [];
      let brandId: string | undefined;
      if (f.brand) {
        const b = await deps.db
          .select({ id: brands.id })
          .from(brands)
          .where(or(eq(brands.id, f.brand), eq(brands.name, f.brand)))
          .limit(1);
        if (!b[0]) throw new ApiError('NOT_FOUND', `brand ${f.brand} not found`, 'brand');
        brandId = b[0].id;
        const linkConds = [eq(mentionBrands.mentionId, mentions.id), eq(mentionBrands.brandId, brandId)];
        if (f.sentiment) linkConds.push(eq(mentionBrands.sentimentLabel, f.sentiment));
        where.push(
          exists(
            deps.db
              .select({ one: sql`1` })
              .from(mentionBrands)
              .where(and(...linkConds)),
          ),
        );
      } else if (f.sentiment) {
        where.push(eq(mentions.sentimentLabel, f.sentiment));
      }
      if (f.platform)
        where.push(
          inArray(
            mentions.platform,
            f.platform
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          ),
        );
      if (f.lang)
        where.push(
          inArray(
            mentions.lang,
            f.lang
              .split(',')
              .map((s) => s.trim().toLowerCase())
              .filter(Boolean),
          ),
        );
      if (f.from) where.push(gte(mentions.publishedAt, new Date(f.from)));
      if (f.to) where.push(lt(mentions.publishedAt, new Date(f.to)));
      if (f.author) where.push(sql`lower(${mentions.authorHandle}) = ${f.author.toLowerCase()}`);
      if (f.story) where.push(eq(mentions.storyId, f.story));
      if (f.excludeSpam === 'true') where.push(sql`coalesce(${mentions.spamScore}, 0) < 0.7`);
      if (f.q) {
        const terms = searchTerms(f.q);
        if (terms.length === 0) throw new ApiError('BAD_REQUEST', 'q: no searchable words', 'q');
        const tsq = terms.map((t) => `'${t.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`).join(' & ');
        where.push(sql`${mentions.searchTsv} @@ to_tsquery('simple', ${tsq})`);
      }
      if (f.cursor) {
        const cur = decodeCursor(f.cursor);
        where.push(
          or(
            lt(mentions.publishedAt, cur.at),
            and(eq(mentions.publishedAt, cur.at), lt(mentions.id, cur.id)),
          )!,
        );
      }
      const rows = await deps.db
        .select()
        .from(mentions)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(mentions.publishedAt), desc(mentions.id))
        .limit(f.limit + 1);
      const page = rows.slice(0, f.limit);
      const links = await brandLinks(
        deps,
        page.map((m) => m.id),
      );
      const last = page.at(-1);
      return c.json(
        {
          data: page.map((m) => view(m, links.get(m.id) ?? [])),
          nextCursor: rows.length > f.limit && last ? encodeCursor(last) : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/mentions/{id}',
      tags: ['mentions'],
      summary: 'Get one mention with its classifications and raw payload',
      request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: {
        200: { content: { 'application/json': { schema: mentionDetailSchema } }, description: 'The mention' },
        404: err('Not found'),
      },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const rows = await deps.db.select().from(mentions).where(eq(mentions.id, id)).limit(1);
      const m = rows[0];
      if (!m) throw new ApiError('NOT_FOUND', `mention ${id} not found`);
      const links = await brandLinks(deps, [m.id]);
      return c.json(
        {
          ...view(m, links.get(m.id) ?? []),
          classifications: m.classifications,
          labels: (m.labels as z.infer<typeof labelsSchema> | null) ?? null,
          raw: m.raw ?? null,
        },
        200,
      );
    },
  );

  return app;
}
