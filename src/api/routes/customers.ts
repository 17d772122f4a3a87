import { createRoute, z } from '@hono/zod-openapi';
import { eq, or, sql } from 'drizzle-orm';
import { customerHandles, customers } from '../../../db/schema/index.ts';
import type { Deps } from '../../deps.ts';
import { customerInput, TAG_RULES, upsertCustomers } from '../../profiles/customers.ts';
import { isoOrNull, num, rows } from '../../profiles/sql.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { actorOf, router } from '../types.ts';
import { authorProfile } from './authors.ts';

const err = (d: string) => ({ content: { 'application/json': { schema: errorSchema } }, description: d });
const anyJson = (d: string) => ({
  content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
  description: d,
});

type CustomerRow = typeof customers.$inferSelect;
export const customerView = (c: CustomerRow, handles: { platform: string; handle: string }[]) => ({
  id: c.id,
  crmId: c.crmId,
  name: c.name,
  email: c.email,
  attributes: c.attributes,
  tags: c.tags,
  tagsVersion: c.tagsVersion,
  tagsChangedAt: c.tagsChangedAt?.toISOString() ?? null,
  handles,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

/** A customer with their social evidence: linked author profiles and their recent mentions of brands. */
export async function customerProfile(deps: Deps, idOrCrm: string) {
  const [c] = await deps.db
    .select()
    .from(customers)
    .where(or(eq(customers.id, idOrCrm), eq(customers.crmId, idOrCrm)))
    .limit(1);
  if (!c) return null;
  const handles = await deps.db
    .select({ platform: customerHandles.platform, handle: customerHandles.handle })
    .from(customerHandles)
    .where(eq(customerHandles.customerId, c.id));
  const profiles = [];
  for (const h of handles) {
    const p = await authorProfile(deps, h.platform, h.handle);
    profiles.push(p ?? { platform: h.platform, handle: h.handle, seen: false });
  }
  const evidence = await rows<Record<string, unknown>>(
    deps.db,
    sql`select m.id, m.platform, m.author_handle, m.url, m.text, m.published_at, b.name as brand, mb.sentiment_label
      from customer_handles ch
      join lateral (select * from mentions m where m.platform = ch.platform and m.author_handle = ch.handle
                    order by m.published_at desc limit 20) m on true
      join mention_brands mb on mb.mention_id = m.id join brands b on b.id = mb.brand_id
      where ch.customer_id = ${c.id} order by m.published_at desc limit 20`,
  );
  return {
    ...customerView(c, handles),
    tagRules: TAG_RULES,
    authors: profiles,
    evidence: evidence.map((e) => ({
      mentionId: String(e.id),
      platform: String(e.platform),
      authorHandle: String(e.author_handle),
      url: (e.url as string | null) ?? null,
      text: String(e.text),
      publishedAt: isoOrNull(e.published_at),
      brand: String(e.brand),
      sentiment: (e.sentiment_label as string | null) ?? null,
    })),
  };
}

export function customerRoutes(deps: Deps) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/customers',
      tags: ['customers'],
      summary: 'Import customers (insert or update by CRM id; handles replaced), then tag them',
      description:
        'A JSON array of `{ crmId, name?, email?, handles: [{ platform, handle }], attributes? }`. Earshot links each handle to the author profile of that platform and handle and maintains the tags `advocate`, `detractor`, `kol:<tier>`, `topic:<id>`, `churn-risk`.',
      request: {
        body: {
          content: { 'application/json': { schema: z.array(customerInput).min(1).max(10_000) } },
          required: true,
        },
      },
      responses: {
        200: {
          content: {
            'application/json': {
              schema: z.object({ created: z.number(), updated: z.number(), ids: z.array(z.string()) }),
            },
          },
          description: 'Imported',
        },
        400: err('Invalid input'),
      },
    }),
    async (c) => {
      const list = c.req.valid('json');
      const r = await deps.mutate(
        {
          actor: actorOf(c),
          action: 'customer.import',
          entityType: 'customer',
          requestId: c.get('requestId'),
        },
        async (tx) => {
          const res = await upsertCustomers(tx, list, deps.config.config.profiles, deps.clock.now());
          return {
            result: res,
            after: {
              created: res.created,
              updated: res.updated,
              crmIds: list.map((x) => x.crmId).slice(0, 1000),
            },
          };
        },
      );
      return c.json(r, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/customers',
      tags: ['customers'],
      summary: 'List customers (optionally with a tag), by CRM id',
      request: {
        query: z.object({
          tag: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          after: z.string().optional().openapi({ description: 'CRM id to continue after' }),
        }),
      },
      responses: { 200: anyJson('Customers') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const list = await deps.db
        .select()
        .from(customers)
        .where(
          sql`true ${q.tag ? sql`and ${customers.tags} @> ${JSON.stringify([q.tag])}::jsonb` : sql``} ${q.after ? sql`and ${customers.crmId} > ${q.after}` : sql``}`,
        )
        .orderBy(customers.crmId)
        .limit(q.limit);
      const hs = list.length
        ? await rows<{ customer_id: string; platform: string; handle: string }>(
            deps.db,
            sql`select customer_id, platform, handle from customer_handles
              where customer_id in (select jsonb_array_elements_text(${JSON.stringify(list.map((x) => x.id))}::jsonb))`,
          )
        : [];
      return c.json(
        {
          data: list.map((x) =>
            customerView(
              x,
              hs
                .filter((h) => h.customer_id === x.id)
                .map((h) => ({ platform: h.platform, handle: h.handle })),
            ),
          ),
          next: list.length === q.limit ? list.at(-1)!.crmId : null,
          total: num((await rows<{ n: unknown }>(deps.db, sql`select count(*) as n from customers`))[0]?.n),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/customers/{id}',
      tags: ['customers'],
      summary: 'A customer profile with tags and social evidence (linked authors, recent brand mentions)',
      request: {
        params: z.object({
          id: z
            .string()
            .min(1)
            .openapi({ param: { name: 'id', in: 'path' }, description: 'Customer id or CRM id' }),
        }),
      },
      responses: { 200: anyJson('Customer'), 404: err('Not found') },
    }),
    async (c) => {
      const p = await customerProfile(deps, c.req.valid('param').id);
      if (!p) throw new ApiError('NOT_FOUND', `customer ${c.req.valid('param').id} not found`);
      return c.json(p as unknown as Record<string, unknown>, 200);
    },
  );

  return app;
}
