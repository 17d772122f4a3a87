import { createRoute, z } from '@hono/zod-openapi';
import { eq, or } from 'drizzle-orm';
import cron from 'node-cron';
import type { DbOrTx } from '../../../db/client.ts';
import { sourceHealth, sources } from '../../../db/schema/index.ts';
import { formatPath } from '../../config/load.ts';
import { checkPluginEntry } from '../../config/plugins.ts';
import { sourcePlugins } from '../../config/schema.ts';
import type { Deps } from '../../deps.ts';
import { newId } from '../../ids.ts';
import { healthSchema, healthView } from '../../pipeline/health.ts';
import { type Principal, roleAtLeast } from '../auth.ts';
import { destinationsOf } from '../destinations.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { mergePatch, patchOf } from '../patch.ts';
import { actorOf, router } from '../types.ts';

type SourceRow = typeof sources.$inferSelect;

const sourceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    options: z.record(z.string(), z.unknown()),
    /** Names of the stored secrets; values are never returned. */
    secrets: z.array(z.string()),
    schedule: z.string(),
    enabled: z.boolean(),
    allowPrivateNetwork: z.boolean(),
    backfillDays: z.number().int(),
    origin: z.enum(['config', 'api']),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Source');

const sourceInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    type: z.string().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
    schedule: z.string().optional().openapi({ example: '*/10 * * * *' }),
    enabled: z.boolean().default(true),
    allowPrivateNetwork: z
      .boolean()
      .default(false)
      .openapi({ description: 'Admin only: let the source reach private and loopback addresses' }),
    backfillDays: z.number().int().min(0).max(3650).default(7),
    secrets: z
      .record(z.string(), z.string().min(1))
      .optional()
      .openapi({ description: 'Write-only; stored encrypted (AES-256-GCM)' }),
  })
  .strict()
  .openapi('SourceInput');
const sourcePatch = patchOf(sourceInput, ['schedule'])
  .extend({
    options: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: 'Merged into the stored options (JSON merge patch: null removes a key)' }),
  })
  .openapi('SourcePatch');

export function sourceView(s: SourceRow, secretNames: string[]) {
  return {
    id: s.id,
    name: s.name,
    type: s.type,
    options: s.options,
    secrets: secretNames,
    schedule: s.schedule,
    enabled: s.enabled,
    allowPrivateNetwork: s.allowPrivateNetwork,
    backfillDays: s.backfillDays,
    origin: s.origin,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

/** The stored secrets of a source, decrypted (never returned by the API). */
function secretsOf(deps: Deps, s: SourceRow): Record<string, string> {
  if (!s.secretsEnc) return {};
  try {
    return JSON.parse(deps.secrets.open(s.secretsEnc)) as Record<string, string>;
  } catch {
    return {};
  }
}

export function secretNamesOf(deps: Deps, s: SourceRow): string[] {
  return Object.keys(secretsOf(deps, s));
}

const PRIVATE_NETWORK =
  'only an admin (or the config file) may let a source reach private networks; ask an admin, or allow the address range in network.allowPrivate';

function requireAdmin(p: Principal, field: string, message: string): void {
  if (!roleAtLeast(p.role, 'admin')) throw new ApiError('FORBIDDEN', `${field}: ${message}`, field);
}

export async function findSource(db: DbOrTx, idOrName: string): Promise<SourceRow> {
  const rows = await db
    .select()
    .from(sources)
    .where(or(eq(sources.id, idOrName), eq(sources.name, idOrName)))
    .limit(1);
  if (!rows[0]) throw new ApiError('NOT_FOUND', `source ${idOrName} not found`);
  return rows[0];
}

/**
 * Validate type, options and secrets with the config's own check (`checkPluginEntry`), and the
 * schedule; 400 naming the field.
 */
export function checkSource(
  deps: Deps,
  type: string,
  options: Record<string, unknown>,
  secrets?: Record<string, string>,
  schedule?: string,
) {
  const r = checkPluginEntry(sourcePlugins(deps.collectors), { type, options, secrets });
  if (!r.ok) {
    const field = formatPath(r.issues[0]!.path);
    throw new ApiError('BAD_REQUEST', `${field}: ${r.issues[0]!.message}`, field);
  }
  if (schedule !== undefined && !cron.validate(schedule))
    throw new ApiError('BAD_REQUEST', 'schedule: invalid cron expression', 'schedule');
  return { collector: r.plugin, options: r.options };
}

const idParam = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'Source id or name' }),
});
const err = (d: string) => ({ content: { 'application/json': { schema: errorSchema } }, description: d });
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

