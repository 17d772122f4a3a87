import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../deps.ts';
import { unknownFields } from '../../mention.ts';
import { ingestItems, parseItems } from '../../pipeline/ingest-items.ts';
import { errorBody, errorSchema } from '../errors.ts';
import { router } from '../types.ts';

const mentionIn = z
  .object({
    platform: z.string().openapi({ example: 'reddit' }),
    externalId: z.string().openapi({ example: 't3_abc123' }),
    url: z.string().nullable().optional(),
    author: z.object({
      handle: z.string(),
      name: z.string().nullable().optional(),
      followers: z.number().int().nullable().optional(),
      verified: z.boolean().nullable().optional(),
      postsCount: z
        .number()
        .int()
        .nullable()
        .optional()
        .openapi({ description: 'Posts of the account, all topics' }),
      createdAt: z.string().nullable().optional().openapi({ description: 'When the account was created' }),
    }),
    text: z.string().openapi({ description: 'Plain text or HTML (markup is stripped)' }),
    title: z.string().nullable().optional(),
    lang: z.string().nullable().optional(),
    publishedAt: z.string().openapi({ example: '2026-11-25T08:00:00Z' }),
    metrics: z
      .object({
        likes: z.number().int().optional(),
        shares: z.number().int().optional(),
        replies: z.number().int().optional(),
        views: z.number().int().optional(),
      })
      .optional(),
    parentId: z.string().nullable().optional(),
    raw: z.unknown().optional(),
  })
  .openapi('MentionIn');

const resultSchema = z
  .object({
    received: z.number().int(),
    stored: z.number().int(),
    duplicate: z
      .number()
      .int()
      .openapi({ description: 'Already stored (their engagement counts are refreshed)' }),
    updated: z.number().int(),
    rejected: z.number().int(),
    errors: z.array(z.object({ index: z.number().int(), field: z.string(), message: z.string() })),
    warnings: z
      .array(z.object({ index: z.number().int(), field: z.string(), message: z.string() }))
      .openapi({ description: 'Fields the canonical shape does not have; they were ignored' }),
  })
  .openapi('IngestResult');

export function ingestRoutes(deps: Deps) {
  const app = router();
  app.openAPIRegistry.register('MentionIn', mentionIn);
  // Registered for the document only: items are validated one by one by the pipeline, so one
  // bad item never rejects the batch (a route-level body validator would).
  app.openAPIRegistry.registerPath(
    createRoute({
      method: 'post',
      path: '/v1/ingest',
      tags: ['ingest'],
      summary: 'Push mentions through the pipeline',
      description:
        'A JSON array, or NDJSON (one mention per line, `Content-Type: application/x-ndjson`). Each item runs the same pipeline as a collected mention. A bad item is rejected with its index and field; the good ones are kept. Bodies over the size limit get 413.',
      request: {
        body: {
          content: {
            'application/json': { schema: z.array(mentionIn) },
            'application/x-ndjson': {
              schema: z.string().openapi({ description: 'One MentionIn JSON object per line' }),
            },
          },
          required: true,
        },
      },
      responses: {
        200: { content: { 'application/json': { schema: resultSchema } }, description: 'Counts' },
        400: {
          content: { 'application/json': { schema: errorSchema } },
          description: 'Nothing usable in the body',
        },
        413: { content: { 'application/json': { schema: errorSchema } }, description: 'Body too large' },
      },
    }),
  );
  app.post('/v1/ingest', async (c) => {
    const type = c.req.header('content-type') ?? '';
    const body = await c.req.text();
    const hint = /ndjson|jsonl|jsonlines/i.test(type) ? 'ndjson' : undefined;
    const parsed = parseItems(body, hint);
    const bodyError = parsed.errors.find((e) => e.index === -1);
    if (bodyError) return errorBody(c, 'BAD_REQUEST', bodyError.message, { field: bodyError.field });
    const s = await ingestItems(deps, parsed.items, { origin: 'api', indexMap: parsed.indexMap });
    const errors = [...parsed.errors, ...s.errors].sort((a, b) => a.index - b.index);
    const accepted = s.stored + s.duplicates;
    if (errors.length > 0 && accepted === 0) {
      const first = errors[0]!;
      return errorBody(c, 'BAD_REQUEST', `item ${first.index}: ${first.field}: ${first.message}`, {
        field: `[${first.index}].${first.field}`,
        details: errors.slice(0, 100),
      });
    }
    return c.json(
      {
        received: s.received + parsed.errors.length,
        stored: s.stored,
        duplicate: s.duplicates,
        updated: s.updated,
        rejected: errors.length,
        errors: errors.slice(0, 1000),
        warnings: unknownFieldWarnings(parsed.items, parsed.indexMap),
      },
      200,
    );
  });
  return app;
}

/** Unknown fields per item (at most 1,000 warnings): ignored, but worth telling the client. */
function unknownFieldWarnings(items: readonly unknown[], indexMap: readonly number[]) {
  const out: { index: number; field: string; message: string }[] = [];
  for (let i = 0; i < items.length && out.length < 1000; i++) {
    for (const field of unknownFields(items[i]))
      out.push({ index: indexMap[i] ?? i, field, message: 'unknown field, ignored' });
  }
  return out.slice(0, 1000);
}
