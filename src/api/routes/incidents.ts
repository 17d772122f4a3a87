import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, desc, eq, gt, lt, or, sql } from 'drizzle-orm';
import { verifyAckToken } from '../../../alerts/ack-links.ts';
import { alertContext } from '../../../alerts/engine.ts';
import { acknowledge, addNote, assign, resolve } from '../../../alerts/incidents.ts';
import { RULE_IDS } from '../../../alerts/rules.ts';
import {
  incidentEvents,
  incidentMentions,
  incidents,
  mentions,
  outbox,
  silences,
} from '../../../db/schema/index.ts';
import type { Deps } from '../../deps.ts';
import { newId } from '../../ids.ts';
import { ApiError, errorSchema } from '../errors.ts';
import { actorOf, router } from '../types.ts';
import { findBrand } from './brands.ts';

const factorSchema = z.object({
  name: z.string(),
  value: z.union([z.number(), z.string()]),
  weight: z.number().optional(),
  points: z.number().optional(),
  explanation: z.string(),
});

const incidentSchema = z
  .object({
    id: z.string(),
    brandId: z.string().nullable(),
    sourceId: z.string().nullable(),
    rule: z.string(),
    groupKey: z.string(),
    title: z.string(),
    level: z.number().int().openapi({ description: '1 critical/红, 2 high/橙, 3 medium/黄, 4 low/蓝' }),
    status: z.enum(['open', 'acknowledged', 'resolved']),
    assignee: z.string().nullable(),
    factors: z.array(factorSchema),
    counts: z.record(z.string(), z.number()),
    mentionCount: z.number().int(),
    openedAt: z.string(),
    lastActivityAt: z.string(),
    acknowledgedAt: z.string().nullable(),
    acknowledgedBy: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    reopenedCount: z.number().int(),
    policy: z.string().nullable(),
    escalationStep: z.number().int(),
    nextEscalationAt: z.string().nullable(),
    nextReminderAt: z.string().nullable(),
  })
  .openapi('Incident');

const eventSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    kind: z.string(),
    actor: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('IncidentEvent');

const incidentDetail = incidentSchema
  .extend({
    mentions: z.array(
      z.object({
        id: z.string(),
        platform: z.string(),
        url: z.string().nullable(),
        authorHandle: z.string(),
        authorFollowers: z.number().nullable(),
        text: z.string(),
        publishedAt: z.string(),
        sentiment: z.string().nullable(),
      }),
    ),
    timeline: z.array(eventSchema),
  })
  .openapi('IncidentDetail');

const outboxSchema = z
  .object({
    id: z.string(),
    channel: z.string(),
    kind: z.string(),
    incidentId: z.string().nullable(),
    status: z.enum(['pending', 'delivered', 'dead', 'merged']),
    attempts: z.number().int(),
    nextAttemptAt: z.string(),
    lastError: z.string().nullable(),
    lastStatus: z.number().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    mergedInto: z.string().nullable(),
    idempotencyKey: z.string(),
  })
  .openapi('OutboxRow');

