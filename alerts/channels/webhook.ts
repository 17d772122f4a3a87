import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { type AlertMention, type AlertMessage, defineChannel } from '../types.ts';
import { postBody } from './_lib/deliver.ts';
import { byteLength, truncateChars } from './_lib/render.ts';

const MAX_BYTES = 256 * 1024;

/**
 * `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`). Receivers recompute it
 * over the raw body, compare in constant time and reject timestamps older than 5 minutes.
 *
 * @example
 * signWebhook('s3cret', '1767225600', '{"kind":"test"}') // 'sha256=…'
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

function shrink(message: AlertMessage, mentions: number, textChars: number): AlertMessage {
  const cut = (ms: AlertMention[]) =>
    ms.slice(0, mentions).map((m) => ({ ...m, text: truncateChars(m.text, textChars) }));
  return {
    ...message,
    ...(message.incident
      ? { incident: { ...message.incident, mentions: cut(message.incident.mentions) } }
      : {}),
    ...(message.digest
      ? { digest: { ...message.digest, topMentions: cut(message.digest.topMentions) } }
      : {}),
  };
}

/** The AlertMessage as JSON, mentions trimmed only when it would pass the size limit. */
export function webhookBody(message: AlertMessage, maxBytes = MAX_BYTES): string {
  for (const [n, chars] of [
    [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
    [10, 1000],
    [5, 280],
    [0, 0],
  ] as const) {
    const body = JSON.stringify(n === Number.POSITIVE_INFINITY ? message : shrink(message, n, chars));
    if (byteLength(body) <= maxBytes) return body;
  }
  return JSON.stringify(shrink(message, 0, 0));
}

export const webhook = defineChannel({
  id: 'webhook',
  description: 'Generic signed JSON POST of the alert message (X-Earshot-Signature: HMAC-SHA256)',
  options: z.object({
    url: z.url(),
    timeoutMs: z.number().int().positive().max(60_000).optional(),
  }),
  secrets: ['secret'],
  limits: { maxBytes: MAX_BYTES },
  async send(ctx, opts, message) {
    const body = webhookBody(message);
    const timestamp = String(Math.floor(ctx.clock.now().getTime() / 1000));
    const headers: Record<string, string> = {
      'x-earshot-timestamp': timestamp,
      'x-earshot-delivery': message.id,
      'x-earshot-event': message.kind,
    };
    const secret = ctx.secrets.secret;
    if (secret) headers['x-earshot-signature'] = signWebhook(secret, timestamp, body);
    const r = await postBody(ctx, opts.url, body, {
      headers,
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    });
    return r.ok ? { ok: true, providerId: message.id } : r;
  },
});
