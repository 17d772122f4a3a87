import { createRoute, z } from '@hono/zod-openapi';
import { audit } from '../../../db/repo/audit.ts';
import type { Deps } from '../../deps.ts';
import { newId } from '../../ids.ts';
import { itemWarnings } from '../../mention.ts';
import { ingestItems, parseItems } from '../../pipeline/ingest-items.ts';
import type { Rejected } from '../../pipeline/normalize.ts';
import { errorBody, errorSchema } from '../errors.ts';
import { isJsonMediaType, mediaTypeOf } from '../input.ts';
import { actorOf, router } from '../types.ts';

/** Media types read as one mention per line. */
const NDJSON_TYPES = new Set([
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/jsonlines',
]);

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
    errors: z
      .array(z.object({ index: z.number().int(), field: z.string(), message: z.string() }))
      .openapi({ description: 'Every problem of every rejected item, one per field' }),
    warnings: z.array(z.object({ index: z.number().int(), field: z.string(), message: z.string() })).openapi({
      description:
        'Stored with changes: fields the canonical shape does not have (ignored; a misplaced one says where it belongs) and publication times in the future (stored as the time received)',
    }),
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
        'A JSON array (`Content-Type: application/json`), or NDJSON (one mention per line, `Content-Type: application/x-ndjson`); any other Content-Type is a 415. Each item runs the same pipeline as a collected mention. A bad item is rejected with its index and every field at fault; the good ones are kept. A `publishedAt` more than 5 minutes ahead of the server clock is stored as the time received, with a warning. Each committed batch writes one audit row (`mentions.ingest`) with its counts. Bodies over the size limit get 413.',
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
        415: {
          content: { 'application/json': { schema: errorSchema } },
          description: 'Neither JSON nor NDJSON',
        },
      },
    }),
  );
  app.post('/v1/ingest', async (c) => {
    const type = c.req.header('content-type');
    const kind = isJsonMediaType(type) ? 'json' : NDJSON_TYPES.has(mediaTypeOf(type)) ? 'ndjson' : null;
    if (!kind)
      return errorBody(
        c,
        'UNSUPPORTED_MEDIA_TYPE',
        `unsupported Content-Type ${JSON.stringify(type ?? '')}: send application/json (an array of mentions) or application/x-ndjson (one mention per line)`,
      );
    const body = await c.req.text();
    const parsed = parseItems(body, kind);
    const bodyError = parsed.errors.find((e) => e.index === -1);
    if (bodyError) return errorBody(c, 'BAD_REQUEST', bodyError.message, { field: bodyError.field });
    const now = deps.clock.now();
    const actor = actorOf(c);
    const requestId = c.get('requestId');
    const s = await ingestItems(deps, parsed.items, {
      origin: 'api',
      indexMap: parsed.indexMap,
      // One audit row per committed batch, in its transaction, with the counts (not one per mention).
      inTransaction: async (tx, r) => {
        if (r.stored === 0 && r.updated === 0) return;
        await audit(
          tx,
          newId('aud'),
          {
            actor,
            action: 'mentions.ingest',
            entityType: 'ingest_batch',
            entityId: r.batchId,
            requestId,
            after: {
              received: r.received,
              stored: r.stored,
              duplicates: r.duplicates,
              updated: r.updated,
              rejected: r.rejected.length,
            },
          },
          deps.clock.now(),
        );
      },
    });
    const rejected = [...parsed.errors, ...s.errors].sort((a, b) => a.index - b.index);
    const errors = rejected.flatMap(expand);
    const accepted = s.stored + s.duplicates;
    if (rejected.length > 0 && accepted === 0) {
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
        rejected: rejected.length,
        errors: errors.slice(0, 1000),
        warnings: warningsOf(parsed.items, parsed.indexMap, now),
      },
      200,
    );
  });
  return app;
}

/** One error per field of a rejected item. */
const expand = (r: Rejected) =>
  (r.issues ?? [r]).map((i) => ({ index: r.index, field: i.field, message: i.message }));

/** Warnings per item (at most 1,000): ignored fields and clamped times, worth telling the client. */
function warningsOf(items: readonly unknown[], indexMap: readonly number[], now: Date) {
  const out: { index: number; field: string; message: string }[] = [];
  for (let i = 0; i < items.length && out.length < 1000; i++) {
    for (const w of itemWarnings(items[i], now)) out.push({ index: indexMap[i] ?? i, ...w });
  }
  return out.slice(0, 1000);
}