const silenceSchema = z
  .object({
    id: z.string(),
    brandId: z.string().nullable(),
    rule: z.string().nullable(),
    startsAt: z.string(),
    endsAt: z.string(),
    reason: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .openapi('Silence');

type IncidentRow = typeof incidents.$inferSelect;
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function incidentView(i: IncidentRow) {
  return {
    id: i.id,
    brandId: i.brandId,
    sourceId: i.sourceId,
    rule: i.rule,
    groupKey: i.groupKey,
    title: i.title,
    level: i.level,
    status: i.status,
    assignee: i.assignee,
    factors: i.factors as z.infer<typeof factorSchema>[],
    counts: i.counts,
    mentionCount: i.mentionCount,
    openedAt: i.openedAt.toISOString(),
    lastActivityAt: i.lastActivityAt.toISOString(),
    acknowledgedAt: iso(i.acknowledgedAt),
    acknowledgedBy: i.acknowledgedBy,
    resolvedAt: iso(i.resolvedAt),
    reopenedCount: i.reopenedCount,
    policy: i.policy,
    escalationStep: i.escalationStep,
    nextEscalationAt: iso(i.nextEscalationAt),
    nextReminderAt: iso(i.nextReminderAt),
  };
}

function outboxView(r: typeof outbox.$inferSelect) {
  return {
    id: r.id,
    channel: r.channel,
    kind: r.kind,
    incidentId: r.incidentId,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.nextAttemptAt.toISOString(),
    lastError: r.lastError,
    lastStatus: r.lastStatus,
    createdAt: r.createdAt.toISOString(),
    deliveredAt: iso(r.deliveredAt),
    mergedInto: r.mergedInto,
    idempotencyKey: r.idempotencyKey,
  };
}

function silenceView(s: typeof silences.$inferSelect) {
  return {
    id: s.id,
    brandId: s.brandId,
    rule: s.rule,
    startsAt: s.startsAt.toISOString(),
    endsAt: s.endsAt.toISOString(),
    reason: s.reason,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
  };
}

const encodeCursor = (at: Date, id: string) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
function decodeCursor(s: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(s, 'base64url').toString('utf8').split('|');
  const d = new Date(at ?? '');
  if (!id || Number.isNaN(d.getTime()))
    throw new ApiError('BAD_REQUEST', 'cursor: not a cursor returned by this API', 'cursor');
  return { at: d, id };
}

const idParam = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const err = (d: string) => ({ content: { 'application/json': { schema: errorSchema } }, description: d });
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

/** The one-click acknowledge link: public (the signed token is the credential), mounted before auth. */
export function ackRoutes(deps: Deps) {
  const app = router();
  const ctx = alertContext(deps);
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/ack/{token}',
      tags: ['incidents'],
      summary: 'Acknowledge an incident from a notification link',
      description:
        'Signed (HMAC-SHA256), expiring, single-use links included in notifications. No API key needed.',
      security: [],
      request: { params: z.object({ token: z.string().openapi({ param: { name: 'token', in: 'path' } }) }) },
      responses: {
        200: json(z.object({ id: z.string(), status: z.string(), title: z.string() }), 'Acknowledged'),
        400: err('Malformed or forged'),
        404: err('Incident gone'),
        409: err('Link already used, expired, or the incident was reopened since'),
      },
    }),
    async (c) => {
      const v = verifyAckToken(ctx.ackKey, c.req.valid('param').token, deps.clock.now());
      if (!v.ok) {
        if (v.reason === 'expired')
          throw new ApiError('CONFLICT', 'this acknowledge link has expired; acknowledge in the API instead');
        throw new ApiError('BAD_REQUEST', 'not a valid acknowledge link');
      }
      const actor = `link:${v.nonce}`;
      const res = await deps.mutate(
        { actor, action: 'incident.ack', entityType: 'incident', requestId: c.get('requestId') },
        async (tx) => {
          const [inc] = await tx.select().from(incidents).where(eq(incidents.id, v.incidentId)).limit(1);
          if (!inc) throw new ApiError('NOT_FOUND', 'incident not found');
          if (inc.reopenedCount !== v.generation)
            throw new ApiError('CONFLICT', 'the incident was reopened after this link was sent');
          const used = await tx
            .select({ id: incidentEvents.id })
            .from(incidentEvents)
            .where(
              and(eq(incidentEvents.incidentId, inc.id), sql`${incidentEvents.data}->>'nonce' = ${v.nonce}`),
            )
            .limit(1);
          if (used[0]) throw new ApiError('CONFLICT', 'this acknowledge link was already used');
          const r = await acknowledge(tx, ctx, inc.id, actor, { via: 'link', nonce: v.nonce });
          if (r && r.before.status === r.after.status) {
            // Already acknowledged or resolved: record the use, change nothing.
            await tx.insert(incidentEvents).values({
              id: newId('alr'),
              incidentId: inc.id,
              at: deps.clock.now(),
              kind: 'ack-link-used',
              actor,
              data: { nonce: v.nonce, status: inc.status },
            });
            return { result: r.after, entityId: inc.id };
          }
          return {
            result: r!.after,
            entityId: inc.id,
            before: incidentView(r!.before),
            after: incidentView(r!.after),
          };
        },
      );
      return c.json({ id: res.id, status: res.status, title: res.title }, 200);
    },
  );
  return app;
}

