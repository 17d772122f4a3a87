import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { type AlertMessage, defineChannel } from '../types.ts';
import { bodyFailure, jsonBody, postJson } from './_lib/deliver.ts';
import { neutralize } from './_lib/escape.ts';
import { byteLength, markdownOf, shrinkToFit, truncateBytes, truncateChars } from './_lib/render.ts';

const MAX_BYTES = 20_000;
/** `send too fast, exceed 20 times per minute`; DingTalk then throttles the robot for 10 minutes. */
const RATE_LIMITED = 130101;
const THROTTLE_MS = 10 * 60_000;

/**
 * DingTalk robot "加签": base64(HMAC-SHA256(key = secret, message = `${timestamp}\n${secret}`)),
 * `timestamp` in milliseconds; both go in the query string (URL-encoded).
 */
export function signDingtalk(secret: string, timestamp: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

/** The robot URL with `timestamp` and `sign` appended when a secret is set. */
export function dingtalkUrl(url: string, secret: string | undefined, now: Date): string {
  if (!secret) return url;
  const u = new URL(url);
  const ts = String(now.getTime());
  u.searchParams.set('timestamp', ts);
  u.searchParams.set('sign', signDingtalk(secret, ts));
  return u.toString();
}

export function dingtalkPayload(message: AlertMessage): {
  msgtype: 'markdown';
  markdown: { title: string; text: string };
} {
  return shrinkToFit(
    message,
    (v) => ({
      msgtype: 'markdown' as const,
      markdown: { title: truncateChars(neutralize(v.title), 100), text: markdownOf(v, 'weak') },
    }),
    (p) => byteLength(p.markdown.text),
    MAX_BYTES,
    (p) => ({ ...p, markdown: { ...p.markdown, text: truncateBytes(p.markdown.text, MAX_BYTES) } }),
  );
}

export const dingtalk = defineChannel({
  id: 'dingtalk',
  description: 'DingTalk custom robot (markdown, optional 加签 signature); 20 messages per minute',
  options: z.object({
    /** `https://oapi.dingtalk.com/robot/send?access_token=<token>` */
    url: z.url(),
    timeoutMs: z.number().int().positive().max(60_000).optional(),
  }),
  secrets: ['secret'],
  limits: { perMinute: 20, maxBytes: MAX_BYTES },
  async send(ctx, opts, message) {
    const url = dingtalkUrl(opts.url, ctx.secrets.secret, ctx.clock.now());
    return postJson(ctx, url, dingtalkPayload(message), {
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      interpret: (res) => {
        const b = jsonBody(res);
        const code = Number(b?.errcode ?? 0);
        if (code === 0) return { ok: true };
        const limited = code === RATE_LIMITED;
        return bodyFailure(res, code, String(b?.errmsg ?? ''), limited, limited ? THROTTLE_MS : undefined);
      },
    });
  },
});