export function sourceRoutes(deps: Deps, onChange: () => void) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sources',
      tags: ['sources'],
      summary: 'List sources',
      responses: { 200: json(z.object({ data: z.array(sourceSchema) }), 'Sources') },
    }),
    async (c) => {
      const rows = await deps.db.select().from(sources).orderBy(sources.name);
      return c.json({ data: rows.map((s) => sourceView(s, secretNamesOf(deps, s))) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sources/{id}',
      tags: ['sources'],
      summary: 'Get a source',
      request: { params: idParam },
      responses: { 200: json(sourceSchema, 'The source'), 404: err('Not found') },
    }),
    async (c) => {
      const s = await findSource(deps.db, c.req.valid('param').id);
      return c.json(sourceView(s, secretNamesOf(deps, s)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sources/{id}/health',
      tags: ['sources'],
      summary: 'Source health: last success, last error and its kind, items per run, lag',
      request: { params: idParam },
      responses: { 200: json(healthSchema, 'Health'), 404: err('Not found') },
    }),
    async (c) => {
      const s = await findSource(deps.db, c.req.valid('param').id);
      const h = await deps.db.select().from(sourceHealth).where(eq(sourceHealth.sourceId, s.id)).limit(1);
      return c.json(healthView(s, h[0], deps.clock.now()), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/sources',
      tags: ['sources'],
      summary: 'Create a source',
      request: { body: { content: { 'application/json': { schema: sourceInput } }, required: true } },
      responses: { 201: json(sourceSchema, 'Created'), 400: err('Invalid input'), 409: err('Name taken') },
    }),
    async (c) => {
      const input = c.req.valid('json');
      if (input.allowPrivateNetwork) requireAdmin(c.get('principal'), 'allowPrivateNetwork', PRIVATE_NETWORK);
      const { collector, options } = checkSource(
        deps,
        input.type,
        input.options,
        input.secrets,
        input.schedule,
      );
      const now = deps.clock.now();
      const row = await deps.mutate(
        { actor: actorOf(c), action: 'source.create', entityType: 'source', requestId: c.get('requestId') },
        async (tx) => {
          const taken = await tx
            .select({ id: sources.id })
            .from(sources)
            .where(eq(sources.name, input.name))
            .limit(1);
          if (taken[0]) throw new ApiError('CONFLICT', `a source named "${input.name}" exists`, 'name');
          const [s] = await tx
            .insert(sources)
            .values({
              id: newId('src'),
              name: input.name,
              type: input.type,
              options,
              secretsEnc:
                input.secrets && Object.keys(input.secrets).length
                  ? deps.secrets.seal(JSON.stringify(input.secrets))
                  : null,
              schedule: input.schedule ?? collector.defaultSchedule,
              enabled: input.enabled,
              allowPrivateNetwork: input.allowPrivateNetwork,
              backfillDays: input.backfillDays,
              origin: 'api',
              createdAt: now,
              updatedAt: now,
            })
            .returning();
          return { result: s!, entityId: s!.id, after: sourceView(s!, Object.keys(input.secrets ?? {})) };
        },
      );
      onChange();
      return c.json(sourceView(row, Object.keys(input.secrets ?? {})), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/sources/{id}',
      tags: ['sources'],
      summary: 'Update a source: only the fields given change',
      description:
        'Fields left out keep their values; `options` are merged into the stored ones (JSON merge patch: `null` removes an option); `secrets` given here replace all stored ones (`{}` removes them); `schedule: null` restores the collector default. Setting `allowPrivateNetwork`, or changing where a source that holds stored secrets or may reach private networks sends its requests (any option that moves a request to another origin, found by a dry run of the collector), needs the admin role.',
      request: {
        params: idParam,
        body: { content: { 'application/json': { schema: sourcePatch } }, required: true },
      },
      responses: {
        200: json(sourceSchema, 'Updated'),
        400: err('Invalid input'),
        404: err('Not found'),
        409: err('Name taken'),
      },
    }),
    async (c) => {
      const patch = c.req.valid('json');
      const id = c.req.valid('param').id;
      const row = await deps.mutate(
        { actor: actorOf(c), action: 'source.update', entityType: 'source', requestId: c.get('requestId') },
        async (tx) => {
          const before = await findSource(tx, id);
          const type = patch.type ?? before.type;
          const storedSecrets = secretNamesOf(deps, before);
          // Options given merge into the stored ones, also for a new type (a stored option the new
          // type does not take is a 400 naming it; `null` removes it).
          const merged = mergePatch(before.options, patch.options ?? {}) as Record<string, unknown>;
          const { collector, options } = checkSource(
            deps,
            type,
            merged,
            patch.secrets ?? (type === before.type ? undefined : secretsOf(deps, before)),
            patch.schedule ?? undefined,
          );
          const principal = c.get('principal');
          if (patch.allowPrivateNetwork && !before.allowPrivateNetwork)
            requireAdmin(principal, 'allowPrivateNetwork', PRIVATE_NETWORK);
          // Where the source sends requests may only move, for a source that carries secrets an
          // admin stored or may reach private addresses, when an admin moves it (or the patch
          // replaces the secrets): otherwise an editor could point it at a server of their own.
          const keepsSecrets = patch.secrets === undefined && storedSecrets.length > 0;
          const privileged = keepsSecrets || (patch.allowPrivateNetwork ?? before.allowPrivateNetwork);
          if (privileged && !roleAtLeast(principal.role, 'admin')) {
            const current = deps.collectors.find((x) => x.id === before.type);
            const was = current
              ? await destinationsOf(current, before.options, storedSecrets)
              : new Set<string>();
            const now = await destinationsOf(
              collector,
              options,
              patch.secrets ? Object.keys(patch.secrets) : storedSecrets,
            );
            const moved = [...now].filter((o) => !was.has(o));
            if (moved.length)
              throw new ApiError(
                'FORBIDDEN',
                `options: this change sends the source's requests to ${moved.join(', ')}; only an admin may move a source that ${keepsSecrets ? 'holds stored secrets' : 'may reach private networks'} (or send new secrets to replace the stored ones)`,
                'options',
              );
          }
          if (patch.name && patch.name !== before.name) {
            const taken = await tx
              .select({ id: sources.id })
              .from(sources)
              .where(eq(sources.name, patch.name))
              .limit(1);
            if (taken[0]) throw new ApiError('CONFLICT', `a source named "${patch.name}" exists`, 'name');
          }
          const [after] = await tx
            .update(sources)
            .set({
              name: patch.name ?? before.name,
              type,
              options,
              secretsEnc:
                patch.secrets === undefined
                  ? before.secretsEnc
                  : Object.keys(patch.secrets).length
                    ? deps.secrets.seal(JSON.stringify(patch.secrets))
                    : null,
              schedule:
                patch.schedule === null ? collector.defaultSchedule : (patch.schedule ?? before.schedule),
              enabled: patch.enabled ?? before.enabled,
              allowPrivateNetwork: patch.allowPrivateNetwork ?? before.allowPrivateNetwork,
              backfillDays: patch.backfillDays ?? before.backfillDays,
              updatedAt: deps.clock.now(),
            })
            .where(eq(sources.id, before.id))
            .returning();
          return {
            result: after!,
            entityId: before.id,
            before: sourceView(before, secretNamesOf(deps, before)),
            after: sourceView(after!, secretNamesOf(deps, after!)),
          };
        },
      );
      onChange();
      return c.json(sourceView(row, secretNamesOf(deps, row)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/sources/{id}',
      tags: ['sources'],
      summary: 'Delete a source (its mentions stay)',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, 404: err('Not found') },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      await deps.mutate(
        { actor: actorOf(c), action: 'source.delete', entityType: 'source', requestId: c.get('requestId') },
        async (tx) => {
          const before = await findSource(tx, id);
          await tx.delete(sources).where(eq(sources.id, before.id));
          return {
            result: null,
            entityId: before.id,
            before: sourceView(before, secretNamesOf(deps, before)),
          };
        },
      );
      onChange();
      return c.body(null, 204);
    },
  );

  return app;
}
