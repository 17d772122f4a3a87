import { createRoute, z } from '@hono/zod-openapi';
import { and, desc, eq } from 'drizzle-orm';
import { sourceRuns } from '../../../db/schema/index.ts';
import type { Deps } from '../../deps.ts';
import { startSourceRun } from '../../pipeline/run-source.ts';
import { requireRole } from '../auth.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { router } from '../types.ts';
import { findSource } from './sources.ts';

type RunRow = typeof sourceRuns.$inferSelect;

const runSchema = z
  .object({
    id: z.string(),
    sourceId: z.string(),
    status: z.enum(['running', 'ok', 'fault', 'interrupted']),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    pages: z.number().int(),
    items: z.number().int(),
    stored: z.number().int(),
    duplicates: z.number().int(),
    error: z.object({ kind: z.string(), message: z.string() }).nullable(),
  })
  .openapi('SourceRun');

const runView = (r: RunRow) => ({
  id: r.id,
  sourceId: r.sourceId,
  status: r.status,
  startedAt: r.startedAt.toISOString(),
  finishedAt: r.finishedAt?.toISOString() ?? null,
  pages: r.pages,
  items: r.items,
  stored: r.stored,
  duplicates: r.duplicates,
  error: r.errorKind ? { kind: r.errorKind, message: r.errorMessage ?? '' } : null,
});

const err = (d: string) => ({ content: { 'application/json': { schema: errorSchema } }, description: d });
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const idParam = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'Source id or name' }),
});
const unauthorized = { 401: err('Missing or invalid API key') };

/**
 * "Run this source now" (editor) and the runs of a source. A run already in progress in this
 * service is joined, not doubled: two runs of one source would race on its cursor.
 *
 * @example
 * app.route('/', sourceRunRoutes(deps));
 */
export function sourceRunRoutes(deps: Deps) {
  const app = router();
  const log = deps.log.child({ component: 'api', route: 'source-runs' });
  app.use('/v1/sources/:id/run', requireRole('editor'));

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sources/{id}/run',
      tags: ['sources'],
      summary: 'Run a source now; editor or admin',
      description:
        'Starts a run and answers at once with its id and status `running` (poll `GET /v1/sources/{id}/runs/{runId}`). When the source is already running in this service, the answer is that run, with `joined: true`.',
      request: { params: idParam },
      responses: {
        202: json(runSchema.extend({ joined: z.boolean() }), 'The run, started or joined'),
        ...unauthorized,
        403: err('Viewer keys may not run sources'),
        404: err('Unknown source'),
      },
    }),
    async (c) => {
      const s = await findSource(deps.db, c.req.valid('param').id);
      const r = startSourceRun(deps, s);
      r.done.catch((e) => log.error({ err: e, sourceId: s.id }, 'source run failed'));
      await r.started;
      const [row] = await deps.db.select().from(sourceRuns).where(eq(sourceRuns.id, r.runId)).limit(1);
      const view = row
        ? runView(row)
        : {
            ...runView({ id: r.runId, sourceId: s.id, status: 'running', startedAt: r.startedAt } as RunRow),
          };
      return c.json({ ...view, joined: r.joined }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sources/{id}/runs',
      tags: ['sources'],
      summary: 'Recent runs of a source, newest first',
      request: {
        params: idParam,
        query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
      },
      responses: {
        200: json(z.object({ data: z.array(runSchema) }), 'Runs'),
        ...unauthorized,
        404: err('Unknown source'),
      },
    }),
    async (c) => {
      const s = await findSource(deps.db, c.req.valid('param').id);
      const rows = await deps.db
        .select()
        .from(sourceRuns)
        .where(eq(sourceRuns.sourceId, s.id))
        .orderBy(desc(sourceRuns.startedAt))
        .limit(c.req.valid('query').limit);
      return c.json({ data: rows.map(runView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sources/{id}/runs/{runId}',
      tags: ['sources'],
      summary: 'One run of a source: status, pages, items, stored, error',
      request: {
        params: idParam.extend({
          runId: z
            .string()
            .min(1)
            .openapi({ param: { name: 'runId', in: 'path' } }),
        }),
      },
      responses: { 200: json(runSchema, 'The run'), ...unauthorized, 404: err('Unknown source or run') },
    }),
    async (c) => {
      const { id, runId } = c.req.valid('param');
      const s = await findSource(deps.db, id);
      const [row] = await deps.db
        .select()
        .from(sourceRuns)
        .where(and(eq(sourceRuns.id, runId), eq(sourceRuns.sourceId, s.id)))
        .limit(1);
      if (!row) throw new ApiError('NOT_FOUND', `source ${s.name} has no run ${runId}`);
      return c.json(runView(row), 200);
    },
  );

  return app;
}
