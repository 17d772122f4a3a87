import { z } from 'zod';
import { type AlertLevel, type AlertMessage, defineChannel, levelInfo } from '../types.ts';
import { jsonBody, postJson } from './_lib/deliver.ts';
import { neutralize, oneLine, safeUrl } from './_lib/escape.ts';
import { alertView, truncateChars } from './_lib/render.ts';

const SEVERITY: Record<AlertLevel, 'critical' | 'error' | 'warning' | 'info'> = {
  1: 'critical',
  2: 'error',
  3: 'warning',
  4: 'info',
};
/** PagerDuty rejects events over 512 KB; we stay far below. */
const MAX_BYTES = 512 * 1024;

export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';

/** resolved → resolve; an acknowledged incident → acknowledge; everything else → trigger. */
export function pagerdutyAction(message: AlertMessage): PagerDutyAction {
  if (message.kind === 'resolved' || message.incident?.status === 'resolved') return 'resolve';
  if (message.incident?.status === 'acknowledged') return 'acknowledge';
  return 'trigger';
}

/** Events API v2 body. `dedup_key` is the incident id, so every message of an incident lands on one PD incident. */
export function pagerdutyEvent(
  message: AlertMessage,
  routingKey: string,
  source: string,
): Record<string, unknown> {
  const action = pagerdutyAction(message);
  const inc = message.incident;
  const dedupKey = inc?.id ?? (message.collector ? `collector:${message.collector.sourceName}` : message.id);
  const event: Record<string, unknown> = {
    routing_key: routingKey,
    event_action: action,
    dedup_key: dedupKey,
  };
  if (action !== 'trigger') return event;

  const v = alertView(message, { mentions: 3, textChars: 280 });
  const severity = inc ? SEVERITY[inc.level] : message.collector ? 'error' : 'info';
  const links: { href: string; text: string }[] = [];
  for (const l of v.links) links.push({ href: l.url, text: l.label });
  for (const m of v.mentions)
    if (m.url) links.push({ href: m.url, text: truncateChars(`${neutralize(m.who)} (${m.meta})`, 200) });
  return {
    ...event,
    payload: {
      summary: truncateChars(v.title, 1024),
      source,
      severity,
      timestamp: new Date(message.createdAt).toISOString(),
      ...(inc ? { component: oneLine(inc.brandName), group: oneLine(inc.rule) } : {}),
      class: message.kind,
      custom_details: {
        ...(inc
          ? {
              level: `${levelInfo(inc.level).name} (${levelInfo(inc.level).zh})`,
              status: inc.status,
              opened_at: inc.openedAt,
              counts: inc.counts,
              factors: inc.factors.map((f) => ({
                name: f.name,
                value: f.value,
                weight: f.weight,
                explanation: f.explanation,
              })),
            }
          : {}),
        ...(message.collector ? { collector: message.collector } : {}),
        mentions: v.mentions.map((m) => ({
          author: neutralize(m.who),
          meta: m.meta,
          text: neutralize(m.text),
          url: m.url,
        })),
        delivery_id: message.id,
      },
    },
    ...(links.length ? { links } : {}),
    client: 'Earshot',
    ...(safeUrl(inc?.dashboardUrl) ? { client_url: safeUrl(inc?.dashboardUrl) } : {}),
  };
}

export const pagerduty = defineChannel({
  id: 'pagerduty',
  description: 'PagerDuty Events API v2 (trigger / acknowledge / resolve, dedup by incident)',
  options: z.object({
    url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
    /** `payload.source`: the host or service name shown in PagerDuty. */
    source: z.string().min(1).max(255).default('earshot'),
    /** Page for incidents at this level or more severe (1 = critical only). */
    minLevel: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).default(4),
    timeoutMs: z.number().int().positive().max(60_000).optional(),
  }),
  secrets: ['routingKey'],
  limits: { perMinute: 120, maxBytes: MAX_BYTES },
  async send(ctx, opts, message) {
    const routingKey = ctx.secrets.routingKey;
    if (!routingKey) return { ok: false, retry: false, error: 'pagerduty: secret "routingKey" is not set' };
    if (message.kind === 'digest') return { ok: true, skipped: 'PagerDuty takes incidents, not digests' };
    if (
      message.incident &&
      message.incident.level > opts.minLevel &&
      pagerdutyAction(message) === 'trigger'
    ) {
      return { ok: true, skipped: `level ${message.incident.level} is below minLevel ${opts.minLevel}` };
    }
    const r = await postJson(ctx, opts.url, pagerdutyEvent(message, routingKey, opts.source), {
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      interpret: (res) => {
        const b = jsonBody(res);
        return { ok: true, ...(typeof b?.dedup_key === 'string' ? { providerId: b.dedup_key } : {}) };
      },
    });
    return r;
  },
});
