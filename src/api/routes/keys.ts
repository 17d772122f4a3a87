import { createRoute, z } from '@hono/zod-openapi';
import { keyView, listApiKeys } from '../../../db/repo/api-keys.ts';
import { issueApiKey, withdrawApiKey } from '../../api-keys.ts';
import type { Deps } from '../../deps.ts';
import { requireRole } from '../auth.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { actorOf, router } from '../types.ts';

const keySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(['admin', 'editor', 'viewer']),
    prefix: z.string().openapi({ description: 'The first characters of the key, to recognise it' }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

const keyInput = z
  .object({
    name: z.string().trim().min(1).max(100).openapi({ description: 'Who or what uses the key' }),
    role: z.enum(['admin', 'editor', 'viewer']),
  })
  .strict()
  .openapi('ApiKeyInput');

const err = (d: string) => ({ content: { 'application/json': { schema: errorSchema } }, description: d });
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const denied = { 401: err('Missing or invalid API key'), 403: err('Not an admin key') };

const view = (r: Awaited<ReturnType<typeof listApiKeys>>[number]) => ({
  ...keyView(r),
  createdAt: r.createdAt.toISOString(),
  lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  revokedAt: r.revokedAt?.toISOString() ?? null,
});

/**
 * API keys, admin only: create (the key is in the answer, once), list, revoke. Each change is
 * audited in its transaction. The same as `earshot keys ...`.
 *
 * @example
 * app.route('/', keyRoutes(deps));
 */
export function keyRoutes(deps: Deps) {
  const app = router();
  app.use('/v1/keys', requireRole('admin'));
  app.use('/v1/keys/*', requireRole('admin'));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/keys',
      tags: ['keys'],
      summary: 'List API keys (never the keys themselves); admin only',
      request: {
        query: z.object({
          all: z
            .enum(['true', 'false'])
            .optional()
            .openapi({ description: 'Include revoked keys (default false)' }),
        }),
      },
      responses: { 200: json(z.object({ data: z.array(keySchema) }), 'Keys, newest first'), ...denied },
    }),
    async (c) => {
      const rows = await listApiKeys(deps.db, { all: c.req.valid('query').all === 'true' });
      return c.json({ data: rows.map(view) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/keys',
      tags: ['keys'],
      summary: 'Create an API key; admin only. The key is in this answer and never again (stored hashed)',
      request: { body: { content: { 'application/json': { schema: keyInput } }, required: true } },
      responses: {
        201: json(
          keySchema.extend({ key: z.string().openapi({ description: 'Shown once: store it now' }) }),
          'Created',
        ),
        400: err('Invalid input'),
        ...denied,
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const { key, row } = await issueApiKey(deps.db, {
        ...input,
        actor: actorOf(c),
        requestId: c.get('requestId'),
        now: deps.clock.now(),
      });
      return c.json({ ...view(row), key }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/keys/{id}',
      tags: ['keys'],
      summary: 'Revoke an API key; admin only. It is refused within seconds',
      request: {
        params: z.object({
          id: z
            .string()
            .min(1)
            .openapi({ param: { name: 'id', in: 'path' } }),
        }),
      },
      responses: { 200: json(keySchema, 'Revoked'), 404: err('No active key with this id'), ...denied },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const row = await withdrawApiKey(deps.db, {
        id,
        actor: actorOf(c),
        requestId: c.get('requestId'),
        now: deps.clock.now(),
      });
      if (!row) throw new ApiError('NOT_FOUND', `no active key ${id}`);
      return c.json(view(row), 200);
    },
  );

  return app;
}
