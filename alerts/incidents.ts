import { and, desc, eq, isNotNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { brands, incidentEvents, incidentMentions, incidents } from '../db/schema/index.ts';
import { newId } from '../src/ids.ts';
import type { Candidate } from './detect.ts';
import {
  activeSilence,
  channelsReached,
  collectorPolicy,
  nextDue,
  type Policy,
  policyFor,
  quietUntil,
  stepOf,
} from './escalation.ts';
import type { Grade } from './grade.ts';
import { type AlertContext, enqueueIncident, type IncidentRow } from './outbox.ts';

/**
 * Incidents: grouping alerts by brand + rule + topic/story, the lifecycle
 * (open → acknowledged → resolved → reopened), and the escalation timers persisted on the
 * row. Every transition runs in one transaction with its timeline event and the outbox rows
 * it causes, so a crash either keeps all of them or none.
 */
export type IncidentChange =
  | 'opened'
  | 'reopened'
  | 'updated'
  | 'level-up'
  | 'acknowledged'
  | 'resolved'
  | 'escalated';

export interface ChangeNote {
  id: string;
  brandId: string | null;
  status: string;
  level: number;
  change: IncidentChange;
}

async function event(
  tx: DbOrTx,
  incidentId: string,
  at: Date,
  kind: string,
  actor: string | null,
  data?: Record<string, unknown>,
) {
  await tx
    .insert(incidentEvents)
    .values({ id: newId('alr'), incidentId, at, kind, actor, data: data ?? null });
}

/** Row lock for one incident: `FOR UPDATE SKIP LOCKED` on PostgreSQL (another process owns it), plain on PGlite. */
async function lockIncident(tx: DbOrTx, id: string): Promise<IncidentRow | undefined> {
  const r = await tx
    .select()
    .from(incidents)
    .where(eq(incidents.id, id))
    .for('update', { skipLocked: true })
    .limit(1);
  return r[0];
}

export function policyOf(ctx: AlertContext, inc: Pick<IncidentRow, 'rule' | 'policy'>): Policy {
  return inc.rule === 'collector-down' ? collectorPolicy(ctx.cfg) : policyFor(ctx.cfg, inc.policy);
}

async function brandNameOf(tx: DbOrTx, brandId: string | null): Promise<string | null> {
  if (!brandId) return null;
  const r = await tx.select({ name: brands.name }).from(brands).where(eq(brands.id, brandId)).limit(1);
  return r[0]?.name ?? null;
}

/**
 * Fire every escalation step that is due (at most one cycle per call), writing outbox rows
 * keyed by incident + generation + absolute step, and advance the persisted timer. A silence
 * pushes the timer to its end instead; quiet hours defer delivery, not the step.
 */
async function fireDueSteps(
  tx: DbOrTx,
  ctx: AlertContext,
  inc: IncidentRow,
  now: Date,
): Promise<IncidentRow> {
  const policy = policyOf(ctx, inc);
  let cur = inc;
  for (
    let guard = 0;
    guard < policy.steps.length &&
    cur.status === 'open' &&
    cur.nextEscalationAt &&
    cur.nextEscalationAt <= now;
    guard++
  ) {
    const silence = await activeSilence(
      tx,
      ctx.cfg,
      { brandId: cur.brandId, brandName: await brandNameOf(tx, cur.brandId), rule: cur.rule },
      now,
    );
    if (silence) {
      [cur] = (await tx
        .update(incidents)
        .set({ nextEscalationAt: silence.endsAt })
        .where(eq(incidents.id, cur.id))
        .returning()) as [IncidentRow];
      await event(tx, cur.id, now, 'silenced', 'system', {
        until: silence.endsAt.toISOString(),
        reason: silence.reason,
      });
      break;
    }
    const s = cur.escalationStep;
    const { idx, cycle } = stepOf(policy, s);
    const channels = policy.steps[idx]!.channels;
    const kind = s === 0 ? 'alert' : 'escalation';
    const notBefore = quietUntil(policy, cur.level, now) ?? undefined;
    const written = await enqueueIncident(tx, ctx, {
      incident: cur,
      kind,
      channels,
      eventKey: `${cur.id}:g${cur.reopenedCount}:s${s}`,
      notBefore,
    });
    const next = nextDue(policy, s, cur.nextEscalationAt);
    [cur] = (await tx
      .update(incidents)
      .set({ escalationStep: s + 1, nextEscalationAt: next, lastNotifiedLevel: cur.level })
      .where(eq(incidents.id, cur.id))
      .returning()) as [IncidentRow];
    await event(tx, cur.id, now, 'notified', 'system', {
      kind,
      step: idx,
      cycle,
      channels,
      written,
      ...(notBefore ? { deferredUntil: notBefore.toISOString() } : {}),
    });
  }
  return cur;
}

export interface Applied {
  note: ChangeNote | null;
}

/**
 * Apply a graded candidate: join the unresolved incident of its group (adding its new
 * mentions, raising the level and notifying the reached channels at once on a rise), reopen a
 * recently resolved one, or open a new one and fire its first escalation step.
 */
export async function applyCandidate(
  ctx: AlertContext,
  cand: Candidate,
  g: Grade,
): Promise<ChangeNote | null> {
  const now = ctx.clock.now();
  const factors = [...g.factors, ...(cand.extraFactors ?? [])];
  return ctx.db.transaction(async (tx) => {
    // Serialise work on one group across processes: two engines must not open two incidents.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${cand.groupKey}))`);
    const [latest] = await tx
      .select()
      .from(incidents)
      .where(eq(incidents.groupKey, cand.groupKey))
      .orderBy(desc(incidents.openedAt))
      .limit(1);
    let active = latest && latest.status !== 'resolved' ? latest : undefined;
    if (active && active.lastActivityAt.getTime() < now.getTime() - ctx.cfg.groupWindow) {
      await closeIncident(tx, ctx, active, 'system', 'superseded: no activity within the group window', now);
      active = undefined;
    }
    const addMentions = async (id: string) => {
      if (cand.mentionIds.length === 0) return 0;
      let added = 0;
      for (let i = 0; i < cand.mentionIds.length; i += 1000) {
        const r = await tx
          .insert(incidentMentions)
          .values(
            cand.mentionIds
              .slice(i, i + 1000)
              .map((mentionId) => ({ incidentId: id, mentionId, addedAt: now })),
          )
          .onConflictDoNothing()
          .returning({ id: incidentMentions.mentionId });
        added += r.length;
      }
      return added;
    };

    if (active) {
      const added = await addMentions(active.id);
      const rose = g.level < active.level;
      if (added === 0 && !rose) {
        await tx.update(incidents).set({ lastActivityAt: now }).where(eq(incidents.id, active.id));
        return null;
      }
      const level = Math.min(active.level, g.level);
      const [cur] = (await tx
        .update(incidents)
        .set({
          level,
          mentionCount: sql`${incidents.mentionCount} + ${added}`,
          counts: cand.counts,
          ...(g.level <= active.level ? { factors } : {}),
          lastActivityAt: now,
        })
        .where(eq(incidents.id, active.id))
        .returning()) as [IncidentRow];
      if (added)
        await event(tx, cur.id, now, 'mentions-added', 'system', {
          added,
          total: cur.mentionCount,
          score: g.score,
        });
      if (!rose)
        return {
          id: cur.id,
          brandId: cur.brandId,
          status: cur.status,
          level: cur.level,
          change: 'updated' as const,
        };
      await event(tx, cur.id, now, 'level-raised', 'system', {
        from: active.level,
        to: level,
        score: g.score,
      });
      const policy = policyOf(ctx, cur);
      const silence = await activeSilence(
        tx,
        ctx.cfg,
        { brandId: cur.brandId, brandName: await brandNameOf(tx, cur.brandId), rule: cur.rule },
        now,
      );
      const channels = channelsReached(policy, cur.escalationStep);
      if (!silence && channels.length) {
        // A rise notifies at once: quiet hours only hold it back when the new level does not override them.
        const notBefore = quietUntil(policy, level, now) ?? undefined;
        const written = await enqueueIncident(tx, ctx, {
          incident: cur,
          kind: 'level-up',
          channels,
          eventKey: `${cur.id}:g${cur.reopenedCount}:level${level}`,
          notBefore,
        });
        await tx.update(incidents).set({ lastNotifiedLevel: level }).where(eq(incidents.id, cur.id));
        await event(tx, cur.id, now, 'notified', 'system', { kind: 'level-up', channels, written });
      }
      return { id: cur.id, brandId: cur.brandId, status: cur.status, level, change: 'level-up' as const };
    }

    const policyName = cand.rule === 'collector-down' ? null : await brandPolicyName(tx, ctx, cand.brandId);
    const policy = cand.rule === 'collector-down' ? collectorPolicy(ctx.cfg) : policyFor(ctx.cfg, policyName);
    const reopen =
      latest &&
      latest.status === 'resolved' &&
      latest.resolvedAt &&
      latest.resolvedAt.getTime() >= now.getTime() - ctx.cfg.reopenWindow;
    let inc: IncidentRow;
    if (reopen && latest) {
      [inc] = (await tx
        .update(incidents)
        .set({
          status: 'open',
          level: g.level,
          factors,
          counts: cand.counts,
          lastActivityAt: now,
          acknowledgedAt: null,
          acknowledgedBy: null,
          resolvedAt: null,
          reopenedCount: latest.reopenedCount + 1,
          escalationStep: 0,
          nextEscalationAt: now,
          nextReminderAt: new Date(now.getTime() + policy.reminderEvery),
          lastNotifiedLevel: null,
        })
        .where(eq(incidents.id, latest.id))
        .returning()) as [IncidentRow];
      const added = await addMentions(inc.id);
      [inc] = (await tx
        .update(incidents)
        .set({ mentionCount: sql`${incidents.mentionCount} + ${added}` })
        .where(eq(incidents.id, inc.id))
        .returning()) as [IncidentRow];
      await event(tx, inc.id, now, 'reopened', 'system', { level: g.level, score: g.score, added });
    } else {
      [inc] = (await tx
        .insert(incidents)
        .values({
          id: newId('inc'),
          brandId: cand.brandId,
          sourceId: cand.sourceId ?? null,
          rule: cand.rule,
          groupKey: cand.groupKey,
          title: cand.title,
          level: g.level,
          status: 'open',
          factors,
          counts: cand.counts,
          mentionCount: 0,
          openedAt: now,
          lastActivityAt: now,
          policy: policy.name,
          escalationStep: 0,
          nextEscalationAt: now,
          nextReminderAt: new Date(now.getTime() + policy.reminderEvery),
        })
        .returning()) as [IncidentRow];
      const added = await addMentions(inc.id);
      [inc] = (await tx
        .update(incidents)
        .set({ mentionCount: added })
        .where(eq(incidents.id, inc.id))
        .returning()) as [IncidentRow];
      await event(tx, inc.id, now, 'opened', 'system', {
        level: g.level,
        score: g.score,
        mentions: added,
        rule: cand.rule,
      });
    }
    inc = await fireDueSteps(tx, ctx, inc, now);
    return {
      id: inc.id,
      brandId: inc.brandId,
      status: inc.status,
      level: inc.level,
      change: reopen ? ('reopened' as const) : ('opened' as const),
    };
  });
}

async function brandPolicyName(
  tx: DbOrTx,
  ctx: AlertContext,
  brandId: string | null,
): Promise<string | null> {
  if (!brandId) return ctx.cfg.defaultPolicy ?? null;
  const r = await tx
    .select({ settings: brands.settings })
    .from(brands)
    .where(eq(brands.id, brandId))
    .limit(1);
  const a = r[0]?.settings.alerts as { policy?: string } | undefined;
  return a?.policy ?? ctx.cfg.defaultPolicy ?? null;
}

/** Resolve inside a transaction: stop timers, tell the channels that were notified. */
async function closeIncident(
  tx: DbOrTx,
  ctx: AlertContext,
  inc: IncidentRow,
  actor: string,
  reason: string | undefined,
  now: Date,
): Promise<IncidentRow> {
  const [cur] = (await tx
    .update(incidents)
    .set({
      status: 'resolved',
      resolvedAt: now,
      nextEscalationAt: null,
      nextReminderAt: null,
      lastActivityAt: now,
    })
    .where(eq(incidents.id, inc.id))
    .returning()) as [IncidentRow];
  await event(tx, cur.id, now, 'resolved', actor, reason ? { reason } : undefined);
  if (inc.lastNotifiedLevel !== null) {
    const channels = channelsReached(policyOf(ctx, cur), cur.escalationStep);
    await enqueueIncident(tx, ctx, {
      incident: cur,
      kind: 'resolved',
      channels,
      eventKey: `${cur.id}:g${cur.reopenedCount}:resolved`,
    });
  }
  return cur;
}

export class IncidentStateError extends Error {}

/** Acknowledge: stops escalation (reminders continue until resolved). Idempotent. */
export async function acknowledge(
  tx: DbOrTx,
  ctx: AlertContext,
  id: string,
  actor: string,
  data?: Record<string, unknown>,
): Promise<{ before: IncidentRow; after: IncidentRow } | null> {
  const now = ctx.clock.now();
  const before = (await tx.select().from(incidents).where(eq(incidents.id, id)).for('update').limit(1))[0];
  if (!before) return null;
  if (before.status !== 'open') return { before, after: before };
  const [after] = (await tx
    .update(incidents)
    .set({ status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: actor, nextEscalationAt: null })
    .where(eq(incidents.id, id))
    .returning()) as [IncidentRow];
  await event(tx, id, now, 'acknowledged', actor, data);
  return { before, after };
}

export async function resolve(
  tx: DbOrTx,
  ctx: AlertContext,
  id: string,
  actor: string,
  reason?: string,
): Promise<{ before: IncidentRow; after: IncidentRow } | null> {
  const before = (await tx.select().from(incidents).where(eq(incidents.id, id)).for('update').limit(1))[0];
  if (!before) return null;
  if (before.status === 'resolved') return { before, after: before };
  const after = await closeIncident(tx, ctx, before, actor, reason, ctx.clock.now());
  return { before, after };
}

export async function assign(
  tx: DbOrTx,
  ctx: AlertContext,
  id: string,
  assignee: string | null,
  actor: string,
) {
  const before = (await tx.select().from(incidents).where(eq(incidents.id, id)).for('update').limit(1))[0];
  if (!before) return null;
  const [after] = (await tx.update(incidents).set({ assignee }).where(eq(incidents.id, id)).returning()) as [
    IncidentRow,
  ];
  await event(tx, id, ctx.clock.now(), 'assigned', actor, { from: before.assignee, to: assignee });
  return { before, after };
}

export async function addNote(tx: DbOrTx, ctx: AlertContext, id: string, text: string, actor: string) {
  const before = (
    await tx.select({ id: incidents.id }).from(incidents).where(eq(incidents.id, id)).limit(1)
  )[0];
  if (!before) return null;
  const noteId = newId('alr');
  const at = ctx.clock.now();
  await tx
    .insert(incidentEvents)
    .values({ id: noteId, incidentId: id, at, kind: 'note', actor, data: { text } });
  return { id: noteId, at, text, actor };
}

/**
 * Timers: escalation steps and reminders that are due, and incidents quiet for longer than
 * `autoResolveAfter`. Each incident is handled in its own transaction under a row lock taken
 * with SKIP LOCKED, and every outbox row is keyed by incident + event, so two processes
 * ticking at once, or a restart halfway, neither repeat nor lose a step.
 */
export async function processDue(ctx: AlertContext, now: Date): Promise<ChangeNote[]> {
  const staleBefore = new Date(now.getTime() - ctx.cfg.autoResolveAfter);
  const due = await ctx.db
    .select({ id: incidents.id })
    .from(incidents)
    .where(
      and(
        ne(incidents.status, 'resolved'),
        or(
          and(
            eq(incidents.status, 'open'),
            isNotNull(incidents.nextEscalationAt),
            lte(incidents.nextEscalationAt, now),
          ),
          lte(incidents.nextReminderAt, now),
          lt(incidents.lastActivityAt, staleBefore),
        ),
      ),
    )
    .limit(200);
  const notes: ChangeNote[] = [];
  for (const { id } of due) {
    try {
      const note = await ctx.db.transaction(async (tx) => {
        const inc = await lockIncident(tx, id);
        if (!inc || inc.status === 'resolved') return null;
        if (inc.lastActivityAt < staleBefore) {
          const r = await closeIncident(tx, ctx, inc, 'system', 'no new activity', now);
          return { id, brandId: r.brandId, status: r.status, level: r.level, change: 'resolved' as const };
        }
        let cur = inc;
        let escalated = false;
        if (cur.status === 'open' && cur.nextEscalationAt && cur.nextEscalationAt <= now) {
          const step = cur.escalationStep;
          cur = await fireDueSteps(tx, ctx, cur, now);
          escalated = cur.escalationStep > step;
        }
        if (cur.nextReminderAt && cur.nextReminderAt <= now) await remind(tx, ctx, cur, now);
        return escalated
          ? { id, brandId: cur.brandId, status: cur.status, level: cur.level, change: 'escalated' as const }
          : null;
      });
      if (note) notes.push(note);
    } catch (err) {
      ctx.log.error({ err, incidentId: id }, 'incident timer failed; will retry on the next tick');
    }
  }
  return notes;
}

async function remind(tx: DbOrTx, ctx: AlertContext, inc: IncidentRow, now: Date) {
  const policy = policyOf(ctx, inc);
  const dueAt = inc.nextReminderAt!;
  let next = dueAt.getTime() + policy.reminderEvery;
  while (next <= now.getTime()) next += policy.reminderEvery;
  await tx
    .update(incidents)
    .set({ nextReminderAt: new Date(next) })
    .where(eq(incidents.id, inc.id));
  const silence = await activeSilence(
    tx,
    ctx.cfg,
    { brandId: inc.brandId, brandName: await brandNameOf(tx, inc.brandId), rule: inc.rule },
    now,
  );
  const channels = channelsReached(policy, Math.max(1, inc.escalationStep));
  if (silence || inc.lastNotifiedLevel === null) return;
  const notBefore = quietUntil(policy, inc.level, now) ?? undefined;
  const written = await enqueueIncident(tx, ctx, {
    incident: inc,
    kind: 'reminder',
    channels,
    eventKey: `${inc.id}:g${inc.reopenedCount}:r${dueAt.getTime()}`,
    notBefore,
  });
  await event(tx, inc.id, now, 'notified', 'system', { kind: 'reminder', channels, written });
}

/** Resolve open collector-down incidents of a source that recovered. */
export async function resolveCollector(ctx: AlertContext, sourceId: string): Promise<ChangeNote[]> {
  const open = await ctx.db
    .select({ id: incidents.id })
    .from(incidents)
    .where(
      and(
        eq(incidents.rule, 'collector-down'),
        eq(incidents.sourceId, sourceId),
        ne(incidents.status, 'resolved'),
      ),
    );
  const out: ChangeNote[] = [];
  for (const { id } of open) {
    const r = await ctx.db.transaction((tx) => resolve(tx, ctx, id, 'system', 'source recovered'));
    if (r) out.push({ id, brandId: null, status: r.after.status, level: r.after.level, change: 'resolved' });
  }
  return out;
}
