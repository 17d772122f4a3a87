import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { type AlertMessage, defineChannel } from '../types.ts';
import { bodyFailure, jsonBody, postBody } from './_lib/deliver.ts';
import { neutralize } from './_lib/escape.ts';
import { type AlertView, byteLength, shrinkToFit, truncateChars } from './_lib/render.ts';

const MAX_BYTES = 20 * 1024;
/** Feishu custom-bot codes meaning "too many requests": 9499 (gateway) and 11232 (frequency limited). */
const RATE_LIMITED = new Set([9499, 11232]);

/**
 * Feishu custom-bot signature: the key is `${timestamp}\n${secret}` and the message is
 * empty; base64 of the HMAC-SHA256. `timestamp` is in seconds and must be within an hour.
 */
export function signFeishu(secret: string, timestamp: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
}

const TEMPLATE: Record<number, string> = { 1: 'red', 2: 'orange', 3: 'yellow', 4: 'blue' };

const plain = (content: string) => ({ tag: 'plain_text', content });

/**
 * The card carries no markdown at all: every string goes in `plain_text`, so nothing in a
 * post can format, link or `<at user_id="all">`. Our links are buttons.
 */
export function feishuCard(v: AlertView): Record<string, unknown> {
  const elements: Record<string, unknown>[] = [];
  if (v.facts.length) {
    elements.push({
      tag: 'div',
      fields: v.facts.map((f) => ({ is_short: true, text: plain(`${f.label}\n${f.value}`) })),
    });
  }
  for (const s of v.sections)
    elements.push({ tag: 'div', text: plain(`${s.title}\n${s.items.map((i) => `• ${i}`).join('\n')}`) });
  if (v.mentions.length) {
    elements.push({ tag: 'hr' }, { tag: 'div', text: plain(v.mentionsTitle) });
    for (const m of v.mentions) {
      elements.push({
        tag: 'div',
        text: plain(`${neutralize(m.who)} · ${m.meta}\n“${neutralize(m.text)}”`),
        ...(m.url ? { extra: { tag: 'button', text: plain('open'), type: 'default', url: m.url } } : {}),
      });
    }
  }
  if (v.links.length) {
    elements.push({
      tag: 'action',
      actions: v.links.map((l, i) => ({
        tag: 'button',
        text: plain(l.label),
        type: i === 0 ? 'primary' : 'default',
        url: l.url,
      })),
    });
  }
  elements.push({ tag: 'note', elements: [plain(v.footer)] });
  const template = v.emoji === '✅' ? 'green' : v.level ? (TEMPLATE[v.level.level] ?? 'grey') : 'grey';
  return {
    config: { wide_screen_mode: true },
    header: { template, title: plain(truncateChars(v.headline, 200)) },
    elements,
  };
}

export function feishuPayload(
  message: AlertMessage,
  auth?: { timestamp: string; sign: string },
): Record<string, unknown> {
  return shrinkToFit(
    message,
    (v) => ({ ...(auth ?? {}), msg_type: 'interactive', card: feishuCard(v) }),
    (p) => byteLength(JSON.stringify(p)),
    MAX_BYTES,
  );
}

export const feishu = defineChannel({
  id: 'feishu',
  description: 'Feishu / Lark custom bot (interactive card, optional signature)',
  options: z.object({
    /** `https://open.feishu.cn/open-apis/bot/v2/hook/<token>` (Lark: open.larksuite.com). */
    url: z.url(),
    timeoutMs: z.number().int().positive().max(60_000).optional(),
  }),
  secrets: ['secret'],
  limits: { perMinute: 100, perSecond: 5, maxBytes: MAX_BYTES },
  async send(ctx, opts, message) {
    const secret = ctx.secrets.secret;
    const timestamp = String(Math.floor(ctx.clock.now().getTime() / 1000));
    const payload = feishuPayload(
      message,
      secret ? { timestamp, sign: signFeishu(secret, timestamp) } : undefined,
    );
    return postBody(ctx, opts.url, JSON.stringify(payload), {
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      // A rejected message is still HTTP 200: `{ code: 19021, msg: "sign match fail ..." }`.
      interpret: (res) => {
        const b = jsonBody(res);
        const code = Number(b?.code ?? b?.StatusCode ?? 0);
        if (code === 0) return { ok: true };
        return bodyFailure(res, code, String(b?.msg ?? b?.StatusMessage ?? ''), RATE_LIMITED.has(code));
      },
    });
  },
});