export function incidentRoutes(deps: Deps) {
  const app = router();
  const ctx = alertContext(deps);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/incidents',
      tags: ['incidents'],
      summary: 'List incidents, newest first',
      request: {
        query: z.object({
          status: z.enum(['open', 'acknowledged', 'resolved']).optional(),
          brand: z.string().optional().openapi({ description: 'Brand id or name' }),
          level: z.coerce
            .number()
            .int()
            .min(1)
            .max(4)
            .optional()
            .openapi({ description: 'This level or more severe' }),
          rule: z.enum(RULE_IDS).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().optional().openapi({ description: 'nextCursor of the previous page' }),
        }),
      },
      responses: {
        200: json(
          z.object({ data: z.array(incidentSchema), nextCursor: z.string().nullable() }),
          'Incidents',
        ),
        400: err('Bad filter'),
      },
    }),
    async (c) => {
      const f = c.req.valid('query');
      const where = [];
      if (f.status) where.push(eq(incidents.status, f.status));
      if (f.brand) where.push(eq(incidents.brandId, (await findBrand(deps.db, f.brand)).id));
      if (f.level) where.push(sql`${incidents.level} <= ${f.level}`);
      if (f.rule) where.push(eq(incidents.rule, f.rule));
      if (f.cursor) {
        const cur = decodeCursor(f.cursor);
        where.push(
          or(lt(incidents.openedAt, cur.at), and(eq(incidents.openedAt, cur.at), lt(incidents.id, cur.id)))!,
        );
      }
      const rows = await deps.db
        .select()
        .from(incidents)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(incidents.openedAt), desc(incidents.id))
        .limit(f.limit + 1);
      const page = rows.slice(0, f.limit);
      const last = page.at(-1);
      return c.json(
        {
          data: page.map(incidentView),
          nextCursor: rows.length > f.limit && last ? encodeCursor(last.openedAt, last.id) : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/incidents/{id}',
      tags: ['incidents'],
      summary: 'An incident with its factors, mentions (widest reach first, up to 100) and timeline',
      request: { params: idParam },
      responses: { 200: json(incidentDetail, 'The incident'), 404: err('Not found') },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const [inc] = await deps.db.select().from(incidents).where(eq(incidents.id, id)).limit(1);
      if (!inc) throw new ApiError('NOT_FOUND', `incident ${id} not found`);
      const ms = await deps.db
        .select({ m: mentions })
        .from(incidentMentions)
        .innerJoin(mentions, eq(mentions.id, incidentMentions.mentionId))
        .where(eq(incidentMentions.incidentId, id))
        .orderBy(sql`coalesce(${mentions.authorFollowers}, 0) desc`, desc(mentions.publishedAt))
        .limit(100);
      const events = await deps.db
        .select()
        .from(incidentEvents)
        .where(eq(incidentEvents.incidentId, id))
        .orderBy(asc(incidentEvents.at), asc(incidentEvents.seq));
      return c.json(
        {
          ...incidentView(inc),
          mentions: ms.map(({ m }) => ({
            id: m.id,
            platform: m.platform,
            url: m.url,
            authorHandle: m.authorHandle,
            authorFollowers: m.authorFollowers,
            text: m.text,
            publishedAt: m.publishedAt.toISOString(),
            sentiment: m.sentimentLabel,
          })),
          timeline: events.map((e) => ({
            id: e.id,
            at: e.at.toISOString(),
            kind: e.kind,
            actor: e.actor,
            data: e.data,
          })),
        },
        200,
      );
    },
  );

  const transition = (
    path: string,
    action: string,
    summary: string,
    input: z.ZodType,
    run: (
      tx: Parameters<Parameters<Deps['mutate']>[1]>[0],
      id: string,
      actor: string,
      b: Record<string, unknown>,
    ) => Promise<{ before: IncidentRow; after: IncidentRow } | null>,
  ) =>
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/incidents/{id}/${path}`,
        tags: ['incidents'],
        summary,
        request: { params: idParam, ...body(input) },
        responses: {
          200: json(incidentSchema, 'The incident after the change'),
          400: err('Invalid input'),
          403: err('Viewer key'),
          404: err('Not found'),
        },
      }),
      async (c) => {
        const id = c.req.valid('param').id;
        const b = (c.req.valid('json') ?? {}) as Record<string, unknown>;
        const actor = actorOf(c);
        const row = await deps.mutate(
          { actor, action, entityType: 'incident', requestId: c.get('requestId') },
          async (tx) => {
            const r = await run(tx, id, actor, b);
            if (!r) throw new ApiError('NOT_FOUND', `incident ${id} not found`);
            if (r.before === r.after) return { result: r.after, entityId: id };
            return {
              result: r.after,
              entityId: id,
              before: incidentView(r.before),
              after: incidentView(r.after),
            };
          },
        );
        return c.json(incidentView(row), 200);
      },
    );

  const empty = z.object({}).strict().default({});
  transition('ack', 'incident.ack', 'Acknowledge: stops escalation', empty, (tx, id, actor) =>
    acknowledge(tx, ctx, id, actor),
  );
  transition(
    'resolve',
    'incident.resolve',
    'Resolve (a new alert of the same group within the reopen window reopens it)',
    z
      .object({ reason: z.string().max(1000).optional() })
      .strict()
      .default({}),
    (tx, id, actor, b) => resolve(tx, ctx, id, actor, b.reason as string | undefined),
  );
  transition(
    'assign',
    'incident.assign',
    'Assign to a person (null to unassign)',
    z.object({ assignee: z.string().trim().min(1).max(200).nullable() }).strict(),
    (tx, id, actor, b) => assign(tx, ctx, id, b.assignee as string | null, actor),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/incidents/{id}/note',
      tags: ['incidents'],
      summary: 'Add a note to the timeline',
      request: {
        params: idParam,
        ...body(z.object({ text: z.string().trim().min(1).max(10_000) }).strict()),
      },
      responses: { 201: json(eventSchema, 'The note'), 400: err('Invalid input'), 404: err('Not found') },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const { text } = c.req.valid('json');
      const actor = actorOf(c);
      const note = await deps.mutate(
        { actor, action: 'incident.note', entityType: 'incident', requestId: c.get('requestId') },
        async (tx) => {
          const n = await addNote(tx, ctx, id, text, actor);
          if (!n) throw new ApiError('NOT_FOUND', `incident ${id} not found`);
          return { result: n, entityId: id, after: { note: n.id, text } };
        },
      );
      return c.json({ id: note.id, at: note.at.toISOString(), kind: 'note', actor, data: { text } }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/outbox',
      tags: ['delivery'],
      summary: 'Notification deliveries (dead letters: status=dead)',
      request: {
        query: z.object({
          status: z.enum(['pending', 'delivered', 'dead', 'merged']).optional(),
          channel: z.string().optional(),
          incident: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().optional(),
        }),
      },
      responses: {
        200: json(z.object({ data: z.array(outboxSchema), nextCursor: z.string().nullable() }), 'Deliveries'),
      },
    }),
    async (c) => {
      const f = c.req.valid('query');
      const where = [];
      if (f.status) where.push(eq(outbox.status, f.status));
      if (f.channel) where.push(eq(outbox.channel, f.channel));
      if (f.incident) where.push(eq(outbox.incidentId, f.incident));
      if (f.cursor) {
        const seq = Number(Buffer.from(f.cursor, 'base64url').toString('utf8'));
        if (!Number.isInteger(seq))
          throw new ApiError('BAD_REQUEST', 'cursor: not a cursor returned by this API', 'cursor');
        where.push(lt(outbox.seq, seq));
      }
      const rows = await deps.db
        .select()
        .from(outbox)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(outbox.seq))
        .limit(f.limit + 1);
      const page = rows.slice(0, f.limit);
      const last = page.at(-1);
      return c.json(
        {
          data: page.map(outboxView),
          nextCursor:
            rows.length > f.limit && last ? Buffer.from(String(last.seq)).toString('base64url') : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/outbox/{id}/retry',
      tags: ['delivery'],
      summary: 'Retry a dead delivery now (attempts reset)',
      request: { params: idParam },
      responses: { 200: json(outboxSchema, 'Queued again'), 404: err('Not found'), 409: err('Not dead') },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const row = await deps.mutate(
        { actor: actorOf(c), action: 'outbox.retry', entityType: 'outbox', requestId: c.get('requestId') },
        async (tx) => {
          const [before] = await tx.select().from(outbox).where(eq(outbox.id, id)).for('update').limit(1);
          if (!before) throw new ApiError('NOT_FOUND', `delivery ${id} not found`);
          if (before.status !== 'dead')
            throw new ApiError('CONFLICT', `delivery ${id} is ${before.status}, not dead`);
          const [after] = await tx
            .update(outbox)
            .set({ status: 'pending', attempts: 0, nextAttemptAt: deps.clock.now(), lockedUntil: null })
            .where(eq(outbox.id, id))
            .returning();
          return { result: after!, entityId: id, before: outboxView(before), after: outboxView(after!) };
        },
      );
      return c.json(outboxView(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/silences',
      tags: ['incidents'],
      summary: 'Active and future silences',
      responses: { 200: json(z.object({ data: z.array(silenceSchema) }), 'Silences') },
    }),
    async (c) => {
      const rows = await deps.db
        .select()
        .from(silences)
        .where(gt(silences.endsAt, deps.clock.now()))
        .orderBy(asc(silences.startsAt));
      return c.json({ data: rows.map(silenceView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/silences',
      tags: ['incidents'],
      summary:
        'Silence alerts (a brand, a rule, or everything) for a period: incidents are recorded, not notified',
      request: body(
        z
          .object({
            brand: z.string().optional().openapi({ description: 'Brand id or name; omit for every brand' }),
            rule: z.enum(RULE_IDS).optional(),
            startsAt: z.iso.datetime({ offset: true }).optional(),
            endsAt: z.iso.datetime({ offset: true }),
            reason: z.string().trim().min(1).max(500),
          })
          .strict(),
      ),
      responses: { 201: json(silenceSchema, 'Created'), 400: err('Invalid input') },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const now = deps.clock.now();
      const startsAt = b.startsAt ? new Date(b.startsAt) : now;
      const endsAt = new Date(b.endsAt);
      if (endsAt <= startsAt) throw new ApiError('BAD_REQUEST', 'endsAt: must be after startsAt', 'endsAt');
      const actor = actorOf(c);
      const row = await deps.mutate(
        { actor, action: 'silence.create', entityType: 'silence', requestId: c.get('requestId') },
        async (tx) => {
          const brandId = b.brand ? (await findBrand(tx, b.brand)).id : null;
          const [s] = await tx
            .insert(silences)
            .values({
              id: newId('sil'),
              brandId,
              rule: b.rule ?? null,
              startsAt,
              endsAt,
              reason: b.reason,
              createdBy: actor,
              createdAt: now,
            })
            .returning();
          return { result: s!, entityId: s!.id, after: silenceView(s!) };
        },
      );
      return c.json(silenceView(row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/silences/{id}',
      tags: ['incidents'],
      summary: 'End a silence',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, 404: err('Not found') },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      await deps.mutate(
        { actor: actorOf(c), action: 'silence.delete', entityType: 'silence', requestId: c.get('requestId') },
        async (tx) => {
          const [before] = await tx.select().from(silences).where(eq(silences.id, id)).limit(1);
          if (!before) throw new ApiError('NOT_FOUND', `silence ${id} not found`);
          await tx.delete(silences).where(eq(silences.id, id));
          return { result: null, entityId: id, before: silenceView(before) };
        },
      );
      return c.body(null, 204);
    },
  );

  return app;
}
