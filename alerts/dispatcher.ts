import { and, asc, count, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { outbox } from '../db/schema/index.ts';
import { newId } from '../src/ids.ts';
import { type GuardOptions, resolveGuarded } from '../src/net/guard.ts';
import type { HttpClient } from '../src/net/types.ts';
import { channelById } from './channels/index.ts';
import type { AlertContext, OutboxRow } from './outbox.ts';
import type { ChannelConfig } from './schema.ts';
import type {
  AlertDigest,
  AlertMessage,
  ChannelDefinition,
  DeliveryResult,
  DigestIncident,
} from './types.ts';

/**
 * The outbox dispatcher. Each tick claims due rows (a lease in `locked_until`, taken with
 * `FOR UPDATE SKIP LOCKED` so two processes never claim the same row), sends them through
 * their channel, and records the outcome: delivered; retried with exponential backoff that
 * honours the provider's Retry-After; or dead after `maxAttempts` or a non-retryable error.
 *
 * Order: only the oldest pending row of an (incident, channel) pair is claimable, so a
 * failing channel holds back that incident's later messages instead of reordering them.
 * Rate limits: past a channel's `perMinute`, the due rows for it are merged into one digest
 * row (the merged rows point at it) that goes out when the window has room; nothing is
 * dropped. A crashed dispatcher's lease expires and another takes the row over; the
 * message id (the idempotency key) lets receivers drop the rare duplicate this allows.
 *
 * @example
 * const d = createDispatcher(ctx, { httpFor }); await d.tick(); d.start(); await d.stop();
 */
export interface DispatcherOptions {
  /** The HTTP client for a channel (the SSRF guard and body caps live there). */
  httpFor: (channel: ChannelConfig) => HttpClient;
  batch?: number;
  /** Idle poll interval of the background loop. */
  pollMs?: number;
  /** Guard settings for channels that open their own sockets (SMTP); default: the channel's own flag. */
  guardFor?: (channel: ChannelConfig) => GuardOptions;
  /** Channel registry lookup (tests may add fakes). */
  channelById?: (type: string) => ChannelDefinition | undefined;
}

export interface TickResult {
  claimed: number;
  delivered: number;
  retried: number;
  dead: number;
  merged: number;
}

const MINUTE = 60_000;

export function createDispatcher(ctx: AlertContext, opts: DispatcherOptions) {
  const log = ctx.log.child({ component: 'dispatcher' });
  const batch = opts.batch ?? 100;
  const lookup = opts.channelById ?? channelById;
  const d = ctx.cfg.delivery;
  const http = new Map<string, HttpClient>();
  const clientFor = (ch: ChannelConfig) => {
    let c = http.get(ch.name);
    if (!c) {
      c = opts.httpFor(ch);
      http.set(ch.name, c);
    }
    return c;
  };
  let running: Promise<unknown> | null = null;
  let stopped = true;
  let wakeUp: (() => void) | null = null;
  const controller = new AbortController();

  async function claim(now: Date): Promise<{ rows: OutboxRow[]; lease: Date }> {
    const lease = new Date(now.getTime() + d.lease);
    const rows = await ctx.db.transaction(async (tx) => {
      const due = await tx
        .select()
        .from(outbox)
        .where(
          and(
            eq(outbox.status, 'pending'),
            lte(outbox.nextAttemptAt, now),
            or(isNull(outbox.lockedUntil), lte(outbox.lockedUntil, now)),
            sql`not exists (select 1 from outbox p where p.status = 'pending' and p.channel = ${outbox.channel} and p.incident_id = ${outbox.incidentId} and p.seq < ${outbox.seq})`,
          ),
        )
        .orderBy(asc(outbox.seq))
        .limit(batch)
        .for('update', { skipLocked: true });
      if (due.length)
        await tx
          .update(outbox)
          .set({ lockedUntil: lease })
          .where(
            inArray(
              outbox.id,
              due.map((r) => r.id),
            ),
          );
      return due;
    });
    return { rows, lease };
  }

  const backoff = (attempts: number) => Math.min(d.maxBackoff, d.backoff * 2 ** Math.max(0, attempts - 1));

  async function record(row: OutboxRow, lease: Date, r: DeliveryResult, now: Date, res: TickResult) {
    const attempts = row.attempts + 1;
    const mine = and(eq(outbox.id, row.id), eq(outbox.lockedUntil, lease));
    if (r.ok) {
      await ctx.db
        .update(outbox)
        .set({
          status: 'delivered',
          attempts,
          deliveredAt: now,
          lockedUntil: null,
          lastError: r.skipped ? `skipped: ${r.skipped}` : null,
          lastStatus: null,
        })
        .where(mine);
      res.delivered++;
      return;
    }
    const dead = !r.retry || attempts >= d.maxAttempts;
    const wait = Math.max(r.retryAfterMs ?? 0, backoff(attempts));
    await ctx.db
      .update(outbox)
      .set({
        status: dead ? 'dead' : 'pending',
        attempts,
        lockedUntil: null,
        lastError: r.error.slice(0, 1000),
        lastStatus: r.status ?? null,
        nextAttemptAt: dead ? row.nextAttemptAt : new Date(now.getTime() + wait),
      })
      .where(mine);
    if (dead) {
      res.dead++;
      log.warn(
        { outboxId: row.id, channel: row.channel, attempts, error: r.error },
        'delivery dead-lettered',
      );
    } else res.retried++;
  }

  async function send(
    ch: ChannelConfig,
    def: ChannelDefinition,
    message: AlertMessage,
  ): Promise<DeliveryResult> {
    try {
      return await def.send(
        {
          http: clientFor(ch),
          clock: ctx.clock,
          log: log.child({ channel: ch.name }),
          secrets: ch.secrets,
          resolveHost: (host) =>
            resolveGuarded(host, opts.guardFor?.(ch) ?? { allowPrivateNetwork: ch.allowPrivateNetwork }),
          signal: controller.signal,
        },
        ch.options,
        message,
      );
    } catch (err) {
      // Channels should not throw; one that does is treated as a transient failure.
      return { ok: false, retry: true, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Fold pending messages into one digest message for a rate-limited channel. */
  function mergedMessage(channel: string, rows: OutboxRow[], now: Date): AlertMessage {
    const msgs = rows.map((r) => r.payload as unknown as AlertMessage);
    const incidents = new Map<string, DigestIncident>();
    let mentions = 0;
    let negative = 0;
    const brandNames = new Set<string>();
    const topMentions: AlertDigest['topMentions'] = [];
    for (const m of msgs) {
      if (m.incident) {
        brandNames.add(m.incident.brandName);
        incidents.set(m.incident.id, {
          id: m.incident.id,
          title: m.incident.title,
          level: m.incident.level,
          status: m.incident.status,
          openedAt: m.incident.openedAt,
          ...(m.incident.dashboardUrl ? { dashboardUrl: m.incident.dashboardUrl } : {}),
        });
        mentions += m.kind === 'alert' ? m.incident.counts.mentions : 0;
        negative += m.kind === 'alert' ? (m.incident.counts.negative ?? 0) : 0;
        if (m.incident.mentions[0] && topMentions.length < 5) topMentions.push(m.incident.mentions[0]);
      } else if (m.collector) {
        incidents.set(`collector:${m.collector.sourceName}`, {
          id: m.collector.sourceName,
          title: `Collector down — ${m.collector.sourceName}`,
          level: 3,
          status: 'open',
          openedAt: m.collector.since,
        });
      } else if (m.digest) {
        brandNames.add(m.digest.brandName);
        for (const i of m.digest.topIncidents) incidents.set(i.id, i);
      }
    }
    const first = msgs[0]!;
    return {
      kind: 'digest',
      id: `merge:${channel}:${rows[0]!.id}`,
      locale: first.locale,
      createdAt: now.toISOString(),
      digest: {
        period: {
          from: first.createdAt,
          to: now.toISOString(),
          label: `${rows.length} notifications merged: channel rate limit`,
        },
        brandName: [...brandNames].join(', ') || 'Earshot',
        totals: { mentions, negative, incidents: incidents.size },
        topIncidents: [...incidents.values()].sort((a, b) => a.level - b.level).slice(0, 20),
        topMentions,
      },
    };
  }

  /** Over the limit: merge every due row of the channel into one digest row. */
  async function merge(
    channel: string,
    held: OutboxRow[],
    lease: Date,
    now: Date,
    sendAt: Date,
  ): Promise<number> {
    return ctx.db.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(outbox)
        .where(
          and(
            eq(outbox.channel, channel),
            eq(outbox.status, 'pending'),
            lte(outbox.nextAttemptAt, now),
            sql`(${outbox.kind} <> 'digest' or ${outbox.incidentId} is not null)`,
            or(
              isNull(outbox.lockedUntil),
              lte(outbox.lockedUntil, now),
              and(
                eq(outbox.lockedUntil, lease),
                inArray(
                  outbox.id,
                  held.map((h) => h.id),
                ),
              ),
            ),
          ),
        )
        .orderBy(asc(outbox.seq))
        .for('update', { skipLocked: true });
      if (rows.length === 0) return 0;
      const message = mergedMessage(channel, rows, now);
      const digestId = newId('out');
      await tx
        .insert(outbox)
        .values({
          id: digestId,
          channel,
          kind: 'digest',
          incidentId: null,
          payload: message as unknown as Record<string, unknown>,
          idempotencyKey: message.id,
          status: 'pending',
          nextAttemptAt: sendAt,
          createdAt: now,
        })
        .onConflictDoNothing({ target: outbox.idempotencyKey });
      await tx
        .update(outbox)
        .set({ status: 'merged', mergedInto: digestId, lockedUntil: null })
        .where(
          inArray(
            outbox.id,
            rows.map((r) => r.id),
          ),
        );
      return rows.length;
    });
  }

  async function deliverChannel(channel: string, rows: OutboxRow[], lease: Date, now: Date, res: TickResult) {
    const ch = ctx.cfg.channels.find((c) => c.name === channel);
    const def = ch ? lookup(ch.type) : undefined;
    if (!ch || !def) {
      for (const row of rows)
        await record(
          row,
          lease,
          { ok: false, retry: false, error: `channel "${channel}" is not configured` },
          now,
          res,
        );
      return;
    }
    const perMinute = Math.min(
      ch.perMinute ?? Number.POSITIVE_INFINITY,
      def.limits.perMinute ?? Number.POSITIVE_INFINITY,
    );
    let queue = rows;
    if (Number.isFinite(perMinute)) {
      const since = new Date(now.getTime() - MINUTE);
      const [c] = await ctx.db
        .select({ n: count() })
        .from(outbox)
        .where(
          and(eq(outbox.channel, channel), eq(outbox.status, 'delivered'), gt(outbox.deliveredAt, since)),
        );
      const budget = perMinute - (c?.n ?? 0);
      if (queue.length > budget) {
        // Keep the last slot of the window for the digest of the rest.
        const keep = Math.max(0, budget - 1);
        const digests = queue.filter((r) => r.kind === 'digest' && r.incidentId === null);
        const rest = queue.filter((r) => !digests.includes(r));
        const individual = budget >= 1 ? [...digests, ...rest].slice(0, keep) : [];
        const toMerge = rest.filter((r) => !individual.includes(r));
        const windowFree = await nextSlot(channel, perMinute, now);
        const release = digests.filter((r) => !individual.includes(r));
        if (release.length)
          await ctx.db
            .update(outbox)
            .set({ lockedUntil: null, nextAttemptAt: windowFree })
            .where(
              inArray(
                outbox.id,
                release.map((r) => r.id),
              ),
            );
        if (toMerge.length)
          res.merged += await merge(channel, toMerge, lease, now, budget >= 1 ? now : windowFree);
        queue = individual;
      }
    }
    for (let i = 0; i < queue.length; i++) {
      const row = queue[i]!;
      const r = await send(ch, def, row.payload as unknown as AlertMessage);
      await record(row, lease, r, ctx.clock.now(), res);
      if (!r.ok && r.retry) {
        // The channel is failing: leave its other rows for a later tick instead of hammering it.
        const left = queue.slice(i + 1).map((x) => x.id);
        if (left.length)
          await ctx.db
            .update(outbox)
            .set({ lockedUntil: null })
            .where(and(inArray(outbox.id, left), eq(outbox.lockedUntil, lease)));
        break;
      }
    }
  }

  /** When the oldest delivery in the current window leaves it. */
  async function nextSlot(channel: string, perMinute: number, now: Date): Promise<Date> {
    const rows = await ctx.db
      .select({ at: outbox.deliveredAt })
      .from(outbox)
      .where(
        and(
          eq(outbox.channel, channel),
          eq(outbox.status, 'delivered'),
          gt(outbox.deliveredAt, new Date(now.getTime() - MINUTE)),
        ),
      )
      .orderBy(asc(outbox.deliveredAt))
      .limit(Math.max(1, perMinute));
    const oldest = rows[0]?.at;
    return oldest ? new Date(oldest.getTime() + MINUTE + 1) : now;
  }

  /** One pass: claim due rows and deliver them, channels in parallel, rows of a channel in order. */
  async function tick(now: Date = ctx.clock.now()): Promise<TickResult> {
    const res: TickResult = { claimed: 0, delivered: 0, retried: 0, dead: 0, merged: 0 };
    const { rows, lease } = await claim(now);
    res.claimed = rows.length;
    const byChannel = new Map<string, OutboxRow[]>();
    for (const r of rows) byChannel.set(r.channel, [...(byChannel.get(r.channel) ?? []), r]);
    await Promise.all(
      [...byChannel.entries()].map(([channel, list]) =>
        deliverChannel(channel, list, lease, now, res).catch((err) =>
          log.error({ err, channel }, 'delivery pass failed; rows retry after their lease'),
        ),
      ),
    );
    return res;
  }

  return {
    tick,
    /** Run until drained: repeated ticks while rows are claimable now (tests, shutdown). */
    async drain(now: Date = ctx.clock.now(), maxPasses = 50): Promise<TickResult> {
      const total: TickResult = { claimed: 0, delivered: 0, retried: 0, dead: 0, merged: 0 };
      for (let i = 0; i < maxPasses; i++) {
        const r = await tick(now);
        for (const k of Object.keys(total) as (keyof TickResult)[]) total[k] += r[k];
        if (r.claimed === 0) break;
      }
      return total;
    },
    /** Deliver soon: the engine calls this after writing outbox rows. */
    wake() {
      wakeUp?.();
    },
    start() {
      if (!stopped) return;
      stopped = false;
      const pollMs = opts.pollMs ?? 1000;
      running = (async () => {
        while (!stopped) {
          try {
            const r = await tick();
            if (r.claimed > 0) continue;
          } catch (err) {
            log.error({ err }, 'dispatcher tick failed');
          }
          if (stopped) break;
          await new Promise<void>((resolve) => {
            wakeUp = resolve;
            const t = setTimeout(resolve, pollMs);
            t.unref?.();
          });
          wakeUp = null;
        }
      })();
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      controller.abort(new Error('dispatcher stopped'));
      await running;
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
