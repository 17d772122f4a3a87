import { createRoute, z } from '@hono/zod-openapi';
import { eq, or } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { brands } from '../../../db/schema/index.ts';
import type { Deps } from '../../deps.ts';
import { newId } from '../../ids.ts';
import { validateQuery } from '../../query/index.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { patchOf } from '../patch.ts';
import { actorOf, router } from '../types.ts';

const brandSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    query: z.string().openapi({ example: '("acme" OR "艾克米") AND NOT (job OR hiring)' }),
    competitors: z.array(z.string()),
    aliases: z.array(z.string()),
    locale: z.enum(['en', 'zh', 'bilingual']),
    topics: z.record(z.string(), z.array(z.string())).nullable(),
    retentionDays: z.number().int().nullable(),
    origin: z.enum(['config', 'api']),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Brand');

const brandInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    query: z.string().min(1).max(4096),
    competitors: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
    aliases: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
    locale: z.enum(['en', 'zh', 'bilingual']).default('en'),
    topics: z.record(z.string().min(1), z.array(z.string().min(1))).optional(),
    retentionDays: z.number().int().positive().max(36500).optional(),
  })
  .strict()
  .openapi('BrandInput');

const brandPatch = patchOf(brandInput, ['topics', 'retentionDays']).openapi('BrandPatch');

type BrandRow = typeof brands.$inferSelect;

export function brandView(b: BrandRow) {
  return {
    id: b.id,
    name: b.name,
    query: b.query,
    competitors: b.competitors,
    aliases: b.settings.aliases ?? [],
    locale: b.settings.locale ?? 'en',
    topics: b.settings.topics ?? null,
    retentionDays: b.settings.retentionDays ?? null,
    origin: b.origin,
    createdAt: b.createdAt.toISOString(),
    updatedAt: b.updatedAt.toISOString(),
  };
}

function checkQuery(q: string | undefined) {
  if (q === undefined) return;
  const r = validateQuery(q);
  if (!r.ok) throw new ApiError('BAD_REQUEST', `query: ${r.message}`, 'query');
}

export async function findBrand(db: DbOrTx, idOrName: string): Promise<BrandRow> {
  const rows = await db
    .select()
    .from(brands)
    .where(or(eq(brands.id, idOrName), eq(brands.name, idOrName)))
    .limit(1);
  if (!rows[0]) throw new ApiError('NOT_FOUND', `brand ${idOrName} not found`);
  return rows[0];
}

const idParam = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'Brand id or name' }),
});
const err = (d: string) => ({ content: { 'application/json': { schema: errorSchema } }, description: d });
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

export function brandRoutes(deps: Deps) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/brands',
      tags: ['brands'],
      summary: 'List brands',
      responses: { 200: json(z.object({ data: z.array(brandSchema) }), 'Brands'), 401: err('No key') },
    }),
    async (c) => {
      const rows = await deps.db.select().from(brands).orderBy(brands.name);
      return c.json({ data: rows.map(brandView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/brands/{id}',
      tags: ['brands'],
      summary: 'Get a brand',
      request: { params: idParam },
      responses: { 200: json(brandSchema, 'The brand'), 404: err('Not found') },
    }),
    async (c) => c.json(brandView(await findBrand(deps.db, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/brands',
      tags: ['brands'],
      summary: 'Create a brand',
      description:
        'The query uses the Boolean query language (docs/query-language.md); a malformed query is a 400 naming the position.',
      request: { body: { content: { 'application/json': { schema: brandInput } }, required: true } },
      responses: { 201: json(brandSchema, 'Created'), 400: err('Invalid input'), 409: err('Name taken') },
    }),
    async (c) => {
      const input = c.req.valid('json');
      checkQuery(input.query);
      const now = deps.clock.now();
      const row = await deps.mutate(
        { actor: actorOf(c), action: 'brand.create', entityType: 'brand', requestId: c.get('requestId') },
        async (tx) => {
          const taken = await tx
            .select({ id: brands.id })
            .from(brands)
            .where(eq(brands.name, input.name))
            .limit(1);
          if (taken[0]) throw new ApiError('CONFLICT', `a brand named "${input.name}" exists`, 'name');
          const [created] = await tx
            .insert(brands)
            .values({
              id: newId('brd'),
              name: input.name,
              query: input.query,
              competitors: input.competitors,
              settings: {
                aliases: input.aliases,
                locale: input.locale,
                topics: input.topics,
                retentionDays: input.retentionDays,
              },
              origin: 'api',
              createdAt: now,
              updatedAt: now,
            })
            .returning();
          return { result: created!, entityId: created!.id, after: brandView(created!) };
        },
      );
      await deps.reloadBrands();
      return c.json(brandView(row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/brands/{id}',
      tags: ['brands'],
      summary: 'Update a brand: only the fields given change',
      description:
        'Fields left out keep their values; arrays given replace the stored ones; `topics: null` and `retentionDays: null` remove them.',
      request: {
        params: idParam,
        body: { content: { 'application/json': { schema: brandPatch } }, required: true },
      },
      responses: {
        200: json(brandSchema, 'Updated'),
        400: err('Invalid input'),
        404: err('Not found'),
        409: err('Name taken'),
      },
    }),
    async (c) => {
      const patch = c.req.valid('json');
      checkQuery(patch.query);
      const id = c.req.valid('param').id;
      const row = await deps.mutate(
        { actor: actorOf(c), action: 'brand.update', entityType: 'brand', requestId: c.get('requestId') },
        async (tx) => {
          const before = await findBrand(tx, id);
          if (patch.name && patch.name !== before.name) {
            const taken = await tx
              .select({ id: brands.id })
              .from(brands)
              .where(eq(brands.name, patch.name))
              .limit(1);
            if (taken[0]) throw new ApiError('CONFLICT', `a brand named "${patch.name}" exists`, 'name');
          }
          const settings = { ...before.settings };
          if (patch.aliases !== undefined) settings.aliases = patch.aliases;
          if (patch.locale !== undefined) settings.locale = patch.locale;
          if (patch.topics === null) delete settings.topics;
          else if (patch.topics !== undefined) settings.topics = patch.topics;
          if (patch.retentionDays === null) delete settings.retentionDays;
          else if (patch.retentionDays !== undefined) settings.retentionDays = patch.retentionDays;
          const [after] = await tx
            .update(brands)
            .set({
              name: patch.name ?? before.name,
              query: patch.query ?? before.query,
              competitors: patch.competitors ?? before.competitors,
              settings,
              updatedAt: deps.clock.now(),
            })
            .where(eq(brands.id, before.id))
            .returning();
          return { result: after!, entityId: before.id, before: brandView(before), after: brandView(after!) };
        },
      );
      await deps.reloadBrands();
      return c.json(brandView(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/brands/{id}',
      tags: ['brands'],
      summary: 'Delete a brand (its mentions stay; their links to the brand go)',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, 404: err('Not found') },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      await deps.mutate(
        { actor: actorOf(c), action: 'brand.delete', entityType: 'brand', requestId: c.get('requestId') },
        async (tx) => {
          const before = await findBrand(tx, id);
          await tx.delete(brands).where(eq(brands.id, before.id));
          return { result: null, entityId: before.id, before: brandView(before) };
        },
      );
      await deps.reloadBrands();
      return c.body(null, 204);
    },
  );

  return app;
}
