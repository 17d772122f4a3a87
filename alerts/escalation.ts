import { and, eq, gt, isNull, lte, or } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { silences } from '../db/schema/index.ts';
import type { AlertsConfig, PolicyConfig } from './schema.ts';

/**
 * Escalation policies: ordered steps (channels + delay from the start of the cycle), an
 * optional repeat until acknowledged, reminders while unresolved, quiet hours a level can
 * override, and silences / maintenance windows. All timing is computed from the incident
 * row's persisted `escalation_step` and `next_escalation_at`, never from in-memory timers.
 */
export type Policy = PolicyConfig;

/** The named policy, or the default: every channel at once, daily reminders. */
export function policyFor(cfg: AlertsConfig, name: string | null | undefined): Policy {
  const found =
    cfg.policies.find((p) => p.name === name) ?? cfg.policies.find((p) => p.name === cfg.defaultPolicy);
  if (found) return found;
  return {
    name: 'default',
    steps: [{ channels: cfg.channels.map((c) => c.name), after: 0 }],
    reminderEvery: 24 * 3_600_000,
  };
}

/** The policy for collector-down incidents. */
export function collectorPolicyName(cfg: AlertsConfig): string | null {
  return cfg.collectorDown.policy ?? cfg.defaultPolicy ?? null;
}

export function collectorPolicy(cfg: AlertsConfig): Policy {
  if (cfg.collectorDown.channels?.length)
    return {
      name: 'collector-down',
      steps: [{ channels: cfg.collectorDown.channels, after: 0 }],
      reminderEvery: 24 * 3_600_000,
    };
  return policyFor(cfg, collectorPolicyName(cfg));
}

/** Index into `steps` and cycle number of absolute step `s`. */
export function stepOf(policy: Policy, s: number): { idx: number; cycle: number } {
  const n = policy.steps.length;
  return { idx: s % n, cycle: Math.floor(s / n) };
}

/**
 * When absolute step `s + 1` is due, given step `s` was due at `dueAt`; null when the policy
 * does not repeat and `s` was its last step.
 */
export function nextDue(policy: Policy, s: number, dueAt: Date): Date | null {
  const { idx } = stepOf(policy, s);
  const steps = policy.steps;
  const cycleStart = dueAt.getTime() - steps[idx]!.after;
  if (idx + 1 < steps.length) return new Date(cycleStart + steps[idx + 1]!.after);
  if (policy.repeatAfter === undefined) return null;
  return new Date(dueAt.getTime() + policy.repeatAfter + steps[0]!.after);
}

/** Channels already reached in the current generation (after `fired` absolute steps). */
export function channelsReached(policy: Policy, fired: number): string[] {
  const upto = Math.min(fired, policy.steps.length);
  const out = new Set<string>();
  for (let i = 0; i < upto; i++) for (const c of policy.steps[i]!.channels) out.add(c);
  return [...out];
}

function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const h = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const m = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return h * 60 + m;
}

const toMin = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The end of the current quiet period when `at` falls in the policy's quiet hours and `level`
 * does not override them; otherwise null. Deferred notifications are delivered then.
 */
export function quietUntil(policy: Policy, level: number, at: Date): Date | null {
  const q = policy.quietHours;
  if (!q || level <= q.overrideLevel) return null;
  const m = localMinutes(at, q.timezone);
  const start = toMin(q.start);
  const end = toMin(q.end);
  const inQuiet = start <= end ? m >= start && m < end : m >= start || m < end;
  if (!inQuiet) return null;
  const minutes = (end - m + 1440) % 1440;
  const t = new Date(at.getTime() + minutes * 60_000);
  t.setUTCSeconds(0, 0);
  return t;
}

/** The silence or maintenance window covering this brand + rule now, if any (latest end wins). */
export async function activeSilence(
  db: DbOrTx,
  cfg: AlertsConfig,
  target: { brandId: string | null; brandName: string | null; rule: string },
  at: Date,
): Promise<{ endsAt: Date; reason: string } | null> {
  const rows = await db
    .select({ endsAt: silences.endsAt, reason: silences.reason })
    .from(silences)
    .where(
      and(
        lte(silences.startsAt, at),
        gt(silences.endsAt, at),
        target.brandId
          ? or(isNull(silences.brandId), eq(silences.brandId, target.brandId))
          : isNull(silences.brandId),
        or(isNull(silences.rule), eq(silences.rule, target.rule)),
      ),
    );
  const windows = cfg.maintenance
    .filter((w) => w.startsAt <= at && w.endsAt > at)
    .filter(
      (w) => (w.brand ? w.brand === target.brandName : true) && (w.rule ? w.rule === target.rule : true),
    )
    .map((w) => ({ endsAt: w.endsAt, reason: w.reason }));
  const all = [...rows, ...windows].sort((a, b) => b.endsAt.getTime() - a.endsAt.getTime());
  return all[0] ?? null;
}
